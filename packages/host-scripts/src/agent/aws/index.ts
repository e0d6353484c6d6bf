export {
  AutoScalingInstanceControl,
  type AutoScalingInstanceControlOptions,
} from './AutoScalingInstanceControl.js';
export { createAwsAgent } from './createAwsAgent.js';
export { ImdsMetadata, type ImdsMetadataOptions } from './ImdsMetadata.js';
export { SfnTaskCallbacks } from './SfnTaskCallbacks.js';
export { SqsWorkQueue, type SqsWorkQueueOptions } from './SqsWorkQueue.js';

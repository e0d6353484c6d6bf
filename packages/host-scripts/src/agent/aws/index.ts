export {
  AutoScalingInstanceControl,
  type AutoScalingInstanceControlOptions,
} from './AutoScalingInstanceControl.js';
export { createAwsAgent } from './createAwsAgent.js';
export { Ec2TagStatusPublisher, type Ec2TagStatusPublisherOptions } from './Ec2TagStatusPublisher.js';
export { ImdsMetadata, type ImdsMetadataOptions } from './ImdsMetadata.js';
export { SfnTaskCallbacks } from './SfnTaskCallbacks.js';
export { SqsWorkQueue, type SqsWorkQueueOptions } from './SqsWorkQueue.js';

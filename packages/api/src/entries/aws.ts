/** `@vodsr/api/aws` — the AWS backend alone (Step Functions, the fleet's status, learned throughput). */
export { AwsJobService, type AwsJobServiceOptions } from '../service/aws/AwsJobService.js';
export {
  type AwsFleetClients,
  type AwsFleetOptions,
  queueUrlOfArn,
  readAwsFleetStatus,
} from '../service/aws/awsFleetStatus.js';
export { type LearnedFromExecutions, learnFromExecutions } from '../service/aws/learnThroughput.js';

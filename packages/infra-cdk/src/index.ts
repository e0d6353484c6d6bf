export {
  type CommandStatusOutcome,
  createCommandStatusHandler,
  SSM_FAILURE_STATUSES,
  SSM_STATUS_DETAIL_TYPES,
  type SsmStatusEvent,
} from './commandStatus/createCommandStatusHandler.js';
export { COMMAND_STATUS_DOCUMENT_ENV, createAwsCommandStatusHandler } from './commandStatus/lambda.js';
export {
  createPlanPackagingHandler,
  type PlanPackagingEvent,
  type PlanPackagingResult,
} from './planner/createPlanPackagingHandler.js';

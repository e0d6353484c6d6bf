export { createVodsrApp, readAppContext, type VodsrAppContext } from './app/createVodsrApp.js';
export {
  type CommandStatusOutcome,
  createCommandStatusHandler,
  SSM_EVENT_FAILURE_STATUSES,
  SSM_FAILURE_STATUSES,
  SSM_STATUS_DETAIL_TYPES,
  type SsmStatusEvent,
} from './commandStatus/createCommandStatusHandler.js';
export { COMMAND_STATUS_DOCUMENT_ENV, createAwsCommandStatusHandler } from './commandStatus/lambda.js';
export {
  BluewhaleHost,
  type BluewhaleHostProps,
  DEFAULT_HEARTBEAT_SECONDS,
  DEFAULT_HOST_INSTANCE_TYPE,
  DEFAULT_ROOT_DEVICE_NAME,
  hostHeartbeatInterval,
} from './constructs/BluewhaleHost.js';
export { VodsrBackfill, type VodsrBackfillProps } from './constructs/VodsrBackfill.js';
export { VodsrNotifications, type VodsrNotificationsProps } from './constructs/VodsrNotifications.js';
export { VodsrPipeline, type VodsrPipelineProps } from './constructs/VodsrPipeline.js';
export { VodsrStack, type VodsrStackProps } from './constructs/VodsrStack.js';
export { VodsrStorage, type VodsrStorageProps } from './constructs/VodsrStorage.js';
export { VodsrTrigger, type VodsrTriggerProps } from './constructs/VodsrTrigger.js';
export { VodsrWorkflow, type VodsrWorkflowProps } from './constructs/VodsrWorkflow.js';
export { lambdaEntry, type VodsrLambdaName } from './constructs/vodsrFunction.js';
export { PLANNER_ROLE_ENV } from './planner/lambda.js';

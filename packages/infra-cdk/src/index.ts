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
export { VodsrBackfill, type VodsrBackfillProps } from './constructs/VodsrBackfill.js';
export {
  AGENT_CONFIG_PATH,
  AGENT_UNIT,
  type AgentConfig,
  DEFAULT_HOST_INSTANCE_TYPE,
  DEFAULT_ROOT_DEVICE_NAME,
  DRAIN_HOOK_NAME,
  FLEET_TAG_KEY,
  G6E_GPUS,
  LAUNCH_HOOK_NAME,
  VodsrFleet,
  type VodsrFleetProps,
  type VodsrFleetWarmPool,
} from './constructs/VodsrFleet.js';
export {
  DEFAULT_HEARTBEAT_SECONDS,
  hostHeartbeatInterval,
  VodsrHostDocument,
  type VodsrHostDocumentProps,
} from './constructs/VodsrHostDocument.js';
export { VodsrNotifications, type VodsrNotificationsProps } from './constructs/VodsrNotifications.js';
export { VodsrPipeline, type VodsrPipelineProps } from './constructs/VodsrPipeline.js';
export { VodsrStack, type VodsrStackProps } from './constructs/VodsrStack.js';
export { VodsrStorage, type VodsrStorageProps } from './constructs/VodsrStorage.js';
export { VodsrTrigger, type VodsrTriggerProps } from './constructs/VodsrTrigger.js';
export { VodsrWorkflow, type VodsrWorkflowProps } from './constructs/VodsrWorkflow.js';
export {
  DEFAULT_WORK_QUEUE_MAX_RECEIVE_COUNT,
  DEFAULT_WORK_QUEUE_VISIBILITY_SECONDS,
  VodsrWorkQueues,
  type VodsrWorkQueuesProps,
  WORK_QUEUE_CONSUMER_ACTIONS,
  WORK_QUEUE_RETENTION_DAYS,
} from './constructs/VodsrWorkQueues.js';
export { lambdaEntry, type VodsrLambdaName } from './constructs/vodsrFunction.js';
export { PLANNER_ROLE_ENV } from './planner/lambda.js';

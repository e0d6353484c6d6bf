export {
  createTriggerHandler,
  DEFAULT_VIDEO_SUFFIXES,
  resolveTriggerConfig,
  type S3NotificationEvent,
  type S3NotificationRecord,
  type StartExecution,
  type TriggerConfig,
  type TriggerLog,
  type TriggerResult,
} from './createTriggerHandler.js';
export { TRIGGER_ENV, triggerConfigFromEnv } from './env.js';
export { handler as triggerLambdaHandler } from './lambda.js';
export { createSfnStarter } from './sfnStarter.js';

/** `@vodsr/core/ingest` — Ingest: the trigger handler logic (S3 records to started executions), its configuration and event types. */
export {
  createTriggerHandler,
  DEFAULT_VIDEO_SUFFIXES,
  mirroredOutputRoot,
  resolveTriggerConfig,
  type S3NotificationEvent,
  type S3NotificationRecord,
  type StartExecution,
  type TriggerConfig,
  type TriggerLog,
  type TriggerResult,
} from '../ingest.js';

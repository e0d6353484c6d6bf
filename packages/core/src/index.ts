/**
 * `@vodsr/core`: the names most code needs. Everything else is in a group, each behind its own subpath:
 * `@vodsr/core/job` (schemas, lifecycle, prepareJob), `/models` (SR models, encoder, filters, FFmpeg argv),
 * `/host` (the host contract), `/naming` (S3 and file names), `/workflow` (the ASL definition),
 * `/ingest` (the trigger's logic) and `/errors` (the error table and classes).
 */

export {
  ERROR_CODES,
  type ErrorCode,
  type ErrorInfo,
  isVodsrError,
  toErrorInfo,
  ValidationError,
  type ValidationIssue,
  VodsrError,
} from './entries/errors.js';
export { buildHostJob, decodeHostJob, encodeHostJob, type HostJob } from './entries/host.js';
export {
  ACTIVE_STATUSES,
  FINAL_STATUSES,
  isFinalStatus,
  JOB_STATUSES,
  type JobOutputs,
  type JobProgress,
  type JobRecord,
  type JobSpec,
  type JobSpecInput,
  type JobStatus,
  type MediaInfo,
  type PrepareJobContext,
  parseJobSpec,
  prepareJob,
  transition,
  type WorkflowInput,
} from './entries/job.js';
export { DEFAULT_MODEL_ID, getModel, listModels, type SrModel } from './entries/models.js';
export { executionName, type Location, parseLocation, parseS3Uri } from './entries/naming.js';
export { buildWorkflowDefinition } from './entries/workflow.js';

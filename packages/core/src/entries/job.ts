/** `@vodsr/core/job` — The job model: schemas (runtime validation + types + JSON Schema), parsing, the status lifecycle, and `prepareJob` (the execution input, built once). */
export { parseJobSpec, type ResolvedModel, resolveModel } from '../jobSpec.js';
export {
  ACTIVE_STATUSES,
  canTransition,
  FINAL_STATUSES,
  isFinalStatus,
  JOB_TRANSITIONS,
  transition,
} from '../lifecycle.js';
export { type PrepareJobContext, prepareJob, type WorkflowInput } from '../prepareJob.js';
export {
  type EncoderSettings,
  type EncoderSettingsInput,
  EncoderSettingsSchema,
  type FilterSpecInput,
  FilterSpecSchema,
  JOB_STATUSES,
  type JobError,
  JobErrorSchema,
  type JobOutputs,
  JobOutputsSchema,
  type JobProgress,
  JobProgressSchema,
  type JobRecord,
  JobRecordSchema,
  type JobSpec,
  type JobSpecInput,
  JobSpecSchema,
  type JobStatus,
  JobStatusSchema,
  type MediaInfo,
  MediaInfoSchema,
  type PackagingSpec,
  type PackagingSpecInput,
  PackagingSpecSchema,
  VIDEO_CODECS,
  type VideoCodec,
} from '../schemas.js';

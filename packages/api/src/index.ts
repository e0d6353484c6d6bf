export { AwsJobService, type AwsJobServiceOptions, toJobRecord } from './aws/AwsJobService.js';
export {
  DEV_INSTANCE_ID,
  type DevJobResult,
  type DevPipeline,
  type DevPipelineOptions,
  type DevTriggerInvocation,
  type PublishedOutputs,
  startDevPipeline,
} from './dev/devPipeline.js';
export { LOCAL_S3_ENV, type LocalS3, type LocalS3Options, startLocalS3 } from './dev/localS3.js';
export { type LocalS3EventRecord, type NormalizedS3Record, normalizeLocalS3Event } from './dev/s3Events.js';
export {
  type BuildAppOptions,
  buildApp,
  isLoopback,
  type ServeApiOptions,
  serveApi,
} from './http/buildApp.js';
export { type Problem, toProblem } from './http/problem.js';
export { API_ROUTES, type RouteContext, type RoutePlugin } from './http/routes/index.js';
export { chooseLocalModel, type LocalModelChoice, listFfmpegFilters } from './local/ffmpegFilters.js';
export { JobStore } from './local/JobStore.js';
export {
  type LocalExecutionContext,
  type LocalExecutor,
  LocalJobService,
  type LocalJobServiceOptions,
} from './local/LocalJobService.js';
export { mediaType, publishOutputs } from './local/publishOutputs.js';
export { localS3Client } from './local/s3Client.js';
export { createWorkflowExecutor, type WorkflowExecutorOptions } from './local/workflowExecutor.js';
export { HttpJobService, type HttpJobServiceOptions, parseSseBlock } from './remote/HttpJobService.js';
export type {
  BackendKind,
  JobEvent,
  JobEventType,
  JobPage,
  JobService,
  ListOptions,
  SubmitOptions,
  SubmitResult,
  WatchOptions,
} from './types.js';
export { childLocation, MediaReader, MediaSigner, parseRange } from './viewer/mediaAccess.js';
export {
  createViewerRoutes,
  type JobMedia,
  VIEWER_PUBLIC_PREFIXES,
  type ViewerOptions,
} from './viewer/viewerRoutes.js';

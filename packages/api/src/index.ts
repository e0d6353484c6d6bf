export {
  type BuildAppOptions,
  buildApp,
  isLoopback,
  type ServeApiOptions,
  serveApi,
} from './http/buildApp.js';
export { type Problem, toProblem } from './http/problem.js';
export { API_ROUTES, type RouteContext, type RoutePlugin } from './http/routes/index.js';
export { AwsJobService, type AwsJobServiceOptions, toJobRecord } from './service/aws/AwsJobService.js';
export { chooseLocalModel, type LocalModelChoice, listFfmpegFilters } from './service/local/ffmpegFilters.js';
export { JobStore } from './service/local/JobStore.js';
export { LocalJobService } from './service/local/LocalJobService.js';
export { mediaType, publishOutputs } from './service/local/publishOutputs.js';
export { LOCAL_S3_ENV, localS3Client } from './service/local/s3Client.js';
export type {
  LocalExecutionContext,
  LocalExecutor,
  LocalJobServiceOptions,
} from './service/local/types.js';
export { createWorkflowExecutor, type WorkflowExecutorOptions } from './service/local/workflowExecutor.js';
export {
  HttpJobService,
  type HttpJobServiceOptions,
  parseSseBlock,
} from './service/remote/HttpJobService.js';
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
} from './service/types.js';
export { childLocation, MediaReader, MediaSigner, parseRange } from './viewer/mediaAccess.js';
export {
  createViewerRoutes,
  type JobMedia,
  VIEWER_PUBLIC_PREFIXES,
  type ViewerOptions,
} from './viewer/viewerRoutes.js';

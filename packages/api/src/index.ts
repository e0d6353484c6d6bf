// The job service (src/service: local, AWS and remote backends over one interface), the HTTP API over it
// (src/http) and the viewer (src/viewer, a route plugin). Folder rule: service ← http ← viewer (see README).
export { type BuildAppOptions, buildApp, type ServeApiOptions, serveApi } from './http/buildApp.js';
export type { Problem } from './http/problem.js';
export { API_ROUTES, type RouteContext, type RoutePlugin } from './http/routes/index.js';
export { AwsJobService, type AwsJobServiceOptions } from './service/aws/AwsJobService.js';
export {
  type AwsFleetClients,
  type AwsFleetOptions,
  queueUrlOfArn,
  readAwsFleetStatus,
} from './service/aws/awsFleetStatus.js';
export { type LearnedFromExecutions, learnFromExecutions } from './service/aws/learnThroughput.js';
export {
  type BackfillRecord,
  BackfillRegistry,
  type BackfillRegistryDeps,
  type BackfillRequest,
} from './service/backfill/BackfillRegistry.js';
export {
  estimateFor,
  type FleetInstance,
  fleetHourlyUsd,
  type GuessedMedia,
  mediaFromSize,
  probeMedia,
  SIZE_GUESS,
  sumEstimates,
} from './service/backfill/estimates.js';
export {
  type BackfillLocation,
  listS3Objects,
  parseBackfillLocation,
} from './service/backfill/listObjects.js';
export {
  type BackfillEstimate,
  type BackfillEvent,
  type BackfillPlanSummary,
  type BackfillRunProgress,
  type BackfillRunResult,
  type BackfillTarget,
  type LearnedEstimate,
  type RunBackfillOptions,
  runBackfill,
  summarizePlan,
} from './service/backfill/runBackfill.js';
export {
  awsBackfillTarget,
  type StartsExecutions,
  serviceBackfillTarget,
  startsExecutions,
} from './service/backfill/targets.js';
export { chooseLocalModel, type LocalModelChoice, listFfmpegFilters } from './service/local/ffmpegFilters.js';
export { LocalJobService } from './service/local/LocalJobService.js';
export { LOCAL_S3_ENV, localS3Client } from './service/local/s3Client.js';
export type {
  LocalExecutionContext,
  LocalExecutor,
  LocalJobServiceOptions,
} from './service/local/types.js';
export { createWorkflowExecutor, type WorkflowExecutorOptions } from './service/local/workflowExecutor.js';
export { type RunnableModel, runnableModel, runnableModelId } from './service/modelFallback.js';
export { HttpJobService, type HttpJobServiceOptions } from './service/remote/HttpJobService.js';
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
export {
  createViewerRoutes,
  type JobMedia,
  VIEWER_PUBLIC_PREFIXES,
  type ViewerOptions,
} from './viewer/viewerRoutes.js';

export { AwsJobService, type AwsJobServiceOptions, toJobRecord } from './aws/AwsJobService.js';
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

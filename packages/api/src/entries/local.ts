/**
 * `@vodsr/api/local` — the local backend alone (the embedded database, the in-process workflow, the local
 * host): what `vodsr run` needs, without the HTTP server, the viewer or the AWS backend.
 */
export {
  chooseLocalModel,
  type LocalModelChoice,
  listFfmpegFilters,
} from '../service/local/ffmpegFilters.js';
export { LocalJobService } from '../service/local/LocalJobService.js';
export type {
  LocalExecutionContext,
  LocalExecutor,
  LocalJobServiceOptions,
} from '../service/local/types.js';

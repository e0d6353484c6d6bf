/** `@vodsr/core/models` — SR models and the FFmpeg they run: the model registry, encoder settings, filter specs and the SR argv builder. */
export { cpuFallback, encoderArgs, isNvenc, NVENC_DEFAULTS } from '../encoder.js';
export { buildSrArgs, ffmpegPath, type SrArgsOptions, srFilterChain } from '../ffmpegArgs.js';
export {
  assertValidFilter,
  escapeFilterValue,
  type FilterSpec,
  renderFilter,
  renderFilterChain,
} from '../filters.js';
export {
  assertScale,
  CUSTOM_MODEL_ID,
  DEFAULT_MODEL_ID,
  DEFAULT_OPEN_MODEL_ID,
  getModel,
  listModels,
  type ModelEngine,
  SR_MODELS,
  type SrModel,
} from '../models.js';

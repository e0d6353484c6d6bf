// `vodsr` as a library: the parser (`buildCli`, `main`), each command's plain function (what its yargs module
// lazy-imports; call it with an `Io`), the exit codes, and `vodsr dev`'s pipeline.
export { COMMANDS } from './commands/index.js';
export {
  DEV_INSTANCE_ID,
  type DevJobResult,
  type DevPipeline,
  type DevPipelineOptions,
  type DevTriggerInvocation,
  type PublishedOutputs,
  startDevPipeline,
} from './dev/devPipeline.js';
export { type LocalS3, type LocalS3Options, startLocalS3 } from './dev/localS3.js';
export { EXIT, type ExitCode } from './exitCodes.js';
export { type BackfillArgs, type BackfillDeps, backfillCommand } from './handlers/backfill.js';
export { type CancelArgs, cancelCommand } from './handlers/cancel.js';
export { type DevArgs, devCommand } from './handlers/dev.js';
export { type EstimateArgs, type EstimatedSource, estimateCommand } from './handlers/estimate.js';
export { fleetCommand, formatFleet } from './handlers/fleet.js';
export { type HostCommandArgs, hostCommandCommand } from './handlers/hostCommand.js';
export { type ListArgs, listCommand } from './handlers/list.js';
export { modelsCommand } from './handlers/models.js';
export { type PresetShowArgs, presetsListCommand, presetsShowCommand } from './handlers/presets.js';
export { type RetryArgs, retryCommand } from './handlers/retry.js';
export { jobFromArgs, type RunArgs, runCommand } from './handlers/run.js';
export { type ServeArgs, serveCommand } from './handlers/serve.js';
export { statusCommand } from './handlers/status.js';
export { type SubmitArgs, submitCommand } from './handlers/submit.js';
export { watchCommand } from './handlers/watch.js';
export { type Io, processIo } from './io.js';
export { buildCli, DEFAULT_CONFIG_FILE, main } from './main.js';
export { DEFAULT_DATA_DIR, DEFAULT_OUTPUT_DIR, type GlobalOptions } from './options.js';

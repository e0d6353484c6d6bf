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
export { EXIT, type ExitCode, exitCodeForError, exitCodeForStatus } from './exitCodes.js';
export { describeJob, jobTable } from './format.js';
export { cancelCommand } from './handlers/cancel.js';
export { guarded, reportError } from './handlers/common.js';
export { type HostCommandArgs, hostCommandCommand } from './handlers/hostCommand.js';
export { type ListArgs, listCommand } from './handlers/list.js';
export { modelsCommand } from './handlers/models.js';
export {
  type PresetShowArgs,
  presetsListCommand,
  presetsShowCommand,
  shellQuote,
} from './handlers/presets.js';
export { jobFromArgs, pickLocalModel, type RunArgs, runCommand } from './handlers/run.js';
export { type ServeArgs, serveCommand } from './handlers/serve.js';
export { statusCommand } from './handlers/status.js';
export { type SubmitArgs, submitCommand } from './handlers/submit.js';
export { watchCommand } from './handlers/watch.js';
export { type Io, memoryIo, processIo } from './io.js';
export { buildCli, DEFAULT_CONFIG_FILE, main } from './main.js';
export { DEFAULT_DATA_DIR, DEFAULT_OUTPUT_DIR, type GlobalOptions } from './options.js';
export { followJob } from './progress.js';
export { backendOf, openService } from './services.js';

export * from './fleet/index.js';
export { LocalCommandRunner, type LocalCommandRunnerOptions } from './LocalCommandRunner.js';
export { SsmCommandRunner, type SsmCommandRunnerOptions } from './SsmCommandRunner.js';
export type { CommandRunner, HostRunResult, RunOptions } from './types.js';

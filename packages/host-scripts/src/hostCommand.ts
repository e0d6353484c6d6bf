import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { decodeHostJob, encodeHostJob, type HostJob } from '@vodsr/core';
import { hostShellCommand } from '@vodsr/core/host';

/**
 * This package's folder, found through its own `package.json` (a self-reference), not through this module's
 * location: the paths below stay right when this module is bundled into another package (the `vodsr` CLI's
 * bundle), as long as `@vodsr/host-scripts` is installed where that bundle resolves its dependencies.
 */
const PACKAGE_DIR = dirname(createRequire(import.meta.url).resolve('@vodsr/host-scripts/package.json'));

/** Absolute path of the `vodsr-host` runner shipped in this package (`bin/vodsr-host`). */
export const HOST_SCRIPT_PATH: string = join(PACKAGE_DIR, 'bin', 'vodsr-host');

/** Absolute path of the idempotent host install script (`bin/vodsr-host-install`). */
export const INSTALL_SCRIPT_PATH: string = join(PACKAGE_DIR, 'bin', 'vodsr-host-install');

/** Where the install script puts the runner on a GPU host. */
export const DEFAULT_RUNNER_PATH = '/opt/vodsr/bin/vodsr-host';

/** Options of {@link hostCommand}. */
export interface HostCommandOptions {
  /** Absolute path of the runner on the host; only `[A-Za-z0-9._/-]`. Default {@link DEFAULT_RUNNER_PATH}. */
  readonly runnerPath?: string;
  /** Base64 of a Step Functions task token: the runner then heartbeats and calls back. */
  readonly taskTokenB64?: string;
}

/**
 * The `commands` parameter of an `AWS-RunShellScript` SSM command that runs one host job: core's
 * `hostShellCommand` (`exec '<runner>' run --job-b64=… [--task-token-b64=…]`). The job travels as base64 (a
 * string is passed on exactly as given), so the command holds only base64 and fixed words: no object key, however
 * hostile, is ever part of shell syntax. Throws `VODSR_VALIDATION` for a malformed job or option.
 *
 * @example
 * await ssm.send(new SendCommandCommand({ DocumentName: 'AWS-RunShellScript', InstanceIds: [id],
 *   Parameters: { commands: hostCommand(input.hostJobB64) } }));
 */
export function hostCommand(job: HostJob | string, opts: HostCommandOptions = {}): string[] {
  const jobB64 = typeof job === 'string' ? job : encodeHostJob(job);
  decodeHostJob(jobB64);
  return [
    hostShellCommand({
      runnerPath: opts.runnerPath ?? DEFAULT_RUNNER_PATH,
      jobB64,
      ...(opts.taskTokenB64 === undefined ? {} : { taskTokenB64: opts.taskTokenB64 }),
    }),
  ];
}

/** Absolute path of the host agent's launcher shipped in this package (`bin/vodsr-agent`). */
export const AGENT_LAUNCHER_PATH: string = join(PACKAGE_DIR, 'bin', 'vodsr-agent');

/** Absolute path of the bundled host agent (`dist/agent/vodsr-agent.mjs`, built by `npm run bundle:agent`). */
export const AGENT_BUNDLE_PATH: string = join(PACKAGE_DIR, 'dist', 'agent', 'vodsr-agent.mjs');

import { fileURLToPath } from 'node:url';
import { decodeHostJob, encodeHostJob, type HostJob, ValidationError } from '@vodsr/core';

/** Absolute path of the `vodsr-host` runner shipped in this package (`bin/vodsr-host`). */
export const HOST_SCRIPT_PATH: string = fileURLToPath(new URL('../bin/vodsr-host', import.meta.url));

/** Absolute path of the idempotent host install script (`bin/vodsr-host-install`). */
export const INSTALL_SCRIPT_PATH: string = fileURLToPath(
  new URL('../bin/vodsr-host-install', import.meta.url),
);

/** Where the install script puts the runner on a GPU host. */
export const DEFAULT_RUNNER_PATH = '/opt/vodsr/bin/vodsr-host';

/** Options of {@link hostCommand}. */
export interface HostCommandOptions {
  /** Absolute path of the runner on the host; only `[A-Za-z0-9._/-]`. Default {@link DEFAULT_RUNNER_PATH}. */
  readonly runnerPath?: string;
  /** Base64 of a Step Functions task token: the runner then heartbeats and calls back. */
  readonly taskTokenB64?: string;
}

const SAFE_PATH = /^\/[A-Za-z0-9._/-]+$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * The `commands` parameter of an `AWS-RunShellScript` SSM command that runs one host job.
 * The job travels as base64, so the command holds only base64 and fixed words: no object key, however
 * hostile, is ever part of shell syntax. Throws `VODSR_VALIDATION` for a malformed job or option.
 *
 * @example
 * await ssm.send(new SendCommandCommand({ DocumentName: 'AWS-RunShellScript', InstanceIds: [id],
 *   Parameters: { commands: hostCommand(hostJob) } }));
 */
export function hostCommand(job: HostJob, opts: HostCommandOptions = {}): string[] {
  const b64 = encodeHostJob(job);
  decodeHostJob(b64);
  const runner = opts.runnerPath ?? DEFAULT_RUNNER_PATH;
  const issues = [];
  if (!SAFE_PATH.test(runner) || runner.includes('..')) {
    issues.push({ path: '/runnerPath', message: 'must be an absolute path of [A-Za-z0-9._/-] without ..' });
  }
  if (opts.taskTokenB64 !== undefined && !BASE64.test(opts.taskTokenB64)) {
    issues.push({ path: '/taskTokenB64', message: 'must be base64' });
  }
  if (issues.length) throw new ValidationError('host command options', issues);
  // exec: the runner replaces the shell, so a cancel's SIGTERM reaches it (and its cleanup) directly.
  const words = ['exec', runner, '--job-b64', b64];
  if (opts.taskTokenB64 !== undefined) words.push('--task-token-b64', opts.taskTokenB64);
  return [words.join(' ')];
}

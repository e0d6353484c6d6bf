import { type ChildProcess, spawn } from 'node:child_process';
import { decodeHostJob, VodsrError } from '@vodsr/core';
import { hostCommandArgv } from '@vodsr/core/host';
import { HOST_SCRIPT_PATH } from '@vodsr/host-scripts';
import { HostOutputReader, settle } from './hostOutput.js';
import type { CommandRunner, HostRunResult, RunOptions } from './types.js';

/** Options of {@link LocalCommandRunner}. */
export interface LocalCommandRunnerOptions {
  /** The runner script. @default HOST_SCRIPT_PATH of `@vodsr/host-scripts` */
  readonly scriptPath?: string;
  /** Extra environment for the runner (added to this process's environment). */
  readonly env?: Record<string, string>;
  /** S3-compatible endpoint for the runner's aws CLI (`VODSR_S3_ENDPOINT_URL`). */
  readonly s3EndpointUrl?: string;
  /** `VODSR_WORK_ROOT`: where per-job work directories go. */
  readonly workRoot?: string;
  /** `VODSR_LOCK_DIR`: where the slot locks live. */
  readonly lockDir?: string;
  /** `VODSR_SLOTS`: jobs allowed at once on this machine. */
  readonly slots?: number;
  /** Grace period between SIGTERM and SIGKILL on abort. @default 10000 */
  readonly killGraceMs?: number;
  /** Called with each runner process as it starts (the local fleet tracks them to kill a "dead host"). */
  readonly onSpawn?: (child: ChildProcess) => void;
}

/**
 * Runs the host script on this machine as a child process: the embedded default (no AWS needed).
 * Streams its progress and resolves with the same result type as {@link SsmCommandRunner}.
 *
 * @example
 * const runner = new LocalCommandRunner({ workRoot: '/tmp/vodsr-work', lockDir: '/tmp/vodsr-locks' });
 * const result = await runner.run(input.hostJobB64, { onProgress: (p) => console.log(p.stage, p.percent) });
 */
export class LocalCommandRunner implements CommandRunner {
  private readonly opts: LocalCommandRunnerOptions;

  public constructor(opts: LocalCommandRunnerOptions = {}) {
    this.opts = opts;
  }

  /**
   * Runs one job (base64 HostJob, passed to the runner unchanged); rejects with `VODSR_VALIDATION` for a malformed
   * job, a `VodsrError` carrying the host's code, or `VODSR_CANCELLED` on abort.
   */
  public run(hostJobB64: string, opts: RunOptions = {}): Promise<HostRunResult> {
    let job: { jobId: string };
    let argv: string[];
    try {
      job = decodeHostJob(hostJobB64);
      argv = hostCommandArgv({
        runnerPath: this.opts.scriptPath ?? HOST_SCRIPT_PATH,
        jobB64: hostJobB64,
        ...(opts.taskTokenB64 === undefined ? {} : { taskTokenB64: opts.taskTokenB64 }),
        ...(opts.slot === undefined ? {} : { slot: opts.slot }),
        ...(opts.lease === undefined ? {} : { lease: opts.lease }),
      });
    } catch (e) {
      return Promise.reject(e);
    }
    const { signal } = opts;
    if (signal?.aborted) return Promise.reject(cancelled(job.jobId));
    const [runner = '', ...args] = argv;
    const env: NodeJS.ProcessEnv = { ...process.env, ...this.opts.env, ...opts.env };
    if (this.opts.s3EndpointUrl) env.VODSR_S3_ENDPOINT_URL = this.opts.s3EndpointUrl;
    if (this.opts.workRoot) env.VODSR_WORK_ROOT = this.opts.workRoot;
    if (this.opts.lockDir) env.VODSR_LOCK_DIR = this.opts.lockDir;
    if (this.opts.slots !== undefined) env.VODSR_SLOTS = String(this.opts.slots);

    return new Promise<HostRunResult>((resolve, reject) => {
      // Its own process group (the runner and its ffmpeg), watched by a sidecar that ends the group when this
      // process dies, however it dies (kill -9 included): no orphan keeps a GPU slot or writes after its owner.
      const child = spawn(runner, args, {
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      });
      this.opts.onSpawn?.(child);
      const watchdog = child.pid === undefined ? undefined : startWatchdog(child.pid);
      opts.onProcessGroup?.(child.pid);
      const reader = new HostOutputReader(opts);
      let aborted = false;
      let killTimer: NodeJS.Timeout | undefined;
      const onAbort = () => {
        aborted = true;
        child.kill('SIGTERM'); // the runner's trap cleans its work dir and stops its ffmpeg
        killTimer = setTimeout(() => killGroup(child.pid, 'SIGKILL'), this.opts.killGraceMs ?? 10_000);
        killTimer.unref();
      };
      signal?.addEventListener('abort', onAbort, { once: true });

      lines(child.stdout, (l) => reader.line(l));
      lines(child.stderr, (l) => opts.onLog?.(l));
      child.on('error', (e) => {
        signal?.removeEventListener('abort', onAbort);
        watchdog?.stdin?.end();
        reject(
          new VodsrError('VODSR_HOST_FAILED', `cannot start the host runner: ${e.message}`, { cause: e }),
        );
      });
      child.on('close', (code, sig) => {
        signal?.removeEventListener('abort', onAbort);
        if (killTimer) clearTimeout(killTimer);
        // whatever the runner left behind in its group goes with it; the watchdog's work is done
        killGroup(child.pid, 'SIGKILL');
        watchdog?.stdin?.end();
        if (aborted) {
          reject(cancelled(job.jobId));
          return;
        }
        try {
          resolve(
            settle(
              reader.result,
              code ?? undefined,
              { jobId: job.jobId, signal: sig ?? undefined },
              'the host runner ended without a result',
            ),
          );
        } catch (e) {
          reject(e);
        }
      });
    });
  }
}

/**
 * The watchdog: a small detached `sh` process holding a pipe from this one. When the pipe ends (this process
 * exited or was killed — the kernel closes the pipe even on SIGKILL — or the runner finished and this process
 * ended it), it sends SIGTERM to the process group if any of it is left, then SIGKILL after a second, and exits.
 * A POSIX shell, not a second Node: it starts in about a millisecond instead of a Node start per job.
 */
const WATCHDOG_SCRIPT =
  'read -r _ || :; kill -0 -"$1" 2>/dev/null || exit 0; kill -TERM -"$1" 2>/dev/null; sleep 1; ' +
  'kill -KILL -"$1" 2>/dev/null; exit 0';

function startWatchdog(pgid: number): ChildProcess | undefined {
  try {
    const w = spawn('/bin/sh', ['-c', WATCHDOG_SCRIPT, 'vodsr-watchdog', String(pgid)], {
      stdio: ['pipe', 'ignore', 'ignore'],
      detached: true,
      env: { PATH: '/usr/bin:/bin' },
    });
    w.on('error', () => undefined);
    w.stdin?.on('error', () => undefined);
    w.unref();
    (w.stdin as unknown as { unref?: () => void } | null)?.unref?.();
    return w;
  } catch {
    return undefined;
  }
}

/** Signals a whole process group (a group already gone is fine). */
function killGroup(pgid: number | undefined, sig: NodeJS.Signals): void {
  if (pgid === undefined) return;
  try {
    process.kill(-pgid, sig);
  } catch {
    // ESRCH: nothing left
  }
}

function cancelled(jobId: string): VodsrError {
  return new VodsrError('VODSR_CANCELLED', `job ${jobId} was cancelled`, { details: { jobId } });
}

function lines(stream: NodeJS.ReadableStream | null, onLine: (l: string) => void): void {
  if (!stream) return;
  let pending = '';
  stream.setEncoding('utf8');
  stream.on('data', (d: string) => {
    pending += d;
    let i = pending.indexOf('\n');
    while (i >= 0) {
      onLine(pending.slice(0, i));
      pending = pending.slice(i + 1);
      i = pending.indexOf('\n');
    }
  });
  stream.on('end', () => {
    if (pending) onLine(pending);
    pending = '';
  });
}

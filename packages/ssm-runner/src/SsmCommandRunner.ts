import type { GetCommandInvocationCommandOutput, SSMClient } from '@aws-sdk/client-ssm';
import { VodsrError } from '@vodsr/core';
import { decodeHostJob, executionTimeoutSeconds } from '@vodsr/core/host';
import { DEFAULT_RUNNER_PATH, hostCommand } from '@vodsr/host-scripts';
import { HostOutputReader, settle } from './hostOutput.js';
import type { CommandRunner, HostRunResult, RunOptions } from './types.js';

/** Options of {@link SsmCommandRunner}. */
export interface SsmCommandRunnerOptions {
  /** An SSM client (region and credentials are the caller's business). */
  readonly client: SSMClient;
  /** The GPU host's instance id. */
  readonly instanceId: string;
  /** Path of the runner on the host. @default DEFAULT_RUNNER_PATH (`/opt/vodsr/bin/vodsr-host`) */
  readonly runnerPath?: string;
  /** A document taking `commands` and `executionTimeout` like AWS-RunShellScript. @default 'AWS-RunShellScript' */
  readonly documentName?: string;
  /** CloudWatch log group for the full output (GetCommandInvocation keeps only 24,000 characters of it). */
  readonly cloudWatchLogGroup?: string;
  /** Time between two GetCommandInvocation calls. @default 5000 */
  readonly pollIntervalMs?: number;
  /** Seconds SSM may take to deliver the command to the instance (`TimeoutSeconds`, 30..2592000). @default 600 */
  readonly deliveryTimeoutSeconds?: number;
  /** How long `InvocationDoesNotExist` counts as "not registered yet" after SendCommand. @default 60000 */
  readonly invocationGraceMs?: number;
  /** Attempts for a throttled call before giving up. @default 8 */
  readonly maxThrottleRetries?: number;
  /** Injected for tests. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Injected for tests: a number in [0, 1) (jitter). */
  readonly random?: () => number;
}

/** Statuses after which the command may still end well: keep waiting. */
const WAITING = new Set(['Pending', 'InProgress', 'Delayed', 'Cancelling']);
const THROTTLE_NAMES = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'TooManyUpdates',
]);
const UNDELIVERABLE = new Set(['Undeliverable', 'InvalidPlatform', 'AccessDenied', 'DeliveryTimedOut']);
/** Marker the SSM agent appends to truncated output. */
const TRUNCATED = '--output truncated--';

/**
 * Runs the host script on a GPU host over SSM Run Command (AWS-RunShellScript) and waits for its end,
 * handling every command status, the `InvocationDoesNotExist` race right after SendCommand, throttling
 * (exponential backoff with full jitter) and cancellation through an `AbortSignal`.
 *
 * @example
 * const runner = new SsmCommandRunner({ client: new SSMClient({}), instanceId: 'i-0123456789abcdef0' });
 * const result = await runner.run(input.hostJobB64, { durationSeconds: 600 });
 */
export class SsmCommandRunner implements CommandRunner {
  private readonly o: SsmCommandRunnerOptions;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;

  public constructor(opts: SsmCommandRunnerOptions) {
    if (!/^(i|mi)-[0-9a-f]{8,17}$/.test(opts.instanceId)) {
      throw new VodsrError('VODSR_VALIDATION', `Invalid instance id "${opts.instanceId}"`, {
        details: { issues: [{ path: '/instanceId', message: 'must look like i-0123456789abcdef0' }] },
      });
    }
    this.o = opts;
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.random = opts.random ?? Math.random;
  }

  /**
   * Sends the job (base64 HostJob, carried to the host unchanged) and waits for the command's end; rejects with a
   * coded `VodsrError` (`VODSR_VALIDATION` for a malformed job, before anything is sent).
   */
  public async run(hostJobB64: string, opts: RunOptions = {}): Promise<HostRunResult> {
    const job = decodeHostJob(hostJobB64);
    const { signal } = opts;
    if (signal?.aborted) throw cancelled(job.jobId);
    // The SSM client's commands load with the first run, not with this package (whose local runner needs no SDK).
    const { CancelCommandCommand, GetCommandInvocationCommand, SendCommandCommand } = await import(
      '@aws-sdk/client-ssm'
    );
    const executionTimeout = executionTimeoutSeconds(opts.durationSeconds);
    const commands = hostCommand(hostJobB64, {
      runnerPath: this.o.runnerPath ?? DEFAULT_RUNNER_PATH,
      ...(opts.taskTokenB64 === undefined ? {} : { taskTokenB64: opts.taskTokenB64 }),
    });
    const send = await this.call('SendCommand', signal, job.jobId, () =>
      this.o.client.send(
        new SendCommandCommand({
          DocumentName: this.o.documentName ?? 'AWS-RunShellScript',
          InstanceIds: [this.o.instanceId],
          Parameters: { commands, executionTimeout: [String(executionTimeout)] },
          TimeoutSeconds: this.o.deliveryTimeoutSeconds ?? 600,
          Comment: `vodsr job ${job.jobId}`.slice(0, 100),
          CloudWatchOutputConfig: {
            CloudWatchOutputEnabled: true,
            ...(this.o.cloudWatchLogGroup ? { CloudWatchLogGroupName: this.o.cloudWatchLogGroup } : {}),
          },
        }),
      ),
    );
    const commandId = send.Command?.CommandId;
    if (!commandId) throw new VodsrError('VODSR_AWS_ERROR', 'SendCommand returned no command id');
    const details = { jobId: job.jobId, commandId, instanceId: this.o.instanceId };

    const reader = new HostOutputReader(opts);
    const sentAt = Date.now();
    let waitedMs = 0;
    let seenLines = 0;
    let cancelSent = false;
    const cancel = async () => {
      if (cancelSent) return;
      cancelSent = true;
      try {
        await this.o.client.send(
          new CancelCommandCommand({ CommandId: commandId, InstanceIds: [this.o.instanceId] }),
        );
      } catch (e) {
        opts.onLog?.(`CancelCommand ${commandId} failed: ${(e as Error).message ?? e}`);
      }
    };

    for (;;) {
      if (signal?.aborted) {
        await cancel();
        throw cancelled(job.jobId, details);
      }
      await this.pause(this.o.pollIntervalMs ?? 5000, signal);
      waitedMs += this.o.pollIntervalMs ?? 5000;
      if (signal?.aborted) continue;
      let inv: GetCommandInvocationCommandOutput;
      try {
        inv = await this.call('GetCommandInvocation', signal, job.jobId, () =>
          this.o.client.send(
            new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: this.o.instanceId }),
          ),
        );
      } catch (e) {
        if (errorName(e) === 'InvocationDoesNotExist') {
          // SSM registers the invocation a moment after SendCommand returns.
          const grace = this.o.invocationGraceMs ?? 60_000;
          if (Math.max(waitedMs, Date.now() - sentAt) < grace) continue;
          throw new VodsrError(
            'VODSR_SSM_UNDELIVERABLE',
            `SSM never registered command ${commandId} on ${this.o.instanceId}`,
            {
              details,
              cause: e,
            },
          );
        }
        throw e;
      }
      // Output may arrive while the command runs: pass on the lines not seen yet.
      const out = inv.StandardOutputContent ?? '';
      const outLines = out.split('\n').filter((l) => l.length > 0);
      for (const l of outLines.slice(seenLines)) reader.line(l);
      seenLines = Math.max(seenLines, outLines.length);

      const status = inv.Status ?? 'Pending';
      if (WAITING.has(status)) continue;
      const d = { ...details, status, statusDetails: inv.StatusDetails, responseCode: inv.ResponseCode };
      // StatusDetails reads "Execution Timed Out" in GetCommandInvocation and "ExecutionTimedOut" elsewhere.
      const sd = (inv.StatusDetails ?? '').replace(/\s+/g, '');
      if (inv.StandardErrorContent) {
        for (const l of inv.StandardErrorContent.split('\n')) if (l) opts.onLog?.(l);
      }
      switch (status) {
        case 'Success':
          return settle(
            reader.result,
            inv.ResponseCode ?? 0,
            d,
            noResultMessage(out, this.o.cloudWatchLogGroup),
          );
        case 'Failed':
          if (sd === 'ExecutionTimedOut') {
            throw new VodsrError(
              'VODSR_SSM_COMMAND_TIMED_OUT',
              `SSM command ${commandId} ran past its executionTimeout of ${executionTimeout}s`,
              {
                details: { ...d, executionTimeout },
              },
            );
          }
          if (!reader.result && UNDELIVERABLE.has(sd)) {
            throw new VodsrError(
              'VODSR_SSM_UNDELIVERABLE',
              `SSM could not run the command on ${this.o.instanceId}: ${inv.StatusDetails}`,
              {
                details: d,
              },
            );
          }
          if (reader.result || (inv.ResponseCode !== undefined && inv.ResponseCode > 0)) {
            return settle(
              reader.result,
              inv.ResponseCode,
              d,
              noResultMessage(out, this.o.cloudWatchLogGroup),
            );
          }
          throw new VodsrError(
            'VODSR_SSM_COMMAND_FAILED',
            `SSM command ${commandId} failed (${inv.StatusDetails ?? 'Failed'})`,
            {
              details: d,
            },
          );
        case 'TimedOut':
          throw new VodsrError(
            sd === 'DeliveryTimedOut' ? 'VODSR_SSM_UNDELIVERABLE' : 'VODSR_SSM_COMMAND_TIMED_OUT',
            `SSM command ${commandId} timed out (${inv.StatusDetails ?? 'TimedOut'}; executionTimeout ${executionTimeout}s)`,
            { details: { ...d, executionTimeout } },
          );
        case 'Cancelled':
          throw new VodsrError(
            'VODSR_SSM_COMMAND_CANCELLED',
            `SSM command ${commandId} was cancelled (${inv.StatusDetails ?? 'Cancelled'})`,
            {
              details: d,
            },
          );
        default:
          // An unknown status: keep waiting rather than guessing.
          opts.onLog?.(`SSM command ${commandId}: unexpected status ${status}, still waiting`);
      }
    }
  }

  /** Calls an SSM API, retrying throttling with exponential backoff and full jitter. */
  private async call<T>(
    what: string,
    signal: AbortSignal | undefined,
    jobId: string,
    fn: () => Promise<T>,
  ): Promise<T> {
    const max = this.o.maxThrottleRetries ?? 8;
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn();
      } catch (e) {
        const name = errorName(e);
        if (name === 'InvocationDoesNotExist') throw e;
        if (!isThrottle(e) || attempt >= max) {
          throw new VodsrError(
            'VODSR_AWS_ERROR',
            `SSM ${what} failed: ${name ?? ''} ${(e as Error).message ?? e}`.trim(),
            {
              cause: e,
              details: { jobId, api: what, name },
            },
          );
        }
        const cap = Math.min(20_000, 500 * 2 ** attempt);
        await this.pause(Math.floor(cap * this.random()) + 50, signal);
        if (signal?.aborted && what === 'SendCommand') throw cancelled(jobId);
      }
    }
  }

  /** Sleeps, ending early when the signal aborts. */
  private pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
    if (!signal) return this.sleep(ms);
    if (signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        signal.removeEventListener('abort', done);
        resolve();
      };
      signal.addEventListener('abort', done, { once: true });
      this.sleep(ms).then(done, done);
    });
  }
}

function errorName(e: unknown): string | undefined {
  if (typeof e !== 'object' || e === null) return undefined;
  const o = e as { name?: unknown; Code?: unknown; code?: unknown };
  return [o.name, o.Code, o.code].find((x): x is string => typeof x === 'string');
}

function isThrottle(e: unknown): boolean {
  const name = errorName(e);
  if (name && THROTTLE_NAMES.has(name)) return true;
  const o = e as { $retryable?: { throttling?: boolean }; $metadata?: { httpStatusCode?: number } };
  return o?.$retryable?.throttling === true || o?.$metadata?.httpStatusCode === 429;
}

function noResultMessage(out: string, logGroup: string | undefined): string {
  return out.includes(TRUNCATED) || out.length >= 24_000
    ? `the host's result line was cut off (SSM keeps 24,000 characters of stdout); see CloudWatch${logGroup ? ` log group ${logGroup}` : ''}`
    : 'the host runner ended without a result line';
}

function cancelled(jobId: string, details: Record<string, unknown> = {}): VodsrError {
  return new VodsrError('VODSR_CANCELLED', `job ${jobId} was cancelled`, { details: { jobId, ...details } });
}

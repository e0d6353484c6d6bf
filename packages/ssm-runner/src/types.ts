import type { HostJob } from '@vodsr/core';
import type { HostProgressEvent, HostResultEvent } from '@vodsr/core/host';

/** Options of one {@link CommandRunner.run} call. */
export interface RunOptions {
  /** Aborting stops the job: the local child is killed, the SSM command is cancelled. */
  signal?: AbortSignal;
  /** Progress events of the host runner (fetch, probe, upscale with percent/fps/speed, verify, upload). */
  onProgress?: (e: HostProgressEvent) => void;
  /** Human log lines (log events and stderr of the host runner). */
  onLog?: (line: string) => void;
  /** Duration of the source video, when known: sizes the SSM `executionTimeout`. */
  durationSeconds?: number;
  /** Base64 of a Step Functions task token: the host runner heartbeats and calls back itself. */
  taskTokenB64?: string;
}

/** What a successful host run returns: the final result line of `vodsr-host`. */
export type HostRunResult = Extract<HostResultEvent, { ok: true }>;

/** Carries one host job to a host and waits for its end. Failures reject with a `VodsrError` (host code). */
export interface CommandRunner {
  run(job: HostJob, opts?: RunOptions): Promise<HostRunResult>;
}

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
  /**
   * Called once the local runner started: the id of its process group (the runner and its ffmpeg), so an owner
   * can end it after a crash. Only {@link LocalCommandRunner} calls it.
   */
  onProcessGroup?: (pgid: number | undefined) => void;
  /** Base64 of a Step Functions task token: the host runner heartbeats and calls back itself. */
  taskTokenB64?: string;
  /** The GPU slot the host agent reserved (`HostPlacement.slot`): the runner claims it with {@link RunOptions.lease}. */
  slot?: number;
  /** The reservation's lease (`HostPlacement.lease`); with `slot`, or neither. */
  lease?: string;
  /**
   * Extra environment for this one run of the local runner (e.g. `VODSR_SOURCE_PROBE_FILE`); only
   * {@link LocalCommandRunner} uses it (an SSM command's environment is the host's).
   */
  env?: Record<string, string>;
}

/** What a successful host run returns: the final result line of `vodsr-host`. */
export type HostRunResult = Extract<HostResultEvent, { ok: true }>;

/** Carries one host job to a host and waits for its end. Failures reject with a `VodsrError` (host code). */
export interface CommandRunner {
  /**
   * Runs the job given as the workflow input carries it (`hostJobB64`: base64 of the HostJob JSON). The string
   * reaches the host unchanged; a malformed job rejects with `VODSR_VALIDATION` before anything starts.
   */
  run(hostJobB64: string, opts?: RunOptions): Promise<HostRunResult>;
}

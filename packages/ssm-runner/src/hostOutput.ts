import { ERROR_CODES, type ErrorCode, VodsrError } from '@vodsr/core';
import { HOST_EXIT_CODES, type HostEvent, type HostResultEvent, parseHostEventLine } from '@vodsr/core/host';
import type { HostRunResult, RunOptions } from './types.js';

/** Feeds host stdout lines to the callbacks and keeps the last result event. */
export class HostOutputReader {
  public result: HostResultEvent | undefined;
  public lines = 0;
  public constructor(private readonly opts: Pick<RunOptions, 'onProgress' | 'onLog'>) {}

  /** Handles one stdout line. */
  public line(text: string): HostEvent | undefined {
    this.lines += 1;
    const e = parseHostEventLine(text);
    if (!e) {
      if (text.trim()) this.opts.onLog?.(text);
      return undefined;
    }
    if (e.event === 'progress') this.opts.onProgress?.(e);
    else if (e.event === 'log') this.opts.onLog?.(String(e.message ?? ''));
    else if (e.event === 'result') this.result = e;
    return e;
  }
}

/** The error code a host exit code stands for (`VODSR_HOST_FAILED` when unknown). */
export function codeForExit(exitCode: number | undefined): ErrorCode {
  if (exitCode === undefined) return 'VODSR_HOST_FAILED';
  const c = (HOST_EXIT_CODES as Record<number, string>)[exitCode];
  return c && c !== 'OK' && c in ERROR_CODES ? (c as ErrorCode) : 'VODSR_HOST_FAILED';
}

/** Turns the end of a host run into its result, or a coded error. */
export function settle(
  result: HostResultEvent | undefined,
  exitCode: number | undefined,
  details: Record<string, unknown>,
  noResult: string,
): HostRunResult {
  if (result?.ok && (exitCode === 0 || exitCode === undefined)) return result;
  if (result && !result.ok) {
    const code = result.code in ERROR_CODES ? (result.code as ErrorCode) : codeForExit(exitCode);
    throw new VodsrError(code, result.message, {
      details: { ...details, hostCode: result.code, exitCode: result.exitCode ?? exitCode },
    });
  }
  const code = exitCode === 0 ? 'VODSR_HOST_FAILED' : codeForExit(exitCode);
  throw new VodsrError(code, `${noResult} (exit code ${exitCode ?? 'unknown'})`, {
    details: { ...details, exitCode },
  });
}

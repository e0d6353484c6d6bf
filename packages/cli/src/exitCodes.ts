/**
 * Exit codes of `vodsr`. Stable: scripts may rely on them.
 *
 * | code | meaning |
 * | --- | --- |
 * | 0 | success (for `run`/`watch`: the job succeeded) |
 * | 1 | the job failed, or an unexpected error |
 * | 2 | bad usage or invalid input (`VODSR_VALIDATION`, unknown model/preset, bad location, a still image or an SR picture beyond the encoder limits at submit) |
 * | 3 | no such job (`VODSR_JOB_NOT_FOUND`) |
 * | 4 | conflict: the job cannot do that now (`VODSR_ILLEGAL_TRANSITION`, `VODSR_CONFLICT`) |
 * | 5 | the backend is unavailable or refused (auth, rate limit, AWS or network error) |
 * | 6 | the job was cancelled |
 * | 7 | the job was interrupted (its worker died; it will be re-queued) |
 * | 130 | stopped with Ctrl-C (the job was cancelled) |
 */
export const EXIT = {
  OK: 0,
  FAILED: 1,
  USAGE: 2,
  NOT_FOUND: 3,
  CONFLICT: 4,
  UNAVAILABLE: 5,
  CANCELLED: 6,
  INTERRUPTED: 7,
  SIGINT: 130,
} as const;

/** One of `EXIT`'s values. */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The exit code for an error code (`VODSR_*`). */
export function exitCodeForError(code: string | undefined): ExitCode {
  if (!code) return EXIT.FAILED;
  if (code === 'VODSR_JOB_NOT_FOUND') return EXIT.NOT_FOUND;
  if (code === 'VODSR_ILLEGAL_TRANSITION' || code === 'VODSR_CONFLICT') return EXIT.CONFLICT;
  if (['VODSR_UNAUTHORIZED', 'VODSR_RATE_LIMITED', 'VODSR_AWS_ERROR', 'VODSR_UNAVAILABLE'].includes(code))
    return EXIT.UNAVAILABLE;
  if (
    code === 'VODSR_VALIDATION' ||
    code === 'VODSR_BAD_REQUEST' ||
    code.startsWith('VODSR_INVALID_') ||
    code.startsWith('VODSR_UNKNOWN_') ||
    code === 'VODSR_UNSUPPORTED_SCALE' ||
    code === 'VODSR_STILL_IMAGE' ||
    code === 'VODSR_ENCODER_LIMIT'
  )
    return EXIT.USAGE;
  return EXIT.FAILED;
}

/** The exit code for a job's final status. */
export function exitCodeForStatus(status: string): ExitCode {
  if (status === 'succeeded') return EXIT.OK;
  if (status === 'cancelled') return EXIT.CANCELLED;
  if (status === 'interrupted') return EXIT.INTERRUPTED;
  return EXIT.FAILED;
}

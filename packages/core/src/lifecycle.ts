import { IllegalTransitionError } from './errors.js';
import type { JobStatus } from './schemas.js';

/**
 * The job lifecycle. `interrupted` is a job whose worker died mid-run: it is never silently lost, and can be
 * re-queued, failed or cancelled.
 *
 * ```
 * queued → running → upscaling → packaging → succeeded
 *    ↘ failed | cancelled (from every non-final state)
 * running | upscaling | packaging → interrupted → queued
 * ```
 */
export const JOB_TRANSITIONS: Readonly<Record<JobStatus, readonly JobStatus[]>> = Object.freeze({
  queued: ['running', 'failed', 'cancelled'],
  running: ['upscaling', 'failed', 'cancelled', 'interrupted'],
  upscaling: ['packaging', 'succeeded', 'failed', 'cancelled', 'interrupted'],
  packaging: ['succeeded', 'failed', 'cancelled', 'interrupted'],
  interrupted: ['queued', 'failed', 'cancelled'],
  succeeded: [],
  failed: [],
  cancelled: [],
});

/** Statuses a job never leaves. */
export const FINAL_STATUSES: readonly JobStatus[] = ['succeeded', 'failed', 'cancelled'];

/** Statuses in which a worker is actively running the job. */
export const ACTIVE_STATUSES: readonly JobStatus[] = ['running', 'upscaling', 'packaging'];

/** True when `status` is final. */
export function isFinalStatus(status: JobStatus): boolean {
  return FINAL_STATUSES.includes(status);
}

/** True when the table allows `from → to`. */
export function canTransition(from: JobStatus, to: JobStatus): boolean {
  return JOB_TRANSITIONS[from].includes(to);
}

/**
 * Returns `to` when `from → to` is allowed, else throws `VODSR_ILLEGAL_TRANSITION` naming the allowed targets.
 *
 * @example transition('queued', 'running') === 'running'
 */
export function transition(from: JobStatus, to: JobStatus): JobStatus {
  if (!canTransition(from, to)) throw new IllegalTransitionError(from, to, JOB_TRANSITIONS[from]);
  return to;
}

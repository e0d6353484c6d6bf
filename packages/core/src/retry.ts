import { ValidationError, VodsrError } from './errors.js';
import { decodeHostJob, encodeHostJob } from './hostJob.js';
import { MAX_EXECUTION_NAME } from './naming.js';
import type { WorkflowInput } from './prepareJob.js';
import type { JobStatus } from './schemas.js';

/**
 * Statuses a job can be retried from. A retry is a new job (a new execution): the one that ended keeps its status,
 * error and history. Step Functions' `RedriveExecution` is not used: it restarts an execution at the state that
 * failed, and the job workflow catches every failure and ends in its `Failed` state, which would fail again.
 */
export const RETRYABLE_STATUSES: readonly JobStatus[] = ['failed', 'cancelled'];

/** A retry's suffix: `-r1`, `-r2`, … (names otherwise end in hex: a hash or a random id). */
const RETRY_SUFFIX = /^(.*)-r([1-9]\d{0,5})$/;
/** What a shortened name keeps of its end: `-` and a 32-hex hash (or a 32-hex id). */
const KEPT_TAIL = 33;

/**
 * The id of the job that retries `id`: `<id>-r1`, and the retry of `<base>-r<n>` is `<base>-r<n+1>`, so the same job
 * always gets the same retry id (retrying twice starts one job) and a chain of retries stays readable. At most 80
 * characters (a Step Functions execution name): a long name loses characters before its final hash, never the hash.
 *
 * @example retryJobId('a_mp4-0123…cdef') === 'a_mp4-0123…cdef-r1'; retryJobId('a_mp4-0123…cdef-r1') === 'a_mp4-0123…cdef-r2'
 */
export function retryJobId(id: string): string {
  if (!/^[A-Za-z0-9_.-]{1,80}$/.test(id)) {
    throw new ValidationError('job id', [
      { path: '/id', message: 'must be 1-80 characters of [A-Za-z0-9_.-]' },
    ]);
  }
  const m = RETRY_SUFFIX.exec(id);
  const base = m ? (m[1] as string) : id;
  const suffix = `-r${m ? Number(m[2]) + 1 : 1}`;
  const room = MAX_EXECUTION_NAME - suffix.length;
  if (base.length <= room) return base + suffix;
  const head = base.slice(0, room - KEPT_TAIL).replace(/[_-]+$/, '');
  return `${head}${base.slice(-KEPT_TAIL)}${suffix}`;
}

/**
 * The execution input of a retry: the input the job ran with, under the retry's id (in the host job too) and from
 * its first placement attempt. Its destinations are the original's: a job that did not succeed left nothing there.
 *
 * @example retryWorkflowInput(input, retryJobId(input.jobId)).jobId === retryJobId(input.jobId)
 */
export function retryWorkflowInput(input: WorkflowInput, jobId: string): WorkflowInput {
  const hostJob = decodeHostJob(input.hostJobB64);
  return {
    ...input,
    jobId,
    hostJobB64: encodeHostJob({ ...hostJob, jobId }),
    attempt: { number: 1 },
  };
}

/**
 * Throws `VODSR_ILLEGAL_TRANSITION` unless the job can be retried (it failed or was cancelled).
 *
 * @example assertRetryable({ id: 'j1', status: 'failed' }) // returns; status 'running' throws
 */
export function assertRetryable(job: { readonly id: string; readonly status: JobStatus }): void {
  if (RETRYABLE_STATUSES.includes(job.status)) return;
  throw new VodsrError(
    'VODSR_ILLEGAL_TRANSITION',
    `Job ${job.id} is ${job.status}: only a failed or cancelled job can be retried`,
    { details: { id: job.id, status: job.status, retryable: [...RETRYABLE_STATUSES] } },
  );
}

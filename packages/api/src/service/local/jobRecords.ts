import { createHash } from 'node:crypto';
import { type JobRecord, type JobSpec, type JobStatus, transition, VodsrError } from '@vodsr/core';

/** Now, as the ISO timestamp job records carry. */
export function now(): string {
  return new Date().toISOString();
}

/**
 * The hash the store compares when an idempotency key comes again: the spec without its key.
 *
 * @example specHash(job) === specHash({ ...job, idempotencyKey: 'other' })
 */
export function specHash(spec: JobSpec): string {
  const { idempotencyKey: _k, ...rest } = spec;
  return createHash('sha256').update(JSON.stringify(rest)).digest('hex').slice(0, 32);
}

/**
 * The coded error of an unknown job id.
 *
 * @example throw notFound('abc') // VODSR_JOB_NOT_FOUND
 */
export function notFound(id: string): VodsrError {
  return new VodsrError('VODSR_JOB_NOT_FOUND', `No job has id "${id}"`, { details: { id } });
}

/**
 * The record moved to `to` (checked against the lifecycle table), with `patch` applied and a new `updatedAt`.
 *
 * @example withStatus(queued, 'running', { attempts: 1 })
 */
export function withStatus(rec: JobRecord, to: JobStatus, patch: Partial<JobRecord> = {}): JobRecord {
  return { ...rec, ...patch, status: transition(rec.status, to), updatedAt: now() };
}

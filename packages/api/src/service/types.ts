import type { JobRecord, JobStatus } from '@vodsr/core';
import type { FleetStatus } from '@vodsr/core/workflow';

/** Options of `JobService.submit`. */
export interface SubmitOptions {
  /** Same key → same job (the `Idempotency-Key` header; overrides the body's `idempotencyKey`). */
  readonly idempotencyKey?: string;
}

/** What `submit` returns: the job, and whether this call created it (false = idempotent replay). */
export interface SubmitResult {
  readonly job: JobRecord;
  readonly created: boolean;
}

/** Options of `JobService.list`. */
export interface ListOptions {
  /** Only jobs in one of these statuses. */
  readonly status?: readonly JobStatus[];
  /** Page size, 1..100 (default 20). */
  readonly limit?: number;
  /** The `nextCursor` of the previous page. */
  readonly cursor?: string;
}

/** One page of jobs, newest first. */
export interface JobPage {
  readonly jobs: JobRecord[];
  /** Present when there are more jobs. */
  readonly nextCursor?: string;
}

/** Kinds of job events: the first snapshot, a status change, a progress update, and the final event. */
export type JobEventType = 'snapshot' | 'status' | 'progress' | 'end';

/** A job event as `watch` yields it (and the API sends it as a server-sent event). */
export interface JobEvent {
  readonly type: JobEventType;
  readonly job: JobRecord;
}

/** Options of `JobService.watch`. */
export interface WatchOptions {
  /** Stops the watch (the iterator ends). */
  readonly signal?: AbortSignal;
  /** How often to re-read a job that another process runs (default 500 ms locally, 5 s on AWS). */
  readonly pollMs?: number;
}

/** The kind of backend a job service talks to. */
export type BackendKind = 'local' | 'aws' | 'remote';

/**
 * The job service: the one place that submits, reads, lists, cancels and watches jobs. The HTTP API and the CLI
 * are thin front ends over it.
 */
export interface JobService {
  readonly backend: BackendKind;
  /** Validates (core's `parseJobSpec`) and submits a job. Throws `VODSR_VALIDATION` with every issue. */
  submit(input: unknown, opts?: SubmitOptions): Promise<SubmitResult>;
  /** One job; throws `VODSR_JOB_NOT_FOUND`. */
  get(id: string): Promise<JobRecord>;
  /** Jobs newest first, with cursor pagination and a status filter. */
  list(opts?: ListOptions): Promise<JobPage>;
  /** Cancels a job; throws `VODSR_ILLEGAL_TRANSITION` when it is already final. */
  cancel(id: string): Promise<JobRecord>;
  /**
   * Retries a failed or cancelled job as a new job (`retryJobId(id)`: `<id>-r1`, then `-r2`, …) that runs the input
   * the job ran with; the job that ended keeps its record. Retrying the same job again returns that job
   * (`created: false`). Throws `VODSR_ILLEGAL_TRANSITION` for a job in any other status, `VODSR_JOB_NOT_FOUND`.
   */
  retry(id: string): Promise<SubmitResult>;
  /** A snapshot, then status/progress events, then `end` once the job is final. */
  watch(id: string, opts?: WatchOptions): AsyncIterable<JobEvent>;
  /** The fleet's hosts, slots and queues, when this backend runs or reaches one (`GET /v1/fleet`). */
  fleetStatus?(): Promise<FleetStatus | undefined>;
  /** Releases the backend (stops workers, closes the database). */
  close(): Promise<void>;
  /**
   * False when a job's media location must not be served (a local file outside the service's roots, or a
   * special file). @default every location of a job is served
   */
  mediaAllowed?(location: string): boolean;
}

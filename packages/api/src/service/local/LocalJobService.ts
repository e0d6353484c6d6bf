import { randomBytes, randomUUID } from 'node:crypto';
import { statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  ACTIVE_STATUSES,
  isFinalStatus,
  type JobRecord,
  type JobSpec,
  parseJobSpec,
  parseLocation,
  prepareJob,
  transition,
  ValidationError,
  type ValidationIssue,
  VodsrError,
  type WorkflowInput,
} from '@vodsr/core';
import type { ThroughputTable } from '@vodsr/core/cost';
import { assertRetryable, retryJobId, retryWorkflowInput } from '@vodsr/core/job';
import { deterministicId } from '@vodsr/core/naming';
import type { FleetStatus } from '@vodsr/core/workflow';
import type { LocalFleet } from '@vodsr/ssm-runner';
import { runnableModel } from '../modelFallback.js';
import { withIdempotencyKey } from '../submitBody.js';
import type {
  JobEvent,
  JobPage,
  JobService,
  ListOptions,
  SubmitOptions,
  SubmitResult,
  WatchOptions,
} from '../types.js';
import { listFfmpegFilters } from './ffmpegFilters.js';
import { JobFeed } from './JobFeed.js';
import { JobStore } from './JobStore.js';
import { estimateAtSubmit, LearnedThroughput } from './jobCost.js';
import { notFound, now, specHash, withStatus } from './jobRecords.js';
import { mediaAllowed, outputIssues, type PathRoots, sourceIssues } from './pathRoots.js';
import { LOCAL_PACKAGING_ENGINE, localPrepareContext } from './prepareContext.js';
import { sourceMediaAtSubmit } from './sourceMedia.js';
import type { LocalExecutor, LocalJobServiceOptions } from './types.js';
import { WorkerPool, type WorkerPoolSettings } from './WorkerPool.js';

/**
 * The local backend: jobs in an embedded SQL database file, run by a worker pool (one slot per GPU) that executes
 * core's workflow definition in-process. A job whose worker died is reported `interrupted`
 * (`VODSR_WORKER_LOST`) and re-queued by the next process that runs workers, never silently lost.
 */
export class LocalJobService implements JobService {
  private fleet: LocalFleet | undefined;
  public readonly backend = 'local' as const;
  public readonly workerId = `w-${process.pid}-${randomBytes(4).toString('hex')}`;
  private readonly feed: JobFeed;
  private readonly pool: WorkerPool;
  private readonly learned: LearnedThroughput;
  private readonly settings: WorkerPoolSettings;
  private readonly checkSources: boolean;
  private readonly hostFilters: (() => Promise<ReadonlySet<string>>) | undefined;
  /** Where served jobs may read and write (`undefined`: anywhere, as `vodsr run`). */
  public readonly roots: PathRoots | undefined;

  private constructor(
    private readonly store: JobStore,
    executor: LocalExecutor,
    options: LocalJobServiceOptions,
  ) {
    const dataDir = resolve(options.dataDir ?? '.vodsr');
    this.settings = {
      dataDir,
      outputRoot: resolve(options.outputRoot ?? 'vodsr-out/jobs'),
      slots: options.slots ?? 1,
      workers: options.workers ?? true,
      maxAttempts: options.maxAttempts ?? 3,
      heartbeatMs: options.heartbeatMs ?? 1000,
      leaseMs: options.leaseMs ?? 15_000,
      packagingEngine: options.packagingEngine ?? LOCAL_PACKAGING_ENGINE,
    };
    this.checkSources = options.checkSource ?? true;
    this.hostFilters = options.hostFilters ?? (options.executor ? undefined : hostFfmpegFilters(options.env));
    this.roots = options.inputRoots
      ? { input: options.inputRoots.map((r) => resolve(r)), output: this.settings.outputRoot }
      : undefined;
    if (!Number.isInteger(this.settings.slots) || this.settings.slots < 0) {
      throw new ValidationError('local backend options', [
        { path: '/slots', message: 'must be an integer ≥ 0' },
      ]);
    }
    this.feed = new JobFeed(store);
    this.learned = new LearnedThroughput(store);
    const roots = this.roots;
    // checked again right before a job runs: the file may have been swapped for a symlink since submit
    const recheck = roots ? (job: JobSpec) => this.pathIssues(job, roots) : undefined;
    this.pool = new WorkerPool(store, this.feed, executor, this.workerId, this.settings, recheck);
  }

  /**
   * Opens the database, reports jobs of dead workers as `interrupted`, and (unless `workers: false`) starts the
   * worker pool.
   *
   * @example
   * const jobs = await LocalJobService.open({ dataDir: '.vodsr', slots: 1 });
   * const { job } = await jobs.submit({ source: 'in.mp4', model: 'lanczos-x2' });
   */
  public static async open(options: LocalJobServiceOptions = {}): Promise<LocalJobService> {
    const dataDir = resolve(options.dataDir ?? '.vodsr');
    const store = await JobStore.open(options.dbPath ?? join(dataDir, 'jobs.db'));
    let executor = options.executor;
    let fleet: LocalFleet | undefined;
    if (!executor) {
      const { createWorkflowExecutor, hostCapsDir } = await import('./workflowExecutor.js');
      if (options.fleet) {
        // N local hosts × K slots, each with the real agent and host script, pulling from a local work queue
        const { LocalFleet } = await import('@vodsr/ssm-runner');
        fleet = new LocalFleet({
          hosts: options.fleet.hosts,
          slots: options.fleet.slots,
          baseDir: join(dataDir, 'fleet'),
          env: { VODSR_CAPS_DIR: hostCapsDir(), ...(options.env ?? {}) },
          ...(options.s3EndpointUrl ? { s3EndpointUrl: options.s3EndpointUrl } : {}),
        });
      }
      executor = createWorkflowExecutor({
        lockDir: join(dataDir, 'locks'),
        slots: Math.max(1, options.slots ?? 1),
        ...(options.env ? { env: options.env } : {}),
        ...(options.s3EndpointUrl ? { s3EndpointUrl: options.s3EndpointUrl } : {}),
        ...(fleet ? { fleet } : {}),
        preload: (options.workers ?? true) !== false,
      });
    }
    // With a fleet, the worker pool admits every slot's job; the agents' pull keeps each host within its slots.
    const opened: LocalJobServiceOptions = fleet
      ? {
          ...options,
          slots: Math.max(options.slots ?? 1, (options.fleet?.hosts ?? 1) * (options.fleet?.slots ?? 1)),
        }
      : options;
    const svc = new LocalJobService(store, executor, opened);
    svc.fleet = fleet;
    svc.pool.recoverLost();
    if (svc.settings.workers) svc.pool.start();
    return svc;
  }

  public async submit(input: unknown, opts: SubmitOptions = {}): Promise<SubmitResult> {
    const body = withIdempotencyKey(input, opts.idempotencyKey);
    const valid = this.validate(body);
    const { spec, note } = this.hostFilters ? await runnableModel(valid, this.hostFilters) : { spec: valid };
    const key = spec.idempotencyKey;
    const id = key !== undefined ? deterministicId('job', key) : randomUUID().replace(/-/g, '');
    const media = await sourceMediaAtSubmit(spec.source);
    const prepared = prepareJob(spec, {
      ...localPrepareContext(this.settings, id),
      ...(media ? { media } : {}),
    });
    return this.insert(prepared, key, specHash(spec), note);
  }

  /**
   * Runs an execution input that `prepareJob` built elsewhere (the trigger's), unchanged, under its own name — the
   * local twin of Step Functions' `StartExecution`: the same name again is `'exists'` (already done or running).
   *
   * @example await jobs.startExecution(name, input) // 'started' | 'exists'
   */
  public async startExecution(name: string, input: WorkflowInput): Promise<'started' | 'exists'> {
    if (!/^[A-Za-z0-9_-]{1,80}$/.test(name) || input?.jobId !== name) {
      throw new ValidationError('execution', [
        { path: '/name', message: 'must be 1-80 characters of [A-Za-z0-9_-] and equal the input jobId' },
      ]);
    }
    const { created } = await this.insert(input, undefined, specHash(input.job));
    return created ? 'started' : 'exists';
  }

  private async insert(
    input: WorkflowInput,
    key: string | undefined,
    hash: string,
    note?: string,
  ): Promise<SubmitResult> {
    const t = now();
    const record: JobRecord = {
      id: input.jobId,
      backend: 'local',
      spec: input.job,
      status: 'queued',
      progress: { percent: 0 },
      createdAt: t,
      updatedAt: t,
      attempts: 0,
    };
    // kept through the run: the worker pool appends the host's notes to these
    if (note !== undefined) record.outputs = { notes: [note] };
    const given = input.estimate;
    const estimate = given
      ? { ...given, usd: { ...given.usd }, assumptions: [...given.assumptions] }
      : await estimateAtSubmit(input, this.learned.table());
    if (estimate) record.cost = { estimate };
    const res = await this.store.insert({
      record,
      // the estimate travels in the execution input to the completion events (`$.estimate`)
      input: { ...input, estimate: estimate ?? null },
      specHash: hash,
      ...(key !== undefined ? { idempotencyKey: key } : {}),
    });
    if (this.settings.workers === 'own') this.pool.adopt(res.record.id);
    if (res.created) {
      this.feed.emit(res.record);
      if (this.settings.workers) this.pool.schedulePump();
    }
    return { job: res.record, created: res.created };
  }

  public async get(id: string): Promise<JobRecord> {
    const rec = this.store.get(id);
    if (!rec) throw notFound(id);
    if (ACTIVE_STATUSES.includes(rec.status) && !this.pool.isRunning(id)) {
      this.pool.recoverLost();
      return this.store.get(id) ?? rec;
    }
    return rec;
  }

  public async list(opts: ListOptions = {}): Promise<JobPage> {
    return this.store.list(opts);
  }

  public async cancel(id: string): Promise<JobRecord> {
    let cancelled: JobRecord | undefined;
    this.store.update(
      id,
      (cur) => {
        if (isFinalStatus(cur.record.status)) transition(cur.record.status, 'cancelled');
        cancelled = withStatus(cur.record, 'cancelled', {
          finishedAt: now(),
          error: { code: 'VODSR_CANCELLED', message: 'The job was cancelled' },
        });
        return cancelled;
      },
      { cancelRequested: true },
    );
    if (!cancelled) throw notFound(id);
    this.pool.abort(id, new VodsrError('VODSR_CANCELLED', 'The job was cancelled'));
    this.feed.emit(cancelled);
    return cancelled;
  }

  /**
   * Retries a failed or cancelled job as a new job, `retryJobId(id)`, running the input it ran with (its
   * destinations too); the same job again is that job (`created: false`). Waits for this process's run of a job
   * just cancelled to end first, so its clean-up cannot remove what the retry writes.
   */
  public async retry(id: string): Promise<SubmitResult> {
    const rec = await this.get(id);
    assertRetryable(rec);
    await this.pool.settled(id);
    const input = this.store.getInput(id);
    if (!input) {
      throw new VodsrError(
        'VODSR_CONFLICT',
        `Job ${id} was stored before jobs kept their input: submit it again`,
        {
          details: { id },
        },
      );
    }
    const note = `Retry of job ${id}, which ${rec.status === 'failed' ? 'failed' : 'was cancelled'}: ${rec.error?.message ?? 'no error recorded'} (${rec.error?.code ?? 'VODSR_WORKFLOW_FAILED'})`;
    return this.insert(retryWorkflowInput(input, retryJobId(id)), undefined, specHash(input.job), note);
  }

  public watch(id: string, opts: WatchOptions = {}): AsyncIterable<JobEvent> {
    return this.feed.watch(
      id,
      opts,
      (i) => this.get(i),
      () => this.pool.closing,
    );
  }

  /** Stops the workers (their running jobs are reported `interrupted` and re-queued next time) and closes the DB. */
  public async close(): Promise<void> {
    if (this.pool.closing) return;
    await this.pool.stop();
    await this.fleet?.close();
    this.store.close();
    this.feed.closed();
  }

  /**
   * The throughput learned from this database's succeeded jobs (per model × host kind `local` × resolution),
   * what every estimate made here uses; empty until a job ended.
   */
  public throughput(): ThroughputTable {
    return this.learned.table();
  }

  /** The local fleet's hosts, slots and queues (`vodsr fleet`, `GET /v1/fleet`); undefined without a fleet. */
  public async fleetStatus(): Promise<FleetStatus | undefined> {
    return this.fleet?.status();
  }

  /** Number of jobs this process is running now. */
  public get activeCount(): number {
    return this.pool.activeCount;
  }

  /**
   * Validates a submitted job and its paths, reporting every problem at once: the schema's, the model's and the
   * files' (missing, outside the roots, special) together.
   */
  private validate(body: unknown): JobSpec {
    const issues: ValidationIssue[] = [];
    let parsed: JobSpec | undefined;
    try {
      parsed = parseJobSpec(body);
    } catch (e) {
      if (!(e instanceof ValidationError)) throw e;
      issues.push(...e.issues);
    }
    const raw = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    const bad = new Set(issues.map((i) => i.path.split('/')[1]));
    const pick = (k: 'source' | 'output'): string | undefined => {
      const v = parsed ? parsed[k] : raw[k];
      if (typeof v !== 'string' || bad.has(k)) return undefined;
      return this.absolutize(v);
    };
    const source = pick('source');
    const output = pick('output');
    const paths = { source, output };
    if (this.roots) issues.push(...this.pathIssues(paths, this.roots));
    else if (this.checkSources && source !== undefined) issues.push(...this.sourceExists(source));
    if (issues.length || !parsed) throw new ValidationError('job', issues);
    const spec: JobSpec = { ...parsed, source: source ?? parsed.source };
    if (output !== undefined) spec.output = output;
    return spec;
  }

  private pathIssues(
    job: { readonly source?: string | undefined; readonly output?: string | undefined },
    roots: PathRoots,
  ): ValidationIssue[] {
    return [
      ...(job.source !== undefined ? sourceIssues(job.source, roots) : []),
      ...(job.output !== undefined ? outputIssues(job.output, roots) : []),
    ];
  }

  /**
   * True when the viewer may serve this location of a job: with roots, only media inside them (a job stored
   * before the roots existed, or a file swapped since, is not served).
   */
  public mediaAllowed(location: string): boolean {
    return this.roots ? mediaAllowed(location, this.roots) : true;
  }

  private absolutize(loc: string): string {
    const l = parseLocation(loc);
    return l.kind === 'file' ? resolve(l.path) : loc;
  }

  private sourceExists(source: string): ValidationIssue[] {
    const l = parseLocation(source);
    if (l.kind !== 'file') return [];
    let ok = false;
    try {
      ok = statSync(l.path).isFile();
    } catch {
      ok = false;
    }
    return ok ? [] : [{ path: '/source', message: `no such file: ${l.path}` }];
  }
}

/** The hosts' FFmpeg filters, listed once on first use (the hosts run this machine's FFmpeg). */
function hostFfmpegFilters(
  env: Readonly<Record<string, string>> | undefined,
): () => Promise<ReadonlySet<string>> {
  let listed: Promise<ReadonlySet<string>> | undefined;
  return () => {
    listed ??= listFfmpegFilters(env?.VODSR_FFMPEG ?? process.env.VODSR_FFMPEG ?? 'ffmpeg');
    return listed;
  };
}

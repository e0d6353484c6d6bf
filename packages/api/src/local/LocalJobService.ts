import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  ACTIVE_STATUSES,
  deterministicId,
  FINAL_STATUSES,
  isFinalStatus,
  type JobOutputs,
  type JobProgress,
  type JobRecord,
  type JobSpec,
  type JobStatus,
  type PackagingEngine,
  parseJobSpec,
  parseLocation,
  prepareJob,
  toErrorInfo,
  transition,
  ValidationError,
  VodsrError,
  type WorkflowInput,
} from '@vodsr/core';
import { hostHlsPlan } from '@vodsr/mediaconvert-presets';
import type {
  JobEvent,
  JobPage,
  JobService,
  ListOptions,
  SubmitOptions,
  SubmitResult,
  WatchOptions,
} from '../types.js';
import { snapshotsToEvents } from './events.js';
import { JobStore } from './JobStore.js';

/** What the local executor gets for one attempt of one job. */
export interface LocalExecutionContext {
  readonly jobId: string;
  /** The execution input `prepareJob` built when the job was submitted: run it unchanged. */
  readonly input: WorkflowInput;
  /** `input.job`. */
  readonly job: JobSpec;
  /** A scratch folder for this attempt. */
  readonly workDir: string;
  readonly attempt: number;
  readonly signal: AbortSignal;
  /** Moves the job to a stage of the lifecycle. */
  setStage(stage: 'upscaling' | 'packaging'): void;
  /** Progress of the current stage (percent of that stage). */
  progress(p: { stage?: string; percent: number; fps?: number; speed?: number }): void;
}

/** Runs one job locally and returns its outputs (rejects with a coded error). */
export type LocalExecutor = (ctx: LocalExecutionContext) => Promise<JobOutputs>;

/** Options of the local backend. */
export interface LocalJobServiceOptions {
  /** Folder of the database and scratch files. @default '.vodsr' */
  readonly dataDir?: string;
  /** The database file. @default `<dataDir>/jobs.db` */
  readonly dbPath?: string;
  /** Where jobs without an `output` put their results (`<outputRoot>/<jobId>/`). @default 'vodsr-out/jobs' */
  readonly outputRoot?: string;
  /** Jobs run at the same time: one slot per GPU. @default 1 */
  readonly slots?: number;
  /**
   * Run queued jobs in this process: `true` = any queued job, `'own'` = only jobs submitted through this instance
   * (what `vodsr run` uses), `false` = a read/submit-only client of the database. @default true
   */
  readonly workers?: boolean | 'own';
  /** Attempts before a job whose worker keeps dying is failed. @default 3 */
  readonly maxAttempts?: number;
  /** Worker lease refresh interval. @default 1000 */
  readonly heartbeatMs?: number;
  /** A worker whose lease is older than this is dead. @default 15000 */
  readonly leaseMs?: number;
  /** Reject a local source path that is not a file at submit time. @default true */
  readonly checkSource?: boolean;
  /** Runs a job. @default the in-process workflow (`runLocalWorkflow`) */
  readonly executor?: LocalExecutor;
  /** Extra environment for the host script (e.g. `VODSR_S3_ENDPOINT`). */
  readonly env?: Readonly<Record<string, string>>;
  /** Endpoint of a local S3-compatible server for s3:// sources/outputs. */
  readonly s3EndpointUrl?: string;
  /**
   * The packaging engine of jobs that name none. Locally the host packages in the SR pass (one decode, one
   * generation, no MediaConvert to stand in for); `mediaconvert` runs the presets' FFmpeg twin after the SR file.
   * @default 'host'
   */
  readonly packagingEngine?: PackagingEngine;
}

/** The local backend's default packaging engine (see `LocalJobServiceOptions.packagingEngine`). */
export const LOCAL_PACKAGING_ENGINE: PackagingEngine = 'host';

const STAGE_SPAN = { upscaling: [0, 85], packaging: [85, 100] } as const;

function now(): string {
  return new Date().toISOString();
}

function specHash(spec: JobSpec): string {
  const { idempotencyKey: _k, ...rest } = spec;
  return createHash('sha256').update(JSON.stringify(rest)).digest('hex').slice(0, 32);
}

function notFound(id: string): VodsrError {
  return new VodsrError('VODSR_JOB_NOT_FOUND', `No job has id "${id}"`, { details: { id } });
}

function withStatus(rec: JobRecord, to: JobStatus, patch: Partial<JobRecord> = {}): JobRecord {
  return { ...rec, ...patch, status: transition(rec.status, to), updatedAt: now() };
}

/**
 * The local backend: jobs in an embedded SQL database file, run by a worker pool (one slot per GPU) that executes
 * core's workflow definition in-process. A job whose worker died is reported `interrupted`
 * (`VODSR_WORKER_LOST`) and re-queued by the next process that runs workers, never silently lost.
 */
export class LocalJobService implements JobService {
  public readonly backend = 'local' as const;
  public readonly workerId = `w-${process.pid}-${randomBytes(4).toString('hex')}`;
  private readonly emitter = new EventEmitter();
  private readonly running = new Map<string, AbortController>();
  private readonly lastPersist = new Map<string, number>();
  private readonly lastProgress = new Map<string, JobProgress>();
  private timer: NodeJS.Timeout | undefined;
  private closing = false;
  private readonly own = new Set<string>();
  private readonly opts: Required<
    Pick<
      LocalJobServiceOptions,
      | 'slots'
      | 'workers'
      | 'maxAttempts'
      | 'heartbeatMs'
      | 'leaseMs'
      | 'checkSource'
      | 'outputRoot'
      | 'dataDir'
      | 'packagingEngine'
    >
  >;

  private constructor(
    private readonly store: JobStore,
    private readonly executor: LocalExecutor,
    options: LocalJobServiceOptions,
  ) {
    this.emitter.setMaxListeners(0);
    const dataDir = resolve(options.dataDir ?? '.vodsr');
    this.opts = {
      dataDir,
      outputRoot: resolve(options.outputRoot ?? 'vodsr-out/jobs'),
      slots: options.slots ?? 1,
      workers: options.workers ?? true,
      maxAttempts: options.maxAttempts ?? 3,
      heartbeatMs: options.heartbeatMs ?? 1000,
      leaseMs: options.leaseMs ?? 15_000,
      checkSource: options.checkSource ?? true,
      packagingEngine: options.packagingEngine ?? LOCAL_PACKAGING_ENGINE,
    };
    if (!Number.isInteger(this.opts.slots) || this.opts.slots < 0) {
      throw new ValidationError('local backend options', [
        { path: '/slots', message: 'must be an integer ≥ 0' },
      ]);
    }
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
    if (!executor) {
      const { createWorkflowExecutor } = await import('./workflowExecutor.js');
      executor = createWorkflowExecutor({
        lockDir: join(dataDir, 'locks'),
        slots: Math.max(1, options.slots ?? 1),
        ...(options.env ? { env: options.env } : {}),
        ...(options.s3EndpointUrl ? { s3EndpointUrl: options.s3EndpointUrl } : {}),
      });
    }
    const svc = new LocalJobService(store, executor, options);
    svc.recoverLost();
    if (svc.opts.workers) svc.start();
    return svc;
  }

  public async submit(input: unknown, opts: SubmitOptions = {}): Promise<SubmitResult> {
    const body =
      opts.idempotencyKey !== undefined &&
      typeof input === 'object' &&
      input !== null &&
      !Array.isArray(input)
        ? { ...(input as Record<string, unknown>), idempotencyKey: opts.idempotencyKey }
        : input;
    const parsed = parseJobSpec(body);
    const spec: JobSpec = { ...parsed, source: this.absolutize(parsed.source) };
    if (parsed.output !== undefined) spec.output = this.absolutize(parsed.output);
    if (this.opts.checkSource) this.checkSource(spec.source);
    const key = spec.idempotencyKey;
    const id = key !== undefined ? deterministicId('job', key) : randomUUID().replace(/-/g, '');
    const prepared = prepareJob(spec, this.prepareContext(id));
    return this.insert(prepared, key, specHash(spec));
  }

  /** prepareJob's context here: the local output root, the local packaging engine and the presets' host plan. */
  private prepareContext(jobId: string) {
    return {
      jobId,
      outputRoot: join(this.opts.outputRoot, jobId),
      packagingEngine: this.opts.packagingEngine,
      hostHlsPlan,
    };
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

  private async insert(input: WorkflowInput, key: string | undefined, hash: string): Promise<SubmitResult> {
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
    const res = await this.store.insert({
      record,
      input,
      specHash: hash,
      ...(key !== undefined ? { idempotencyKey: key } : {}),
    });
    if (this.opts.workers === 'own') this.own.add(res.record.id);
    if (res.created) {
      this.emit(res.record);
      if (this.opts.workers) setImmediate(() => this.pump());
    }
    return { job: res.record, created: res.created };
  }

  public async get(id: string): Promise<JobRecord> {
    const rec = this.store.get(id);
    if (!rec) throw notFound(id);
    if (ACTIVE_STATUSES.includes(rec.status) && !this.running.has(id)) {
      this.recoverLost();
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
    this.running.get(id)?.abort(new VodsrError('VODSR_CANCELLED', 'The job was cancelled'));
    this.emit(cancelled);
    return cancelled;
  }

  public watch(id: string, opts: WatchOptions = {}): AsyncIterable<JobEvent> {
    const self = this;
    const pollMs = opts.pollMs ?? 500;
    return {
      async *[Symbol.asyncIterator]() {
        const first = await self.get(id);
        const queue: JobRecord[] = [];
        let wake: (() => void) | undefined;
        const onJob = (rec: JobRecord) => {
          queue.push(rec);
          wake?.();
        };
        const onAbort = () => wake?.();
        self.emitter.on(id, onJob);
        opts.signal?.addEventListener('abort', onAbort);
        const next = async (): Promise<JobRecord | undefined> => {
          while (queue.length === 0) {
            if (opts.signal?.aborted || self.closing) return undefined;
            // not unref'd: a CLI watching a job run by another process must stay alive until the end
            await new Promise<void>((r) => {
              wake = r;
              setTimeout(r, pollMs);
            });
            wake = undefined;
            if (queue.length === 0 && !self.closing) {
              // another process may run the job (or have died running it): re-read, with lost-worker detection
              queue.push(await self.get(id));
            }
          }
          return queue.shift();
        };
        try {
          yield* snapshotsToEvents(first, next);
        } finally {
          self.emitter.off(id, onJob);
          opts.signal?.removeEventListener('abort', onAbort);
        }
      },
    };
  }

  /** Stops the workers (their running jobs are reported `interrupted` and re-queued next time) and closes the DB. */
  public async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    if (this.timer) clearInterval(this.timer);
    const stopped = [...this.running.entries()];
    for (const [, ac] of stopped)
      ac.abort(new VodsrError('VODSR_WORKER_LOST', 'The worker is shutting down'));
    for (const [id] of stopped) {
      this.tryUpdate(id, (r) =>
        ACTIVE_STATUSES.includes(r.status)
          ? withStatus(r, 'interrupted', {
              error: {
                code: 'VODSR_WORKER_LOST',
                message: 'The worker shut down before the job ended',
                details: { graceful: true },
              },
            })
          : undefined,
      );
    }
    // let aborted executors settle (child processes get their signal)
    await new Promise((r) => setTimeout(r, stopped.length ? 200 : 0));
    if (this.opts.workers) this.store.removeWorker(this.workerId);
    this.store.close();
    this.emitter.emit('closed');
  }

  /** Number of jobs this process is running now. */
  public get activeCount(): number {
    return this.running.size;
  }

  private absolutize(loc: string): string {
    const l = parseLocation(loc);
    return l.kind === 'file' ? resolve(l.path) : loc;
  }

  private checkSource(source: string): void {
    const l = parseLocation(source);
    if (l.kind !== 'file') return;
    let ok = false;
    try {
      ok = statSync(l.path).isFile();
    } catch {
      ok = false;
    }
    if (!ok) throw new ValidationError('job', [{ path: '/source', message: `no such file: ${l.path}` }]);
  }

  private emit(rec: JobRecord): void {
    this.emitter.emit(rec.id, rec);
  }

  private tryUpdate(id: string, fn: (r: JobRecord) => JobRecord | undefined): JobRecord | undefined {
    let out: JobRecord | undefined;
    this.store.update(id, (cur) => {
      out = fn(cur.record);
      return out;
    });
    if (out) this.emit(out);
    return out;
  }

  private start(): void {
    this.store.heartbeat(this.workerId);
    this.timer = setInterval(() => this.tick(), this.opts.heartbeatMs);
    this.timer.unref();
    setImmediate(() => this.pump());
  }

  private tick(): void {
    if (this.closing) return;
    try {
      this.store.heartbeat(this.workerId);
      for (const id of this.store.cancelRequestedFor(this.workerId)) {
        this.running.get(id)?.abort(new VodsrError('VODSR_CANCELLED', 'The job was cancelled'));
      }
      this.recoverLost();
      this.pump();
    } catch (e) {
      process.emitWarning(`vodsr worker tick failed: ${(e as Error).message}`);
    }
  }

  /** Marks active jobs of dead workers `interrupted`; with workers, re-queues (or fails) interrupted jobs. */
  private recoverLost(): void {
    for (const { id, owner } of this.store.activeJobs()) {
      if (owner === this.workerId || (owner && this.store.isWorkerAlive(owner, this.opts.leaseMs))) continue;
      this.tryUpdate(id, (r) =>
        ACTIVE_STATUSES.includes(r.status)
          ? withStatus(r, 'interrupted', {
              error: {
                code: 'VODSR_WORKER_LOST',
                message: `The worker running this job (${owner ?? 'unknown'}) stopped before the job ended`,
              },
            })
          : undefined,
      );
    }
    if (!this.opts.workers || this.closing) return;
    for (const id of this.store.idsWithStatus('interrupted')) {
      if (this.opts.workers === 'own' && !this.own.has(id)) continue;
      this.tryUpdate(id, (r) => {
        if (r.status !== 'interrupted') return undefined;
        const note = `Attempt ${r.attempts} was interrupted: ${r.error?.message ?? 'worker lost'} (${r.error?.code ?? 'VODSR_WORKER_LOST'})`;
        const notes = [...(r.outputs?.notes ?? []), note];
        // a clean shutdown is not the job's fault: only crashes count towards giving up
        const graceful = (r.error?.details as { graceful?: unknown } | undefined)?.graceful === true;
        if (!graceful && r.attempts >= this.opts.maxAttempts) {
          return withStatus(r, 'failed', {
            finishedAt: now(),
            outputs: { ...r.outputs, notes },
            error: {
              code: 'VODSR_WORKER_LOST',
              message: `Gave up after ${r.attempts} attempts: the worker kept stopping before the job ended`,
            },
          });
        }
        const { error: _e, ...rest } = r;
        return withStatus(rest as JobRecord, 'queued', {
          outputs: { ...r.outputs, notes },
          progress: { percent: 0 },
        });
      });
    }
  }

  private pump(): void {
    if (this.closing || !this.opts.workers) return;
    while (this.running.size < this.opts.slots) {
      const claimed = this.claim();
      if (!claimed) return;
      void this.runJob(claimed);
    }
  }

  private nextCandidate(): string | undefined {
    if (this.opts.workers !== 'own') return this.store.nextQueuedId();
    for (const id of this.own) {
      const r = this.store.get(id);
      if (r?.status === 'queued') return id;
      if (!r || isFinalStatus(r.status)) this.own.delete(id);
    }
    return undefined;
  }

  private claim(): JobRecord | undefined {
    for (;;) {
      const id = this.nextCandidate();
      if (!id) return undefined;
      let claimed: JobRecord | undefined;
      this.store.update(
        id,
        (cur) => {
          if (cur.record.status !== 'queued') return undefined;
          claimed = withStatus(cur.record, 'running', {
            startedAt: now(),
            attempts: cur.record.attempts + 1,
            progress: { percent: 0, stage: 'starting' },
          });
          return claimed;
        },
        { owner: this.workerId },
      );
      if (claimed) {
        this.emit(claimed);
        return claimed;
      }
    }
  }

  private async runJob(rec: JobRecord): Promise<void> {
    const ac = new AbortController();
    this.running.set(rec.id, ac);
    const started = Date.now();
    let stage: 'running' | 'upscaling' | 'packaging' = 'running';
    let input: WorkflowInput;
    try {
      // jobs stored before inputs were: prepare them now (the same function, the same result)
      input = this.store.getInput(rec.id) ?? prepareJob(parseJobSpec(rec.spec), this.prepareContext(rec.id));
    } catch (e) {
      this.finishFailed(rec.id, e);
      this.running.delete(rec.id);
      if (!this.closing) setImmediate(() => this.pump());
      return;
    }
    const packages = input.packagingPreset !== 'none';
    const ctx: LocalExecutionContext = {
      jobId: rec.id,
      input,
      job: input.job,
      workDir: join(this.opts.dataDir, 'work', rec.id, String(rec.attempts)),
      attempt: rec.attempts,
      signal: ac.signal,
      setStage: (s) => {
        if (ac.signal.aborted) return;
        stage = s;
        const span = s === 'upscaling' && !packages ? [0, 100] : STAGE_SPAN[s];
        this.tryUpdate(rec.id, (r) =>
          r.status === s || isFinalStatus(r.status)
            ? undefined
            : withStatus(r, s, { progress: { ...r.progress, stage: s, percent: span[0] ?? 0 } }),
        );
      },
      progress: (p) => {
        if (ac.signal.aborted || stage === 'running') return;
        const [lo, hi] = stage === 'upscaling' && !packages ? [0, 100] : STAGE_SPAN[stage];
        const pct = Math.min(100, Math.max(0, p.percent));
        const overall = Math.round((lo + ((hi - lo) * pct) / 100) * 10) / 10;
        const elapsed = (Date.now() - started) / 1000;
        const progress: JobProgress = { stage: p.stage ?? stage, percent: overall };
        if (p.fps !== undefined) progress.fps = p.fps;
        if (p.speed !== undefined) progress.speed = p.speed;
        if (overall >= 1 && overall < 100)
          progress.etaSeconds = Math.round((elapsed * (100 - overall)) / overall);
        this.onProgress(rec.id, progress);
      },
    };
    try {
      const outputs = await this.executor(ctx);
      this.tryUpdate(rec.id, (r) => {
        if (isFinalStatus(r.status) || r.status === 'interrupted') return undefined;
        const timings = { ...outputs.timings, totalSeconds: Math.round((Date.now() - started) / 100) / 10 };
        const notes = [...(r.outputs?.notes ?? []), ...(outputs.notes ?? [])];
        const out: JobOutputs = { ...outputs, timings };
        if (notes.length) out.notes = notes;
        const via = r.status === 'running' ? withStatus(r, 'upscaling') : r;
        return withStatus(via, 'succeeded', {
          finishedAt: now(),
          progress: { stage: 'done', percent: 100 },
          outputs: out,
        });
      });
    } catch (e) {
      this.finishFailed(rec.id, e);
    } finally {
      this.running.delete(rec.id);
      this.lastPersist.delete(rec.id);
      this.lastProgress.delete(rec.id);
      if (!this.closing) setImmediate(() => this.pump());
    }
  }

  /** Any error inside a job becomes that job's coded error; the worker goes on with the next job. */
  private finishFailed(id: string, e: unknown): void {
    this.tryUpdate(id, (r) => {
      if (isFinalStatus(r.status) || r.status === 'interrupted') return undefined;
      const progress = this.lastProgress.get(id) ?? r.progress;
      return withStatus(r, 'failed', { finishedAt: now(), error: toErrorInfo(e), progress });
    });
  }

  private onProgress(id: string, progress: JobProgress): void {
    this.lastProgress.set(id, progress);
    const t = Date.now();
    const last = this.lastPersist.get(id) ?? 0;
    if (t - last >= 1000) {
      this.lastPersist.set(id, t);
      this.tryUpdate(id, (r) =>
        FINAL_STATUSES.includes(r.status) || r.status === 'interrupted'
          ? undefined
          : { ...r, progress, updatedAt: now() },
      );
      return;
    }
    const cur = this.store.get(id);
    if (cur && !isFinalStatus(cur.status)) this.emit({ ...cur, progress, updatedAt: now() });
  }
}

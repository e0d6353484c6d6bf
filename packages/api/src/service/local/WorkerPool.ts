import { existsSync, rmdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  ACTIVE_STATUSES,
  isFinalStatus,
  type JobOutputs,
  type JobRecord,
  parseJobSpec,
  parseLocation,
  prepareJob,
  toErrorInfo,
  ValidationError,
  type ValidationIssue,
  VodsrError,
  type WorkflowInput,
} from '@vodsr/core';
import { reportLostJobs, requeueInterrupted } from './crashRecovery.js';
import type { JobFeed } from './JobFeed.js';
import type { JobStore } from './JobStore.js';
import { actualAtEnd, observationAtEnd } from './jobCost.js';
import { now, withStatus } from './jobRecords.js';
import { localPrepareContext } from './prepareContext.js';
import { forgetGroup, recordGroup } from './processGroups.js';
import { overallProgress, ProgressReporter, type ProgressStage, stageSpan } from './progressMapping.js';
import type { LocalExecutionContext, LocalExecutor, LocalJobServiceOptions } from './types.js';

/** The worker pool's settings, defaults applied. */
export type WorkerPoolSettings = Required<
  Pick<
    LocalJobServiceOptions,
    | 'slots'
    | 'workers'
    | 'maxAttempts'
    | 'heartbeatMs'
    | 'leaseMs'
    | 'outputRoot'
    | 'dataDir'
    | 'packagingEngine'
  >
>;

/**
 * The local backend's workers: claims queued jobs from the store (one per free slot), keeps this worker's lease
 * fresh, runs each job through the executor and records how it ended, and recovers the jobs of dead workers.
 */
export class WorkerPool {
  private readonly running = new Map<string, AbortController>();
  /** Each running job's end (its outputs recorded and its files cleaned): `stop` waits for them. */
  private readonly settling = new Map<string, Promise<void>>();
  private readonly own = new Set<string>();
  private readonly progress: ProgressReporter;
  private timer: NodeJS.Timeout | undefined;
  private stopping = false;

  public constructor(
    private readonly store: JobStore,
    private readonly feed: JobFeed,
    private readonly executor: LocalExecutor,
    private readonly workerId: string,
    private readonly settings: WorkerPoolSettings,
    /** Problems with a job's paths right before it runs (the roots' second check), if the service has roots. */
    private readonly recheckPaths?: (job: WorkflowInput['job']) => readonly ValidationIssue[],
  ) {
    this.progress = new ProgressReporter(store, feed);
  }

  /** True once `stop` was called. */
  public get closing(): boolean {
    return this.stopping;
  }

  /** Number of jobs this process is running now. */
  public get activeCount(): number {
    return this.running.size;
  }

  public isRunning(id: string): boolean {
    return this.running.has(id);
  }

  /** Resolves once this process's run of the job (if any) has ended: its outputs recorded, its files cleaned. */
  public async settled(id: string): Promise<void> {
    await this.settling.get(id);
  }

  /** A job submitted through this process: with `workers: 'own'`, the only kind it runs. */
  public adopt(id: string): void {
    this.own.add(id);
  }

  /** Stops the job if this process runs it. */
  public abort(id: string, reason: VodsrError): void {
    this.running.get(id)?.abort(reason);
  }

  /** Takes the lease and starts claiming jobs. */
  public start(): void {
    this.store.heartbeat(this.workerId);
    this.timer = setInterval(() => this.tick(), this.settings.heartbeatMs);
    this.timer.unref();
    this.schedulePump();
  }

  /** Runs queued jobs while slots are free. */
  public schedulePump(): void {
    setImmediate(() => this.pump());
  }

  /** Marks active jobs of dead workers `interrupted`; with workers, re-queues (or fails) interrupted jobs. */
  public recoverLost(): void {
    const ctx = {
      store: this.store,
      feed: this.feed,
      workerId: this.workerId,
      leaseMs: this.settings.leaseMs,
      maxAttempts: this.settings.maxAttempts,
      dataDir: this.settings.dataDir,
    };
    reportLostJobs(ctx);
    if (!this.settings.workers || this.stopping) return;
    requeueInterrupted(ctx, (id) => this.settings.workers !== 'own' || this.own.has(id));
  }

  /** Aborts the running jobs (reported `interrupted`, re-queued next time) and gives the lease back. */
  public async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    const stopped = [...this.running.entries()];
    for (const [, ac] of stopped)
      ac.abort(new VodsrError('VODSR_WORKER_LOST', 'The worker is shutting down'));
    for (const [id] of stopped) {
      this.feed.update(id, (r) =>
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
    // let aborted executors settle: child process groups get their signal, partial files are removed
    if (stopped.length) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled([...this.settling.values()]),
        new Promise((r) => {
          timer = setTimeout(r, 15_000);
        }),
      ]);
      if (timer) clearTimeout(timer);
    }
    if (this.settings.workers) this.store.removeWorker(this.workerId);
  }

  private tick(): void {
    if (this.stopping) return;
    try {
      this.store.heartbeat(this.workerId);
      for (const id of this.store.cancelRequestedFor(this.workerId)) {
        this.abort(id, new VodsrError('VODSR_CANCELLED', 'The job was cancelled'));
      }
      this.recoverLost();
      this.pump();
    } catch (e) {
      process.emitWarning(`vodsr worker tick failed: ${(e as Error).message}`);
    }
  }

  private pump(): void {
    if (this.stopping || !this.settings.workers) return;
    while (this.running.size < this.settings.slots) {
      const claimed = this.claim();
      if (!claimed) return;
      // a worker never dies of one job: whatever escapes runJob becomes that job's error
      const done = this.runJob(claimed).catch((e: unknown) => {
        try {
          this.finishFailed(claimed.id, e);
        } catch (again) {
          process.emitWarning(`vodsr could not record the failure of job ${claimed.id}: ${String(again)}`);
        }
      });
      this.settling.set(claimed.id, done);
      void done.finally(() => this.settling.delete(claimed.id));
    }
  }

  private nextCandidate(): string | undefined {
    if (this.settings.workers !== 'own') return this.store.nextQueuedId();
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
        this.feed.emit(claimed);
        return claimed;
      }
    }
  }

  /** The stored execution input; jobs stored before inputs were are prepared now (the same function, result). */
  private inputOf(rec: JobRecord): WorkflowInput {
    return (
      this.store.getInput(rec.id) ??
      prepareJob(parseJobSpec(rec.spec), localPrepareContext(this.settings, rec.id))
    );
  }

  private async runJob(rec: JobRecord): Promise<void> {
    const ac = new AbortController();
    this.running.set(rec.id, ac);
    const started = Date.now();
    let input: WorkflowInput;
    try {
      input = this.inputOf(rec);
      const issues = this.recheckPaths?.(input.job) ?? [];
      if (issues.length) throw new ValidationError('job (checked again before it ran)', issues);
    } catch (e) {
      this.finishFailed(rec.id, e);
      this.running.delete(rec.id);
      if (!this.stopping) this.schedulePump();
      return;
    }
    const ctx = this.executionContext(rec, input, ac, started);
    try {
      const outputs = await this.executor(ctx);
      this.finishSucceeded(rec.id, outputs, started);
    } catch (e) {
      this.finishFailed(rec.id, e);
      // a failed, cancelled or interrupted attempt leaves nothing in the job's output (the next attempt redoes it)
      await discardLocalOutputs(input, join(this.settings.outputRoot, rec.id));
    } finally {
      removeWorkDir(ctx.workDir);
      forgetGroup(this.settings.dataDir, rec.id);
      this.running.delete(rec.id);
      this.progress.forget(rec.id);
      if (!this.stopping) this.schedulePump();
    }
  }

  /** What the executor gets: the input, a scratch folder, and callbacks that move the job and map its progress. */
  private executionContext(
    rec: JobRecord,
    input: WorkflowInput,
    ac: AbortController,
    started: number,
  ): LocalExecutionContext {
    const { signal } = ac;
    const packages = input.packagingPreset !== 'none';
    let stage: 'running' | ProgressStage = 'running';
    // The callbacks run inside child-process and stream events, where a throw would end this process: an error
    // there stops this job (it becomes the job's error) instead.
    const guarded =
      <A extends unknown[]>(fn: (...a: A) => void) =>
      (...a: A): void => {
        try {
          fn(...a);
        } catch (e) {
          if (!signal.aborted) ac.abort(e);
        }
      };
    return {
      jobId: rec.id,
      input,
      job: input.job,
      workDir: join(this.settings.dataDir, 'work', rec.id, String(rec.attempts)),
      attempt: rec.attempts,
      signal,
      onProcessGroup: guarded((pgid: number | undefined) => recordGroup(this.settings.dataDir, rec.id, pgid)),
      setStage: guarded((s: 'upscaling' | 'packaging') => {
        if (signal.aborted) return;
        stage = s;
        const span = stageSpan(s, packages);
        this.feed.update(rec.id, (r) =>
          r.status === s || isFinalStatus(r.status)
            ? undefined
            : withStatus(r, s, { progress: { ...r.progress, stage: s, percent: span[0] ?? 0 } }),
        );
      }),
      progress: guarded((p: Parameters<LocalExecutionContext['progress']>[0]) => {
        if (signal.aborted || stage === 'running') return;
        this.progress.report(rec.id, overallProgress(stage, packages, p, started));
      }),
    };
  }

  private finishSucceeded(id: string, outputs: JobOutputs, started: number): void {
    this.feed.update(id, (r) => {
      if (isFinalStatus(r.status) || r.status === 'interrupted') return undefined;
      const timings = { ...outputs.timings, totalSeconds: Math.round((Date.now() - started) / 100) / 10 };
      const notes = [...(r.outputs?.notes ?? []), ...(outputs.notes ?? [])];
      const out: JobOutputs = { ...outputs, timings };
      if (notes.length) out.notes = notes;
      const via = r.status === 'running' ? withStatus(r, 'upscaling') : r;
      const actual = actualAtEnd(out);
      const done = withStatus(via, 'succeeded', {
        finishedAt: now(),
        progress: { stage: 'done', percent: 100 },
        outputs: out,
        ...(actual !== undefined ? { cost: { ...r.cost, actual } } : {}),
      });
      this.learn(done);
      return done;
    });
  }

  /**
   * Feeds the learned throughput table (in the same transaction as the success): the job's measured busy seconds
   * per frame of its model at its resolution on this host kind. A failure to record only warns.
   */
  private learn(rec: JobRecord): void {
    try {
      const obs = observationAtEnd(rec);
      if (obs) this.store.addObservation(rec.id, obs);
    } catch (e) {
      process.emitWarning(`vodsr could not record the throughput of job ${rec.id}: ${String(e)}`);
    }
  }

  /** Any error inside a job becomes that job's coded error; the worker goes on with the next job. */
  private finishFailed(id: string, e: unknown): void {
    this.feed.update(id, (r) => {
      if (isFinalStatus(r.status) || r.status === 'interrupted') return undefined;
      const progress = this.progress.last(id) ?? r.progress;
      return withStatus(r, 'failed', { finishedAt: now(), error: toErrorInfo(e), progress });
    });
  }
}

function quietly(fn: () => void): void {
  try {
    fn();
  } catch {
    // already gone, or not ours to remove (not empty)
  }
}

/**
 * Removes what an attempt that did not succeed wrote to a local output: the SR file, the HLS folder, and the
 * folders above them up to the job's own output folder once they are empty. A stopped FFmpeg may still be
 * flushing a segment: it is tried again a few times. S3 outputs are published only on success: nothing to do.
 */
export async function discardLocalOutputs(input: WorkflowInput, jobOutputDir: string): Promise<void> {
  const sr = parseLocation(input.srFile);
  const hls = parseLocation(input.hlsDestination);
  const created = [
    ...(sr.kind === 'file' ? [sr.path] : []),
    ...(hls.kind === 'file' && input.packagingPreset !== 'none' ? [hls.path.replace(/\/+$/, '')] : []),
  ];
  const root = jobOutputDir.replace(/\/+$/, '');
  for (let round = 0; round < 6; round++) {
    for (const p of created) {
      quietly(() => rmSync(p, { recursive: true, force: true }));
      // empty folders above it, up to the job's output folder (never above it)
      for (let d = dirname(p); d.startsWith(`${root}/`); d = dirname(d)) quietly(() => rmdirSync(d));
    }
    quietly(() => rmdirSync(root));
    if (created.every((p) => !existsSync(p)) && !existsSync(join(root, 'hls'))) return;
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Removes an attempt's scratch folder, and the job's work folder once it holds no other attempt. */
function removeWorkDir(workDir: string): void {
  quietly(() => rmSync(workDir, { recursive: true, force: true }));
  quietly(() => rmdirSync(dirname(workDir)));
}

import { randomUUID } from 'node:crypto';
import { type ErrorInfo, toErrorInfo, VodsrError } from '@vodsr/core';
import type { ListedObject } from '@vodsr/core/backfill';
import type { TriggerConfig } from '@vodsr/core/ingest';
import { parseBackfillLocation } from './listObjects.js';
import {
  type BackfillEstimate,
  type BackfillPlanSummary,
  type BackfillRunProgress,
  type BackfillTarget,
  runBackfill,
} from './runBackfill.js';

/** A backfill request (`POST /v1/backfills`, `vodsr backfill`). */
export interface BackfillRequest {
  /** `s3://bucket/prefix/`. */
  readonly source: string;
  /** Comma-separated globs or a list. */
  readonly include?: string | readonly string[];
  readonly concurrency?: number;
  readonly dryRun?: boolean;
  /** The trigger's configuration without the listed bucket (output root, model, preset). */
  readonly config: TriggerConfig;
}

/** A backfill as the API shows it. */
export interface BackfillRecord {
  readonly id: string;
  readonly source: string;
  readonly dryRun: boolean;
  state: 'planning' | 'running' | 'done' | 'failed' | 'cancelled';
  readonly createdAt: string;
  plan?: BackfillPlanSummary;
  estimate?: BackfillEstimate;
  progress?: BackfillRunProgress;
  /** Once cancelled: how many of the jobs it started were still unfinished and were cancelled. */
  cancelledJobs?: number;
  error?: ErrorInfo;
}

/** How a registry lists a bucket and starts jobs. */
export interface BackfillRegistryDeps {
  readonly list: (bucket: string, prefix: string) => Promise<ListedObject[]>;
  readonly target: () => Promise<BackfillTarget>;
  /** Cancels one of its jobs by name (`JobService.cancel`); throws `VODSR_ILLEGAL_TRANSITION` once it ended. */
  readonly cancelJob?: (name: string) => Promise<unknown>;
  readonly pollMs?: number;
}

/** What the registry keeps of a run besides its record: how to stop it, and what it started. */
interface RunHandle {
  readonly abort: AbortController;
  readonly started: string[];
  readonly settled: Promise<unknown>;
}

/**
 * The backfills one API process runs (in memory: the jobs themselves are durable, and starting the same backfill
 * again resumes it). `start` plans synchronously enough to answer with the plan; the jobs are started and
 * followed in the background.
 *
 * @example const b = await registry.start({ source: 's3://in/', config: { outputRoot: 's3://out/' } }); registry.get(b.id)
 */
export class BackfillRegistry {
  private readonly runs = new Map<string, BackfillRecord>();
  private readonly handles = new Map<string, RunHandle>();

  public constructor(private readonly deps: BackfillRegistryDeps) {}

  /** Lists, plans and (unless `dryRun`) starts a backfill; resolves once the plan is known. */
  public async start(req: BackfillRequest): Promise<BackfillRecord> {
    const { bucket, prefix } = parseBackfillLocation(req.source);
    const rec: BackfillRecord = {
      id: `bf-${randomUUID().replace(/-/g, '').slice(0, 20)}`,
      source: req.source,
      dryRun: req.dryRun === true,
      state: 'planning',
      createdAt: new Date().toISOString(),
    };
    const objects = await this.deps.list(bucket, prefix);
    const target = await this.deps.target();
    let planned!: () => void;
    const ready = new Promise<void>((res) => {
      planned = res;
    });
    const abort = new AbortController();
    const started: string[] = [];
    const run = runBackfill({
      objects,
      options: {
        bucket,
        prefix,
        ...(req.include !== undefined ? { include: req.include } : {}),
        config: req.config,
      },
      target,
      ...(req.concurrency !== undefined ? { concurrency: req.concurrency } : {}),
      dryRun: rec.dryRun,
      ...(this.deps.pollMs !== undefined ? { pollMs: this.deps.pollMs } : {}),
      signal: abort.signal,
      onEvent: (e) => {
        if (e.type === 'submitted' && e.outcome === 'started') started.push(e.name);
        if (e.type === 'plan') {
          rec.plan = e.plan;
          rec.estimate = e.estimate;
          rec.state = rec.dryRun ? 'done' : 'running';
          this.runs.set(rec.id, rec);
          planned();
        } else if (e.type === 'progress' || e.type === 'done') rec.progress = e.progress;
      },
    });
    const settled = run.then(
      (r) => {
        rec.progress = r.progress;
        if (rec.state !== 'cancelled') rec.state = 'done';
      },
      (e) => {
        if (rec.state === 'cancelled') return;
        rec.state = 'failed';
        rec.error = toErrorInfo(e);
      },
    );
    this.handles.set(rec.id, { abort, started, settled });
    await Promise.race([ready, run.then(() => undefined)]);
    if (rec.plan === undefined) {
      await run; // rejects with the planning error (validation of include / config)
    }
    if (rec.dryRun) await run;
    return rec;
  }

  /**
   * Cancels a planning or running backfill: it starts nothing more, and the jobs it started that have not ended
   * are cancelled (`cancelledJobs`). Jobs it found already in flight (an earlier run's) are left alone. Throws
   * `VODSR_NOT_FOUND`, or `VODSR_ILLEGAL_TRANSITION` once it has ended.
   */
  public async cancel(id: string): Promise<BackfillRecord> {
    const rec = this.get(id);
    const handle = this.handles.get(id);
    if ((rec.state !== 'planning' && rec.state !== 'running') || !handle) {
      throw new VodsrError(
        'VODSR_ILLEGAL_TRANSITION',
        `Backfill ${id} is ${rec.state}: there is nothing to cancel`,
        {
          details: { id, state: rec.state },
        },
      );
    }
    rec.state = 'cancelled';
    handle.abort.abort();
    // a start in flight when it was aborted still lands in `started`: the run's end is waited for first
    await handle.settled;
    let cancelled = 0;
    let failure: unknown;
    for (const name of handle.started) {
      if (!this.deps.cancelJob) break;
      try {
        await this.deps.cancelJob(name);
        cancelled += 1;
      } catch (e) {
        // one that ended meanwhile needs nothing; another error is the answer, once every job was tried
        const code = (e as { code?: string }).code;
        if (code !== 'VODSR_ILLEGAL_TRANSITION' && code !== 'VODSR_JOB_NOT_FOUND') failure ??= e;
      }
    }
    rec.cancelledJobs = cancelled;
    if (failure !== undefined) throw failure;
    return rec;
  }

  /** One backfill; throws `VODSR_NOT_FOUND`. */
  public get(id: string): BackfillRecord {
    const r = this.runs.get(id);
    if (!r) throw new VodsrError('VODSR_NOT_FOUND', `No backfill ${id}`, { details: { id } });
    return r;
  }
}

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
  state: 'planning' | 'running' | 'done' | 'failed';
  readonly createdAt: string;
  plan?: BackfillPlanSummary;
  estimate?: BackfillEstimate;
  progress?: BackfillRunProgress;
  error?: ErrorInfo;
}

/** How a registry lists a bucket and starts jobs. */
export interface BackfillRegistryDeps {
  readonly list: (bucket: string, prefix: string) => Promise<ListedObject[]>;
  readonly target: () => Promise<BackfillTarget>;
  readonly pollMs?: number;
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
      onEvent: (e) => {
        if (e.type === 'plan') {
          rec.plan = e.plan;
          rec.estimate = e.estimate;
          rec.state = rec.dryRun ? 'done' : 'running';
          this.runs.set(rec.id, rec);
          planned();
        } else if (e.type === 'progress' || e.type === 'done') rec.progress = e.progress;
      },
    });
    run.then(
      (r) => {
        rec.progress = r.progress;
        rec.state = 'done';
      },
      (e) => {
        rec.state = 'failed';
        rec.error = toErrorInfo(e);
      },
    );
    await Promise.race([ready, run.then(() => undefined)]);
    if (rec.plan === undefined) {
      await run; // rejects with the planning error (validation of include / config)
    }
    if (rec.dryRun) await run;
    return rec;
  }

  /** One backfill; throws `VODSR_NOT_FOUND`. */
  public get(id: string): BackfillRecord {
    const r = this.runs.get(id);
    if (!r) throw new VodsrError('VODSR_NOT_FOUND', `No backfill ${id}`, { details: { id } });
    return r;
  }
}

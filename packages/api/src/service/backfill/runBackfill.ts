import { isFinalStatus, type JobStatus, type WorkflowInput } from '@vodsr/core';
import {
  type BackfillDecision,
  type BackfillOptions,
  type BackfillPlan,
  type BackfillProgress,
  backfillProgress,
  type ListedObject,
  planBackfill,
  resolveBackfillOptions,
} from '@vodsr/core/backfill';
import type { CostFigures, EstimateOptions, ThroughputTable } from '@vodsr/core/cost';
import { estimateInput, sumEstimates } from './estimates.js';

/**
 * Where a backfill starts its jobs: locally `LocalJobService.startExecution` (the trigger's twin), on AWS one
 * Step Functions `StartExecution` per item on the job state machine (`ExecutionAlreadyExists` = exists).
 */
export interface BackfillTarget {
  /** Starts the job under its deterministic name; the same name again is `'exists'`. */
  startExecution(name: string, input: WorkflowInput): Promise<'started' | 'exists'>;
  /** The job's status, `undefined` when there is no job of that name. */
  statusOf(name: string): Promise<JobStatus | undefined>;
  /**
   * What this target's fleet has learned, for the plan's estimate: the throughput table and the options that key
   * and price it (the host kind, the instance type). Absent: the documented default throughput.
   */
  learned?(): Promise<LearnedEstimate>;
  /**
   * Where the jobs run: on `aws` each item's estimate follows its own path (MediaConvert bills per rendition, 8
   * transitions; the host engine or preset none $0, 6); locally packaging costs nothing. @default 'local'
   */
  readonly backend?: 'local' | 'aws';
}

/** The learned throughput of a backfill target and how to estimate with it. */
export interface LearnedEstimate {
  readonly estimate?: EstimateOptions;
  readonly throughput?: ThroughputTable;
}

/** A backfill's summed estimate (`sumEstimates`). */
export type BackfillEstimate = ReturnType<typeof sumEstimates>;

/** Progress with what this run started and an ETA. */
export interface BackfillRunProgress extends BackfillProgress {
  /** Jobs the plan submits that this run has not started yet. */
  readonly pending: number;
  /** Seconds to go from the finish rate so far; absent until a job ended. */
  readonly etaSeconds?: number;
}

/** Events of a running backfill (`--json` prints one a line). */
export type BackfillEvent =
  | { readonly type: 'plan'; readonly plan: BackfillPlanSummary; readonly estimate: BackfillEstimate }
  | {
      readonly type: 'submitted';
      readonly key: string;
      readonly name: string;
      readonly outcome: 'started' | 'exists';
    }
  | { readonly type: 'progress'; readonly progress: BackfillRunProgress }
  | { readonly type: 'done'; readonly progress: BackfillRunProgress };

/** A plan without the execution inputs (what `--dry-run`, the API and the events show). */
export interface BackfillPlanSummary {
  readonly bucket: string;
  readonly prefix: string;
  readonly counts: BackfillPlan['counts'];
  readonly items: readonly (
    | { readonly key: string; readonly action: 'submit'; readonly name: string }
    | Extract<BackfillDecision, { action: 'skip' }>
  )[];
}

/** What `runBackfill` does. */
export interface RunBackfillOptions {
  /** The listing (`listS3Objects`). */
  readonly objects: readonly ListedObject[];
  readonly options: BackfillOptions;
  readonly target: BackfillTarget;
  /** At most this many of the backfill's jobs queued or running at once (≥ 1). @default 16 */
  readonly concurrency?: number;
  /** Plan and estimate only. */
  readonly dryRun?: boolean;
  /** Wait until every job the backfill covers has ended. @default true */
  readonly wait?: boolean;
  /** Estimate options (instance type, packaging engine, throughput host kind). @default packaging 'host' */
  readonly estimate?: EstimateOptions;
  /**
   * The learned throughput the estimate uses (`LocalJobService.throughput()`). @default the target's
   * `learned()` when it has one, else the documented default
   */
  readonly throughput?: ThroughputTable;
  readonly pollMs?: number;
  readonly signal?: AbortSignal;
  readonly onEvent?: (e: BackfillEvent) => void;
}

/** The result of `runBackfill`. */
export interface BackfillRunResult {
  readonly plan: BackfillPlanSummary;
  readonly estimate: BackfillEstimate;
  /** Names this run started (`'started'`), in order. */
  readonly started: readonly string[];
  readonly progress: BackfillRunProgress;
}

/**
 * A plan without its execution inputs.
 *
 * @example summarizePlan(plan).items[0] // { key: 'a.mp4', action: 'submit', name: 'vodsr-…' }
 */
export function summarizePlan(plan: BackfillPlan): BackfillPlanSummary {
  return {
    bucket: plan.bucket,
    prefix: plan.prefix,
    counts: plan.counts,
    items: plan.items.map((i) =>
      i.action === 'submit' ? { key: i.key, action: i.action, name: i.name } : i,
    ),
  };
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((res) => {
    const t = setTimeout(res, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        res();
      },
      { once: true },
    );
  });

/**
 * Plans a backfill (core's `planBackfill`, asking the target which names exist: done or in flight = skipped),
 * estimates it, and unless `dryRun` starts every `submit` item under its deterministic name on the bulk queue,
 * keeping at most `concurrency` of them unfinished, then (with `wait`) follows them to the end. Running it again
 * starts nothing new; after an interruption it starts only the objects that have no job yet.
 *
 * @example
 * const r = await runBackfill({ objects: await listS3Objects(s3, 'in', ''), options: { bucket: 'in', config }, target });
 * r.progress // { submitted: 21, skipped: 9, succeeded: 21, … }
 */
export async function runBackfill(o: RunBackfillOptions): Promise<BackfillRunResult> {
  const resolved = resolveBackfillOptions(o.options);
  const concurrency = o.concurrency ?? 16;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    const { ValidationError } = await import('@vodsr/core');
    throw new ValidationError('backfill', [{ path: '/concurrency', message: 'must be an integer ≥ 1' }]);
  }
  const pollMs = o.pollMs ?? 500;
  const status = new Map<string, JobStatus | undefined>();
  const first = planBackfill(o.objects, resolved);
  for (const i of first.items) if (i.action === 'submit') status.set(i.name, await o.target.statusOf(i.name));
  const plan = planBackfill(o.objects, resolved, (n) => status.get(n) !== undefined);
  const summary = summarizePlan(plan);
  const learned: LearnedEstimate =
    o.throughput !== undefined ? {} : ((await o.target.learned?.().catch(() => undefined)) ?? {});
  const sizes = new Map(o.objects.map((x) => [x.key, x.size]));
  // Each item's own estimate: on AWS its packaging path decides (MediaConvert bills per rendition, 8
  // transitions), and it goes on the execution input (`$.estimate`) as the deployed backfill's Lambda puts it;
  // locally the jobs package on the host and the backend estimates each one from its probe when it starts.
  const aws = o.target.backend === 'aws';
  const perItem = new Map<string, CostFigures>();
  for (const i of plan.items) {
    if (i.action !== 'submit') continue;
    const e = estimateInput(
      aws ? i.input : { ...i.input, packagingEngine: 'host' },
      sizes.get(i.key) ?? 0,
      { ...learned.estimate, ...o.estimate },
      undefined,
      o.throughput ?? learned.throughput,
    );
    if (e) perItem.set(i.name, e);
  }
  const estimate = sumEstimates([...perItem.values()]);
  o.onEvent?.({ type: 'plan', plan: summary, estimate });

  const t0 = Date.now();
  const started: string[] = [];
  const startedSet = new Set<string>();
  const progress = (): BackfillRunProgress => {
    const view = {
      items: plan.items.filter(
        (i) => i.action === 'skip' || startedSet.has(i.name) || status.get(i.name) !== undefined,
      ),
    };
    const p = backfillProgress(view, (n) => status.get(n));
    const pending = plan.counts.submit - p.submitted;
    const ended = p.succeeded + p.failed;
    const left = p.running + pending;
    const elapsed = (Date.now() - t0) / 1000;
    return {
      ...p,
      total: plan.counts.listed,
      pending,
      fraction: ended + left === 0 ? 1 : ended / (ended + left),
      ...(ended > 0 && left > 0 ? { etaSeconds: Math.round((elapsed / ended) * left) } : {}),
    };
  };
  if (o.dryRun) return { plan: summary, estimate, started, progress: progress() };

  const covered = plan.items.flatMap((i) =>
    i.action === 'submit' || (i.reason === 'exists' && i.name !== undefined) ? [i.name as string] : [],
  );
  const refresh = async () => {
    for (const n of covered) {
      const s = status.get(n);
      if (s !== undefined && isFinalStatus(s)) continue;
      if (s === undefined && !startedSet.has(n)) continue;
      status.set(n, await o.target.statusOf(n));
    }
  };
  const unfinished = () =>
    covered.filter((n) => startedSet.has(n) && !isFinalStatus(status.get(n) ?? 'queued')).length;

  for (const item of plan.items) {
    if (o.signal?.aborted) break;
    if (item.action !== 'submit') continue;
    while (unfinished() >= concurrency && !o.signal?.aborted) {
      await sleep(pollMs, o.signal);
      await refresh();
      o.onEvent?.({ type: 'progress', progress: progress() });
    }
    if (o.signal?.aborted) break;
    const input = aws
      ? { ...item.input, estimate: perItem.get(item.name) ?? item.input.estimate }
      : item.input;
    const outcome = await o.target.startExecution(item.name, input);
    startedSet.add(item.name);
    if (outcome === 'started') started.push(item.name);
    status.set(item.name, (await o.target.statusOf(item.name)) ?? 'queued');
    o.onEvent?.({ type: 'submitted', key: item.key, name: item.name, outcome });
    o.onEvent?.({ type: 'progress', progress: progress() });
  }
  const isDone = () => covered.every((n) => isFinalStatus(status.get(n) ?? 'queued'));
  await refresh();
  if (o.wait !== false) {
    while (!isDone() && !o.signal?.aborted) {
      await sleep(pollMs, o.signal);
      await refresh();
      o.onEvent?.({ type: 'progress', progress: progress() });
    }
  }
  const final = progress();
  o.onEvent?.({ type: 'done', progress: final });
  return { plan: summary, estimate, started, progress: final };
}

import {
  EMPTY_THROUGHPUT,
  learnThroughput,
  resolutionBucket,
  type ThroughputEntry,
  type ThroughputObservation,
  type ThroughputTable,
} from './costThroughput.js';

/** Turning a finished job into a throughput observation, and a stored list of them into a table. */

/** The host kind of jobs run on this machine (the local backend, the local fleet): the throughput table's key. */
export const LOCAL_HOST_KIND = 'local';

/** The source media of a finished job, as the host probed it (`MediaInfo` has these fields). */
export interface ObservedMedia {
  readonly width: number;
  readonly height: number;
  readonly durationSeconds: number;
  readonly fps?: number;
}

/** A finished job, for `observeJob`. */
export interface FinishedJob {
  readonly model: string;
  /** The instance type it ran on, or `LOCAL_HOST_KIND`. */
  readonly host: string;
  /** The source as the host probed it. */
  readonly source?: ObservedMedia;
  /** Seconds the job held its slot (what `cost.actual` bills). */
  readonly busySeconds: number;
  /** Seconds of the opt-in quality step inside `busySeconds` (not the model's throughput: left out). */
  readonly qualitySeconds?: number;
  readonly at?: string;
}

/**
 * Frames of a source, the way `estimateJob` counts them: duration × fps (30 when unknown), rounded.
 *
 * @example framesOf({ durationSeconds: 2, fps: 25 }) === 50
 */
export function framesOf(media: Pick<ObservedMedia, 'durationSeconds' | 'fps'>): number {
  return Math.round(media.durationSeconds * (media.fps ?? 30));
}

/**
 * The throughput observation of a finished job, or `undefined` when it cannot teach anything (no probed source,
 * no frames, no busy time). The quality step's seconds are taken out: they are not the model's speed.
 *
 * @example observeJob({ model: 'lanczos-x2', host: 'local', source: { width: 160, height: 120, durationSeconds: 2, fps: 25 }, busySeconds: 1.4 })
 */
export function observeJob(job: FinishedJob): ThroughputObservation | undefined {
  const s = job.source;
  if (s === undefined || !(s.width > 0) || !(s.height > 0) || !(s.durationSeconds > 0)) return undefined;
  const frames = framesOf(s);
  const busy = Math.round((job.busySeconds - (job.qualitySeconds ?? 0)) * 1000) / 1000;
  if (!(frames > 0) || !(busy > 0)) return undefined;
  return {
    model: job.model,
    instanceType: job.host,
    width: s.width,
    height: s.height,
    frames,
    hostBusySeconds: busy,
    ...(job.at === undefined ? {} : { at: job.at }),
  };
}

/** Options of `throughputFrom`. */
export interface FitOptions {
  /** Only the newest this many observations of each cell count (a new AMI or driver is learned quickly). @default 100 */
  readonly window?: number;
}

const keyOf = (o: ThroughputObservation) =>
  `${o.model}|${o.instanceType}|${resolutionBucket(o.width, o.height)}`;

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] ?? 0) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
}

/** The same least-squares line `learnThroughput` fits, on a list. */
function leastSquares(obs: readonly ThroughputObservation[]): ThroughputTable {
  let t: ThroughputTable = EMPTY_THROUGHPUT;
  for (const o of obs) t = learnThroughput(t, o);
  return t;
}

/**
 * A throughput table learned from observations (oldest first): per model × host kind × resolution bucket, the
 * least-squares line busy seconds = fixed seconds + frames × seconds per frame (as `learnThroughput`) over the
 * newest `window` jobs of the cell, fitted twice: from 4 jobs on, jobs more than 3 robust standard deviations
 * (1.4826 × MAD of the residuals) off the first line — a cold host's first job, a job that shared its CPU — are
 * left out of the second fit (`samples` counts the jobs the line is fitted from, `outliers` those left out).
 * Malformed observations are skipped.
 *
 * @example const table = throughputFrom(store.observations());
 */
export function throughputFrom(
  observations: Iterable<ThroughputObservation>,
  opts: FitOptions = {},
): ThroughputTable {
  const window = Math.max(1, Math.floor(opts.window ?? 100));
  const cells = new Map<string, ThroughputObservation[]>();
  for (const o of observations) {
    if (!(o.frames > 0) || !(o.hostBusySeconds > 0) || !(o.width > 0) || !(o.height > 0)) continue;
    const k = keyOf(o);
    const list = cells.get(k) ?? [];
    list.push(o);
    if (list.length > window) list.shift();
    cells.set(k, list);
  }
  const entries: Record<string, ThroughputEntry> = {};
  for (const [k, list] of cells) {
    const first = leastSquares(list).entries[k];
    if (first === undefined) continue;
    let entry: ThroughputEntry = first;
    if (list.length >= 4) {
      const res = list.map(
        (o) => o.hostBusySeconds - (first.overheadSeconds + o.frames * first.secondsPerFrame),
      );
      const mad = 1.4826 * median(res.map((r) => Math.abs(r - median(res))));
      const kept = mad > 0 ? list.filter((_, i) => Math.abs((res[i] ?? 0) - median(res)) <= 3 * mad) : list;
      const second =
        kept.length >= 2 && kept.length < list.length ? leastSquares(kept).entries[k] : undefined;
      if (second !== undefined) entry = { ...second, outliers: list.length - kept.length };
    }
    const at = list.at(-1)?.at;
    entries[k] = { ...entry, ...(at === undefined ? {} : { updatedAt: at }) };
  }
  return { entries };
}

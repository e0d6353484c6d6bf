import { ValidationError, type ValidationIssue } from './errors.js';

/** Learned throughput: seconds per frame per model × instance type × resolution bucket, from finished jobs. */

/** Resolution buckets of the throughput table (by the source's shorter side). */
export type ResolutionBucket = 'le480' | 'le720' | 'le1080' | 'gt1080';

/** One learned cell: a least-squares line busy seconds = overheadSeconds + frames × secondsPerFrame. */
export interface ThroughputEntry {
  readonly secondsPerFrame: number;
  /** Fixed seconds per job (fetch, probe, verify, upload); 0 until two jobs of different lengths are seen. */
  readonly overheadSeconds: number;
  /** Jobs the cell was learned from. */
  readonly samples: number;
  /** Of `samples`, jobs left out of the line as outliers (`throughputFrom`). */
  readonly outliers?: number;
  /** Running sums the line is fitted from. */
  readonly sums: { readonly f: number; readonly t: number; readonly ff: number; readonly ft: number };
  readonly updatedAt?: string;
}

/** Learned throughput per model × instance type × resolution bucket (key `model|instanceType|bucket`). */
export interface ThroughputTable {
  readonly entries: Readonly<Record<string, ThroughputEntry>>;
}

/**
 * Seconds per source frame assumed until the fleet has measured a model: a ×2 SR + NVENC on one L40S slot at
 * roughly 120 / 60 / 30 / 8 fps for ≤480 / ≤720 / ≤1080 / larger sources — a planning guess, replaced by the
 * first measured jobs (`learnThroughput`).
 */
export const DEFAULT_SECONDS_PER_FRAME: Readonly<Record<ResolutionBucket, number>> = {
  le480: 1 / 120,
  le720: 1 / 60,
  le1080: 1 / 30,
  gt1080: 1 / 8,
};

/** An empty throughput table (every estimate uses `DEFAULT_SECONDS_PER_FRAME` until jobs are learned). */
export const EMPTY_THROUGHPUT: ThroughputTable = { entries: {} };

/** One finished job, to learn throughput from. */
export interface ThroughputObservation {
  readonly model: string;
  readonly instanceType: string;
  readonly width: number;
  readonly height: number;
  /** Source frames (duration × fps). */
  readonly frames: number;
  readonly hostBusySeconds: number;
  readonly at?: string;
}

/**
 * The resolution bucket of a source (its shorter side, so portrait and landscape agree).
 *
 * @example resolutionBucket(1920, 1080) === 'le1080'
 */
export function resolutionBucket(width: number, height: number): ResolutionBucket {
  const s = Math.min(width, height);
  if (s <= 480) return 'le480';
  if (s <= 720) return 'le720';
  if (s <= 1080) return 'le1080';
  return 'gt1080';
}
/** The table key of a model × instance type × bucket (internal to `cost`, not part of the public surface). */
export function throughputKey(model: string, instanceType: string, bucket: ResolutionBucket): string {
  return `${model}|${instanceType}|${bucket}`;
}

/**
 * Learns from one finished job: a least-squares line (fixed seconds per job + seconds per frame) over every
 * job of its model × instance type × resolution bucket, from running sums. Returns a new table (the input is not changed); a non-positive observation is refused.
 *
 * @example table = learnThroughput(table, { model: 'A', instanceType: 'g6e.xlarge', width: 640, height: 480, frames: 300, hostBusySeconds: 4.1 });
 */
export function learnThroughput(table: ThroughputTable, obs: ThroughputObservation): ThroughputTable {
  const issues: ValidationIssue[] = [];
  if (!(obs.frames > 0)) issues.push({ path: '/frames', message: 'must be a positive number' });
  if (!(obs.hostBusySeconds > 0))
    issues.push({ path: '/hostBusySeconds', message: 'must be a positive number' });
  if (!(obs.width > 0 && obs.height > 0))
    issues.push({ path: '/width', message: 'width and height must be positive' });
  if (issues.length) throw new ValidationError('throughput observation', issues);
  const key = throughputKey(obs.model, obs.instanceType, resolutionBucket(obs.width, obs.height));
  const prev = table.entries[key]?.sums ?? { f: 0, t: 0, ff: 0, ft: 0 };
  const n = (table.entries[key]?.samples ?? 0) + 1;
  const f = obs.frames;
  const t = obs.hostBusySeconds;
  const sums = { f: prev.f + f, t: prev.t + t, ff: prev.ff + f * f, ft: prev.ft + f * t };
  const den = n * sums.ff - sums.f * sums.f;
  let secondsPerFrame = sums.t / sums.f;
  let overheadSeconds = 0;
  // A line needs two different lengths; a negative slope or intercept (noise) falls back to the plain ratio.
  if (n >= 2 && den > 1e-9 * n * sums.ff) {
    const slope = (n * sums.ft - sums.f * sums.t) / den;
    const intercept = (sums.t - slope * sums.f) / n;
    if (slope > 0 && intercept >= 0) {
      secondsPerFrame = slope;
      overheadSeconds = intercept;
    }
  }
  return {
    entries: {
      ...table.entries,
      [key]: {
        secondsPerFrame,
        overheadSeconds,
        samples: n,
        sums,
        ...(obs.at === undefined ? {} : { updatedAt: obs.at }),
      },
    },
  };
}

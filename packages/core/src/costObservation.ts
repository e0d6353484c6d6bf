import {
  EMPTY_THROUGHPUT,
  learnThroughput,
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

/**
 * A throughput table learned from observations in order (`learnThroughput` over each; malformed ones are skipped).
 *
 * @example const table = throughputFrom(store.observations());
 */
export function throughputFrom(
  observations: Iterable<ThroughputObservation>,
  table: ThroughputTable = EMPTY_THROUGHPUT,
): ThroughputTable {
  let t = table;
  for (const o of observations) {
    if (!(o.frames > 0) || !(o.hostBusySeconds > 0) || !(o.width > 0) || !(o.height > 0)) continue;
    t = learnThroughput(t, o);
  }
  return t;
}

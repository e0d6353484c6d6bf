import DEFAULT_PRICES from './data/prices.json' with { type: 'json' };
import { ValidationError, type ValidationIssue, VodsrError } from './errors.js';

/**
 * What a job costs: an estimate before it runs (frames × learned seconds per frame × price per slot-second +
 * packaging + Step Functions transitions) and the actual after it ran (measured host busy seconds, MediaConvert
 * output durations). Prices are data (`PriceTable`, with its date and sources), never constants in this logic;
 * every figure lists what it assumed.
 */

/** MediaConvert's resolution tiers. */
export type MediaConvertResolutionTier = 'sd' | 'hd' | 'uhd';

/** A dated price table (the default is `src/data/prices.json`, `@vodsr/core/prices.json`). */
export interface PriceTable {
  readonly version: 1;
  /** When the prices were read (YYYY-MM-DD). */
  readonly date: string;
  readonly region: string;
  readonly currency: 'USD';
  readonly note?: string;
  readonly sources: readonly {
    readonly what: string;
    readonly url: string;
    readonly checked: string;
    readonly confidence?: string;
  }[];
  /** Per instance type: GPUs and $ per instance-hour (Spot optional). */
  readonly instances: Readonly<
    Record<string, { readonly gpus: number; readonly onDemandHourly: number; readonly spotHourly?: number }>
  >;
  readonly mediaconvert: {
    /** Every output is billed at least this long. */
    readonly minimumSeconds: number;
    /** The tier the presets' outputs bill at. */
    readonly tier: 'basic' | 'professional';
    /** Multiplier above 30 fps. */
    readonly highFrameRateMultiplier: number;
    readonly perMinute: Readonly<
      Record<'basic' | 'professional', Record<MediaConvertResolutionTier, number>>
    >;
    readonly resolution?: string;
  };
  readonly stepFunctions: { readonly perThousandTransitions: number };
}

/** The price table shipped with core (its `date` and `sources` say where each figure comes from). */
export const DEFAULT_PRICE_TABLE: PriceTable = DEFAULT_PRICES as PriceTable;

/**
 * Transitions of a job on the success path: QueueJob, AcquireHost, RunHost, PlanPackaging, NeedsPackaging,
 * Package, NotifySuccess, Succeeded (`WORKFLOW_STATES`). A lost host adds 4 per extra attempt.
 */
export const SUCCESS_PATH_TRANSITIONS = 8;

/** Resolution buckets of the throughput table (by the source's shorter side). */
export type ResolutionBucket = 'le480' | 'le720' | 'le1080' | 'gt1080';

/** One learned cell: a least-squares line busy seconds = overheadSeconds + frames × secondsPerFrame. */
export interface ThroughputEntry {
  readonly secondsPerFrame: number;
  /** Fixed seconds per job (fetch, probe, verify, upload); 0 until two jobs of different lengths are seen. */
  readonly overheadSeconds: number;
  readonly samples: number;
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

/** The media an estimate needs: a `MediaInfo`, a probe result, or a guess from the object size. */
export interface EstimateMedia {
  readonly width: number;
  readonly height: number;
  readonly durationSeconds: number;
  /** @default 30 (said in the assumptions) */
  readonly fps?: number;
}

/** One output rendition billed by MediaConvert. */
export interface RenditionSize {
  readonly width: number;
  readonly height: number;
  /** @default the source's fps */
  readonly fps?: number;
}

/** Options of an estimate. */
export interface EstimateOptions {
  /** @default 'g6e.xlarge' */
  readonly instanceType?: string;
  /** @default 'on-demand' */
  readonly purchase?: 'on-demand' | 'spot';
  /** GPU slots per instance (jobs it runs at once): one slot-second is `hourly / 3600 / slots`. @default 1 */
  readonly slotsPerHost?: number;
  /** @default 'mediaconvert' */
  readonly packaging?: 'mediaconvert' | 'host' | 'none';
  /** The outputs MediaConvert writes. @default one rendition of the SR size (source × scale) */
  readonly renditions?: readonly RenditionSize[];
  /** The model's scale factor. @default 2 */
  readonly scale?: number;
  /** @default SUCCESS_PATH_TRANSITIONS */
  readonly transitions?: number;
}

/** Dollars of an estimate or an actual. */
export interface CostUsd {
  readonly gpu: number;
  readonly packaging: number;
  readonly transitions: number;
  readonly total: number;
}

/** An estimate or an actual. */
export interface CostFigures {
  readonly gpuSeconds: number;
  readonly usd: CostUsd;
  /** Every assumption behind the figures, in words. */
  readonly assumptions: readonly string[];
  /** The price table's date. */
  readonly pricesDate: string;
}

/** Measured figures of a finished job (`actualCost`). */
export interface MeasuredJob {
  /** Seconds the job held its GPU slot (the host's `elapsedSeconds`). */
  readonly hostBusySeconds: number;
  readonly instanceType?: string;
  readonly purchase?: 'on-demand' | 'spot';
  readonly slotsPerHost?: number;
  /** MediaConvert outputs with their measured durations; empty or absent = no MediaConvert. */
  readonly mediaconvertOutputs?: readonly (RenditionSize & { readonly durationSeconds: number })[];
  /** Transitions the execution took. @default SUCCESS_PATH_TRANSITIONS */
  readonly transitions?: number;
}

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

const round = (n: number, digits = 6) => Math.round(n * 10 ** digits) / 10 ** digits;

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

/**
 * MediaConvert's resolution tier of an output: SD below 720 lines, HD up to 1080, UHD above (shorter side).
 *
 * @example mediaconvertTier(2560, 1440) === 'uhd'
 */
export function mediaconvertTier(width: number, height: number): MediaConvertResolutionTier {
  const s = Math.min(width, height);
  if (s < 720) return 'sd';
  if (s <= 1080) return 'hd';
  return 'uhd';
}

function throughputKey(model: string, instanceType: string, bucket: ResolutionBucket): string {
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

function slotSecondPrice(
  prices: PriceTable,
  instanceType: string,
  purchase: 'on-demand' | 'spot',
  slots: number,
  assumptions: string[],
): number {
  const inst = prices.instances[instanceType];
  const hourly = inst === undefined ? undefined : purchase === 'spot' ? inst.spotHourly : inst.onDemandHourly;
  if (hourly === undefined) {
    throw new VodsrError(
      'VODSR_UNKNOWN_PRICE',
      `The price table (${prices.date}) has no ${purchase} price for ${instanceType}: add it to your table`,
      { details: { instanceType, purchase, known: Object.keys(prices.instances) } },
    );
  }
  assumptions.push(
    `${instanceType} ${purchase} $${hourly}/h (${prices.region}, prices of ${prices.date}), ${slots} slot(s) per host: $${round(hourly / 3600 / slots, 8)} per slot-second`,
  );
  return hourly / 3600 / slots;
}

function packagingUsd(
  prices: PriceTable,
  outputs: readonly (RenditionSize & { durationSeconds: number })[],
  assumptions: string[],
): number {
  const mc = prices.mediaconvert;
  let usd = 0;
  for (const o of outputs) {
    const tier = mediaconvertTier(o.width, o.height);
    const rate = mc.perMinute[mc.tier][tier];
    const billed = Math.max(mc.minimumSeconds, Math.ceil(o.durationSeconds));
    const mult = (o.fps ?? 30) > 30 ? mc.highFrameRateMultiplier : 1;
    usd += (billed / 60) * rate * mult;
    assumptions.push(
      `MediaConvert ${mc.tier} ${tier.toUpperCase()} output ${o.width}x${o.height}: ${billed} s billed (minimum ${mc.minimumSeconds} s) × $${rate}/min${mult === 1 ? '' : ` × ${mult} (> 30 fps)`}`,
    );
  }
  return usd;
}

function transitionsUsd(prices: PriceTable, n: number, assumptions: string[]): number {
  assumptions.push(
    `${n} Step Functions transitions × $${prices.stepFunctions.perThousandTransitions}/1,000 (Standard, free tier ignored)`,
  );
  return (n * prices.stepFunctions.perThousandTransitions) / 1000;
}

function checkSlots(slots: number): void {
  if (!Number.isInteger(slots) || slots < 1)
    throw new ValidationError('estimate options', [
      { path: '/slotsPerHost', message: 'must be an integer ≥ 1' },
    ]);
}

function figures(
  gpuSeconds: number,
  gpu: number,
  packaging: number,
  tr: number,
  assumptions: string[],
  prices: PriceTable,
): CostFigures {
  return {
    gpuSeconds: round(gpuSeconds, 3),
    usd: {
      gpu: round(gpu, 9),
      packaging: round(packaging, 9),
      transitions: round(tr, 9),
      total: round(gpu + packaging + tr, 9),
    },
    assumptions,
    pricesDate: prices.date,
  };
}

/**
 * Estimates a job before it runs: GPU seconds = frames × the learned seconds per frame of the model on the
 * instance type at the source's resolution (or `DEFAULT_SECONDS_PER_FRAME` until learned), × the price per
 * slot-second (on-demand or Spot), + MediaConvert per output minute per rendition by resolution tier with its
 * 10 s minimum ($0 when the host packages), + Step Functions transitions (8 on the success path).
 *
 * @example
 * const e = estimateJob({ width: 640, height: 480, durationSeconds: 10, fps: 30 }, 'A', {}, DEFAULT_PRICE_TABLE, EMPTY_THROUGHPUT);
 * e.gpuSeconds === 2.5; e.usd.total; e.assumptions // ['300 frames (10 s × 30 fps)', …]
 */
export function estimateJob(
  media: EstimateMedia,
  model: string,
  options: EstimateOptions = {},
  prices: PriceTable = DEFAULT_PRICE_TABLE,
  throughput: ThroughputTable = EMPTY_THROUGHPUT,
): CostFigures {
  const issues: ValidationIssue[] = [];
  if (!(media.width > 0) || !(media.height > 0))
    issues.push({ path: '/media/width', message: 'width and height must be positive' });
  if (!(media.durationSeconds >= 0)) issues.push({ path: '/media/durationSeconds', message: 'must be ≥ 0' });
  if (issues.length) throw new ValidationError('estimate media', issues);
  const assumptions: string[] = [];
  const instanceType = options.instanceType ?? 'g6e.xlarge';
  const purchase = options.purchase ?? 'on-demand';
  const slots = options.slotsPerHost ?? 1;
  checkSlots(slots);
  const fps = media.fps ?? 30;
  const frames = Math.round(media.durationSeconds * fps);
  assumptions.push(
    `${frames} frames (${media.durationSeconds} s × ${fps} fps${media.fps === undefined ? ', fps assumed' : ''})`,
  );
  const bucket = resolutionBucket(media.width, media.height);
  const learned = throughput.entries[throughputKey(model, instanceType, bucket)];
  const spf = learned?.secondsPerFrame ?? DEFAULT_SECONDS_PER_FRAME[bucket];
  const overhead = learned?.overheadSeconds ?? 0;
  assumptions.push(
    learned === undefined
      ? `throughput of ${model} on ${instanceType} at ${bucket}: not measured yet, default ${round(1 / spf, 1)} frames/s per slot, no fixed overhead`
      : `throughput of ${model} on ${instanceType} at ${bucket}: ${round(1 / spf, 1)} frames/s per slot + ${round(overhead, 1)} s per job, learned from ${learned.samples} job(s)`,
  );
  const gpuSeconds = overhead + frames * spf;
  const gpu = gpuSeconds * slotSecondPrice(prices, instanceType, purchase, slots, assumptions);
  const packaging = options.packaging ?? 'mediaconvert';
  let pkg = 0;
  if (packaging === 'mediaconvert') {
    const scale = options.scale ?? 2;
    const outs = (options.renditions ?? [{ width: media.width * scale, height: media.height * scale }]).map(
      (r) => ({
        ...r,
        fps: r.fps ?? fps,
        durationSeconds: media.durationSeconds,
      }),
    );
    pkg = packagingUsd(prices, outs, assumptions);
  } else {
    assumptions.push(
      packaging === 'host' ? 'packaging on the host in the same pass: $0' : 'no packaging: $0',
    );
  }
  const tr = transitionsUsd(prices, options.transitions ?? SUCCESS_PATH_TRANSITIONS, assumptions);
  return figures(gpuSeconds, gpu, pkg, tr, assumptions, prices);
}

/**
 * The actual cost of a finished job from what was measured: host busy seconds × the slot-second price, the
 * MediaConvert outputs' real durations (with the 10 s minimum each), and the transitions taken.
 *
 * @example actualCost({ hostBusySeconds: 2.6, mediaconvertOutputs: [{ width: 1280, height: 960, durationSeconds: 10 }] })
 */
export function actualCost(measured: MeasuredJob, prices: PriceTable = DEFAULT_PRICE_TABLE): CostFigures {
  if (!(measured.hostBusySeconds >= 0))
    throw new ValidationError('measured job', [{ path: '/hostBusySeconds', message: 'must be ≥ 0' }]);
  const assumptions: string[] = [`${measured.hostBusySeconds} s measured on the host (busy slot)`];
  const slots = measured.slotsPerHost ?? 1;
  checkSlots(slots);
  const gpu =
    measured.hostBusySeconds *
    slotSecondPrice(
      prices,
      measured.instanceType ?? 'g6e.xlarge',
      measured.purchase ?? 'on-demand',
      slots,
      assumptions,
    );
  const outs = measured.mediaconvertOutputs ?? [];
  const pkg = outs.length === 0 ? 0 : packagingUsd(prices, outs, assumptions);
  if (outs.length === 0) assumptions.push('no MediaConvert output: packaging $0');
  const tr = transitionsUsd(prices, measured.transitions ?? SUCCESS_PATH_TRANSITIONS, assumptions);
  return figures(measured.hostBusySeconds, gpu, pkg, tr, assumptions, prices);
}

/**
 * A price table with overrides merged in (per instance type, MediaConvert rates, Step Functions), checked; the
 * override's `date` and `sources` are kept alongside the defaults'.
 *
 * @example withPrices({ instances: { 'g6e.xlarge': { gpus: 1, onDemandHourly: 1.9, spotHourly: 0.7 } }, date: '2027-01-05' })
 */
export function withPrices(
  override: Partial<Omit<PriceTable, 'instances' | 'mediaconvert'>> & {
    instances?: PriceTable['instances'];
    mediaconvert?: Partial<PriceTable['mediaconvert']>;
  },
  base: PriceTable = DEFAULT_PRICE_TABLE,
): PriceTable {
  const merged: PriceTable = {
    ...base,
    ...override,
    sources: [...(override.sources ?? []), ...base.sources],
    instances: { ...base.instances, ...(override.instances ?? {}) },
    mediaconvert: { ...base.mediaconvert, ...(override.mediaconvert ?? {}) },
    stepFunctions: { ...base.stepFunctions, ...(override.stepFunctions ?? {}) },
  };
  const issues: ValidationIssue[] = [];
  for (const [k, v] of Object.entries(merged.instances)) {
    if (!(v.onDemandHourly >= 0))
      issues.push({ path: `/instances/${k}/onDemandHourly`, message: 'must be ≥ 0' });
    if (v.spotHourly !== undefined && !(v.spotHourly >= 0))
      issues.push({ path: `/instances/${k}/spotHourly`, message: 'must be ≥ 0' });
  }
  if (!/^\d{4}-\d{2}-\d{2}$/.test(merged.date)) issues.push({ path: '/date', message: 'must be YYYY-MM-DD' });
  if (issues.length) throw new ValidationError('price table', issues);
  return merged;
}

import {
  DEFAULT_PRICE_TABLE,
  mediaconvertTier,
  type PriceTable,
  SUCCESS_PATH_TRANSITIONS,
  slotSecondPrice,
} from './costPrices.js';
import { QUALITY_PASSES, qualitySampleSeconds } from './costQuality.js';
import {
  DEFAULT_SECONDS_PER_FRAME,
  EMPTY_THROUGHPUT,
  type ResolutionBucket,
  resolutionBucket,
  type ThroughputTable,
  throughputKey,
} from './costThroughput.js';
import { ValidationError, type ValidationIssue } from './errors.js';

/**
 * What a job costs: an estimate before it runs (frames × learned seconds per frame × price per slot-second +
 * packaging + Step Functions transitions) and the actual after it ran (measured host busy seconds, MediaConvert
 * output durations). Prices are data (`PriceTable`, with its date and sources), never constants in this logic;
 * every figure lists what it assumed.
 */

export * from './costPrices.js';
export { QUALITY_PASSES, qualitySampleSeconds } from './costQuality.js';
export {
  DEFAULT_SECONDS_PER_FRAME,
  EMPTY_THROUGHPUT,
  learnThroughput,
  RESOLUTION_BUCKETS,
  type ResolutionBucket,
  resolutionBucket,
  type ThroughputEntry,
  type ThroughputObservation,
  type ThroughputTable,
} from './costThroughput.js';
export { actualCostJsonata, type WorkflowPricing } from './costWorkflow.js';

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
  /** The instance type the GPU seconds are priced at. @default 'g6e.xlarge' */
  readonly instanceType?: string;
  /**
   * The host kind the throughput was learned on (the table's key), when it is not the priced instance type: a
   * local host (`'local'`) measures the speed, the job is priced as if on `instanceType`. @default instanceType
   */
  readonly throughputHost?: string;
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
  /** The opt-in quality step runs (`quality: true`): its seconds are added (`qualitySampleSeconds`). @default false */
  readonly quality?: boolean;
}

/** Dollars of an estimate or an actual. */
export interface CostUsd {
  readonly gpu: number;
  readonly packaging: number;
  readonly transitions: number;
  readonly total: number;
}

/** Which throughput an estimate used: learned from the fleet's finished jobs, or the documented default. */
export interface ThroughputBasis {
  readonly basis: 'learned' | 'default';
  readonly model: string;
  /** The host kind (instance type, or `'local'`) of the table's cell. */
  readonly host: string;
  readonly bucket: ResolutionBucket;
  /** Jobs the cell was learned from (0 for the default). */
  readonly samples: number;
  /** Jobs of the cell left out as outliers. */
  readonly outliers?: number;
  readonly secondsPerFrame: number;
  readonly overheadSeconds: number;
}

/** An estimate or an actual. */
export interface CostFigures {
  readonly gpuSeconds: number;
  readonly usd: CostUsd;
  /** Every assumption behind the figures, in words. */
  readonly assumptions: readonly string[];
  /** The price table's date. */
  readonly pricesDate: string;
  /** An estimate's throughput: learned (from how many jobs) or the default. */
  readonly throughput?: ThroughputBasis;
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

const round = (n: number, digits = 6) => Math.round(n * 10 ** digits) / 10 ** digits;
function slotPrice(
  prices: PriceTable,
  instanceType: string,
  purchase: 'on-demand' | 'spot',
  slots: number,
  assumptions: string[],
): number {
  const p = slotSecondPrice(prices, instanceType, purchase, slots);
  assumptions.push(p.assumption);
  return p.usd;
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

/** The quality step's seconds: the sampled frames × the SR's seconds per frame on the downscaled copy × passes. */
function qualitySeconds(
  media: EstimateMedia,
  fps: number,
  scale: number,
  spfOf: (bucket: ResolutionBucket) => number,
  assumptions: string[],
): number {
  const sampled = qualitySampleSeconds(media.durationSeconds);
  const w = Math.max(1, Math.round(media.width / scale));
  const h = Math.max(1, Math.round(media.height / scale));
  const frames = Math.round(sampled * fps);
  const spf = spfOf(resolutionBucket(w, h));
  const seconds = frames * spf * QUALITY_PASSES;
  assumptions.push(
    `quality step: ${sampled} s sampled (${frames} frames), SR of the ${w}x${h} copy at ${round(1 / spf, 1)} frames/s × ${QUALITY_PASSES} passes (SR + bicubic, cut, PSNR/SSIM; a planning guess): ${round(seconds, 3)} s`,
  );
  return seconds;
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
  const host = options.throughputHost ?? instanceType;
  const learned = throughput.entries[throughputKey(model, host, bucket)];
  const spf = learned?.secondsPerFrame ?? DEFAULT_SECONDS_PER_FRAME[bucket];
  const overhead = learned?.overheadSeconds ?? 0;
  assumptions.push(
    learned === undefined
      ? `throughput of ${model} on ${host} at ${bucket}: not measured yet, default ${round(1 / spf, 1)} frames/s per slot, no fixed overhead`
      : `throughput of ${model} on ${host} at ${bucket}: ${round(1 / spf, 1)} frames/s per slot + ${round(overhead, 2)} s per job, learned from ${learned.samples} job(s)${learned.outliers ? ` (${learned.outliers} outlier(s) left out)` : ''}`,
  );
  const basis: ThroughputBasis = {
    basis: learned === undefined ? 'default' : 'learned',
    model,
    host,
    bucket,
    samples: learned?.samples ?? 0,
    ...(learned?.outliers ? { outliers: learned.outliers } : {}),
    secondsPerFrame: round(spf, 9),
    overheadSeconds: round(overhead, 6),
  };
  const gpuSeconds =
    overhead +
    frames * spf +
    (options.quality === true
      ? qualitySeconds(
          media,
          fps,
          options.scale ?? 2,
          (b) => {
            const cell = throughput.entries[throughputKey(model, host, b)];
            return cell?.secondsPerFrame ?? DEFAULT_SECONDS_PER_FRAME[b];
          },
          assumptions,
        )
      : 0);
  const gpu = gpuSeconds * slotPrice(prices, instanceType, purchase, slots, assumptions);
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
  return { ...figures(gpuSeconds, gpu, pkg, tr, assumptions, prices), throughput: basis };
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
    slotPrice(
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

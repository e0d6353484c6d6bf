import {
  type CostFigures,
  type EstimateMedia,
  type EstimateOptions,
  estimateJob,
  type RenditionSize,
} from './cost.js';
import {
  DEFAULT_PRICE_TABLE,
  NO_PACKAGING_PATH_TRANSITIONS,
  type PriceTable,
  SUCCESS_PATH_TRANSITIONS,
} from './costPrices.js';
import { EMPTY_THROUGHPUT, type ThroughputTable } from './costThroughput.js';

/**
 * Estimates of objects known only by their size (an S3 event, a listing): the media is guessed from the size at an
 * assumed bitrate and picture (`SIZE_GUESS`), and every such estimate says it is a size-based guess.
 */

/**
 * Bitrate and picture assumed for an object known only by its size (an S3 listing): 720p30 at 4 Mbit/s.
 * Every estimate made from these says so in its assumptions.
 */
export const SIZE_GUESS = { bitsPerSecond: 4_000_000, width: 1280, height: 720, fps: 30 } as const;

/** Media of an estimate with the assumptions that produced it. */
export interface GuessedMedia {
  readonly media: EstimateMedia;
  readonly assumptions: readonly string[];
}

/**
 * Guesses the media of an object from its size alone (`SIZE_GUESS`): duration = bytes × 8 / bitrate.
 *
 * @example mediaFromSize(50_000_000).media.durationSeconds === 100
 */
export function mediaFromSize(bytes: number, guess: typeof SIZE_GUESS = SIZE_GUESS): GuessedMedia {
  const durationSeconds = Math.round(((Math.max(0, bytes) * 8) / guess.bitsPerSecond) * 10) / 10;
  return {
    media: { width: guess.width, height: guess.height, durationSeconds, fps: guess.fps },
    assumptions: [
      `media guessed from the object size (${bytes} bytes): ${guess.width}x${guess.height} at ${guess.fps} fps, ${guess.bitsPerSecond / 1e6} Mbit/s → ${durationSeconds} s (not probed)`,
    ],
  };
}

/** Options of `estimateFromSize`: `estimateJob`'s, with the renditions as a function of the guessed SR size. */
export interface SizeEstimateOptions extends Omit<EstimateOptions, 'renditions'> {
  /** The MediaConvert outputs for an SR picture of this size (a preset's rungs). @default one rendition of it */
  readonly renditionsFor?: (sr: { width: number; height: number }) => readonly RenditionSize[];
}

/**
 * The estimate an entry point that knows only an object's size can make (the S3 trigger, a backfill item):
 * `mediaFromSize` → `estimateJob`, the first assumption saying it is a size-based guess. Throws what
 * `estimateJob` throws (an unknown price: `VODSR_UNKNOWN_PRICE`).
 *
 * @example estimateFromSize(50_000_000, 'A', { packaging: 'host' }).assumptions[0] // 'size-based guess: …'
 */
export function estimateFromSize(
  bytes: number,
  model: string,
  options: SizeEstimateOptions = {},
  prices: PriceTable = DEFAULT_PRICE_TABLE,
  throughput: ThroughputTable = EMPTY_THROUGHPUT,
): CostFigures {
  const guessed = mediaFromSize(bytes);
  const { renditionsFor, ...rest } = options;
  const scale = rest.scale ?? 2;
  const renditions = renditionsFor?.({
    width: guessed.media.width * scale,
    height: guessed.media.height * scale,
  });
  const e = estimateJob(
    guessed.media,
    model,
    { ...rest, ...(renditions === undefined ? {} : { renditions }) },
    prices,
    throughput,
  );
  return {
    ...e,
    assumptions: [
      'size-based guess: the object was not probed, its media is assumed from its size',
      ...guessed.assumptions,
      ...e.assumptions,
    ],
  };
}

/** What of a prepared job (core's `WorkflowInput`) its estimate depends on. */
export interface EstimatedInput {
  readonly job: { readonly model: string; readonly scale?: number; readonly quality?: boolean };
  readonly packagingPreset: string;
  readonly packagingEngine?: string;
}

/**
 * The packaging path a prepared job takes, and so what it bills: preset `none` = the SR file only and the host
 * engine = HLS in the SR pass (both $0, `NO_PACKAGING_PATH_TRANSITIONS`), MediaConvert = PlanPackaging + Package
 * (per output minute per rendition, `SUCCESS_PATH_TRANSITIONS`).
 *
 * @example packagingPathOf({ packagingPreset: 'hls-ladder', packagingEngine: 'host' }) // { packaging: 'host', transitions: 6 }
 */
export function packagingPathOf(
  input: Pick<EstimatedInput, 'packagingPreset' | 'packagingEngine'>,
): Required<Pick<EstimateOptions, 'packaging' | 'transitions'>> {
  if (input.packagingPreset === 'none')
    return { packaging: 'none', transitions: NO_PACKAGING_PATH_TRANSITIONS };
  if (input.packagingEngine === 'mediaconvert')
    return { packaging: 'mediaconvert', transitions: SUCCESS_PATH_TRANSITIONS };
  return { packaging: 'host', transitions: NO_PACKAGING_PATH_TRANSITIONS };
}

/**
 * The estimate every entry point that knows a prepared job's object only by its size puts on `$.estimate` (the
 * S3 trigger, the backfill Lambda, an AWS API submission, a CLI backfill): `estimateFromSize` with the job's model,
 * scale and quality step and its packaging path (`packagingPathOf`). `renditionsFor` gives the MediaConvert
 * outputs of the job's preset at an SR size (the caller's `planRungs`: presets are not core's); `options` the
 * fleet's pricing and throughput host. Throws what `estimateJob` throws (an unknown price: `VODSR_UNKNOWN_PRICE`).
 *
 * @example estimateInputFromSize(input, 50_000_000, (sr) => planRungs(input.packagingPreset, { ...sr, durationSeconds: 1, hasAudio: false }))
 */
export function estimateInputFromSize(
  input: EstimatedInput,
  bytes: number,
  renditionsFor: SizeEstimateOptions['renditionsFor'],
  options: Omit<SizeEstimateOptions, 'renditionsFor'> = {},
  prices: PriceTable = DEFAULT_PRICE_TABLE,
  throughput: ThroughputTable = EMPTY_THROUGHPUT,
): CostFigures {
  const path = packagingPathOf(input);
  return estimateFromSize(
    bytes,
    input.job.model,
    {
      ...path,
      ...(input.job.scale === undefined ? {} : { scale: input.job.scale }),
      ...(input.job.quality === true ? { quality: true } : {}),
      ...(path.packaging === 'mediaconvert' && renditionsFor ? { renditionsFor } : {}),
      ...options,
    },
    prices,
    throughput,
  );
}

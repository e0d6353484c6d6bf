import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { type JobSpec, VodsrError } from '@vodsr/core';
import {
  type CostFigures,
  DEFAULT_PRICE_TABLE,
  type EstimatedInput,
  type EstimateMedia,
  type EstimateOptions,
  estimateInputFromSize,
  estimateJob,
  type GuessedMedia,
  type PriceTable,
  type ThroughputTable,
} from '@vodsr/core/cost';
import { type PresetId, planRungs } from '@vodsr/mediaconvert-presets';

const run = promisify(execFile);

// the size guess lives in core (the trigger and backfill Lambdas estimate with it too)
export { type GuessedMedia, mediaFromSize, SIZE_GUESS } from '@vodsr/core/cost';

/**
 * Probes a local video with ffprobe (width, height, duration, frame rate). Throws `VODSR_HOST_PROBE_FAILED`.
 *
 * @example const { media } = await probeMedia('clip.mp4'); // { width: 640, height: 480, durationSeconds: 10, fps: 30 }
 */
export async function probeMedia(path: string, ffprobe = 'ffprobe'): Promise<GuessedMedia> {
  let stdout: string;
  try {
    ({ stdout } = await run(
      ffprobe,
      [
        '-v',
        'error',
        '-select_streams',
        'v:0',
        '-show_entries',
        'stream=width,height,avg_frame_rate,r_frame_rate:format=duration',
        '-of',
        'json',
        path,
      ],
      { timeout: 30_000 },
    ));
  } catch (e) {
    throw new VodsrError('VODSR_HOST_PROBE_FAILED', `ffprobe could not read ${path}`, { cause: e });
  }
  const j = JSON.parse(stdout) as {
    streams?: { width?: number; height?: number; avg_frame_rate?: string; r_frame_rate?: string }[];
    format?: { duration?: string };
  };
  const s = j.streams?.[0];
  const duration = Number(j.format?.duration);
  if (!s?.width || !s.height || !(duration >= 0)) {
    throw new VodsrError('VODSR_HOST_PROBE_FAILED', `${path} has no video stream with a duration`);
  }
  const rate = (r: string | undefined) => {
    const [n, d] = (r ?? '').split('/').map(Number);
    return n && d ? n / d : undefined;
  };
  const fps = rate(s.avg_frame_rate) ?? rate(s.r_frame_rate);
  const media: EstimateMedia = {
    width: s.width,
    height: s.height,
    durationSeconds: Math.round(duration * 1000) / 1000,
    ...(fps !== undefined ? { fps: Math.round(fps * 1000) / 1000 } : {}),
  };
  return {
    media,
    assumptions: [`media probed with ffprobe: ${s.width}x${s.height}, ${media.durationSeconds} s`],
  };
}

/**
 * Estimates a job from media known (probed) or guessed, prefixing how the media was obtained to the assumptions.
 *
 * @example estimateFor(mediaFromSize(size), spec, { packaging: 'host' })
 */
export function estimateFor(
  guessed: GuessedMedia,
  spec: Pick<JobSpec, 'model' | 'scale'>,
  options: EstimateOptions = {},
  prices: PriceTable = DEFAULT_PRICE_TABLE,
  throughput?: ThroughputTable,
): CostFigures {
  const e = estimateJob(guessed.media, spec.model, { scale: spec.scale, ...options }, prices, throughput);
  return { ...e, assumptions: [...guessed.assumptions, ...e.assumptions] };
}

/**
 * The estimate of a prepared job whose source is known only by its object size (an API submission or a backfill
 * item on AWS): core's `estimateInputFromSize` — what the trigger and backfill Lambdas put on `$.estimate` — with
 * MediaConvert's outputs from the job's preset rungs, priced with `options` (instance type, market, slots) and,
 * when given, a learned throughput table. `undefined` without a size. Throws what `estimateJob` throws (an
 * unknown price: `VODSR_UNKNOWN_PRICE`).
 *
 * @example input.estimate = estimateInput(input, head.ContentLength, { instanceType: 'g6e.2xlarge' }) ?? null;
 */
export function estimateInput(
  input: EstimatedInput,
  bytes: number | undefined,
  options: EstimateOptions = {},
  prices: PriceTable = DEFAULT_PRICE_TABLE,
  throughput?: ThroughputTable,
): CostFigures | undefined {
  if (bytes === undefined || !(bytes >= 0)) return undefined;
  const rungs = (sr: { width: number; height: number }) =>
    planRungs(input.packagingPreset as PresetId, { ...sr, durationSeconds: 1, hasAudio: false }).map((r) => ({
      width: r.width,
      height: r.height,
    }));
  return estimateInputFromSize(input, bytes, rungs, options, prices, throughput);
}

/** Sums estimates (a backfill's, a prefix's): GPU seconds and dollars added, assumptions of the first kept. */
export function sumEstimates(list: readonly CostFigures[], prices: PriceTable = DEFAULT_PRICE_TABLE) {
  const r = (n: number) => Math.round(n * 1e6) / 1e6;
  const usd = { gpu: 0, packaging: 0, transitions: 0, total: 0 };
  let gpuSeconds = 0;
  for (const e of list) {
    gpuSeconds += e.gpuSeconds;
    usd.gpu += e.usd.gpu;
    usd.packaging += e.usd.packaging;
    usd.transitions += e.usd.transitions;
    usd.total += e.usd.total;
  }
  return {
    jobs: list.length,
    gpuSeconds: r(gpuSeconds),
    usd: {
      gpu: r(usd.gpu),
      packaging: r(usd.packaging),
      transitions: r(usd.transitions),
      total: r(usd.total),
    },
    assumptions: list[0] === undefined ? [] : [`per job, e.g.: ${list[0].assumptions.join('; ')}`],
    pricesDate: prices.date,
  };
}

/** One running instance of the fleet, for `fleetHourlyUsd`. */
export interface FleetInstance {
  readonly instanceType: string;
  readonly purchase?: 'on-demand' | 'spot';
}

/**
 * The fleet's current $/h (for `vodsr fleet`): the sum of each running instance's price in the table, with the
 * assumptions (price per type and purchase option, and the table's date). Unknown prices: `VODSR_UNKNOWN_PRICE`.
 *
 * @example fleetHourlyUsd([{ instanceType: 'g6e.xlarge' }, { instanceType: 'g6e.xlarge', purchase: 'spot' }])
 */
export function fleetHourlyUsd(
  instances: readonly FleetInstance[],
  prices: PriceTable = DEFAULT_PRICE_TABLE,
): { usdPerHour: number; instances: number; assumptions: string[]; pricesDate: string } {
  const assumptions: string[] = [];
  const counts = new Map<string, number>();
  let usd = 0;
  for (const i of instances) {
    const purchase = i.purchase ?? 'on-demand';
    const p = prices.instances[i.instanceType];
    const hourly = p === undefined ? undefined : purchase === 'spot' ? p.spotHourly : p.onDemandHourly;
    if (hourly === undefined) {
      throw new VodsrError(
        'VODSR_UNKNOWN_PRICE',
        `The price table (${prices.date}) has no ${purchase} price for ${i.instanceType}: add it to your table`,
        { details: { instanceType: i.instanceType, purchase } },
      );
    }
    usd += hourly;
    const k = `${i.instanceType} ${purchase} $${hourly}/h`;
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  for (const [k, n] of counts) assumptions.push(`${n} × ${k}`);
  assumptions.push(`prices of ${prices.date} (${prices.region})`);
  return {
    usdPerHour: Math.round(usd * 1e6) / 1e6,
    instances: instances.length,
    assumptions,
    pricesDate: prices.date,
  };
}

import { type MediaInfo, ValidationError, type ValidationIssue } from '@vodsr/core';
import { MEDIACONVERT_LIMITS } from '@vodsr/core/models';
import { getPreset } from './presets.js';
import type { PresetId, Rung } from './types.js';
import { maxRungsIssues, mediaIssues } from './validate.js';

/** One step of the ABR ladder, defined for a 16:9 picture with this short side. */
export interface LadderStep {
  /** Height of a landscape rung, width of a portrait one. */
  readonly shortSide: number;
  /** Max bitrate at 16:9; other aspect ratios are interpolated by pixel count. */
  readonly maxBitrate: number;
  readonly qvbrQuality: number;
  readonly crf: number;
  readonly audioBitrate: number;
}

/**
 * The ladder hls-ladder chooses from (highest first). QVBR levels follow AWS's guidance (6–9 for broadcast quality,
 * higher for big screens); CRF is the libx264 stand-in used by the local twin.
 */
export const LADDER: readonly LadderStep[] = Object.freeze([
  { shortSide: 2160, maxBitrate: 16_000_000, qvbrQuality: 9, crf: 20, audioBitrate: 128_000 },
  { shortSide: 1440, maxBitrate: 10_000_000, qvbrQuality: 8, crf: 21, audioBitrate: 128_000 },
  { shortSide: 1080, maxBitrate: 6_000_000, qvbrQuality: 8, crf: 21, audioBitrate: 128_000 },
  { shortSide: 720, maxBitrate: 3_500_000, qvbrQuality: 7, crf: 22, audioBitrate: 128_000 },
  { shortSide: 540, maxBitrate: 2_000_000, qvbrQuality: 7, crf: 23, audioBitrate: 96_000 },
  { shortSide: 360, maxBitrate: 800_000, qvbrQuality: 6, crf: 24, audioBitrate: 96_000 },
]);

/** The use case's single rendition: QVBR max 5 Mb/s, quality AUTO, AAC 96 kb/s. */
export const SINGLE_RENDITION = Object.freeze({
  maxBitrate: 5_000_000,
  qvbrQuality: 0,
  audioBitrate: 96_000,
});

/** A lower rung is used only when its short side is at most this fraction of the top rung's. */
export const MIN_RUNG_STEP = 0.9;

/**
 * Largest rung a preset plans, of either preset and either engine: MediaConvert's AVC (H.264) output limit from
 * core's `MEDIACONVERT_LIMITS` (4096x2160, or 2160x4096 portrait).
 */
export const MAX_H264_SIZE = Object.freeze({
  long: MEDIACONVERT_LIMITS.H_264.long,
  short: MEDIACONVERT_LIMITS.H_264.short,
});

/** The factor (≤ 1) that fits a long × short picture into {@link MAX_H264_SIZE}; the host's jq computes the same. */
function fitFactor(long: number, short: number): number {
  return Math.min(1, MAX_H264_SIZE.long / long, MAX_H264_SIZE.short / short);
}

const even = (x: number): number => Math.max(2, 2 * Math.round(x / 2));
const evenFloor = (x: number): number => Math.max(2, 2 * Math.floor(x / 2));
const area16x9 = (s: number): number => even((s * 16) / 9) * s;

/** Display size of a video: stored size, swapped when rotation metadata turns it by ±90°. */
export function displaySize(media: Pick<MediaInfo, 'width' | 'height' | 'rotation'>): {
  width: number;
  height: number;
} {
  const quarterTurn = Math.abs(Math.round((media.rotation ?? 0) / 90)) % 2 === 1;
  return quarterTurn
    ? { width: media.height, height: media.width }
    : { width: media.width, height: media.height };
}

/** The ladder step closest to a short side (by ratio; ties go to the higher step). */
function nearestStep(shortSide: number): LadderStep {
  let best = LADDER[0]!;
  let bestDist = Number.POSITIVE_INFINITY;
  for (const step of LADDER) {
    const d = Math.abs(Math.log(shortSide / step.shortSide));
    if (d < bestDist - 1e-9) {
      best = step;
      bestDist = d;
    }
  }
  return best;
}

/**
 * Max bitrate for a picture of `width`×`height`: the ladder's 16:9 values, log-log interpolated by pixel count
 * (so 4:3, portrait and odd sizes get a fair share), extrapolated as pixels^0.75 outside, rounded to 50 kb/s.
 */
export function maxBitrateFor(width: number, height: number): number {
  const px = width * height;
  const pts = [...LADDER].reverse().map((s) => ({ px: area16x9(s.shortSide), rate: s.maxBitrate }));
  const first = pts[0]!;
  const last = pts[pts.length - 1]!;
  let rate: number;
  if (px <= first.px) rate = first.rate * (px / first.px) ** 0.75;
  else if (px >= last.px) rate = last.rate * (px / last.px) ** 0.75;
  else {
    const i = pts.findIndex((p) => p.px >= px);
    const hi = pts[i]!;
    const lo = pts[i - 1]!;
    const t = Math.log(px / lo.px) / Math.log(hi.px / lo.px);
    rate = Math.exp(Math.log(lo.rate) + t * (Math.log(hi.rate) - Math.log(lo.rate)));
  }
  return Math.max(100_000, Math.round(rate / 50_000) * 50_000);
}

function rungName(width: number, height: number): string {
  return `${Math.min(width, height)}p`;
}

/** Picks `k` of `n` items spread evenly, always keeping the first and the last. */
function spread<T>(items: readonly T[], k: number): T[] {
  if (k >= items.length) return [...items];
  if (k === 1) return [items[0]!];
  const idx = new Set<number>();
  for (let i = 0; i < k; i++) idx.add(Math.round((i * (items.length - 1)) / (k - 1)));
  return [...idx].map((i) => items[i]!);
}

/**
 * The renditions a preset produces for a video, highest first.
 *
 * - `hls-single`: one rung at the video's own (even) size, 5 Mb/s max, QVBR AUTO (`qvbrQuality: 0`): the use case;
 *   a video beyond MediaConvert's AVC limit is fitted into 4096×2160 (2160×4096 portrait), keeping its aspect.
 * - `hls-ladder`: the top rung is the video's own size (never above it, fitted into 4096×2160 likewise), then every
 *   LADDER step whose short side is at most 90 % of it. Width and height keep the display aspect ratio (portrait
 *   stays portrait, 4:3 stays 4:3: nothing is letterboxed) and are even.
 * - `none`: no rungs.
 *
 * Audio bitrates are set only when `media.hasAudio`. Throws `VODSR_UNKNOWN_PRESET` or `VODSR_VALIDATION`.
 *
 * @example planRungs('hls-ladder', { width: 1280, height: 960, durationSeconds: 10, hasAudio: true }).map((r) => r.name)
 * // ['960p', '720p', '540p', '360p']
 */
export function planRungs(id: PresetId, media: MediaInfo, opts: { maxRungs?: number } = {}): Rung[] {
  getPreset(id);
  const issues: ValidationIssue[] = [];
  mediaIssues(media, issues);
  maxRungsIssues(opts.maxRungs, issues);
  if (issues.length) throw new ValidationError('packaging options', issues);
  if (id === 'none') return [];

  const shown = displaySize(media);
  const withAudio = (r: Omit<Rung, 'audioBitrate'>, audioBitrate: number): Rung =>
    media.hasAudio ? { ...r, audioBitrate } : r;

  const portrait = shown.height > shown.width;
  const long0 = portrait ? shown.height : shown.width;
  const short0 = portrait ? shown.width : shown.height;
  const fit = fitFactor(long0, short0);
  if (id === 'hls-single') {
    const width = evenFloor(shown.width * fit);
    const height = evenFloor(shown.height * fit);
    const step = nearestStep(Math.min(width, height));
    return [
      withAudio(
        {
          name: rungName(width, height),
          width,
          height,
          maxBitrate: SINGLE_RENDITION.maxBitrate,
          qvbrQuality: SINGLE_RENDITION.qvbrQuality,
          crf: step.crf,
        },
        SINGLE_RENDITION.audioBitrate,
      ),
    ];
  }

  const topShort = evenFloor(short0 * fit);
  const topLong = evenFloor(long0 * fit);
  const sizes: { short: number; long: number }[] = [{ short: topShort, long: topLong }];
  for (const step of LADDER) {
    if (step.shortSide <= topShort * MIN_RUNG_STEP) {
      sizes.push({ short: step.shortSide, long: even((step.shortSide * topLong) / topShort) });
    }
  }
  const rungs = sizes.map(({ short, long }) => {
    const width = portrait ? short : long;
    const height = portrait ? long : short;
    const step = LADDER.find((s) => s.shortSide === short) ?? nearestStep(short);
    return withAudio(
      {
        name: rungName(width, height),
        width,
        height,
        maxBitrate: maxBitrateFor(width, height),
        qvbrQuality: step.qvbrQuality,
        crf: step.crf,
      },
      step.audioBitrate,
    );
  });
  return spread(rungs, opts.maxRungs ?? rungs.length);
}

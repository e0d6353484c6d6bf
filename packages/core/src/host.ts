import { cpuFallback, encoderArgs, isNvenc } from './encoder.js';
import { ENCODER_LIMITS, type EncoderLimit, oversizeEncoder } from './encoderLimits.js';
import type { ValidationIssue } from './errors.js';
import { renderFilterChain } from './filters.js';
import type { HostJob } from './hostJob.js';
import { resolveModel } from './jobSpec.js';
import { joinLocation } from './naming.js';
import type { EncoderSettings, JobSpec, MediaInfo, QualityFigures } from './schemas.js';

export { decodeHostJob, encodeHostJob, type HostJob } from './hostJob.js';

/** Where the SR file of a job goes, given the job's output root. */
export function srFileLocation(job: JobSpec, outputRoot: string): string {
  return joinLocation(outputRoot, job.srName);
}

const sizeLimit = (l: EncoderLimit) => ({ long: l.long, short: l.short, pixels: l.pixels, label: l.label });

/** The encoder options of settings, and those of their CPU twin when NVENC may fall back. */
function argsOf(enc: EncoderSettings, media: MediaInfo | undefined) {
  const args = encoderArgs(enc, media);
  return isNvenc(enc.codec) && enc.cpuFallback
    ? { encoderArgs: args, cpuEncoderArgs: encoderArgs(cpuFallback(enc), media) }
    : { encoderArgs: args };
}

/**
 * Builds the host job of a validated job: the encoder options (and their CPU twin), the encoder's size limit and
 * the HEVC switch for a bigger SR picture (`srEncoderFor`'s rule, applied by the host after probing), and the SR
 * file's pixel format.
 *
 * @example encodeHostJob(buildHostJob(job, { jobId: 'j1', output: 's3://out/a_sr_2x.mp4' }))
 */
export function buildHostJob(
  job: JobSpec,
  opts: { jobId: string; output: string; media?: MediaInfo },
): HostJob {
  const model = resolveModel(job);
  const alt = oversizeEncoder(job.encoder);
  const pixelFormat = job.encoder.pixelFormat ?? 'yuv420p';
  return {
    v: 1,
    jobId: opts.jobId,
    source: job.source,
    output: opts.output,
    vf: renderFilterChain(model.filters),
    ...argsOf(job.encoder, opts.media),
    requiredFilters: [...model.requiredFilters],
    model: model.id,
    scale: model.scale,
    ...(job.quality === true ? { quality: true } : {}),
    sizeLimit: sizeLimit(ENCODER_LIMITS[job.encoder.codec]),
    ...(alt
      ? { oversize: { ...argsOf(alt, opts.media), sizeLimit: sizeLimit(ENCODER_LIMITS[alt.codec]) } }
      : {}),
    ...(pixelFormat === 'source' ? {} : { pixelFormat }),
  };
}

/** Exit codes of the host runner (`vodsr-host`) and the error code each stands for. */
export const HOST_EXIT_CODES = {
  0: 'OK',
  1: 'VODSR_HOST_FAILED',
  2: 'VODSR_HOST_USAGE',
  3: 'VODSR_HOST_MISSING_TOOL',
  4: 'VODSR_HOST_MISSING_FILTER',
  5: 'VODSR_HOST_LOW_DISK',
  6: 'VODSR_HOST_FETCH_FAILED',
  7: 'VODSR_HOST_PROBE_FAILED',
  8: 'VODSR_HOST_FFMPEG_FAILED',
  9: 'VODSR_HOST_VERIFY_FAILED',
  10: 'VODSR_HOST_UPLOAD_FAILED',
  11: 'VODSR_HOST_BUSY',
  12: 'VODSR_LEASE_INVALID',
  13: 'VODSR_HOST_LOST',
  14: 'VODSR_ENCODER_LIMIT',
  15: 'VODSR_STILL_IMAGE',
  130: 'VODSR_HOST_INTERRUPTED',
  143: 'VODSR_HOST_INTERRUPTED',
} as const;

/** A progress line of the host runner (JSON, one per line on stdout). */
export interface HostProgressEvent {
  readonly event: 'progress';
  readonly stage: 'fetch' | 'probe' | 'upscale' | 'verify' | 'quality' | 'upload';
  readonly percent: number;
  readonly fps?: number;
  readonly speed?: number;
  readonly outTimeSeconds?: number;
}

/** What the host packaged: locations as MediaConvert would name them, one variant per rung (highest first). */
export interface HostHlsResult {
  readonly destination: string;
  readonly master: string;
  /** The rungs' encoder: h264_nvenc on a GPU host, libx264 elsewhere. */
  readonly encoder: string;
  readonly variants: ReadonlyArray<{
    readonly name: string;
    readonly width: number;
    readonly height: number;
    readonly maxBitrate: number;
    readonly qvbrQuality: number;
    readonly crf: number;
    readonly audioBitrate?: number;
    readonly playlist: string;
  }>;
}

/** The final line of the host runner. */
export type HostResultEvent =
  | {
      readonly event: 'result';
      readonly ok: true;
      readonly jobId: string;
      readonly output: string;
      readonly source: MediaInfo;
      readonly sr: MediaInfo;
      readonly encoder: string;
      readonly elapsedSeconds: number;
      /** With `quality: true`: the SR chain vs bicubic (PSNR/SSIM) on sampled windows. */
      readonly quality?: QualityFigures;
      /** Present when the host packaged HLS in the SR pass (`HostJob.hls`). */
      readonly hls?: HostHlsResult;
      /** false when no SR file was written (HLS only); `sr` then describes the top rendition. */
      readonly srFile?: boolean;
    }
  | {
      readonly event: 'result';
      readonly ok: false;
      readonly jobId?: string;
      readonly code: string;
      readonly message: string;
      readonly exitCode?: number;
      /** For `VODSR_HOST_USAGE` about the job: every problem, with its path (as `validateHostJob`). */
      readonly issues?: readonly ValidationIssue[];
    };

export type HostEvent =
  | HostProgressEvent
  | HostResultEvent
  | { readonly event: 'log' | 'start'; readonly [k: string]: unknown };

/** Parses one stdout line of the host runner; `undefined` for lines that are not host events. */
export function parseHostEventLine(line: string): HostEvent | undefined {
  const t = line.trim();
  if (!t.startsWith('{')) return undefined;
  try {
    const v = JSON.parse(t) as { event?: unknown };
    return typeof v.event === 'string' ? (v as HostEvent) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The SSM `executionTimeout` for a video: generous for the SR speed (`realtimeFactor` seconds of work per second of
 * video, plus fixed overhead), at least 1 h (SSM's default), at most 48 h (SSM's limit).
 *
 * @example executionTimeoutSeconds(600) === 3600
 */
export function executionTimeoutSeconds(
  durationSeconds: number | undefined,
  opts: { realtimeFactor?: number; overheadSeconds?: number } = {},
): number {
  const min = 3600;
  const max = 172_800;
  if (durationSeconds === undefined || !Number.isFinite(durationSeconds) || durationSeconds <= 0) return min;
  const t = Math.ceil(durationSeconds * (opts.realtimeFactor ?? 4) + (opts.overheadSeconds ?? 900));
  return Math.min(max, Math.max(min, t));
}

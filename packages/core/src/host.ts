import { cpuFallback, encoderArgs, isNvenc } from './encoder.js';
import { ValidationError, type ValidationIssue } from './errors.js';
import { renderFilterChain } from './filters.js';
import { resolveModel } from './jobSpec.js';
import { joinLocation } from './naming.js';
import type { JobSpec, MediaInfo } from './schemas.js';

/**
 * What the GPU host receives: one job as data (base64 JSON on the command line, so any object key travels
 * safely), with the FFmpeg options precomputed by core. The host builds argv arrays from it and never evals.
 */
export interface HostJob {
  readonly v: 1;
  readonly jobId: string;
  /** `s3://bucket/key` or a local path. */
  readonly source: string;
  /** Where the SR file goes: `s3://bucket/key` or a local file path. */
  readonly output: string;
  /** The `-vf` filter chain. */
  readonly vf: string;
  /** Encoder options (video + audio), e.g. `['-c:v','h264_nvenc','-cq','13','-c:a','copy']`. */
  readonly encoderArgs: readonly string[];
  /** Encoder options used instead when the host's FFmpeg cannot use NVENC (absent = fail instead). */
  readonly cpuEncoderArgs?: readonly string[];
  /** Filters the host's FFmpeg must have. */
  readonly requiredFilters: readonly string[];
  readonly model: string;
  readonly scale: number;
}

/** Where the SR file of a job goes, given the job's output root. */
export function srFileLocation(job: JobSpec, outputRoot: string): string {
  return joinLocation(outputRoot, job.srName);
}

/**
 * Builds the host job of a validated job.
 *
 * @example encodeHostJob(buildHostJob(job, { jobId: 'j1', output: 's3://out/a_sr_2x.mp4' }))
 */
export function buildHostJob(
  job: JobSpec,
  opts: { jobId: string; output: string; media?: MediaInfo },
): HostJob {
  const model = resolveModel(job);
  const host: HostJob = {
    v: 1,
    jobId: opts.jobId,
    source: job.source,
    output: opts.output,
    vf: renderFilterChain(model.filters),
    encoderArgs: encoderArgs(job.encoder, opts.media),
    requiredFilters: [...model.requiredFilters],
    model: model.id,
    scale: model.scale,
  };
  if (isNvenc(job.encoder.codec) && job.encoder.cpuFallback) {
    return { ...host, cpuEncoderArgs: encoderArgs(cpuFallback(job.encoder), opts.media) };
  }
  return host;
}

/** Base64 of the host job's JSON: only `[A-Za-z0-9+/=]`, safe in any shell word. */
export function encodeHostJob(job: HostJob): string {
  return Buffer.from(JSON.stringify(job), 'utf8').toString('base64');
}

/** Decodes and checks a base64 host job; throws `VODSR_VALIDATION` listing every problem. */
export function decodeHostJob(b64: string): HostJob {
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(b64, 'base64').toString('utf8'));
  } catch {
    throw new ValidationError('host job', [{ path: '/', message: 'is not base64 JSON' }]);
  }
  const o = (v ?? {}) as Record<string, unknown>;
  const issues: ValidationIssue[] = [];
  if (o.v !== 1) issues.push({ path: '/v', message: 'must be 1' });
  for (const k of ['jobId', 'source', 'output', 'vf', 'model'] as const) {
    if (typeof o[k] !== 'string' || (o[k] as string).length === 0)
      issues.push({ path: `/${k}`, message: 'must be a non-empty string' });
  }
  for (const k of ['encoderArgs', 'requiredFilters'] as const) {
    if (!Array.isArray(o[k]) || !(o[k] as unknown[]).every((x) => typeof x === 'string')) {
      issues.push({ path: `/${k}`, message: 'must be an array of strings' });
    }
  }
  if (typeof o.scale !== 'number' || !Number.isInteger(o.scale) || o.scale < 1)
    issues.push({ path: '/scale', message: 'must be a positive integer' });
  if (issues.length) throw new ValidationError('host job', issues);
  return o as unknown as HostJob;
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
  130: 'VODSR_HOST_INTERRUPTED',
  143: 'VODSR_HOST_INTERRUPTED',
} as const;

/** A progress line of the host runner (JSON, one per line on stdout). */
export interface HostProgressEvent {
  readonly event: 'progress';
  readonly stage: 'fetch' | 'probe' | 'upscale' | 'verify' | 'upload';
  readonly percent: number;
  readonly fps?: number;
  readonly speed?: number;
  readonly outTimeSeconds?: number;
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
    }
  | {
      readonly event: 'result';
      readonly ok: false;
      readonly jobId?: string;
      readonly code: string;
      readonly message: string;
      readonly exitCode?: number;
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

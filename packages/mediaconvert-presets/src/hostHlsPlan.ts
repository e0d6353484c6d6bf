import { ValidationError, type ValidationIssue } from '@vodsr/core';
import type { HostHls } from '@vodsr/core/host';
import { splitExt } from '@vodsr/core/naming';
import { LOCAL_X264_PRESET } from './buildFfmpegHlsArgs.js';
import { DEFAULT_SEGMENT_SECONDS, gopSeconds, LADDER_BASE_NAME, singleNamingOf } from './mediaConvert.js';
import { LADDER, MAX_H264_SIZE, MIN_RUNG_STEP, SINGLE_RENDITION } from './planRungs.js';
import { getPreset } from './presets.js';
import type { PresetId } from './types.js';
import { maxRungsIssues } from './validate.js';

/** NVENC preset of the host engine's rungs (p5: the quality side of the p1–p7 scale, as the SR file uses). */
export const HOST_NVENC_PRESET = 'p5';

/** Options of {@link hostHlsPlan}. */
export interface HostHlsPlanOptions {
  /** The HLS folder (`s3://bucket/prefix/` or a local folder), ending with `/`: `WorkflowInput.hlsDestination`. */
  destination: string;
  /** The SR file's name (hls-single names its files after it, as MediaConvert does). */
  srFileName: string;
  /** @default 10 */
  segmentSeconds?: number;
  maxRungs?: number;
  /** MediaConvert NameModifier (see `PackagingOptions.nameModifier`). */
  nameModifier?: string;
}

/**
 * The host engine's HLS plan (`HostJob.hls`): this preset's own data — the ladder steps, the single rendition,
 * the rung rules, segment and GOP length — and MediaConvert's file names for the job, so `vodsr-host` can choose
 * the rungs after probing (with the rules of `planRungs`, tested against it) and write the tree MediaConvert would.
 * Throws `VODSR_UNKNOWN_PRESET`, or `VODSR_VALIDATION` for `none` and bad options.
 *
 * @example prepareJob(job, { jobId, outputRoot, packagingEngine: 'host', hostHlsPlan: (p, o) => hostHlsPlan(p, o) })
 */
export function hostHlsPlan(id: string, o: HostHlsPlanOptions): HostHls {
  const preset = getPreset(id).id as PresetId;
  const issues: ValidationIssue[] = [];
  if (preset === 'none') issues.push({ path: '/preset', message: '"none" packages nothing' });
  maxRungsIssues(o.maxRungs, issues);
  if (typeof o.destination !== 'string' || !o.destination.endsWith('/'))
    issues.push({ path: '/destination', message: 'must be a folder ending with /' });
  if (issues.length) throw new ValidationError('host packaging options', issues);
  const segment = o.segmentSeconds ?? DEFAULT_SEGMENT_SECONDS;
  let master: string;
  let variantPrefix: string;
  if (preset === 'hls-ladder') {
    master = `${LADDER_BASE_NAME}.m3u8`;
    variantPrefix = `${LADDER_BASE_NAME}${o.nameModifier ?? ''}_`;
  } else {
    const single = singleNamingOf(o.srFileName, o.nameModifier);
    const base = single.base ?? splitExt(o.srFileName).stem;
    master = `${base}.m3u8`;
    variantPrefix = `${base}${single.modifier}`;
  }
  return {
    preset: preset as 'hls-single' | 'hls-ladder',
    destination: o.destination,
    master,
    variantPrefix,
    segmentSeconds: segment,
    gopSeconds: gopSeconds(segment),
    ...(o.maxRungs === undefined ? {} : { maxRungs: o.maxRungs }),
    steps: LADDER.map((s) => ({ ...s })),
    single: { ...SINGLE_RENDITION },
    minRungStep: MIN_RUNG_STEP,
    maxSize: { ...MAX_H264_SIZE },
    x264Preset: LOCAL_X264_PRESET,
    nvencPreset: HOST_NVENC_PRESET,
  };
}

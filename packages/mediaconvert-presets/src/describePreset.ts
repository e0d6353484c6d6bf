import type { JobSettings } from '@aws-sdk/client-mediaconvert';
import type { MediaInfo } from '@vodsr/core';
import { buildFfmpegHlsArgs } from './buildFfmpegHlsArgs.js';
import { buildMediaConvertSettings } from './mediaConvert.js';
import { planRungs } from './planRungs.js';
import { getPreset } from './presets.js';
import type { PresetId, PresetInfo, Rung } from './types.js';

/** Placeholder locations `describePreset` renders a preset with. */
export const PLACEHOLDERS = Object.freeze({
  input: 's3://your-output-bucket/video_sr_2x.mp4',
  destination: 's3://your-output-bucket/hls/video_sr_2x.mp4/',
  localInput: 'video_sr_2x.mp4',
  localOutDir: 'hls/video_sr_2x.mp4',
});

/** A preset as data, for `vodsr presets show <id>` and `GET /v1/presets/<id>`. */
export interface PresetDescription {
  info: PresetInfo;
  rungs: Rung[];
  /** MediaConvert job Settings with placeholder locations (`{}` for `none`). */
  mediaconvert: JobSettings;
  /** FFmpeg argv of the local twin with placeholder paths (`[]` for `none`). */
  ffmpeg: string[];
}

/**
 * Renders a preset for a video: its rungs, its MediaConvert Settings and its FFmpeg twin, with placeholder
 * locations (see `PLACEHOLDERS`). Throws `VODSR_UNKNOWN_PRESET` or `VODSR_VALIDATION`.
 *
 * @example describePreset('hls-ladder', { width: 1920, height: 1080, durationSeconds: 60, hasAudio: true }).rungs.length // 4
 */
export function describePreset(
  id: string,
  media: MediaInfo,
  opts: { segmentSeconds?: number; maxRungs?: number } = {},
): PresetDescription {
  const info = getPreset(id);
  const presetId: PresetId = info.id;
  const rungs = planRungs(presetId, media, opts.maxRungs === undefined ? {} : { maxRungs: opts.maxRungs });
  if (presetId === 'none') return { info, rungs, mediaconvert: {}, ffmpeg: [] };
  const common = { media, ...opts };
  return {
    info,
    rungs,
    mediaconvert: buildMediaConvertSettings(presetId, {
      ...common,
      input: PLACEHOLDERS.input,
      destination: PLACEHOLDERS.destination,
    }),
    ffmpeg: buildFfmpegHlsArgs(presetId, {
      ...common,
      input: PLACEHOLDERS.localInput,
      outDir: PLACEHOLDERS.localOutDir,
    }).args,
  };
}

import { VodsrError } from '@vodsr/core';
import type { PresetId, PresetInfo } from './types.js';

/** The id used when a job names no preset: the use case's single HLS rendition. */
export const DEFAULT_PRESET_ID: PresetId = 'hls-single';

const PRESETS: readonly Readonly<PresetInfo>[] = Object.freeze([
  Object.freeze({
    id: 'hls-single',
    label: 'HLS, one rendition (the use case)',
    description:
      "The use case's MediaConvert preset value for value: one H.264 QVBR rendition (max 5 Mb/s, transition " +
      'detection) at the SR size, AAC 96 kb/s stereo 48 kHz when the source has audio, 10 s segments.',
  }),
  Object.freeze({
    id: 'hls-ladder',
    label: 'HLS, ABR ladder from the SR size',
    description:
      'Adaptive ladder chosen from the SR output: top rung at the SR size (up to 2160p), then 1440p/1080p/720p/' +
      '540p/360p below it, aspect ratio kept (portrait too, no letterboxing), QVBR per rung with max bitrates, ' +
      '2 s GOPs aligned to the segments, audio only when the source has it.',
  }),
  Object.freeze({
    id: 'none',
    label: 'No packaging',
    description: 'Keep the SR file only: no MediaConvert job, no HLS (the cheapest option).',
  }),
] as const);

/**
 * Every packaging preset, in display order.
 *
 * @example listPresets().map((p) => p.id) // ['hls-single', 'hls-ladder', 'none']
 */
export function listPresets(): PresetInfo[] {
  return PRESETS.map((p) => ({ ...p }));
}

/** True when `id` names a preset. */
export function isPresetId(id: string): id is PresetId {
  return PRESETS.some((p) => p.id === id);
}

/**
 * The preset with this id; throws `VODSR_UNKNOWN_PRESET` (listing the known ids) otherwise.
 *
 * @example getPreset('hls-ladder').label // 'HLS, ABR ladder from the SR size'
 */
export function getPreset(id: string): PresetInfo {
  const p = PRESETS.find((x) => x.id === id);
  if (!p) {
    const known = PRESETS.map((x) => x.id);
    throw new VodsrError(
      'VODSR_UNKNOWN_PRESET',
      `Unknown packaging preset ${JSON.stringify(id)}. Known presets: ${known.join(', ')}`,
      { details: { id, known } },
    );
  }
  return { ...p };
}

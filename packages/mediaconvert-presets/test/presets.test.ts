import { VodsrError } from '@vodsr/core';
import {
  describePreset,
  getPreset,
  isPresetId,
  listPresets,
  PLACEHOLDERS,
} from '@vodsr/mediaconvert-presets';
import { describe, expect, it } from 'vitest';

const MEDIA = { width: 1920, height: 1080, durationSeconds: 60, hasAudio: true };

describe('listPresets / getPreset', () => {
  it('lists the three presets with labels and descriptions, the use case first', () => {
    const presets = listPresets();
    expect(presets.map((p) => p.id)).toEqual(['hls-single', 'hls-ladder', 'none']);
    for (const p of presets) {
      expect(p.label.length).toBeGreaterThan(5);
      expect(p.description.length).toBeGreaterThan(20);
    }
  });

  it('returns copies, so callers cannot change the registry', () => {
    listPresets()[0]!.label = 'changed';
    getPreset('hls-single').label = 'changed';
    expect(getPreset('hls-single').label).toBe('HLS, one rendition (the use case)');
  });

  it('throws VODSR_UNKNOWN_PRESET listing the known ids', () => {
    let err: unknown;
    try {
      getPreset('hls-4k');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(VodsrError);
    expect(err).toMatchObject({
      code: 'VODSR_UNKNOWN_PRESET',
      status: 400,
      message: 'Unknown packaging preset "hls-4k". Known presets: hls-single, hls-ladder, none',
      details: { id: 'hls-4k', known: ['hls-single', 'hls-ladder', 'none'] },
    });
    expect(isPresetId('hls-ladder')).toBe(true);
    expect(isPresetId('hls-4k')).toBe(false);
  });
});

describe('describePreset', () => {
  it('renders the ladder as rungs, MediaConvert Settings and FFmpeg argv with placeholder locations', () => {
    const d = describePreset('hls-ladder', MEDIA);
    expect(d.info.id).toBe('hls-ladder');
    expect(d.rungs.map((r) => r.name)).toEqual(['1080p', '720p', '540p', '360p']);
    expect(d.mediaconvert.Inputs?.[0]?.FileInput).toBe(PLACEHOLDERS.input);
    expect(d.mediaconvert.OutputGroups?.[0]?.Outputs).toHaveLength(4);
    expect(d.ffmpeg.slice(0, 5)).toEqual(['-y', '-nostdin', '-hide_banner', '-i', PLACEHOLDERS.localInput]);
    expect(d.ffmpeg.at(-1)).toBe(`${PLACEHOLDERS.localOutDir}/%v.m3u8`);
    expect(JSON.parse(JSON.stringify(d))).toEqual(d);
  });

  it('honours segment length and rung cap, and renders none as empty', () => {
    const d = describePreset('hls-ladder', MEDIA, { segmentSeconds: 6, maxRungs: 2 });
    expect(d.rungs.map((r) => r.name)).toEqual(['1080p', '360p']);
    expect(d.ffmpeg[d.ffmpeg.indexOf('-hls_time') + 1]).toBe('6');
    expect(describePreset('none', MEDIA)).toEqual({
      info: getPreset('none'),
      rungs: [],
      mediaconvert: {},
      ffmpeg: [],
    });
    expect(() => describePreset('nope', MEDIA)).toThrowError(
      expect.objectContaining({ code: 'VODSR_UNKNOWN_PRESET' }),
    );
  });
});

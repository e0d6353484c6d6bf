import type { MediaInfo } from '@vodsr/core';
import { cpuFallback, encoderArgs, NVENC_DEFAULTS } from '@vodsr/core/models';
import { buildFfmpegHlsArgs } from '@vodsr/mediaconvert-presets';
import { describe, expect, it } from 'vitest';

const media = (width: number, height: number, extra: Partial<MediaInfo> = {}): MediaInfo => ({
  width,
  height,
  durationSeconds: 10,
  hasAudio: true,
  ...extra,
});
const after = (args: string[], flag: string) => args[args.indexOf(flag) + 1];
const all = (args: string[], flag: string) => args.flatMap((a, i) => (a === flag ? [args[i + 1]] : []));

describe('buildFfmpegHlsArgs', () => {
  it('renders the ladder as one process: split into scaled rungs, capped CRF, AAC per variant, master playlist', () => {
    // Act
    const plan = buildFfmpegHlsArgs('hls-ladder', {
      media: media(1280, 720),
      input: 'in.mp4',
      outDir: 'out/hls',
    });
    // Assess
    const a = plan.args;
    expect(after(a, '-filter_complex')).toBe(
      '[0:v]split=3[s0][s1][s2];[s0]scale=w=1280:h=720:flags=bicubic[v0];' +
        '[s1]scale=w=960:h=540:flags=bicubic[v1];[s2]scale=w=640:h=360:flags=bicubic[v2]',
    );
    expect(all(a, '-map')).toEqual(['[v0]', '[v1]', '[v2]', '0:a:0', '0:a:0', '0:a:0']);
    expect([after(a, '-crf:v:0'), after(a, '-maxrate:v:0'), after(a, '-bufsize:v:0')]).toEqual([
      '22',
      '3500000',
      '7000000',
    ]);
    expect(after(a, '-maxrate:v:2')).toBe('800000');
    expect(after(a, '-force_key_frames:v')).toBe('expr:gte(t,n_forced*2)');
    expect([after(a, '-b:a:0'), after(a, '-b:a:2'), after(a, '-ar'), after(a, '-ac')]).toEqual([
      '128000',
      '96000',
      '48000',
      '2',
    ]);
    expect(after(a, '-hls_time')).toBe('10');
    expect(after(a, '-var_stream_map')).toBe('v:0,a:0,name:720p v:1,a:1,name:540p v:2,a:2,name:360p');
    expect(after(a, '-master_pl_name')).toBe('index.m3u8');
    expect(after(a, '-hls_segment_filename')).toBe('out/hls/%v_%05d.ts');
    expect(a.at(-1)).toBe('out/hls/%v.m3u8');
    expect(plan).toMatchObject({ outDir: 'out/hls', masterPlaylist: 'index.m3u8' });
    expect(plan.renditions).toEqual([
      { name: '720p', width: 1280, height: 720, bandwidth: 3_990_800, playlist: '720p.m3u8' },
      { name: '540p', width: 960, height: 540, bandwidth: 2_305_600, playlist: '540p.m3u8' },
      { name: '360p', width: 640, height: 360, bandwidth: 985_600, playlist: '360p.m3u8' },
    ]);
  });

  it('maps no audio at all for a source without audio (-map 0:a would fail)', () => {
    const { args } = buildFfmpegHlsArgs('hls-ladder', {
      media: media(1280, 720, { hasAudio: false }),
      input: 'in.mp4',
      outDir: 'o',
    });
    expect(all(args, '-map')).toEqual(['[v0]', '[v1]', '[v2]']);
    expect(args).not.toContain('-c:a');
    expect(after(args, '-var_stream_map')).toBe('v:0,name:720p v:1,name:540p v:2,name:360p');
  });

  it("renders hls-single as the use case's one rendition with a one-variant master playlist", () => {
    const plan = buildFfmpegHlsArgs('hls-single', { media: media(1280, 960), input: 'in.mp4', outDir: 'o' });
    expect(after(plan.args, '-filter_complex')).toBe('[0:v]scale=w=1280:h=960:flags=bicubic[v0]');
    expect(after(plan.args, '-maxrate:v:0')).toBe('5000000');
    expect(after(plan.args, '-b:a:0')).toBe('96000');
    expect(after(plan.args, '-var_stream_map')).toBe('v:0,a:0,name:960p');
    expect(plan.renditions).toEqual([
      { name: '960p', width: 1280, height: 960, bandwidth: 5_605_600, playlist: '960p.m3u8' },
    ]);
  });

  it('fuses SR and packaging: the SR chain runs once, feeds every rung and the SR file', () => {
    const srEncoder = encoderArgs(cpuFallback(NVENC_DEFAULTS), media(640, 480));
    const { args } = buildFfmpegHlsArgs('hls-ladder', {
      media: media(1280, 960),
      input: 'orig.mp4',
      outDir: 'o',
      srFilter: 'scale=w=iw*2:h=ih*2:flags=lanczos',
      srOutput: { path: 'orig_sr_2x.mp4', encoderArgs: srEncoder },
    });
    expect(after(args, '-filter_complex')).toMatch(
      /^\[0:v\]scale=w=iw\*2:h=ih\*2:flags=lanczos,split=5\[sr\]\[s0\]\[s1\]\[s2\]\[s3\];\[s0\]scale=w=1280:h=960/,
    );
    const srPart = args.slice(args.lastIndexOf('-map') - 2);
    // Every audio track goes into the SR file (issue 13), not only the first.
    expect(srPart).toEqual(['-map', '[sr]', '-map', '0:a?', ...srEncoder, 'orig_sr_2x.mp4']);
  });

  it('keeps hostile paths as single argv items and guards option- and protocol-like ones', () => {
    const { args } = buildFfmpegHlsArgs('hls-single', {
      media: media(640, 480),
      input: '-i evil;$(touch x).mp4',
      outDir: 'concat:out dir',
    });
    expect(after(args, '-i')).toBe('./-i evil;$(touch x).mp4');
    expect(args.at(-1)).toBe('file:concat:out dir/%v.m3u8');
  });

  it('reports every bad option at once', () => {
    expect(() =>
      buildFfmpegHlsArgs('hls-ladder', {
        media: media(1280, 720),
        input: '',
        outDir: 'out/100%d',
        srFilter: 'scale=2:2[x];[x]null',
        segmentSeconds: 61,
      }),
    ).toThrowError(
      expect.objectContaining({
        code: 'VODSR_VALIDATION',
        issues: [
          { path: '/segmentSeconds', message: 'must be an integer from 1 to 60' },
          { path: '/input', message: 'must be a non-empty path without NUL characters' },
          { path: '/outDir', message: expect.stringContaining("must not contain '%'") },
          { path: '/srFilter', message: expect.stringContaining('one linear filter chain') },
        ],
      }),
    );
    expect(() =>
      buildFfmpegHlsArgs('none', { media: media(640, 480), input: 'a.mp4', outDir: 'o' }),
    ).toThrowError(expect.objectContaining({ code: 'VODSR_VALIDATION' }));
  });
});

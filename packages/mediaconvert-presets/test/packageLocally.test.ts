import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cpuFallback, encoderArgs, NVENC_DEFAULTS } from '@vodsr/core/models';
import { packageLocally } from '@vodsr/mediaconvert-presets';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ffprobe,
  firstFrameIsKey,
  makeTestVideo,
  parseMaster,
  parseMediaPlaylist,
  probeMedia,
  scratchDir,
} from './helpers.js';

let dir = '';
let cleanup: () => Promise<void> = async () => {};
let landscape = ''; // 960x540, 5 s, with audio
let portraitSilent = ''; // 720x1280, 2 s, no audio
let small = ''; // 320x240, 2 s, with audio (an SR input)

beforeAll(async () => {
  ({ dir, cleanup } = await scratchDir());
  [landscape, portraitSilent, small] = await Promise.all([
    makeTestVideo(dir, { width: 960, height: 540, seconds: 5, audio: true }, 'landscape.mp4'),
    makeTestVideo(dir, { width: 720, height: 1280, seconds: 2, audio: false }, 'portrait silent.mp4'),
    makeTestVideo(dir, { width: 320, height: 240, seconds: 2, audio: true }, 'small.mp4'),
  ]);
});
afterAll(() => cleanup());

/** Checks a packaged folder against what the preset promised; returns the parsed master. */
async function checkHls(
  outDir: string,
  plan: Awaited<ReturnType<typeof packageLocally>>,
  o: { segmentSeconds: number; audio: boolean; durationSeconds: number },
) {
  const master = parseMaster(await readFile(join(outDir, plan.masterPlaylist), 'utf8'));
  // The master lists every rung with BANDWIDTH, RESOLUTION and CODECS.
  expect(master.map((v) => v.uri)).toEqual(plan.renditions.map((r) => r.playlist));
  plan.renditions.forEach((r, i) => {
    const attrs = master[i]!.attrs;
    expect(Number(attrs.BANDWIDTH)).toBe(r.bandwidth);
    expect(attrs.RESOLUTION).toBe(`${r.width}x${r.height}`);
    expect(attrs.CODECS).toMatch(o.audio ? /^avc1\.64[0-9a-f]{4},mp4a\.40\.2$/ : /^avc1\.64[0-9a-f]{4}$/);
  });
  const durations: number[][] = [];
  for (const r of plan.renditions) {
    const media = parseMediaPlaylist(await readFile(join(outDir, r.playlist), 'utf8'));
    expect(media.ended).toBe(true);
    expect(media.targetDuration).toBeLessThanOrEqual(o.segmentSeconds + 1);
    for (const s of media.segments) expect(s.duration).toBeLessThanOrEqual(o.segmentSeconds + 1);
    const total = media.segments.reduce((t, s) => t + s.duration, 0);
    expect(total).toBeGreaterThan(o.durationSeconds - 0.5);
    expect(total).toBeLessThan(o.durationSeconds + 0.5);
    durations.push(media.segments.map((s) => s.duration));
    // Every segment starts on a keyframe (GOPs aligned with segments).
    for (const s of media.segments) expect(await firstFrameIsKey(join(outDir, s.uri))).toBe(true);
    // What a player decodes: the rung's size, audio iff the source has audio (AAC stereo 48 kHz).
    const probe = await ffprobe(join(outDir, r.playlist));
    const v = probe.streams.find((s) => s.codec_type === 'video');
    expect([v?.codec_name, v?.width, v?.height]).toEqual(['h264', r.width, r.height]);
    const a = probe.streams.filter((s) => s.codec_type === 'audio');
    if (o.audio)
      expect(a.map((s) => [s.codec_name, s.sample_rate, s.channels])).toEqual([['aac', '48000', 2]]);
    else expect(a).toEqual([]);
  }
  // Segments are aligned across rungs: the same cut points everywhere.
  for (const d of durations) expect(d).toEqual(durations[0]);
  return master;
}

describe('packageLocally', () => {
  it('packages a landscape video with audio into an aligned ladder that ffprobe reads back', async () => {
    // Prepare
    const media = await probeMedia(landscape);
    const outDir = join(dir, 'out', 'hls', 'landscape_sr_2x.mp4');
    const progress: number[] = [];
    // Act
    const plan = await packageLocally('hls-ladder', {
      media,
      input: landscape,
      outDir,
      segmentSeconds: 2,
      onProgress: (p) => progress.push(p),
    });
    // Assess
    expect(plan.renditions.map((r) => `${r.name} ${r.width}x${r.height}`)).toEqual([
      '540p 960x540',
      '360p 640x360',
    ]);
    const master = await checkHls(outDir, plan, { segmentSeconds: 2, audio: true, durationSeconds: 5 });
    expect(master).toHaveLength(2);
    expect(progress.at(-1)).toBe(100);
    expect([...progress].sort((a, b) => a - b)).toEqual(progress);
    expect((await readdir(join(dir, 'out', 'hls'))).sort()).toEqual(['landscape_sr_2x.mp4']);
  });

  it('packages a portrait video without audio: portrait rungs, no audio streams, an existing folder replaced', async () => {
    // Prepare: a stale folder from an earlier run.
    const outDir = join(dir, 'out', 'hls', 'portrait');
    await mkdir(outDir, { recursive: true });
    await writeFile(join(outDir, 'stale.ts'), 'old');
    const media = await probeMedia(portraitSilent);
    expect(media.hasAudio).toBe(false);
    // Act
    const plan = await packageLocally('hls-ladder', { media, input: portraitSilent, outDir });
    // Assess
    expect(plan.renditions.map((r) => `${r.width}x${r.height}`)).toEqual(['720x1280', '540x960', '360x640']);
    await checkHls(outDir, plan, { segmentSeconds: 10, audio: false, durationSeconds: 2 });
    const files = await readdir(outDir);
    expect(files).not.toContain('stale.ts');
    expect(files.sort()).toEqual(
      [
        '360p.m3u8',
        '360p_00000.ts',
        '540p.m3u8',
        '540p_00000.ts',
        '720p.m3u8',
        '720p_00000.ts',
        'index.m3u8',
      ].sort(),
    );
    expect((await readdir(join(dir, 'out', 'hls'))).filter((f) => f.startsWith('.'))).toEqual([]);
  });

  it('fuses SR and packaging: one process writes the SR file and the HLS of the SR picture', async () => {
    // Prepare: the lanczos x2 open model stands in for the Bluewhale filters (they do not exist here).
    const source = await probeMedia(small);
    const srMedia = { ...source, width: source.width * 2, height: source.height * 2 };
    const srPath = join(dir, 'out', 'small_sr_2x.mp4');
    const outDir = join(dir, 'out', 'hls', 'small_sr_2x.mp4');
    // Act
    const plan = await packageLocally('hls-single', {
      media: srMedia,
      input: small,
      outDir,
      srFilter: 'scale=w=iw*2:h=ih*2:flags=lanczos',
      srOutput: { path: srPath, encoderArgs: encoderArgs(cpuFallback(NVENC_DEFAULTS), source) },
    });
    // Assess
    const sr = await probeMedia(srPath);
    expect([sr.width, sr.height, sr.hasAudio]).toEqual([640, 480, true]);
    expect(sr.durationSeconds).toBeCloseTo(2, 0);
    expect(plan.renditions).toEqual([
      { name: '480p', width: 640, height: 480, bandwidth: 5_605_600, playlist: '480p.m3u8' },
    ]);
    await checkHls(outDir, plan, { segmentSeconds: 10, audio: true, durationSeconds: 2 });
    expect((await readdir(join(dir, 'out'))).filter((f) => f.startsWith('.'))).toEqual([]);
  });

  it("packages an SR picture beyond MediaConvert's AVC limit at 3840x2160, not its own 4352x2448", async () => {
    const big = await makeTestVideo(
      dir,
      { width: 4352, height: 2448, seconds: 0.4, audio: false },
      'big.mp4',
    );
    const outDir = join(dir, 'out', 'hls', 'big');
    const plan = await packageLocally('hls-single', { media: await probeMedia(big), input: big, outDir });
    expect(plan.renditions.map((r) => [r.width, r.height])).toEqual([[3840, 2160]]);
    const probed = await ffprobe(join(outDir, plan.renditions[0]!.playlist));
    expect(
      probed.streams.filter((st) => st.codec_type === 'video').map((st) => [st.width, st.height]),
    ).toEqual([[3840, 2160]]);
  }, 120_000);

  it("fails with VODSR_PACKAGING_FAILED and FFmpeg's stderr, leaving nothing behind", async () => {
    const parent = join(dir, 'fail');
    const outDir = join(parent, 'hls');
    const err = await packageLocally('hls-single', {
      media: { width: 640, height: 480, durationSeconds: 2, hasAudio: false },
      input: join(dir, 'missing.mp4'),
      outDir,
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'VODSR_PACKAGING_FAILED',
      message: expect.stringContaining('No such file or directory'),
      details: { exitCode: expect.any(Number), stderrTail: expect.stringContaining('missing.mp4') },
    });
    expect(await readdir(parent)).toEqual([]);
  });

  it('stops FFmpeg when the signal fires: VODSR_CANCELLED and no output', async () => {
    const parent = join(dir, 'cancel');
    const ac = new AbortController();
    const err = await packageLocally('hls-ladder', {
      media: await probeMedia(landscape),
      input: landscape,
      outDir: join(parent, 'hls'),
      signal: ac.signal,
      onProgress: () => ac.abort(),
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'VODSR_CANCELLED' });
    expect(await readdir(parent)).toEqual([]);
  });
});

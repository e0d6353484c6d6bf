/**
 * vodsr-host after the probe (issue 13, items 8 and 9): the SR file is 8-bit 4:2:0 whatever the source's format,
 * a still image is refused as one, and an SR picture beyond NVENC H.264's 4096x4096 is HEVC or refused — with the
 * HLS rungs inside MediaConvert's AVC limit. Real encodes (CPU twin, no GPU here).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { buildHostJob, encodeHostJob, type HostJob, parseJobSpec } from '@vodsr/core';
import { BASE_HOST_HLS } from '@vodsr/core/host-job-cases';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runHost, tempDir } from './helpers.js';

// Real encodes on a shared 2-core machine: generous limits (nothing here asserts on time).
vi.setConfig({ testTimeout: 300_000, hookTimeout: 180_000 });

let tmp: { dir: string; remove: () => void };
let n = 0;
const src: Record<string, string> = {};

function ffmpeg(args: string[]): void {
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args]);
}

beforeAll(() => {
  tmp = tempDir('vodsr-srccheck-');
  const d = tmp.dir;
  const test = (s: string, sec: number) => ['-f', 'lavfi', '-i', `testsrc2=s=${s}:r=25:d=${sec}`];
  src.tenBit = join(d, 'ten-bit.mkv');
  ffmpeg([
    ...test('160x120', 0.6),
    '-c:v',
    'libx265',
    '-x265-params',
    'log-level=error',
    '-preset',
    'ultrafast',
    '-pix_fmt',
    'yuv420p10le',
    src.tenBit,
  ]);
  src.yuv444 = join(d, 'yuv444.mp4');
  ffmpeg([
    ...test('160x120', 0.6),
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-pix_fmt',
    'yuv444p',
    src.yuv444,
  ]);
  src.png = join(d, 'still.png');
  ffmpeg([...test('64x48', 1), '-frames:v', '1', src.png]);
  // 2050x1160 × 2 = 4100x2320: just past NVENC H.264's 4096, cheap to encode.
  src.wide = join(d, 'wide.mp4');
  ffmpeg([
    ...test('2050x1160', 0.2),
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-pix_fmt',
    'yuv420p',
    src.wide,
  ]);
});

afterAll(() => tmp?.remove());

function env(): Record<string, string> {
  n += 1;
  return { VODSR_WORK_ROOT: join(tmp.dir, `work-${n}`), VODSR_LOCK_DIR: join(tmp.dir, `locks-${n}`) };
}

function job(source: string, output: string, encoder: Record<string, unknown> = {}): HostJob {
  const spec = parseJobSpec({ source, model: 'lanczos-x2', encoder: { preset: 'p1', ...encoder } });
  return buildHostJob(spec, { jobId: `job-${n}`, output });
}

function videoStream(file: string): Record<string, unknown> {
  const out = execFileSync(
    'ffprobe',
    ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream', '-of', 'json', file],
    { encoding: 'utf8' },
  );
  return (JSON.parse(out) as { streams: Record<string, unknown>[] }).streams[0] ?? {};
}

describe('vodsr-host: the SR file is 8-bit 4:2:0 unless the job asks otherwise', () => {
  it('a 10-bit HEVC source gives a yuv420p SR file, not H.264 High 10 (was: High 10)', async () => {
    expect(videoStream(src.tenBit as string).pix_fmt).toBe('yuv420p10le');
    const out = join(tmp.dir, 'out', 'ten-bit_sr_2x.mp4');
    const run = await runHost(['--job-b64', encodeHostJob(job(src.tenBit as string, out))], { env: env() });
    expect(run.code, run.stderr).toBe(0);
    const v = videoStream(out);
    expect([v.codec_name, v.pix_fmt, v.width, v.height]).toEqual(['h264', 'yuv420p', 320, 240]);
    expect(v.profile).toBe('High');
  });

  it('a 4:4:4 source gives a yuv420p SR file, not High 4:4:4 (was: High 4:4:4 Predictive)', async () => {
    const out = join(tmp.dir, 'out', 'yuv444_sr_2x.mp4');
    const run = await runHost(['--job-b64', encodeHostJob(job(src.yuv444 as string, out))], { env: env() });
    expect(run.code, run.stderr).toBe(0);
    const v = videoStream(out);
    expect([v.pix_fmt, v.profile]).toEqual(['yuv420p', 'High']);
  });

  it('pixelFormat "source" keeps the encoder\'s own choice (4:4:4 stays 4:4:4)', async () => {
    const out = join(tmp.dir, 'out', 'yuv444_keep_sr_2x.mp4');
    const hostJob = job(src.yuv444 as string, out, { pixelFormat: 'source' });
    expect(hostJob).not.toHaveProperty('pixelFormat');
    const run = await runHost(['--job-b64', encodeHostJob(hostJob)], { env: env() });
    expect(run.code, run.stderr).toBe(0);
    expect(videoStream(out).pix_fmt).toBe('yuv444p');
  });
});

describe('vodsr-host: a still image is refused as one', () => {
  it('exits 15 with VODSR_STILL_IMAGE naming the format, and writes nothing', async () => {
    const out = join(tmp.dir, 'out-png', 'still_sr_2x.mp4');
    const e = env();
    const run = await runHost(['--job-b64', encodeHostJob(job(src.png as string, out))], { env: e });
    expect(run.code).toBe(15);
    expect(run.result).toMatchObject({
      ok: false,
      code: 'VODSR_STILL_IMAGE',
      message: 'The source is a still image (png_pipe), not a video: vodsr upscales videos',
    });
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(e.VODSR_WORK_ROOT as string).filter((f) => f !== '.caps')).toEqual([]);
  });
});

describe('vodsr-host: an SR picture beyond NVENC H.264', () => {
  it('is encoded with HEVC (the CPU twin libx265 here) at its full size (was: H.264 4100x2320)', async () => {
    const out = join(tmp.dir, 'out', 'wide_sr_2x.mp4');
    const run = await runHost(['--job-b64', encodeHostJob(job(src.wide as string, out))], { env: env() });
    expect(run.code, run.stderr).toBe(0);
    const v = videoStream(out);
    expect([v.codec_name, v.width, v.height, v.pix_fmt]).toEqual(['hevc', 4100, 2320, 'yuv420p']);
    expect(v.codec_tag_string).toBe('hvc1'); // what Apple's players need in MP4 (FFmpeg's default: hev1)
    expect(run.result).toMatchObject({ ok: true, encoder: 'libx265' });
    expect(run.stdout).toContain(
      'the SR picture 4100x2320 is beyond NVENC H.264: the SR file is encoded with libx265',
    );
  });

  it('is refused with VODSR_ENCODER_LIMIT (exit 14) when the job says oversize "refuse"', async () => {
    const out = join(tmp.dir, 'out-refuse', 'wide_sr_2x.mp4');
    const hostJob = job(src.wide as string, out, { oversize: 'refuse' });
    const run = await runHost(['--job-b64', encodeHostJob(hostJob)], { env: env() });
    expect(run.code).toBe(14);
    expect(run.result).toMatchObject({
      ok: false,
      code: 'VODSR_ENCODER_LIMIT',
      message:
        'The SR picture would be 4100x2320 (source 2050x1160 × 2): NVENC H.264 takes at most 4096x4096. Use a smaller scale or a smaller source.',
    });
    expect(existsSync(out)).toBe(false);
  });

  it('packaged by the host: HEVC SR file, H.264 HLS rung fitted into 4096x2160 (was: 4100x2320)', async () => {
    const out = join(tmp.dir, 'out-hls', 'wide_sr_2x.mp4');
    const hlsDir = join(tmp.dir, 'out-hls', 'hls/');
    const hostJob = {
      ...job(src.wide as string, out),
      hls: {
        ...BASE_HOST_HLS,
        preset: 'hls-single',
        destination: hlsDir,
        master: 'index.m3u8',
        variantPrefix: 'wide',
        steps: [...BASE_HOST_HLS.steps],
      },
    } as HostJob;
    const run = await runHost(['--job-b64', encodeHostJob(hostJob)], { env: env() });
    expect(run.code, run.stderr).toBe(0);
    expect([videoStream(out).codec_name, videoStream(out).codec_tag_string]).toEqual(['hevc', 'hvc1']);
    const rung = videoStream(join(hlsDir, 'wide.m3u8'));
    expect([rung.codec_name, rung.width, rung.height]).toEqual(['h264', 3816, 2160]);
  });
});

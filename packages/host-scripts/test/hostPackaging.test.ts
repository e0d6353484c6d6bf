/**
 * vodsr-host with `HostJob.hls` (packaging engine `host`): SR and the HLS ladder in one FFmpeg process, HLS only,
 * a failure halfway that leaves nothing behind, and the capability cache per FFmpeg binary.
 */
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { encodeHostJob, type HostJob } from '@vodsr/core';
import { BASE_HOST_HLS } from '@vodsr/core/host-job-cases';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  AWS_BIN,
  getObject,
  type LocalS3,
  lanczosJob,
  listKeys,
  makeVideo,
  putObject,
  runHost,
  startS3,
  tempDir,
} from './helpers.js';

// Real encodes on a shared 2-core machine: generous limits (nothing here asserts on time).
vi.setConfig({ testTimeout: 240_000, hookTimeout: 120_000 });

const REAL_FFMPEG = execFileSync('bash', ['-c', 'command -v ffmpeg'], { encoding: 'utf8' }).trim();

let s3: LocalS3;
let tmp: { dir: string; remove: () => void };
let video: Uint8Array;
let n = 0;

beforeAll(async () => {
  s3 = await startS3(['vin', 'vout', 'vfail']);
  tmp = tempDir('vodsr-hostpkg-');
  video = readFileSync(await makeVideo(join(tmp.dir, 'src.mp4'), { width: 320, height: 180, seconds: 2 }));
  await putObject(s3, 'vin', 'clip.mp4', video);
});

afterAll(async () => {
  await s3?.stop();
  tmp?.remove();
});

function hostEnv(extra: Record<string, string> = {}, workRoot?: string) {
  n += 1;
  const root = workRoot ?? join(tmp.dir, `work-${n}`);
  return {
    workRoot: root,
    env: {
      ...s3.env,
      VODSR_WORK_ROOT: root,
      VODSR_LOCK_DIR: join(tmp.dir, `locks-${n}`),
      VODSR_S3_ENDPOINT_URL: s3.endpoint,
      VODSR_AWS: AWS_BIN,
      ...extra,
    },
  };
}

/** A CPU-only lanczos job whose host packages the ladder into `hlsDest`. */
function hlsJob(output: string, hlsDest: string, extra: Partial<HostJob> = {}): HostJob {
  return {
    ...lanczosJob('s3://vin/clip.mp4', output, { cpuOnly: true }),
    hls: {
      ...BASE_HOST_HLS,
      destination: hlsDest,
      segmentSeconds: 1,
      gopSeconds: 1,
      steps: [...BASE_HOST_HLS.steps],
    },
    ...extra,
  } as HostJob;
}

function ffprobe(file: string): { streams: { codec_type: string; width?: number; height?: number }[] } {
  return JSON.parse(
    execFileSync(
      'ffprobe',
      ['-v', 'error', '-print_format', 'json', '-show_entries', 'stream=codec_type,width,height', file],
      {
        encoding: 'utf8',
      },
    ),
  );
}

describe('vodsr-host with host packaging', () => {
  it('writes the SR file and the HLS ladder from one FFmpeg process, under MediaConvert-style names', async () => {
    const { env } = hostEnv();
    const run = await runHost(
      ['--job-b64', encodeHostJob(hlsJob('s3://vout/a/clip_sr_2x.mp4', 's3://vout/a/hls/'))],
      {
        env,
      },
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.result).toMatchObject({
      ok: true,
      srFile: true,
      hls: {
        master: 's3://vout/a/hls/index.m3u8',
        variants: [{ name: '360p', width: 640, height: 360, playlist: 's3://vout/a/hls/index_360p.m3u8' }],
      },
    });
    const keys = (await listKeys(s3, 'vout')).filter((k) => k.startsWith('a/')).sort();
    expect(keys).toEqual([
      'a/clip_sr_2x.mp4',
      'a/hls/index.m3u8',
      'a/hls/index_360p.m3u8',
      'a/hls/index_360p_00001.ts',
      'a/hls/index_360p_00002.ts',
    ]);
    const master = Buffer.from(await getObject(s3, 'vout', 'a/hls/index.m3u8')).toString('utf8');
    expect(master).toMatch(/RESOLUTION=640x360/);
    expect(master.split('\n')).toContain('index_360p.m3u8');
    const variant = Buffer.from(await getObject(s3, 'vout', 'a/hls/index_360p.m3u8')).toString('utf8');
    expect(variant.split('\n').filter((l) => l.endsWith('.ts'))).toEqual([
      'index_360p_00001.ts',
      'index_360p_00002.ts',
    ]);
    const seg = join(tmp.dir, 'seg.ts');
    writeFileSync(seg, await getObject(s3, 'vout', 'a/hls/index_360p_00001.ts'));
    const streams = ffprobe(seg).streams;
    expect(streams.find((s) => s.codec_type === 'video')).toMatchObject({ width: 640, height: 360 });
    expect(streams.some((s) => s.codec_type === 'audio')).toBe(true);
  });

  it('HLS only (srFile false): no SR file anywhere, the result describes the top rendition', async () => {
    const out = join(tmp.dir, 'hls-only');
    const { env } = hostEnv();
    const job = hlsJob(join(out, 'clip_sr_2x.mp4'), `${out}/hls/`, { srFile: false });
    const run = await runHost(['--job-b64', encodeHostJob(job)], { env });
    expect(run.code, run.stderr).toBe(0);
    expect(run.result).toMatchObject({ ok: true, srFile: false, sr: { width: 640, height: 360 } });
    expect(readdirSync(out)).toEqual(['hls']);
    expect(readdirSync(join(out, 'hls')).sort()).toEqual([
      'index.m3u8',
      'index_360p.m3u8',
      'index_360p_00001.ts',
      'index_360p_00002.ts',
    ]);
  });

  it('variant and master names that start with a dash are file names, never options', async () => {
    // Regression: the variant playlists reached jq as --args words, and "-x_360p.m3u8" was taken for an option.
    const out = join(tmp.dir, 'dash');
    const { env } = hostEnv();
    const base = hlsJob(join(out, 'clip_sr_2x.mp4'), `${out}/hls/`);
    const job = { ...base, hls: { ...base.hls, variantPrefix: '-x_', master: '--master.m3u8' } } as HostJob;
    const run = await runHost(['--job-b64', encodeHostJob(job)], { env });
    expect(run.code, run.stderr).toBe(0);
    expect(run.result).toMatchObject({
      ok: true,
      hls: {
        master: `${out}/hls/--master.m3u8`,
        variants: [{ name: '360p', playlist: `${out}/hls/-x_360p.m3u8` }],
      },
    });
    expect(readdirSync(join(out, 'hls')).sort()).toEqual([
      '--master.m3u8',
      '-x_360p.m3u8',
      '-x_360p_00001.ts',
      '-x_360p_00002.ts',
    ]);
    expect(readFileSync(join(out, 'hls', '--master.m3u8'), 'utf8').split('\n')).toContain('-x_360p.m3u8');
  });

  it('a failure halfway (FFmpeg crashes after writing segments) leaves nothing uploaded', async () => {
    const bin = join(tmp.dir, 'crash-bin');
    mkdirSync(bin, { recursive: true });
    writeFileSync(
      join(bin, 'ffmpeg'),
      `#!/usr/bin/env bash
set -euo pipefail
for a in "$@"; do
  if [[ "$a" == -progress ]]; then
    "${REAL_FFMPEG}" "\${@:1:$#-1}" -t 1.2 "\${@: -1}" || true
    echo 'simulated encoder crash mid-way' >&2
    exit 1
  fi
done
exec "${REAL_FFMPEG}" "$@"
`,
    );
    chmodSync(join(bin, 'ffmpeg'), 0o755);
    const { env, workRoot } = hostEnv({ PATH: `${bin}:${process.env.PATH}` });
    const local = join(tmp.dir, 'crash-local');
    for (const [output, dest] of [
      ['s3://vfail/x/clip_sr_2x.mp4', 's3://vfail/x/hls/'],
      [join(local, 'clip_sr_2x.mp4'), `${local}/hls/`],
    ] as const) {
      const run = await runHost(['--job-b64', encodeHostJob(hlsJob(output, dest))], { env });
      expect(run.code, run.stderr).toBe(8);
      expect(run.result).toMatchObject({ ok: false, code: 'VODSR_HOST_FFMPEG_FAILED' });
    }
    expect(await listKeys(s3, 'vfail')).toEqual([]);
    expect(existsSync(local)).toBe(false);
    expect(readdirSync(workRoot).filter((f) => f !== '.caps')).toEqual([]);
  });

  it('an upload failing after the segments are up takes them back down', async () => {
    // The SR file goes to a bucket that does not exist, after the HLS segments were uploaded.
    const { env } = hostEnv();
    const run = await runHost(
      ['--job-b64', encodeHostJob(hlsJob('s3://vnobucket/y/clip_sr_2x.mp4', 's3://vfail/y/hls/'))],
      { env },
    );
    expect(run.code, run.stderr).toBe(10);
    expect(run.result).toMatchObject({ ok: false, code: 'VODSR_HOST_UPLOAD_FAILED' });
    expect(await listKeys(s3, 'vfail')).toEqual([]);
  });
});

describe('the capability cache', () => {
  it('checks filters and encoders once per FFmpeg binary, and again when the binary changes', async () => {
    const bin = join(tmp.dir, 'count-bin');
    const log = join(tmp.dir, 'ffmpeg-calls.log');
    mkdirSync(bin, { recursive: true });
    const wrapper = (tag: string) => `#!/usr/bin/env bash
# ${tag}
case " $* " in
  *" -filters "*) echo filters >>"${log}" ;;
  *" -f null - "*) echo encoder-test >>"${log}" ;;
esac
exec "${REAL_FFMPEG}" "$@"
`;
    writeFileSync(join(bin, 'ffmpeg'), wrapper('v1'));
    chmodSync(join(bin, 'ffmpeg'), 0o755);
    const root = join(tmp.dir, 'cache-root');
    const calls = () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : []);
    const job = lanczosJob('s3://vin/clip.mp4', join(tmp.dir, 'cache-out', 'c_sr_2x.mp4'));
    const runOnce = async () => {
      const { env } = hostEnv({ PATH: `${bin}:${process.env.PATH}` }, root);
      const run = await runHost(['--job-b64', encodeHostJob(job)], { env });
      expect(run.code, run.stderr).toBe(0);
    };

    await runOnce();
    // First job: the filter list, NVENC (fails here: no GPU) and the CPU fallback.
    expect(calls()).toEqual(['filters', 'encoder-test', 'encoder-test']);
    await runOnce();
    expect(calls()).toHaveLength(3);

    // A new FFmpeg binary (other size and mtime): checked again.
    writeFileSync(join(bin, 'ffmpeg'), wrapper('v2, upgraded'));
    utimesSync(join(bin, 'ffmpeg'), new Date(), new Date(Date.now() + 5000));
    await runOnce();
    expect(calls()).toEqual([
      'filters',
      'encoder-test',
      'encoder-test',
      'filters',
      'encoder-test',
      'encoder-test',
    ]);
    expect(readdirSync(join(root, '.caps'))).toHaveLength(2);
  });
});

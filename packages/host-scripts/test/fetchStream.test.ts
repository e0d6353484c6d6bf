/**
 * VODSR_FETCH=stream: FFmpeg reads an S3 source from a presigned URL (range requests) while it upscales, instead
 * of after a download; an MP4 with its index (moov) at the end falls back to the download. Against s3rver, with
 * real FFmpeg: the output is the same either way (frames, size, audio via ffprobe), and the presigned URL (a
 * credential) appears in no output line, log or result.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeHostJob } from '@vodsr/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AWS_BIN,
  getObject,
  type HostRun,
  type LocalS3,
  lanczosJob,
  makeVideo,
  putObject,
  runHost,
  startS3,
  tempDir,
} from './helpers.js';

let s3: LocalS3;
let tmp: { dir: string; remove: () => void };
let n = 0;
const REAL_FFMPEG = execFileSync('bash', ['-c', 'command -v ffmpeg'], { encoding: 'utf8' }).trim();

/** Frames, size and audio of a video file, from ffprobe (frames counted by decoding). */
function frames(file: string): { frames: number; width: number; height: number; audio: boolean } {
  const j = JSON.parse(
    execFileSync(
      'ffprobe',
      [
        '-v',
        'error',
        '-count_frames',
        '-show_entries',
        'stream=codec_type,width,height,nb_read_frames',
        '-of',
        'json',
        file,
      ],
      { encoding: 'utf8' },
    ),
  ) as { streams: Array<{ codec_type: string; width?: number; height?: number; nb_read_frames?: string }> };
  const v = j.streams.find((s) => s.codec_type === 'video');
  return {
    frames: Number(v?.nb_read_frames),
    width: Number(v?.width),
    height: Number(v?.height),
    audio: j.streams.some((s) => s.codec_type === 'audio'),
  };
}

beforeAll(async () => {
  s3 = await startS3(['vin', 'vout']);
  tmp = tempDir('vodsr-fetch-');
  const moovLast = await makeVideo(join(tmp.dir, 'moov-last.mp4'), { seconds: 2 });
  const fast = join(tmp.dir, 'fast.mp4');
  execFileSync('ffmpeg', [
    '-hide_banner',
    '-loglevel',
    'error',
    '-y',
    '-i',
    moovLast,
    '-c',
    'copy',
    '-movflags',
    '+faststart',
    fast,
  ]);
  await putObject(s3, 'vin', 'in/fast start.mp4', readFileSync(fast));
  await putObject(s3, 'vin', 'in/moov-last.mp4', readFileSync(moovLast));
  await putObject(s3, 'vin', 'in/a&b key.mp4', readFileSync(fast));
}, 120_000);

afterAll(async () => {
  await s3?.stop();
  tmp?.remove();
});

async function run(
  key: string,
  fetch: string,
  extraEnv: Record<string, string> = {},
): Promise<{ run: HostRun; out: string }> {
  n += 1;
  const outKey = `out-${n}/clip_sr_2x.mp4`;
  const job = lanczosJob(`s3://vin/${key}`, `s3://vout/${outKey}`, { cpuOnly: true, jobId: `fetch-${n}` });
  const r = await runHost(['--job-b64', encodeHostJob(job)], {
    env: {
      ...s3.env,
      VODSR_WORK_ROOT: join(tmp.dir, `work-${n}`),
      VODSR_LOCK_DIR: join(tmp.dir, `locks-${n}`),
      VODSR_S3_ENDPOINT_URL: s3.endpoint,
      VODSR_AWS: AWS_BIN,
      VODSR_FETCH: fetch,
      ...extraEnv,
    },
  });
  // A presigned URL carries a signature: it must never leave the runner.
  expect(`${r.stdout}\n${r.stderr}`).not.toMatch(/X-Amz-(Signature|Credential)|Signature=|AWSAccessKeyId/);
  let out = '';
  if (r.result?.ok) {
    out = join(tmp.dir, `out-${n}.mp4`);
    writeFileSync(out, await getObject(s3, 'vout', outKey));
  }
  return { run: r, out };
}

describe('VODSR_FETCH=stream', () => {
  it('streams a faststart MP4 and writes the same output as the download', async () => {
    const streamed = await run('in/fast start.mp4', 'stream');
    expect(streamed.run.code, streamed.run.stderr).toBe(0);
    expect(streamed.run.stderr).toContain('streaming the source from S3 while upscaling');
    const downloaded = await run('in/fast start.mp4', 'download');
    expect(downloaded.run.code, downloaded.run.stderr).toBe(0);
    expect(downloaded.run.stderr).not.toContain('streaming the source');
    const a = frames(streamed.out);
    expect(a).toEqual({ frames: 50, width: 320, height: 240, audio: true });
    expect(frames(downloaded.out)).toEqual(a);
    // the result describes the same source either way, and names the object, not a URL
    expect(streamed.run.result).toMatchObject({
      ok: true,
      source: (downloaded.run.result as { source?: unknown } | undefined)?.source,
    });
  }, 180_000);

  it('downloads an MP4 whose index (moov) is at the end', async () => {
    const r = await run('in/moov-last.mp4', 'stream');
    expect(r.run.code, r.run.stderr).toBe(0);
    expect(r.run.stderr).toContain('(moov) is at the end: downloading it instead of streaming');
    expect(r.run.stderr).not.toContain('streaming the source from S3');
    expect(frames(r.out)).toEqual({ frames: 50, width: 320, height: 240, audio: true });
  }, 180_000);

  it('an FFmpeg failure that prints the URL is reported with the object name instead', async () => {
    // FFmpeg names its input in errors: a fake one fails the SR pass the way a refused range request would.
    const bin = join(tmp.dir, 'fake-ffmpeg-bin');
    mkdirSync(bin, { recursive: true });
    writeFileSync(
      join(bin, 'ffmpeg'),
      `#!/usr/bin/env bash
set -euo pipefail
prev=''
for a in "$@"; do
  if [[ "$prev" == -i && "$a" == http* ]]; then echo "$a: Server returned 403 Forbidden (access denied)" >&2; exit 1; fi
  prev="$a"
done
exec "${REAL_FFMPEG}" "$@"
`,
    );
    chmodSync(join(bin, 'ffmpeg'), 0o755);
    const r = await run('in/a&b key.mp4', 'stream', { PATH: `${bin}:${process.env.PATH}` });
    expect(r.run.stderr).toContain('streaming the source from S3 while upscaling');
    expect(r.run.result).toMatchObject({ ok: false, code: 'VODSR_HOST_FFMPEG_FAILED' });
    expect((r.run.result as { message?: string } | undefined)?.message).toContain(
      's3://vin/in/a&b key.mp4: Server returned 403 Forbidden',
    );
    expect(r.run.stderr).toContain('s3://vin/in/a&b key.mp4: Server returned 403 Forbidden');
  }, 180_000);

  it('refuses an unknown VODSR_FETCH before any work', async () => {
    const r = await run('in/fast start.mp4', 'rsync');
    expect(r.run.result).toMatchObject({ ok: false, code: 'VODSR_HOST_USAGE' });
    expect((r.run.result as { message?: string } | undefined)?.message).toContain(
      "VODSR_FETCH must be download or stream, got 'rsync'",
    );
  }, 60_000);
});

/**
 * Shared fixtures for the host runner tests (also used by @vodsr/ssm-runner): tiny real videos, an in-process
 * S3 server (s3rver) on a random port, and a child-process runner for `vodsr-host` that collects its JSON lines.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { buildHostJob, type HostJob, parseJobSpec } from '@vodsr/core';
import { type HostEvent, parseHostEventLine } from '@vodsr/core/host';
import { HOST_SCRIPT_PATH } from '@vodsr/host-scripts';
// @ts-expect-error s3rver ships no type declarations
import S3rver from 's3rver';

const run = promisify(execFile);

/** The aws CLI the tests give the runner (v2, as on the host, when installed). */
export const AWS_BIN = existsSync('/usr/bin/aws') ? '/usr/bin/aws' : 'aws';

/** A fresh temp directory (removed by the returned function). */
export function tempDir(prefix = 'vodsr-host-'): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Makes a short real H.264 (+AAC) MP4 with FFmpeg's test sources. */
export async function makeVideo(
  path: string,
  opts: { width?: number; height?: number; seconds?: number; audio?: boolean; rotate?: number } = {},
): Promise<string> {
  const w = opts.width ?? 160;
  const h = opts.height ?? 120;
  const d = opts.seconds ?? 1;
  const args = [
    '-hide_banner',
    '-loglevel',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    `testsrc2=s=${w}x${h}:r=25:d=${d}`,
  ];
  if (opts.audio ?? true) args.push('-f', 'lavfi', '-i', `sine=frequency=440:duration=${d}`);
  args.push('-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p');
  if (opts.audio ?? true) args.push('-c:a', 'aac', '-shortest');
  if (opts.rotate === undefined) {
    await run('ffmpeg', [...args, path]);
    return path;
  }
  // FFmpeg 5.1 writes a display matrix only when stream-copying: encode, then remux with the rotation.
  const plain = `${path}.plain.mp4`;
  await run('ffmpeg', [...args, plain]);
  await run('ffmpeg', [
    '-hide_banner',
    '-loglevel',
    'error',
    '-y',
    '-i',
    plain,
    '-c',
    'copy',
    '-metadata:s:v:0',
    `rotate=${opts.rotate}`,
    path,
  ]);
  rmSync(plain);
  return path;
}

/** Width, height (as stored), rotation and duration of a video file, from ffprobe. */
export async function probeVideo(
  path: string,
): Promise<{ width: number; height: number; durationSeconds: number; hasAudio: boolean }> {
  const { stdout } = await run('ffprobe', [
    '-v',
    'error',
    '-print_format',
    'json',
    '-show_format',
    '-show_streams',
    path,
  ]);
  const j = JSON.parse(stdout) as {
    streams: { codec_type: string; width?: number; height?: number }[];
    format: { duration: string };
  };
  const v = j.streams.find((s) => s.codec_type === 'video');
  if (!v?.width || !v.height) throw new Error(`no video stream in ${path}`);
  return {
    width: v.width,
    height: v.height,
    durationSeconds: Number(j.format.duration),
    hasAudio: j.streams.some((s) => s.codec_type === 'audio'),
  };
}

/** A running local S3 server. */
export interface LocalS3 {
  readonly endpoint: string;
  readonly client: S3Client;
  /** Environment for the aws CLI of the runner (test only: s3rver checks the access key id, not the secret). */
  readonly env: Record<string, string>;
  stop(): Promise<void>;
}

/** Starts s3rver on 127.0.0.1 with a random port and creates the given buckets. */
export async function startS3(buckets: readonly string[]): Promise<LocalS3> {
  const data = tempDir('vodsr-s3-');
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: data.dir });
  const addr = (await server.run()) as { port: number };
  const endpoint = `http://127.0.0.1:${addr.port}`;
  const client = new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  for (const b of buckets) await client.send(new CreateBucketCommand({ Bucket: b }));
  return {
    endpoint,
    client,
    env: {
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    },
    stop: async () => {
      client.destroy();
      await server.close();
      data.remove();
    },
  };
}

/** Uploads bytes to the local S3. */
export async function putObject(s3: LocalS3, bucket: string, key: string, body: Uint8Array): Promise<void> {
  await s3.client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
}

/** Downloads an object from the local S3. */
export async function getObject(s3: LocalS3, bucket: string, key: string): Promise<Uint8Array> {
  const r = await s3.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  if (!r.Body) throw new Error(`empty body for ${key}`);
  return r.Body.transformToByteArray();
}

/** Every key in a bucket. */
export async function listKeys(s3: LocalS3, bucket: string): Promise<string[]> {
  const r = await s3.client.send(new ListObjectsV2Command({ Bucket: bucket }));
  return (r.Contents ?? []).map((o) => o.Key ?? '');
}

/** A host job for the open lanczos model (NVENC by default, with the CPU fallback core adds). */
export function lanczosJob(
  source: string,
  output: string,
  opts: { cpuOnly?: boolean; jobId?: string } = {},
): HostJob {
  const spec = parseJobSpec({
    source,
    model: 'lanczos-x2',
    ...(opts.cpuOnly ? { encoder: { codec: 'libx264', preset: 'ultrafast' } } : {}),
  });
  return buildHostJob(spec, { jobId: opts.jobId ?? 'job-1', output });
}

/** What a finished `vodsr-host` run printed. */
export interface HostRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly events: HostEvent[];
  /** The final result event (the last line), if any. */
  readonly result: Extract<HostEvent, { event: 'result' }> | undefined;
}

/** Starts `vodsr-host` (or another script) with args and env added to a clean PATH-only environment. */
export function startHost(
  args: readonly string[],
  opts: {
    env?: Record<string, string | undefined>;
    cwd?: string;
    script?: string;
    onEvent?: (e: HostEvent) => void;
  } = {},
): { child: ChildProcess; done: Promise<HostRun> } {
  const child = spawn(opts.script ?? HOST_SCRIPT_PATH, [...args], {
    cwd: opts.cwd ?? tmpdir(),
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: tmpdir(), ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let pending = '';
  const events: HostEvent[] = [];
  child.stdout?.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
    pending += d;
    let i = pending.indexOf('\n');
    while (i >= 0) {
      const e = parseHostEventLine(pending.slice(0, i));
      pending = pending.slice(i + 1);
      if (e) {
        events.push(e);
        opts.onEvent?.(e);
      }
      i = pending.indexOf('\n');
    }
  });
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  const done = new Promise<HostRun>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const last = events.at(-1);
      resolve({
        code,
        signal,
        stdout,
        stderr,
        events,
        result: last?.event === 'result' ? (last as HostRun['result']) : undefined,
      });
    });
  });
  return { child, done };
}

/** Runs `vodsr-host` to its end. */
export function runHost(
  args: readonly string[],
  opts: { env?: Record<string, string | undefined>; cwd?: string; script?: string } = {},
): Promise<HostRun> {
  return startHost(args, opts).done;
}

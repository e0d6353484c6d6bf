#!/usr/bin/env node
// Fetch overlapped with SR (issue 16, item 4): the host script on an S3 source, `VODSR_FETCH=download` (the whole
// object first, then FFmpeg) vs `VODSR_FETCH=stream` (FFmpeg reads a presigned URL with range requests while it
// upscales), against the local S3 server `vodsr dev` uses (s3rver), for a faststart MP4 (moov first) and a
// non-faststart one (moov at the end: stream mode must fall back to the download). Same job otherwise: SR ×2
// (lanczos-x2) + the hls-ladder packaged by the host in the same FFmpeg pass, outputs to the local S3.
// Reports wall and CPU (user+sys of the host script and everything it starts) per mode, median of --repeat
// interleaved runs, which path stream mode took, and checks both modes wrote the same outputs (frames, sizes).
//
//   node bench/fetch.mjs [--seconds 10] [--size 640x360] [--repeat 3] [--json]
// Needs the built packages (`npm run bench:build`), ffmpeg/ffprobe, the aws CLI and GNU time (/usr/bin/time).
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { parseJobSpec, prepareJob } from '@vodsr/core';
import { hostHlsPlan } from '@vodsr/mediaconvert-presets';
import S3rver from 's3rver';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const HOST = join(root, 'packages', 'host-scripts', 'bin', 'vodsr-host');
const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const SECONDS = Number(arg('seconds', '10'));
const REPEAT = Number(arg('repeat', '3'));
const SIZE = arg('size', '640x360');
const loadStart = loadavg()[0];
const work = mkdtempSync(join(tmpdir(), 'vodsr-bench-fetch-'));

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}\n${r.stderr}`);
  return r;
}

// ------------------------------------------------------------------ inputs
const moovLast = join(work, 'moov-last.mp4');
run('ffmpeg', [
  ...[
    '-hide_banner',
    '-loglevel',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    `testsrc2=s=${SIZE}:r=25:d=${SECONDS}`,
  ],
  ...['-f', 'lavfi', '-i', `sine=frequency=440:d=${SECONDS}`, '-vf', 'noise=c0s=6:allf=t'],
  ...[
    '-c:v',
    'libx264',
    '-preset',
    'medium',
    '-crf',
    '20',
    '-pix_fmt',
    'yuv420p',
    '-c:a',
    'aac',
    '-shortest',
  ],
  moovLast,
]);
const faststart = join(work, 'faststart.mp4');
run('ffmpeg', [
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
  faststart,
]);

const data = join(work, 's3');
mkdirSync(data);
const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: data });
const { port } = await server.run();
const endpoint = `http://127.0.0.1:${port}`;
const s3 = new S3Client({
  endpoint,
  region: 'us-east-1',
  forcePathStyle: true,
  credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
});
for (const b of ['vin', 'vout']) await s3.send(new CreateBucketCommand({ Bucket: b }));
const clips = { faststart, 'moov-last': moovLast };
for (const [name, file] of Object.entries(clips)) {
  await s3.send(new PutObjectCommand({ Bucket: 'vin', Key: `${name}.mp4`, Body: readFileSync(file) }));
}
const env = {
  ...process.env,
  AWS_ACCESS_KEY_ID: 'S3RVER',
  AWS_SECRET_ACCESS_KEY: 'S3RVER',
  AWS_DEFAULT_REGION: 'us-east-1',
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_CONFIG_FILE: '/dev/null',
  AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
  VODSR_S3_ENDPOINT_URL: endpoint,
  VODSR_LOCK_DIR: join(work, 'locks'),
  VODSR_CAPS_DIR: join(work, 'caps'),
};

/** The job `vodsr dev` would run for the object: host packaging engine, hls-ladder, lanczos-x2. */
function hostJobB64(clip, tag) {
  const spec = parseJobSpec({
    source: `s3://vin/${clip}.mp4`,
    model: 'lanczos-x2',
    packaging: { preset: 'hls-ladder' },
  });
  return prepareJob(spec, {
    jobId: `bench-${tag}`,
    outputRoot: `s3://vout/${tag}/`,
    packagingEngine: 'host',
    hostHlsPlan,
  }).hostJobB64;
}

async function keysUnder(prefix) {
  const r = await s3.send(new ListObjectsV2Command({ Bucket: 'vout', Prefix: prefix }));
  return (r.Contents ?? [])
    .map((o) => ({ key: o.Key.slice(prefix.length), size: o.Size }))
    .sort((a, b) => (a.key < b.key ? -1 : 1));
}

async function frames(key) {
  const file = join(work, `check-${Math.random().toString(36).slice(2)}.bin`);
  const o = await s3.send(new GetObjectCommand({ Bucket: 'vout', Key: key }));
  const { writeFileSync } = await import('node:fs');
  writeFileSync(file, Buffer.from(await o.Body.transformToByteArray()));
  const r = run('ffprobe', [
    '-v',
    'error',
    '-count_frames',
    '-select_streams',
    'v:0',
    '-show_entries',
    'stream=nb_read_frames,width,height',
    '-of',
    'json',
    file,
  ]);
  rmSync(file);
  const s = JSON.parse(r.stdout).streams[0];
  return `${s.width}x${s.height}:${s.nb_read_frames}`;
}

/** A child process run without blocking the event loop (the S3 server answers from this process). */
function runAsync(cmd, args, opts) {
  return new Promise((resolve, reject) => {
    const c = spawn(cmd, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (d) => {
      stdout += d;
    });
    c.stderr.on('data', (d) => {
      stderr += d;
    });
    c.on('error', reject);
    c.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

async function runHost(clip, mode, n) {
  const tag = `${clip}-${mode}-${n}`;
  const workRoot = join(work, 'w', tag);
  mkdirSync(workRoot, { recursive: true });
  const t0 = performance.now();
  const r = await runAsync(
    '/usr/bin/time',
    ['-f', 'VODSR_CPU %U %S', HOST, 'run', `--job-b64=${hostJobB64(clip, tag)}`],
    { env: { ...env, VODSR_WORK_ROOT: workRoot, VODSR_FETCH: mode } },
  );
  const seconds = (performance.now() - t0) / 1000;
  const result = JSON.parse(r.stdout.trim().split('\n').at(-1));
  if (!result.ok) throw new Error(`${tag}: ${JSON.stringify(result)}\n${r.stderr}`);
  const cpu = /VODSR_CPU ([\d.]+) ([\d.]+)/.exec(r.stderr);
  const streamed = /streaming the source from S3/.test(r.stderr);
  const fellBack = /downloading it/.test(r.stderr);
  if (/X-Amz-Signature|Signature=/.test(r.stdout + r.stderr))
    throw new Error(`${tag}: a presigned URL reached the output`);
  return { tag, seconds, cpu: cpu ? Number(cpu[1]) + Number(cpu[2]) : Number.NaN, streamed, fellBack };
}

// Interleaved: every round runs each (clip, mode) once, the order rotating.
const cases = [];
for (const clip of Object.keys(clips)) for (const mode of ['download', 'stream']) cases.push({ clip, mode });
const runs = cases.map(() => []);
for (let n = 0; n < REPEAT; n += 1) {
  for (let k = 0; k < cases.length; k += 1) {
    const i = (k + n) % cases.length;
    runs[i].push(await runHost(cases[i].clip, cases[i].mode, n));
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const r3 = (x) => Number(x.toFixed(3));

// Same outputs either way: the tree (names, sizes of playlists) and the frames of the SR file and top rendition.
const identical = {};
for (const clip of Object.keys(clips)) {
  const [a, b] = ['download', 'stream'].map((m) => `${clip}-${m}-0/`);
  const [ka, kb] = [await keysUnder(a), await keysUnder(b)];
  const names = JSON.stringify(ka.map((x) => x.key)) === JSON.stringify(kb.map((x) => x.key));
  const srKey = ka.find((x) => x.key.endsWith('_sr_2x.mp4'))?.key;
  const topTs = ka.find((x) => /_720p_00001\.ts$/.test(x.key))?.key;
  const fa = [await frames(a + srKey), await frames(a + topTs)];
  const fb = [await frames(b + srKey), await frames(b + topTs)];
  identical[clip] = { names, frames: JSON.stringify(fa) === JSON.stringify(fb), download: fa, stream: fb };
}

const rows = cases.map((c, i) => ({
  clip: c.clip,
  mode: c.mode,
  seconds: r3(median(runs[i].map((r) => r.seconds))),
  cpuSeconds: r3(median(runs[i].map((r) => r.cpu))),
  all: runs[i].map((r) => r3(r.seconds)),
  path:
    c.mode === 'download'
      ? 'download'
      : runs[i].every((r) => r.streamed)
        ? 'stream'
        : runs[i].every((r) => r.fellBack)
          ? 'download (fallback)'
          : 'mixed',
}));
const by = (clip, mode) => rows.find((r) => r.clip === clip && r.mode === mode);
const summary = {
  streamOverDownload: Object.fromEntries(
    Object.keys(clips).map((c) => [c, r3(by(c, 'stream').seconds / by(c, 'download').seconds)]),
  ),
  identical,
  loadAverage: { start: r3(loadStart), end: r3(loadavg()[0]) },
};
s3.destroy();
await server.close();
rmSync(work, { recursive: true, force: true });

if (process.argv.includes('--json')) {
  console.log(
    JSON.stringify({ ...summary, clip: { size: SIZE, seconds: SECONDS }, repeat: REPEAT, rows }, null, 2),
  );
} else {
  console.log(
    `Fetch: S3 (s3rver on 127.0.0.1) → host script, ${SIZE} ${SECONDS} s clip, SR ×2 + hls-ladder in one pass`,
  );
  for (const r of rows) {
    console.log(
      `${r.clip.padEnd(10)} ${r.mode.padEnd(9)} wall ${r.seconds.toFixed(2)} s  cpu ${r.cpuSeconds.toFixed(2)} s  path ${r.path}  (runs ${r.all.join('/')})`,
    );
  }
  console.log(JSON.stringify(summary));
}

#!/usr/bin/env node
// The main job — SR ×2 + HLS ABR ladder — side by side, on one test clip:
//   1. `vodsr run` (the product: local backend, workflow, host script; packaging engine `host` = SR and the whole
//      ladder in the host script's one FFmpeg process; open model lanczos-x2 here), and `vodsr run --no-sr-file`
//      (HLS only); with `--engine mediaconvert` also the product's two-step path (SR file, then the FFmpeg twin),
//   2. the seed's two-step design: SR to an MP4 (x264 CRF 13, the CPU twin of `-cq 13`), THEN a separate HLS
//      transcode of that MP4 (same ladder, same encoder settings as vodsr's packaging),
//   3. one hand-written FFmpeg command: decode once, SR, split into the ladder + the SR MP4, one process.
// Reports wall time (and ratios) and PSNR of each top rendition against a lossless reference (the source through
// the same SR filter, FFV1). Frames are renumbered before PSNR (TS vs MKV timestamps differ).
// Needs the built packages (`npx nx run-many -t build`), ffmpeg/ffprobe on PATH.
//
// The fixed cost per job: `vodsr run` minus the one command, both on a 1 s clip (median of --repeat interleaved).
// `inProcess`: the same jobs (10 s and 1 s clip) submitted to one long-lived local backend (bench/job-loop.mjs: what
// `vodsr serve` / `vodsr dev` and so a catalogue run, with Node's start, the database and the workflow loaded once),
// each next to the one command: what a job costs once a process is up (their rounds run after the others).
// Each compared pair runs back to back in every round (see below); `paired` gives the medians of the rounds' ratios.
//
//   node bench/main-job.mjs [--seconds 10] [--size 640x360] [--repeat 3] [--json] [--keep] [--engine mediaconvert]
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { getModel } from '@vodsr/core';
import { renderFilterChain } from '@vodsr/core/models';
import { buildFfmpegHlsArgs, planRungs } from '@vodsr/mediaconvert-presets';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const SECONDS = Number(arg('seconds', '10'));
const REPEAT = Number(arg('repeat', '3'));
const [W, H] = arg('size', '640x360').split('x').map(Number);
const FPS = 25;
const loadStart = loadavg()[0];
// The other programs a job starts, and what one start of each costs here (median of 5): the one command starts
// FFmpeg once; `vodsr run` starts FFmpeg once, ffprobe three times (the source's, then the SR file's and the HLS
// tree's checks, those two at once) and jq three times. A distribution's dynamically linked FFmpeg pays for
// resolving its libraries' symbols at every start (Debian 12's: 215 libraries, ~0.07-0.11 s); a static build ~1 ms.
// They run from PATH, so `PATH=<dir>:$PATH npm run bench:main` times another build.
function toolStart(cmd, args, versionArgs = args) {
  const which = spawnSync('sh', ['-c', 'command -v "$1"', 'sh', cmd], { encoding: 'utf8' }).stdout.trim();
  const first = spawnSync(cmd, versionArgs, { encoding: 'utf8' });
  const version = (first.stdout || first.stderr || '').split('\n')[0].split(' ').slice(0, 3).join(' ');
  const starts = Array.from({ length: 5 }, () => {
    const t0 = process.hrtime.bigint();
    spawnSync(cmd, args);
    return Number(process.hrtime.bigint() - t0) / 1e9;
  });
  return { version, staticBuild: isStatic(which), startSeconds: [...starts].sort((x, y) => x - y)[2] };
}
function isStatic(path) {
  // ldd prints "not a dynamic executable" (and fails) for a statically linked binary.
  return path !== '' && spawnSync('ldd', [path], { encoding: 'utf8' }).status !== 0;
}
// What one Node start costs here, before any of vodsr's code (part of the fixed cost that is the machine's): on
// Node 20, NODE_EXTRA_CA_CERTS (set on this project's dev machines) reads the CA file at every start, ~45 ms.
const nodeStart = toolStart(process.execPath, ['-e', '0']);
const tools = {
  ffmpeg: toolStart('ffmpeg', ['-version']),
  ffprobe: toolStart('ffprobe', ['-version']),
  jq: toolStart('jq', ['-n', 'empty'], ['--version']),
};
const work = mkdtempSync(join(tmpdir(), 'vodsr-bench-main-'));
const MODEL = 'lanczos-x2';
const SR_VF = renderFilterChain(getModel(MODEL).filters(2));
const SR_ENC = ['-c:v', 'libx264', '-crf', '13', '-preset', 'veryfast', '-pix_fmt', 'yuv420p'];

function ffmpeg(args) {
  const r = spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y', ...args], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`ffmpeg ${args.join(' ')}\n${r.stderr}`);
  return r.stderr;
}

function timed(fn) {
  const t0 = performance.now();
  const v = fn();
  return { seconds: (performance.now() - t0) / 1000, value: v };
}

function treeBytes(dir) {
  return readdirSync(dir, { withFileTypes: true }).reduce(
    (n, e) => n + (e.isDirectory() ? treeBytes(join(dir, e.name)) : statSync(join(dir, e.name)).size),
    0,
  );
}

/** PSNR (average, dB) of a video against the reference, frames paired by index. */
function psnr(video, reference, size) {
  const [w, h] = size;
  const graph =
    `[0:v]settb=1/${FPS},setpts=N[a];` +
    `[1:v]scale=w=${w}:h=${h}:flags=bicubic,settb=1/${FPS},setpts=N[b];[a][b]psnr`;
  const r = spawnSync(
    'ffmpeg',
    ['-hide_banner', '-nostdin', '-i', video, '-i', reference, '-lavfi', graph, '-f', 'null', '-'],
    {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  const m = /PSNR y:[\d.inf]+ u:[\d.inf]+ v:[\d.inf]+ average:([\d.]+)/.exec(r.stderr);
  if (!m) throw new Error(`no PSNR for ${video}\n${r.stderr.slice(-2000)}`);
  return Number(m[1]);
}

// ------------------------------------------------------------------ inputs
function makeSource(source, seconds) {
  ffmpeg([
    '-f',
    'lavfi',
    '-i',
    `testsrc2=s=${W}x${H}:r=${FPS}:d=${seconds}`,
    '-f',
    'lavfi',
    '-i',
    `sine=frequency=440:d=${seconds}`,
    '-vf',
    'noise=c0s=6:allf=t',
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
    '-b:a',
    '128k',
    '-shortest',
    source,
  ]);
}
const source = join(work, 'source.mp4');
makeSource(source, SECONDS);
const shortSource = join(work, 'short.mp4');
makeSource(shortSource, 1);
const reference = join(work, 'reference.mkv');
ffmpeg(['-i', source, '-vf', SR_VF, '-an', '-c:v', 'ffv1', reference]);
const srMedia = { width: W * 2, height: H * 2, durationSeconds: SECONDS, hasAudio: true, fps: FPS };
const rungs = planRungs('hls-ladder', srMedia);
const top = rungs[0];

const cli = join(root, 'packages', 'cli', 'dist', 'bundle', 'vodsr.js');
if (!existsSync(cli)) throw new Error(`build the CLI first: npx nx run cli:build (${cli} is missing)`);

// ------------------------------------------------------------------ 1. vodsr run
function runVodsr(n, extra = [], src = source, tag = 'vodsr') {
  const t = timed(() =>
    execFileSync(
      process.execPath,
      [cli, 'run', src, '-m', MODEL, '-p', 'hls-ladder', '-o', join(work, `${tag}-${n}`), '--json', ...extra],
      {
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
        cwd: work,
        // one data dir per pipeline, kept across its repeats: a user's database exists after the first job
        env: { ...process.env, VODSR_DATA_DIR: join(work, `${tag}-data`) },
      },
    ),
  );
  return jobResult(JSON.parse(t.value), t.seconds, 'vodsr run');
}

/** A bench row of a vodsr job's final record. */
function jobResult(job, seconds, what) {
  if (job.status !== 'succeeded')
    throw new Error(`${what} ended ${job.status}: ${JSON.stringify(job.error)}`);
  const topR = [...job.outputs.renditions].sort((x, y) => y.height - x.height)[0];
  return {
    seconds,
    top: topR.playlist,
    sr: job.outputs.srFile,
    hls: dirname(job.outputs.hlsMaster),
    detail: `engine ${job.outputs.packagingEngine}, ${job.outputs.encoderUsed}${job.outputs.srFile ? '' : ', no SR file'}; stages ${JSON.stringify(job.outputs.timings)}`,
  };
}

// ------------------------------------------------------------------ 1b. the same job, in a long-lived process
// Started for the in-process rounds only (they run after the others): no idle service writes its heartbeat while
// the other pipelines are timed.
let loop;
let loopLines;
async function loopLine() {
  const r = await loopLines.next();
  if (r.done) throw new Error('bench/job-loop.mjs ended early (its error is above)');
  return r.value;
}
async function startLoop() {
  loop = spawn(
    process.execPath,
    [join(root, 'bench', 'job-loop.mjs'), join(work, 'loop-data'), shortSource, join(work, 'loop-warm')],
    { cwd: work, stdio: ['pipe', 'pipe', 'inherit'] },
  );
  loopLines = createInterface({ input: loop.stdout })[Symbol.asyncIterator]();
  if ((await loopLine()) !== 'ready') throw new Error('bench/job-loop.mjs did not start');
}
async function runInProcess(n, src, tag) {
  const t0 = performance.now();
  loop.stdin.write(`${JSON.stringify({ source: src, output: join(work, `${tag}-${n}`) })}\n`);
  const job = JSON.parse(await loopLine());
  return jobResult(job, (performance.now() - t0) / 1000, 'the in-process job');
}

// ------------------------------------------------------------------ 2. the seed's two steps
function runSeed(n) {
  const out = join(work, `seed-${n}`);
  mkdirSync(join(out, 'hls'), { recursive: true });
  const sr = join(out, 'source_sr_2x.mp4');
  const s1 = timed(() => ffmpeg(['-i', source, '-vf', SR_VF, ...SR_ENC, '-c:a', 'copy', sr]));
  const plan = buildFfmpegHlsArgs('hls-ladder', { media: srMedia, input: sr, outDir: join(out, 'hls') });
  const s2 = timed(() => ffmpeg(plan.args.filter((x) => !['-y', '-nostdin', '-hide_banner'].includes(x))));
  return {
    seconds: s1.seconds + s2.seconds,
    top: join(out, 'hls', `${top.name}.m3u8`),
    sr,
    hls: join(out, 'hls'),
    detail: `SR→MP4 ${s1.seconds.toFixed(1)} s + HLS transcode ${s2.seconds.toFixed(1)} s`,
  };
}

// ------------------------------------------------------------------ 3. one hand-written command
function runOne(n, src = source, tag = 'one') {
  const out = join(work, `${tag}-${n}`);
  mkdirSync(join(out, 'hls'), { recursive: true });
  const labels = rungs.map((_, i) => `[s${i}]`).join('');
  const graph = [
    `[0:v]${SR_VF},split=${rungs.length + 1}[sr]${labels}`,
    ...rungs.map((r, i) => `[s${i}]scale=w=${r.width}:h=${r.height}:flags=bicubic[v${i}]`),
  ].join(';');
  const args = ['-i', src, '-filter_complex', graph];
  for (let i = 0; i < rungs.length; i += 1) args.push('-map', `[v${i}]`);
  for (let i = 0; i < rungs.length; i += 1) args.push('-map', '0:a:0');
  args.push('-c:v', 'libx264', '-preset', 'veryfast', '-profile:v', 'high', '-pix_fmt', 'yuv420p');
  for (const [i, r] of rungs.entries()) {
    args.push(`-crf:v:${i}`, String(r.crf), `-maxrate:v:${i}`, String(r.maxBitrate));
    args.push(`-bufsize:v:${i}`, String(2 * r.maxBitrate));
  }
  args.push('-force_key_frames:v', 'expr:gte(t,n_forced*2)', '-c:a', 'aac', '-ac', '2', '-ar', '48000');
  for (const [i, r] of rungs.entries()) args.push(`-b:a:${i}`, String(r.audioBitrate));
  args.push(
    '-f',
    'hls',
    '-hls_time',
    '10',
    '-hls_playlist_type',
    'vod',
    '-hls_flags',
    'independent_segments',
  );
  args.push('-hls_segment_filename', join(out, 'hls', '%v_%05d.ts'), '-master_pl_name', 'index.m3u8');
  args.push('-var_stream_map', rungs.map((r, i) => `v:${i},a:${i},name:${r.name}`).join(' '));
  args.push(join(out, 'hls', '%v.m3u8'));
  args.push('-map', '[sr]', '-map', '0:a:0', ...SR_ENC, '-c:a', 'copy', join(out, 'source_sr_2x.mp4'));
  const t = timed(() => ffmpeg(args));
  return {
    seconds: t.seconds,
    top: join(out, 'hls', `${top.name}.m3u8`),
    sr: join(out, 'source_sr_2x.mp4'),
    hls: join(out, 'hls'),
    detail: 'decode once: SR → split → ladder + SR MP4',
  };
}

// Interleaved repeats. Each figure compares two pipelines, and those two run back to back in every round (their order
// alternates, A B then B A, so neither always runs first or second); the pairs' order rotates from round to round.
// This machine's speed drifts by tens of percent over minutes, so pipelines minutes apart are not comparable; two
// runs next to each other are. Median wall time per pipeline, and the median of the per-round ratios.
const ENGINE_MC = arg('engine', '') === 'mediaconvert';
const pipelines = [
  ['vodsr run (host)', (n) => runVodsr(n)],
  ['one FFmpeg command', runOne],
  ['vodsr run HLS only', (n) => runVodsr(n, ['--no-sr-file'], source, 'hlsonly')],
  ['seed two-step', runSeed],
  // The fixed cost: the same job on a 1 s clip, product vs one command.
  ['vodsr run 1 s clip', (n) => runVodsr(n, [], shortSource, 'short')],
  ['one command 1 s clip', (n) => runOne(n, shortSource, 'oneshort')],
  // The same jobs in one long-lived process (bench/job-loop.mjs), each next to a run of the one command of its own.
  ['vodsr in-process (host)', (n) => runInProcess(n, source, 'inproc')],
  ['one command (in-process pair)', (n) => runOne(n, source, 'onei')],
  ['vodsr in-process 1 s clip', (n) => runInProcess(n, shortSource, 'inprocshort')],
  ['one command, in-process pair, 1 s clip', (n) => runOne(n, shortSource, 'oneishort')],
  ...(ENGINE_MC
    ? [['vodsr run (mc twin)', (n) => runVodsr(n, ['--engine', 'mediaconvert'], source, 'mc')]]
    : []),
];
const index = (name) => pipelines.findIndex(([n]) => n === name);
const pairs = [
  [index('vodsr run (host)'), index('one FFmpeg command')],
  [index('vodsr run HLS only'), index('seed two-step')],
  [index('vodsr run 1 s clip'), index('one command 1 s clip')],
  [index('vodsr in-process (host)'), index('one command (in-process pair)')],
  [index('vodsr in-process 1 s clip'), index('one command, in-process pair, 1 s clip')],
  ...(ENGINE_MC ? [[index('vodsr run (mc twin)'), index('one FFmpeg command')]] : []),
];
const runs = pipelines.map(() => []);
/** Per pair, per round: [seconds of the pair's first pipeline, seconds of its second], run back to back. */
const rounds = pairs.map(() => []);
/** The rounds of the pairs `ps` (indexes into `pairs`). */
async function runRounds(ps) {
  for (let n = 0; n < REPEAT; n += 1) {
    for (let k = 0; k < ps.length; k += 1) {
      const p = ps[(k + n) % ps.length];
      const [a, b] = pairs[p];
      const order = n % 2 === 0 ? [a, b] : [b, a];
      const got = {};
      for (const i of order) {
        const r = await pipelines[i][1](n);
        runs[i].push(r);
        got[i] = r.seconds;
      }
      rounds[p].push([got[a], got[b]]);
    }
  }
}
const inProcess = (p) => pipelines[pairs[p][0]][0].startsWith('vodsr in-process');
await runRounds(pairs.map((_, p) => p).filter((p) => !inProcess(p)));
await startLoop();
await runRounds(pairs.map((_, p) => p).filter(inProcess));
loop.stdin.end();
const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];

// ------------------------------------------------------------------ quality
const size = [top.width, top.height];
const rows = pipelines.map(([name], i) => {
  const last = runs[i][runs[i].length - 1];
  const short = name.endsWith('1 s clip');
  return {
    name,
    seconds: median(runs[i].map((r) => r.seconds)),
    all: runs[i].map((r) => Number(r.seconds.toFixed(2))),
    detail: last.detail,
    psnrTop: short ? Number.NaN : psnr(last.top, reference, size),
    psnrSr: short || !last.sr ? Number.NaN : psnr(last.sr, reference, [W * 2, H * 2]),
    hlsBytes: treeBytes(last.hls),
  };
});
const byName = (n) => rows.find((r) => r.name === n);
const base = byName('one FFmpeg command').seconds;
const ratio = (x) => Number(x.toFixed(3));
const summary = {
  vodsrOverOneCommand: ratio(byName('vodsr run (host)').seconds / base),
  seedOverOneCommand: ratio(byName('seed two-step').seconds / base),
  /** HLS-only wall time over the seed's: ≤ 0.556 means ≥ 1.8× faster. */
  hlsOnlyOverSeed: ratio(byName('vodsr run HLS only').seconds / byName('seed two-step').seconds),
  hlsOnlySpeedupOverSeed: ratio(byName('seed two-step').seconds / byName('vodsr run HLS only').seconds),
  fixedOverheadSeconds: ratio(byName('vodsr run 1 s clip').seconds - byName('one command 1 s clip').seconds),
  /** The same figures as the median of each round's ratio (the two runs back to back): less exposed to drift. */
  paired: {
    vodsrOverOneCommand: ratio(median(rounds[0].map(([a, b]) => a / b))),
    hlsOnlySpeedupOverSeed: ratio(median(rounds[1].map(([a, b]) => b / a))),
    fixedOverheadSeconds: ratio(median(rounds[2].map(([a, b]) => a - b))),
  },
  /** The same job in one long-lived local backend (vodsr serve / dev): Node, the database and the workflow loaded. */
  inProcess: {
    vodsrOverOneCommand: ratio(
      byName('vodsr in-process (host)').seconds / byName('one command (in-process pair)').seconds,
    ),
    fixedOverheadSeconds: ratio(
      byName('vodsr in-process 1 s clip').seconds - byName('one command, in-process pair, 1 s clip').seconds,
    ),
    paired: {
      vodsrOverOneCommand: ratio(median(rounds[3].map(([a, b]) => a / b))),
      fixedOverheadSeconds: ratio(median(rounds[4].map(([a, b]) => a - b))),
    },
  },
  psnrTop: Object.fromEntries(
    rows.filter((r) => !Number.isNaN(r.psnrTop)).map((r) => [r.name, ratio(r.psnrTop)]),
  ),
  loadAverage: { start: ratio(loadStart), end: ratio(loadavg()[0]) },
  node: {
    version: process.version,
    /** Median wall time of `node -e 0` (5 runs, this environment), included in fixedOverheadSeconds. */
    startSeconds: ratio(nodeStart.startSeconds),
    extraCaCerts: process.env.NODE_EXTRA_CA_CERTS !== undefined,
  },
  /** One start of each other program a job runs (median of 5: `-version`; jq: `jq -n empty`, its builtins compiled). */
  tools: Object.fromEntries(
    Object.entries(tools).map(([k, t]) => [k, { ...t, startSeconds: ratio(t.startSeconds) }]),
  ),
};

if (process.argv.includes('--json')) {
  console.log(
    JSON.stringify(
      { ...summary, clip: { width: W, height: H, seconds: SECONDS, fps: FPS }, model: MODEL, rungs, rows },
      null,
      2,
    ),
  );
} else {
  console.log(
    `Main job: ${W}x${H} ${SECONDS} s ${FPS} fps clip → SR ×2 (${MODEL}, open model: not the Bluewhale SR) → HLS ladder ${rungs.map((r) => r.name).join('/')}`,
  );
  console.log(
    `PSNR vs lossless reference (source through the same SR filter, FFV1), top rendition ${top.name} and the SR MP4`,
  );
  console.log(
    `${'pipeline'.padEnd(20)} | ${'wall'.padStart(7)} | ${'vs one cmd'.padStart(10)} | ${'PSNR top'.padStart(9)} | ${'PSNR SR mp4'.padStart(11)} | ${'HLS size'.padStart(9)} | notes`,
  );
  console.log('-'.repeat(120));
  for (const r of rows) {
    console.log(
      `${r.name.padEnd(20)} | ${`${r.seconds.toFixed(1)} s`.padStart(7)} | ${`${(r.seconds / base).toFixed(2)}x`.padStart(10)} | ${`${r.psnrTop.toFixed(2)} dB`.padStart(9)} | ${`${r.psnrSr.toFixed(2)} dB`.padStart(11)} | ${`${(r.hlsBytes / 1e6).toFixed(2)} MB`.padStart(9)} | ${r.detail}`,
    );
  }
  console.log(`load average (1 min): ${loadStart.toFixed(2)} at start, ${loadavg()[0].toFixed(2)} at end`);
  console.log(
    `node ${summary.node.version}: one start (node -e 0) ${summary.node.startSeconds.toFixed(3)} s${summary.node.extraCaCerts ? ', NODE_EXTRA_CA_CERTS set' : ''}`,
  );
  console.log(
    `one start: ${Object.entries(summary.tools)
      .map(([k, t]) => `${k} ${t.startSeconds.toFixed(3)} s (${t.version}${t.staticBuild ? ', static' : ''})`)
      .join(', ')}`,
  );
  console.log(JSON.stringify(summary));
  console.log(
    `wall = median of ${REPEAT} interleaved run(s): ${rows.map((r) => `${r.name} ${r.all.join('/')} s`).join('; ')}`,
  );
}
if (!process.argv.includes('--keep')) rmSync(work, { recursive: true, force: true });
else console.log(`kept ${work}`);

#!/usr/bin/env node
// How fast a stop is answered: a running job cancelled in one long-lived local backend (what `vodsr serve` and
// `vodsr dev` run) until its run has ended (host script gone, FFmpeg gone, work folder and partial outputs removed:
// the slot is free for the next job) — with the service's own workers, and on a local fleet (the host agent pulls
// the job from the work queue and runs the host script: what `vodsr dev --hosts N` runs) — next to the floor, FFmpeg alone stopped in the middle of the same kind of
// transcode (SR ×2 lanczos, libx264 medium, MP4 +faststart) by KILL, and by TERM (FFmpeg then finishes its file:
// flushes the encoder, writes the index, rewrites the file for faststart). The host stops the same way on a
// Spot notice (USR1) and on SSM's cancel or timeout (TERM). Rounds are interleaved (the three in a rotating order).
//
//   node bench/stop.mjs [--seconds 8] [--size 320x240] [--repeat 5] [--json]
// Needs the built packages (`npm run bench:build`) and ffmpeg/ffprobe.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalJobService } from '@vodsr/api';
import { jobFromArgs } from '@vodsr/cli';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const SECONDS = Number(arg('seconds', '8'));
const SIZE = arg('size', '320x240');
const REPEAT = Number(arg('repeat', '5'));
const JSON_OUT = process.argv.includes('--json');
const loadStart = loadavg()[0];
const work = mkdtempSync(join(tmpdir(), 'vodsr-bench-stop-'));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const ms = (t0) => Math.round(Number(process.hrtime.bigint() - t0) / 1e5) / 10;

const source = join(work, 'source.mp4');
const made = spawnSync(
  'ffmpeg',
  [
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
    ...['-f', 'lavfi', '-i', `sine=frequency=440:d=${SECONDS}`, '-c:v', 'libx264', '-pix_fmt', 'yuv420p'],
    ...['-c:a', 'aac', '-shortest', source],
  ],
  { encoding: 'utf8' },
);
if (made.status !== 0) throw new Error(`ffmpeg could not make the source: ${made.stderr}`);

/** Processes whose command line names PATH (the job's folders): none may be left once a run has ended. */
function processesUnder(path) {
  const found = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      if (readFileSync(`/proc/${e}/cmdline`, 'utf8').includes(path)) found.push(Number(e));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/** True while PID runs (a zombie, ended but not yet reaped by its parent, counts as ended). */
function alive(pid) {
  try {
    return !/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

const services = {
  workers: await LocalJobService.open({ dataDir: join(work, 'workers'), workers: true, slots: 1 }),
  fleet: await LocalJobService.open({ dataDir: join(work, 'fleet'), fleet: { hosts: 1, slots: 1 } }),
};

/** A job `vodsr run <source> -m lanczos-x2 -p hls-ladder` submits, cancelled once FFmpeg reports progress. */
async function cancelRound(kind, i) {
  const service = services[kind];
  const output = join(work, `out-${kind}-${i}`);
  const { job } = await service.submit(
    jobFromArgs({ input: source, model: 'lanczos-x2', preset: 'hls-ladder', output }),
  );
  for (;;) {
    const j = await service.get(job.id);
    if (j.status === 'upscaling' && j.progress.percent > 0) break;
    if (!['queued', 'running', 'upscaling'].includes(j.status)) throw new Error(`job ended ${j.status}`);
    await sleep(10);
  }
  // the job's processes: the host script(s) and FFmpeg (their command lines name the service's folders), and on the
  // fleet the slot's host script (its pid in the fleet's status; its job travels base64, naming no folder)
  const dir = join(work, kind);
  const slots = async () => (await service.fleetStatus())?.hosts.flatMap((h) => h.slots) ?? [];
  const pids = [...processesUnder(dir), ...(await slots()).flatMap((x) => (x.pid ? [x.pid] : []))];
  if (!pids.length) throw new Error(`cancel round ${i} (${kind}): no process of the job found`);
  const t0 = process.hrtime.bigint();
  const answered = await service.cancel(job.id);
  const cancelMs = ms(t0);
  // the run has ended: its processes are gone, its outputs removed, and its slot is free again
  const ended = async () =>
    !pids.some(alive) &&
    !(existsSync(output) && readdirSync(output).length) &&
    (kind === 'workers' ? service.activeCount === 0 : (await slots()).every((x) => x.state === 'free'));
  while (!(await ended())) await sleep(2);
  const endedMs = ms(t0);
  const left = processesUnder(dir);
  const files = existsSync(output) ? readdirSync(output, { recursive: true }) : [];
  if (answered.status !== 'cancelled' || left.length || files.length)
    throw new Error(`cancel round ${i}: ${answered.status}, processes ${left}, files ${files}`);
  return { cancelMs, endedMs };
}

/** FFmpeg alone, the same kind of transcode, stopped by SIG once it has written 1 s of progress. */
async function ffmpegRound(sig, i) {
  const out = join(work, `alone-${sig}-${i}.mp4`);
  const ff = spawn(
    'ffmpeg',
    [
      ...['-hide_banner', '-nostats', '-loglevel', 'error', '-y', '-i', source, '-progress', 'pipe:1'],
      ...['-vf', 'scale=iw*2:ih*2:flags=lanczos', '-c:v', 'libx264', '-preset', 'medium', '-crf', '13'],
      ...['-c:a', 'copy', '-movflags', '+faststart', out],
    ],
    { stdio: ['ignore', 'pipe', 'ignore'] },
  );
  const exited = new Promise((r) => ff.once('exit', r));
  await new Promise((resolve, reject) => {
    ff.stdout.on('data', (d) => {
      const m = /out_time_us=(\d+)/.exec(String(d));
      if (m && Number(m[1]) > 1e6) resolve();
    });
    ff.once('exit', () => reject(new Error('ffmpeg ended before it was stopped')));
  });
  const t0 = process.hrtime.bigint();
  ff.kill(sig);
  await exited;
  const stoppedMs = ms(t0);
  rmSync(out, { force: true });
  return stoppedMs;
}

const rounds = { cancel: [], ended: [], fleetCancel: [], fleetEnded: [], kill: [], term: [] };
const order = ['workers', 'fleet', 'kill', 'term'];
for (let i = 0; i < REPEAT; i++) {
  for (let k = 0; k < order.length; k++) {
    const what = order[(i + k) % order.length];
    if (what === 'workers' || what === 'fleet') {
      const r = await cancelRound(what, i);
      rounds[what === 'fleet' ? 'fleetCancel' : 'cancel'].push(r.cancelMs);
      rounds[what === 'fleet' ? 'fleetEnded' : 'ended'].push(r.endedMs);
    } else rounds[what].push(await ffmpegRound(what === 'kill' ? 'SIGKILL' : 'SIGTERM', i));
  }
}
await services.workers.close();
await services.fleet.close();
rmSync(work, { recursive: true, force: true });

const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)], min: s[0], max: s.at(-1), runs: xs };
};
const result = {
  bench: 'stop',
  source: { seconds: SECONDS, size: SIZE },
  repeat: REPEAT,
  ms: {
    cancelAnswered: stats(rounds.cancel),
    cancelRunEnded: stats(rounds.ended),
    fleetCancelAnswered: stats(rounds.fleetCancel),
    fleetCancelRunEnded: stats(rounds.fleetEnded),
    ffmpegAloneKill: stats(rounds.kill),
    ffmpegAloneTerm: stats(rounds.term),
  },
  loadAverage: { start: loadStart, end: loadavg()[0] },
};
if (JSON_OUT) console.log(JSON.stringify(result, null, 2));
else {
  console.log(
    `stop of a running job (${SIZE}, ${SECONDS} s source, SR ×2 lanczos-x2 + HLS ladder), ${REPEAT} rounds`,
  );
  const row = (name, s) =>
    console.log(`  ${name.padEnd(50)} median ${String(s.median).padStart(7)} ms  (${s.min}–${s.max})`);
  row('cancel answered (record cancelled)', result.ms.cancelAnswered);
  row('cancel → run ended (processes, files gone)', result.ms.cancelRunEnded);
  row('local fleet: cancel answered', result.ms.fleetCancelAnswered);
  row('local fleet: cancel → run ended', result.ms.fleetCancelRunEnded);
  row('FFmpeg alone, KILL → exit', result.ms.ffmpegAloneKill);
  row('FFmpeg alone, TERM → exit (it finishes its file)', result.ms.ffmpegAloneTerm);
  console.log(`load average (1 min): ${loadStart.toFixed(2)} at start, ${loadavg()[0].toFixed(2)} at end`);
}

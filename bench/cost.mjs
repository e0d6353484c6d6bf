#!/usr/bin/env node
// Cost, before and after (issue 12): --jobs jobs, one after the other, on the local fleet (LocalJobService with a
// fleet: the real agent and host script, real FFmpeg, the open model lanczos-x2). Each job's cost.estimate is made
// at submit from the throughput learned from the jobs before it (default until there are any); its cost.actual
// comes from the busy seconds measured when it ran. Prints estimate vs actual per job (GPU seconds and $, with the
// price table's figures) and the error distribution of the jobs estimated from ≥ --min-learned observations
// (median, p90, max |error|, share within ±10 %), with the load average before, during and after.
//
//   node bench/cost.mjs [--jobs 20] [--size 640x480] [--lengths 2,4,6,8] [--hosts 1] [--slots 1]
//                       [--min-learned 3] [--json] [--keep]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { LocalJobService, probeMedia } from '@vodsr/api';
import { FINAL_STATUSES } from '@vodsr/core';
import { actualCost, DEFAULT_PRICE_TABLE, estimateJob, observeJob, throughputFrom } from '@vodsr/core/cost';

function opt(name, def) {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? def : process.argv[i + 1];
}
function num(name, def) {
  const v = Number(opt(name, def));
  if (!Number.isFinite(v) || v < 0) throw new Error(`--${name} needs a number`);
  return v;
}
const JOBS = num('jobs', 20);
const SIZE = opt('size', '640x480');
const LENGTHS = String(opt('lengths', '2,4,6,8')).split(',').map(Number);
const HOSTS = num('hosts', 1);
const SLOTS = num('slots', 1);
const MIN_LEARNED = num('min-learned', 3);
const JSON_OUT = process.argv.includes('--json');
const KEEP = process.argv.includes('--keep');
const MODEL = 'lanczos-x2';
if (!/^\d+x\d+$/.test(SIZE)) throw new Error('--size needs WxH');
if (LENGTHS.some((s) => !(s > 0))) throw new Error('--lengths needs positive seconds');

// CPU seconds of this process's reaped children (the host script and its FFmpeg, the job's ffprobe), from
// /proc/self/stat (cutime + cstime, in clock ticks): the job's work, whatever else the machine runs.
const TICK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
function childCpuSeconds() {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // after the ')' field 3 (state) is index 0: cutime is field 16, cstime 17
  return (Number(f[16 - 3]) + Number(f[17 - 3])) / TICK;
}
const load = () => os.loadavg().map((l) => Math.round(l * 100) / 100);
const dir = mkdtempSync(join(os.tmpdir(), 'vodsr-bench-cost-'));

// one clip per length (testsrc2 + tone, 25 fps), reused: the same kind of job again and again
const clips = new Map();
for (const s of new Set(LENGTHS)) {
  const out = join(dir, `clip-${s}s.mp4`);
  execFileSync('ffmpeg', [
    '-hide_banner',
    '-loglevel',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    `testsrc2=s=${SIZE}:r=25:d=${s}`,
    '-f',
    'lavfi',
    '-i',
    `sine=frequency=440:d=${s}`,
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-pix_fmt',
    'yuv420p',
    '-c:a',
    'aac',
    '-b:a',
    '64k',
    '-shortest',
    out,
  ]);
  clips.set(s, out);
}

const probed = new Map();
for (const [s, path] of clips) probed.set(s, (await probeMedia(path)).media);
const cpuObservations = [];
// for the window comparison after the run: every job's observation (wall busy seconds, CPU seconds) in order
const wallObservations = [];
const cpuRuns = [];

const loadBefore = load();
const svc = await LocalJobService.open({
  dataDir: join(dir, 'data'),
  outputRoot: join(dir, 'out'),
  fleet: { hosts: HOSTS, slots: SLOTS },
});
const rows = [];
const loads = [];
const t0 = Date.now();
try {
  for (let i = 0; i < JOBS; i += 1) {
    // interleave the lengths so the fitted line (fixed seconds + seconds per frame) sees them all early
    const seconds = LENGTHS[(i * 3) % LENGTHS.length] ?? LENGTHS[0];
    // the same estimator on CPU seconds: core's throughputFrom + estimateJob over the CPU seconds measured so far
    const cpuEst = estimateJob(
      probed.get(seconds),
      MODEL,
      { packaging: 'host', throughputHost: 'local-cpu' },
      DEFAULT_PRICE_TABLE,
      throughputFrom(cpuObservations),
    );
    const cpu0 = childCpuSeconds();
    const { job } = await svc.submit({ source: clips.get(seconds), model: MODEL });
    let rec = job;
    while (!FINAL_STATUSES.includes(rec.status)) {
      await new Promise((r) => setTimeout(r, 200));
      rec = await svc.get(job.id);
    }
    await new Promise((r) => setTimeout(r, 300)); // let the job's watchdog exit and be reaped
    const cpuSeconds = Math.round((childCpuSeconds() - cpu0) * 100) / 100;
    const cpuAct = actualCost({ hostBusySeconds: cpuSeconds });
    const o = observeJob({
      model: MODEL,
      host: 'local-cpu',
      source: rec.outputs?.source,
      busySeconds: cpuSeconds,
    });
    if (o && rec.status === 'succeeded') cpuObservations.push(o);
    const w = observeJob({
      model: MODEL,
      host: 'local',
      source: rec.outputs?.source,
      busySeconds: rec.cost?.actual?.gpuSeconds ?? 0,
    });
    if (w && rec.status === 'succeeded') wallObservations.push({ obs: w, media: probed.get(seconds) });
    if (o && rec.status === 'succeeded') cpuRuns.push({ obs: o, media: probed.get(seconds) });
    loads.push(os.loadavg()[0]);
    const est = job.cost?.estimate;
    const act = rec.cost?.actual;
    const row = {
      job: i + 1,
      seconds,
      status: rec.status,
      basis: est?.throughput?.basis ?? '?',
      learnedFrom: est?.throughput?.samples ?? 0,
      estimateGpuSeconds: est?.gpuSeconds,
      actualGpuSeconds: act?.gpuSeconds,
      estimateUsd: est?.usd.total,
      actualUsd: act?.usd.total,
      cpuLearnedFrom: cpuEst.throughput?.samples ?? 0,
      cpuEstimateSeconds: cpuEst.gpuSeconds,
      cpuActualSeconds: cpuSeconds,
      cpuErrorPct:
        cpuSeconds > 0 && cpuEst.gpuSeconds > 0
          ? Math.round((cpuSeconds / cpuEst.gpuSeconds - 1) * 1000) / 10
          : undefined,
      cpuUsdErrorPct:
        cpuSeconds > 0 ? Math.round((cpuAct.usd.total / cpuEst.usd.total - 1) * 1000) / 10 : undefined,
    };
    row.gpuErrorPct =
      row.estimateGpuSeconds > 0 && row.actualGpuSeconds !== undefined
        ? Math.round((row.actualGpuSeconds / row.estimateGpuSeconds - 1) * 1000) / 10
        : undefined;
    row.usdErrorPct =
      row.estimateUsd > 0 && row.actualUsd !== undefined
        ? Math.round((row.actualUsd / row.estimateUsd - 1) * 1000) / 10
        : undefined;
    rows.push(row);
    if (!JSON_OUT)
      process.stderr.write(
        `job ${row.job}/${JOBS}: ${seconds} s, ${row.basis} (${row.learnedFrom}), busy est ${row.estimateGpuSeconds} s act ${row.actualGpuSeconds} s (${row.gpuErrorPct ?? '-'} %), CPU est ${row.cpuEstimateSeconds} s act ${cpuSeconds} s (${row.cpuErrorPct ?? '-'} %)\n`,
      );
  }
} finally {
  await svc.close();
}
const wallSeconds = Math.round((Date.now() - t0) / 100) / 10;

// The same runs, estimated again after the fact with other fit windows (each job from the jobs before it only):
// how much of the error is drift (the machine's load moving, warm-up) that a shorter memory follows.
function replay(runs, host, window) {
  const errs = [];
  for (let i = MIN_LEARNED; i < runs.length; i += 1) {
    const table = throughputFrom(
      runs.slice(0, i).map((r) => r.obs),
      { window },
    );
    const e = estimateJob(
      runs[i].media,
      MODEL,
      { packaging: 'host', throughputHost: host },
      DEFAULT_PRICE_TABLE,
      table,
    );
    errs.push(Math.round((runs[i].obs.hostBusySeconds / e.gpuSeconds - 1) * 1000) / 10);
  }
  return errs;
}
const WINDOWS = [100, 8, 4];

function dist(values) {
  const abs = values.map(Math.abs).sort((a, b) => a - b);
  if (!abs.length) return undefined;
  const q = (p) => abs[Math.min(abs.length - 1, Math.floor(p * abs.length))];
  const median =
    abs.length % 2 ? abs[(abs.length - 1) / 2] : (abs[abs.length / 2 - 1] + abs[abs.length / 2]) / 2;
  return {
    n: abs.length,
    medianAbsPct: Math.round(median * 10) / 10,
    p90AbsPct: q(0.9),
    maxAbsPct: abs.at(-1),
    within10Pct: abs.filter((v) => v <= 10).length,
    meanSignedPct: Math.round((values.reduce((a, b) => a + b, 0) / values.length) * 10) / 10,
  };
}
const learned = rows.filter((r) => r.status === 'succeeded' && r.learnedFrom >= MIN_LEARNED);
const defaults = rows.filter((r) => r.status === 'succeeded' && r.basis === 'default');
const summary = {
  bench: 'cost',
  model: MODEL,
  size: SIZE,
  lengths: LENGTHS,
  fleet: { hosts: HOSTS, slots: SLOTS },
  jobs: JOBS,
  succeeded: rows.filter((r) => r.status === 'succeeded').length,
  wallSeconds,
  pricing:
    'GPU seconds priced at g6e.xlarge on-demand (core price table), packaging on the host ($0), 8 transitions',
  learnedGpu: dist(learned.map((r) => r.gpuErrorPct).filter((v) => v !== undefined)),
  learnedUsd: dist(learned.map((r) => r.usdErrorPct).filter((v) => v !== undefined)),
  windows: Object.fromEntries(
    WINDOWS.map((w) => [
      w,
      { wall: dist(replay(wallObservations, 'local', w)), cpu: dist(replay(cpuRuns, 'local-cpu', w)) },
    ]),
  ),
  defaultGpu: dist(defaults.map((r) => r.gpuErrorPct).filter((v) => v !== undefined)),
  cpuLearned: dist(
    rows
      .filter((r) => r.status === 'succeeded' && r.cpuLearnedFrom >= MIN_LEARNED)
      .map((r) => r.cpuErrorPct)
      .filter((v) => v !== undefined),
  ),
  cpuLearnedUsd: dist(
    rows
      .filter((r) => r.status === 'succeeded' && r.cpuLearnedFrom >= MIN_LEARNED)
      .map((r) => r.cpuUsdErrorPct)
      .filter((v) => v !== undefined),
  ),
  minLearned: MIN_LEARNED,
  loadAverage: {
    before: loadBefore,
    duringMin: Math.round(Math.min(...loads) * 100) / 100,
    duringMax: Math.round(Math.max(...loads) * 100) / 100,
    after: load(),
  },
  cpus: os.cpus().length,
  rows,
};
if (!KEEP) rmSync(dir, { recursive: true, force: true });

if (JSON_OUT) {
  process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
} else {
  const pad = (v, n) => String(v ?? '-').padStart(n);
  console.log(
    `cost: ${JOBS} jobs of ${MODEL} ${SIZE} (${LENGTHS.join('/')} s) on a local fleet of ${HOSTS}×${SLOTS}, ${wallSeconds} s`,
  );
  console.log(`  ${summary.pricing}`);
  console.log(
    '                  cost.estimate vs cost.actual (busy wall seconds)            | same estimator on CPU seconds',
  );
  console.log(
    ' job  len  basis    from  est GPU s  act GPU s  err %   est $      act $      $ err % | est CPU s act CPU s  err %',
  );
  for (const r of rows)
    console.log(
      `${pad(r.job, 4)} ${pad(r.seconds, 4)}  ${String(r.basis).padEnd(8)} ${pad(r.learnedFrom, 4)} ${pad(r.estimateGpuSeconds, 10)} ${pad(r.actualGpuSeconds, 10)} ${pad(r.gpuErrorPct, 6)}  ${pad(r.estimateUsd?.toFixed(7), 9)}  ${pad(r.actualUsd?.toFixed(7), 9)} ${pad(r.usdErrorPct, 7)} | ${pad(r.cpuEstimateSeconds, 9)} ${pad(r.cpuActualSeconds, 9)} ${pad(r.cpuErrorPct, 6)}`,
    );
  const line = (name, d) =>
    d
      ? `${name}: n=${d.n}, median |err| ${d.medianAbsPct} %, p90 ${d.p90AbsPct} %, max ${d.maxAbsPct} %, within ±10 % ${d.within10Pct}/${d.n}, mean signed ${d.meanSignedPct} %`
      : `${name}: no jobs`;
  console.log(line(`learned (≥ ${MIN_LEARNED} jobs), GPU s`, summary.learnedGpu));
  console.log(line(`learned (≥ ${MIN_LEARNED} jobs), $ total`, summary.learnedUsd));
  console.log(line('default throughput, GPU s', summary.defaultGpu));
  for (const w of WINDOWS) {
    console.log(line(`replayed, window ${w}, busy s (excl. quality)`, summary.windows[w].wall));
    console.log(line(`replayed, window ${w}, CPU s`, summary.windows[w].cpu));
  }
  console.log(line(`CPU seconds, learned (≥ ${MIN_LEARNED} jobs)`, summary.cpuLearned));
  console.log(line(`CPU seconds, learned (≥ ${MIN_LEARNED} jobs), $ total`, summary.cpuLearnedUsd));
  const la = summary.loadAverage;
  console.log(
    `load average: before ${la.before.join(' ')}, during ${la.duringMin}–${la.duringMax} (1 min), after ${la.after.join(' ')} (${summary.cpus} CPUs)`,
  );
}

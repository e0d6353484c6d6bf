// Bench helper: one long-lived local backend (what `vodsr serve` and `vodsr dev` run, and so what a catalogue's jobs
// go through: Node's start, the database and the workflow's modules are paid once, not per job). It runs one warm-up
// job, prints "ready", then runs the jobs asked for on stdin, one at a time: a JSON line {source, output} each, the
// job `vodsr run <source> -m lanczos-x2 -p hls-ladder -o <output>` submits; it answers with the job's final record
// (one JSON line). Ends when stdin does.
// Usage: node bench/job-loop.mjs <dataDir> <warm-up source> <warm-up output folder>
import { createInterface } from 'node:readline';
import { LocalJobService } from '@vodsr/api';
import { jobFromArgs } from '@vodsr/cli';
import { FINAL_STATUSES } from '@vodsr/core';

const [dataDir, warmSource, warmOutput] = process.argv.slice(2);
if (!dataDir || !warmSource || !warmOutput) {
  process.stderr.write('usage: job-loop.mjs <dataDir> <warm-up source> <warm-up output folder>\n');
  process.exit(2);
}
const service = await LocalJobService.open({ dataDir, workers: true, slots: 1 });

/** Submits the job `vodsr run` would (its own `jobFromArgs`) and waits for its end, as `vodsr run` does. */
async function runJob({ source, output }) {
  const { job } = await service.submit(
    jobFromArgs({ input: source, model: 'lanczos-x2', preset: 'hls-ladder', output }),
  );
  let last = job;
  for await (const ev of service.watch(job.id)) {
    last = ev.job;
    if (FINAL_STATUSES.includes(last.status)) break;
  }
  return FINAL_STATUSES.includes(last.status) ? last : await service.get(job.id);
}

const warm = await runJob({ source: warmSource, output: warmOutput });
if (warm.status !== 'succeeded') {
  process.stderr.write(`job-loop.mjs: the warm-up job ended ${warm.status}: ${JSON.stringify(warm.error)}\n`);
  process.exit(1);
}
process.stdout.write('ready\n');
for await (const line of createInterface({ input: process.stdin })) {
  if (!line.trim()) continue;
  const job = await runJob(JSON.parse(line));
  process.stdout.write(`${JSON.stringify(job)}\n`);
}
await service.close();

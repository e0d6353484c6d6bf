// `vodsr --help` cold start: a fresh Node process each time, wall time until it exits.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const bin = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  'packages',
  'cli',
  'dist',
  'bundle',
  'vodsr.js',
);

/** Runs `vodsr --help` `runs` times (after one warm-up for the OS file cache); returns median/min/max in ms. */
export function benchHelp({ runs = 10 } = {}) {
  const once = () => {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, [bin, '--help'], { encoding: 'utf8' });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.status !== 0 || !r.stdout.includes('vodsr run <input>'))
      throw new Error(`vodsr --help failed: ${r.stderr}`);
    return ms;
  };
  once();
  const times = Array.from({ length: runs }, once).sort((a, b) => a - b);
  const node = [];
  for (let i = 0; i < 5; i++) {
    const t0 = process.hrtime.bigint();
    spawnSync(process.execPath, ['-e', '0']);
    node.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  node.sort((a, b) => a - b);
  return {
    median: times[Math.floor(times.length / 2)],
    min: times[0],
    max: times[times.length - 1],
    runs,
    bareNodeMedian: node[2],
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(benchHelp());
}

// Prints, side by side in one run: API job submissions/s with durable writes (target ≥ 2,000/s, p99 ≤ 25 ms)
// and `vodsr --help` cold start (target ≤ 300 ms). Builds the CLI (and the API) first when they are not built.
// Usage: node bench/api-cli-run.mjs [--seconds 5] [--connections 16] [--runs 10]
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    connections: { type: 'string', default: '16' },
    runs: { type: 'string', default: '10' },
  },
});

if (
  !existsSync(join(root, 'packages/cli/dist/bundle/vodsr.js')) ||
  !existsSync(join(root, 'packages/api/dist/index.js'))
) {
  process.stderr.write('building the CLI and the API (npx nx run cli:build) ...\n');
  execFileSync('npx', ['nx', 'run', 'cli:build', '--outputStyle=static'], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, NX_DAEMON: 'false', NX_TUI: 'false' },
  });
}

const { benchSubmit } = await import('./api-submit.mjs');
const loadBefore = loadavg()[0];
const { benchHelp } = await import('./cli-help.mjs');

process.stderr.write(
  `running: API submissions for ${values.seconds} s with ${values.connections} connections, then vodsr --help x${values.runs}\n`,
);
const api = await benchSubmit({ seconds: Number(values.seconds), connections: Number(values.connections) });
const cli = benchHelp({ runs: Number(values.runs) });

const f = (n, d = 0) => (Number.isFinite(n) ? n.toFixed(d) : '-');
const rows = [
  ['metric', 'measured', 'target', 'result'],
  [
    'API submissions/s (durable)',
    f(api.submissionsPerSecond),
    '>= 2000',
    api.submissionsPerSecond >= 2000 ? 'PASS' : 'FAIL',
  ],
  ['API submit latency p50 (ms)', f(api.p50, 2), '', ''],
  ['API submit latency p99 (ms)', f(api.p99, 2), '<= 25', api.p99 <= 25 ? 'PASS' : 'FAIL'],
  ['API errors (non-201)', String(api.errors), '0', api.errors === 0 ? 'PASS' : 'FAIL'],
  [
    'jobs in DB after restart',
    `${api.storedJobs}`,
    `>= ${api.ok} acked`,
    api.storedJobs >= api.ok ? 'PASS' : 'FAIL',
  ],
  ['vodsr --help cold start (ms, median)', f(cli.median), '<= 300', cli.median <= 300 ? 'PASS' : 'FAIL'],
  ['  min / max (ms)', `${f(cli.min)} / ${f(cli.max)}`, '', ''],
  ['  bare `node -e 0` (ms, median)', f(cli.bareNodeMedian), '', ''],
];
const w = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
console.log(
  `vodsr bench — ${cpus().length} cores, Node ${process.versions.node}, ${api.connections} connections, ${values.seconds} s, ` +
    `load average ${loadBefore.toFixed(2)} before / ${loadavg()[0].toFixed(2)} after (numbers are only comparable at low load)`,
);
for (const r of rows) console.log(r.map((c, i) => c.padEnd(w[i])).join('  '));
const failed = rows.slice(1).some((r) => r[3] === 'FAIL');
process.exitCode = failed ? 1 : 0;

#!/usr/bin/env node
// Trigger Lambda: bundle size and cold import time, ours vs the seed's index.mjs, bundled the way the CDK construct
// bundles ours (esbuild, CJS, minified, node22, `@aws-sdk/*` external because the Node.js 22 runtime ships it).
// Cold import = a fresh `node` process requiring the bundle (module load + SDK client import), median of N runs.
//
//   node bench/trigger.mjs [--runs 15] [--json]
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateRawSync } from 'node:zlib';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'node_modules', '.cache', 'vodsr-bench', 'trigger'); // inside the repo: @aws-sdk resolves
mkdirSync(out, { recursive: true });
const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 15;

// The use case's Lambda (Step 3, 2-3), verbatim but for its account id and instance id.
const SEED = `import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import path from 'path';
export const handler = async event => {
  console.log('Event:', JSON.stringify(event));
  const record = event.Records[0];
  const bucket = record.s3.bucket.name;
  const key = decodeURIComponent(record.s3.object.key.replace(/\\+/g, ' '));
  try {
    const origBucket = bucket;
    const origFile = path.basename(key);
    const srFile = \`\${path.basename(origFile, path.extname(origFile))}_sr_2x\${path.extname(origFile)}\`;
    const stateMachineArn = 'arn:aws:states:ap-northeast-2:111111111111:stateMachine:sr_exec_with_ssm_run_cmd';
    const inputRaw = { instanceId: 'i-00000000000000000', origBucket, origFile, srBucket: 'bluewhale-ami-sample-sr', srFile };
    const input = JSON.stringify(inputRaw);
    const command = new StartExecutionCommand({ stateMachineArn, input });
    const sfnClient = new SFNClient({ region: record.awsRegion });
    const response = await sfnClient.send(command);
    return { statusCode: 200, body: JSON.stringify({ message: 'Step Function started', executionArn: response.executionArn }) };
  } catch (error) {
    return { statusCode: 500, body: JSON.stringify({ error: 'Failed to start Step Function', details: error.message }) };
  }
};
`;
const seedEntry = join(out, 'seed-index.mjs');
writeFileSync(seedEntry, SEED);

async function bundle(name, entry, sdkBundled) {
  const outfile = join(out, `${name}${sdkBundled ? '-with-sdk' : ''}.cjs`);
  const result = await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    minify: true,
    conditions: ['@vodsr/source'],
    external: sdkBundled ? [] : ['@aws-sdk/*'],
    logLevel: 'error',
    absWorkingDir: root,
    metafile: true,
  });
  const byPackage = {};
  for (const [path, info] of Object.entries(
    result.metafile.outputs[Object.keys(result.metafile.outputs)[0]].inputs,
  )) {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path) ?? /packages\/([^/]+)/.exec(path);
    const k = path.includes('vodsr-bench') ? 'handler code' : m ? m[1] : path;
    byPackage[k] = (byPackage[k] ?? 0) + info.bytesInOutput;
  }
  const top = Object.entries(byPackage)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 4);
  const bytes = statSync(outfile).size;
  const zipped = deflateRawSync(readFileSync(outfile), { level: 9 }).length;
  return { outfile, bytes, zipped, top };
}

function coldImport(file) {
  const code = `const t=performance.now();const m=require(${JSON.stringify(file)});if(typeof m.handler!=='function')throw new Error('no handler');process.stdout.write(String(performance.now()-t));`;
  const times = [];
  for (let i = 0; i < RUNS; i += 1)
    times.push(Number(execFileSync(process.execPath, ['-e', code], { cwd: out, encoding: 'utf8' })));
  times.sort((a, b) => a - b);
  return { medianMs: times[Math.floor(times.length / 2)], minMs: times[0] };
}

function nodeBaseline() {
  const t = [];
  for (let i = 0; i < RUNS; i += 1) {
    const t0 = performance.now();
    execFileSync(process.execPath, ['-e', '0']);
    t.push(performance.now() - t0);
  }
  t.sort((a, b) => a - b);
  return t[Math.floor(t.length / 2)];
}

const oursEntry = join(root, 'packages', 'infra-cdk', 'src', 'trigger', 'lambda.ts');
const rows = [];
for (const [label, entry] of [
  ['ours (infra-cdk trigger)', oursEntry],
  ['seed (index.mjs)', seedEntry],
]) {
  const b = await bundle(label.startsWith('ours') ? 'ours' : 'seed', entry, false);
  const withSdk = await bundle(label.startsWith('ours') ? 'ours' : 'seed', entry, true);
  rows.push({
    label,
    bundle: b,
    withSdk,
    cold: coldImport(b.outfile),
    coldWithSdk: coldImport(withSdk.outfile),
  });
}
const baseline = nodeBaseline();

if (process.argv.includes('--json')) {
  console.log(JSON.stringify({ runs: RUNS, nodeStartMs: baseline, rows }, null, 2));
} else {
  const kb = (n) => `${(n / 1024).toFixed(1)} KiB`;
  console.log(
    `Trigger Lambda bundle (esbuild, cjs, minified, node22) and cold import (median of ${RUNS} fresh node processes)`,
  );
  console.log(
    `${'handler'.padEnd(26)} | ${'bundle'.padStart(10)} | ${'zipped'.padStart(10)} | ${'import'.padStart(8)} || ${'+SDK bundle'.padStart(11)} | ${'zipped'.padStart(10)} | ${'import'.padStart(8)}`,
  );
  console.log('-'.repeat(104));
  for (const r of rows) {
    console.log(
      `${r.label.padEnd(26)} | ${kb(r.bundle.bytes).padStart(10)} | ${kb(r.bundle.zipped).padStart(10)} | ${`${r.cold.medianMs.toFixed(0)} ms`.padStart(8)} || ${kb(r.withSdk.bytes).padStart(11)} | ${kb(r.withSdk.zipped).padStart(10)} | ${`${r.coldWithSdk.medianMs.toFixed(0)} ms`.padStart(8)}`,
    );
  }
  for (const r of rows)
    console.log(`largest parts of ${r.label}: ${r.bundle.top.map(([k, n]) => `${k} ${kb(n)}`).join(', ')}`);
  console.log(
    `\nLeft: as deployed (@aws-sdk/* external, provided by the Node.js 22 runtime; import includes loading @aws-sdk/client-sfn).`,
  );
  console.log(`load average (1 min): ${loadavg()[0].toFixed(2)}`);
  console.log(
    `Right: everything bundled. A bare \`node -e 0\` takes ${baseline.toFixed(0)} ms on this machine (not included above).`,
  );
}

// Pre-bundles this package's Lambda handlers (src/<name>/lambda.ts) into bundles/<name>/index.js (CommonJS: bundles/package.json says so), so a CDK app
// that installs @vodsr/infra-cdk synthesizes with Code.fromAsset: no esbuild, no Docker on the consumer's side.
// The AWS SDK v3 stays external (the Node.js 22 Lambda runtime ships it). Run by the `bundle-lambdas` Nx target,
// which `build` depends on.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const names = ['trigger', 'planner', 'commandStatus', 'backfill'];
const out = join(root, 'bundles');
rmSync(out, { recursive: true, force: true });
await Promise.all(
  names.map((name) =>
    build({
      entryPoints: [join(root, 'src', name, 'lambda.ts')],
      outfile: join(out, name, 'index.js'),
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node22',
      // Not minified and no source map: stack traces in CloudWatch are readable as they are, and the package
      // ships no map pointing at sources it does not contain (432 kB trigger vs 177 kB + a 1.2 MB map).
      minify: false,
      sourcemap: false,
      conditions: ['@vodsr/source'],
      external: ['@aws-sdk/*'],
      logLevel: 'warning',
    }),
  ),
);
// This package is "type": "module"; the bundles are CommonJS (in the Lambda asset, a directory with no
// package.json, .js is CommonJS anyway).
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'package.json'), `${JSON.stringify({ type: 'commonjs' })}\n`);
console.log(`bundled ${names.length} Lambda handlers into ${out}`);

// Pre-bundles this package's Lambda handlers (src/<name>/lambda.ts) into bundles/<name>/index.js (CommonJS: bundles/package.json says so), so a CDK app
// that installs @vodsr/infra-cdk synthesizes with Code.fromAsset: no esbuild, no Docker on the consumer's side.
// The AWS SDK v3 stays external (the Node.js 22 Lambda runtime ships it). Run by the `bundle-lambdas` Nx target,
// which `build` depends on.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const names = ['trigger', 'planner', 'commandStatus'];
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
      minify: true,
      // A map with the sources inside: stack traces in CloudWatch point at real lines, nothing points outside.
      sourcemap: true,
      sourcesContent: true,
      conditions: ['@vodsr/source'],
      external: ['@aws-sdk/*'],
      legalComments: 'none',
      logLevel: 'warning',
    }),
  ),
);
// This package is "type": "module"; the bundles are CommonJS (in the Lambda asset, a directory with no
// package.json, .js is CommonJS anyway).
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'package.json'), `${JSON.stringify({ type: 'commonjs' })}\n`);
console.log(`bundled ${names.length} Lambda handlers into ${out}`);

// Bundles the `vodsr` binary (src/bin/vodsr.ts, the vodsr packages it uses, typebox, yargs) into
// dist/bundle/: vodsr.js plus chunks that load only when a command needs them (esbuild code splitting).
// Why: unbundled, `vodsr run` resolves and reads ~860 module files before its job starts (typebox alone is 683);
// bundled it reads a handful (pinned by test/bin.test.ts; cold start: bench/cli-help.mjs, run by `npm run bench:api`).
//
// Left as imports (resolved from this package's node_modules at run time): the AWS SDK (loaded lazily, only by
// AWS paths), the HTTP server stack (fastify and its plugins read files of their own), native and file-serving
// packages (libsql, s3rver, hls.js, eventsource-parser) and @vodsr/host-scripts' scripts, which its code finds
// through its package.json. aws-local-stepfunctions imports the Lambda client at load time although the local
// workflow never calls a Lambda (every Task has a local handler): in the bundle those two imports go to
// lazyLambdaClient.mjs, which loads the real SDK on first use. Its `asl-validator` import (and ajv under it) goes
// to noAslValidator.mjs: vodsr's executor never validates at run time (noValidate; infra-cdk's tests validate).
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const EXTERNAL = [
  '@aws-sdk/*',
  '@smithy/*',
  'fastify',
  'fastify-plugin',
  '@fastify/*',
  'pino',
  'libsql',
  's3rver',
  'hls.js',
  'eventsource-parser',
  'aws-cdk-lib',
  'constructs',
];
const SHIMMED = new Set(['@aws-sdk/client-lambda', '@aws-sdk/credential-providers']);
const lazyShim = fileURLToPath(new URL('./lazyLambdaClient.mjs', import.meta.url));
const noValidatorShim = fileURLToPath(new URL('./noAslValidator.mjs', import.meta.url));

// Chunk names carry a content hash: clear the folder so no chunk of an earlier build is left (or published).
rmSync(join(root, 'dist', 'bundle'), { recursive: true, force: true });

await build({
  absWorkingDir: root,
  entryPoints: { vodsr: 'src/bin/vodsr.ts' },
  outdir: 'dist/bundle',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  conditions: ['@vodsr/source', 'node'],
  mainFields: ['module', 'main'],
  external: EXTERNAL,
  sourcemap: 'linked',
  legalComments: 'eof',
  // CommonJS parts (yargs' helpers) call require() for Node built-ins.
  banner: {
    js: "import { createRequire as __vodsrRequire } from 'node:module'; const require = __vodsrRequire(import.meta.url);",
  },
  plugins: [
    {
      name: 'lazy-lambda-client',
      setup(b) {
        b.onResolve({ filter: /^@aws-sdk\/(client-lambda|credential-providers)$/ }, (a) =>
          SHIMMED.has(a.path) && /aws-local-stepfunctions/.test(a.importer)
            ? { path: lazyShim, namespace: 'file' }
            : undefined,
        );
        b.onResolve({ filter: /^asl-validator$/ }, (a) =>
          /aws-local-stepfunctions/.test(a.importer)
            ? { path: noValidatorShim, namespace: 'file' }
            : undefined,
        );
      },
    },
  ],
  logLevel: 'warning',
});
process.stdout.write('dist/bundle/vodsr.js\n');

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
// yargs and its help layout (cliui, wrap-ansi) import string-width, whose module body builds an Intl.Segmenter and
// \p{RGI_Emoji} regular expressions: ~30 ms of every start, for help text most commands never print. Each import
// gets a stand-in whose function require()s the real module on its first call (esbuild bundles a require()d ES
// module as one initialised on first use), so that work happens only when a width is asked for.
import { rmSync } from 'node:fs';
import { join, relative } from 'node:path';
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
      name: 'lazy-string-width',
      setup(b) {
        b.onResolve({ filter: /^string-width$/ }, async (a) => {
          if (a.namespace === 'lazy-string-width') return undefined;
          const real = await b.resolve(a.path, {
            kind: a.kind,
            importer: a.importer,
            resolveDir: a.resolveDir,
            namespace: 'lazy-string-width',
          });
          if (real.errors.length) return { errors: real.errors };
          // Relative to the package (the bundle's comments name it): no machine path in what is published.
          return { path: relative(root, real.path), namespace: 'lazy-string-width' };
        });
        b.onLoad({ filter: /.*/, namespace: 'lazy-string-width' }, (a) => ({
          contents:
            `export default function stringWidth(string, options) {\n` +
            `  return require(${JSON.stringify(`./${a.path}`)}).default(string, options);\n}\n`,
          resolveDir: root,
          loader: 'js',
        }));
      },
    },
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

// Bundles the host agent (src/agent/main.ts, its AWS SDK clients and @vodsr/core) into ONE file for the GPU
// host: dist/agent/vodsr-agent.mjs, run by bin/vodsr-agent with the Node the installer puts in place.
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
await build({
  absWorkingDir: root,
  entryPoints: ['src/agent/main.ts'],
  outfile: 'dist/agent/vodsr-agent.mjs',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  conditions: ['@vodsr/source', 'node'],
  mainFields: ['module', 'main'],
  minify: false,
  legalComments: 'eof',
  // CommonJS parts of the SDK call require() for Node built-ins.
  banner: {
    js: "import { createRequire as __vodsrRequire } from 'node:module'; const require = __vodsrRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
process.stdout.write('dist/agent/vodsr-agent.mjs\n');

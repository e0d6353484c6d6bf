#!/usr/bin/env node
import module from 'node:module';
import { startRunSourceProbe } from '@vodsr/api/source-probe';

// `vodsr run <file>`: the source's ffprobe starts now, on the other core, while Node loads the CLI below (~0.15 s);
// the local backend finds it done at submit. Only Node's own modules are loaded for it.
startRunSourceProbe(process.argv.slice(2));

// Node ≥ 22.1 keeps V8's compiled code of the bundle on disk (os.tmpdir()/node-compile-cache), so a command does not
// compile the same code again on every start; NODE_DISABLE_COMPILE_CACHE=1 turns it off. Node 20 has no such cache.
// It must be on before the rest of the CLI loads, hence the dynamic import below.
(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();

// vodsr pins its AWS SDK versions, so the SDK's notice that *future* SDK releases need Node >= 22 says nothing
// about this install; it would print on every `vodsr dev` / AWS command. Users can still opt back in.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const { main } = await import('../main.js');
main(process.argv.slice(2)).catch((e: unknown) => {
  process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});

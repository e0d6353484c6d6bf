#!/usr/bin/env node
import { main } from '../main.js';

// vodsr pins its AWS SDK versions, so the SDK's notice that *future* SDK releases need Node >= 22 says nothing
// about this install; it would print on every `vodsr dev` / AWS command. Users can still opt back in.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

main(process.argv.slice(2)).catch((e: unknown) => {
  process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});

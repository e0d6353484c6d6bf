import type { CommandModule } from 'yargs';
import type { GlobalOptions } from '../options.js';
import { exitWith, interruptSignal, io, withJson } from './shared.js';

/** `vodsr watch <id>`. */
export const watchModule: CommandModule<GlobalOptions, GlobalOptions & { id: string }> = {
  command: 'watch <id>',
  describe: "Follow a job's progress until it ends (exit code = how it ended)",
  builder: (y) =>
    withJson(y)
      .positional('id', { type: 'string', demandOption: true })
      .example('# progress over server-sent events (a vodsr serve: its token in VODSR_TOKEN)', '')
      .example('$0 watch 3f2c… --api http://127.0.0.1:8080', '') as never,
  handler: async (argv) => {
    const { watchCommand } = await import('../handlers/watch.js');
    exitWith(await watchCommand(argv, io(), interruptSignal()));
  },
};

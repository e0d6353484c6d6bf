import type { CommandModule } from 'yargs';
import type { GlobalOptions } from '../options.js';
import { exitWith, io, withJson } from './shared.js';

/** `vodsr status <id>`. */
export const statusModule: CommandModule<GlobalOptions, GlobalOptions & { id: string }> = {
  command: 'status <id>',
  describe: 'Show one job',
  builder: (y) =>
    withJson(y)
      .positional('id', { type: 'string', demandOption: true })
      .example('# the job record as JSON', '')
      .example('$0 status 3f2c… --json', '') as never,
  handler: async (argv) => {
    const { statusCommand } = await import('../handlers/status.js');
    exitWith(await statusCommand(argv, io()));
  },
};

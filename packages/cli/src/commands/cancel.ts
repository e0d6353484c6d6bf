import type { CommandModule } from 'yargs';
import type { GlobalOptions } from '../options.js';
import { exitWith, io, withJson } from './shared.js';

/** `vodsr cancel <id>`. */
export const cancelModule: CommandModule<GlobalOptions, GlobalOptions & { id: string }> = {
  command: 'cancel <id>',
  describe: 'Cancel a job (AWS: stops the execution)',
  builder: (y) => withJson(y).positional('id', { type: 'string', demandOption: true }) as never,
  handler: async (argv) => {
    const { cancelCommand } = await import('../handlers/cancel.js');
    exitWith(await cancelCommand(argv, io()));
  },
};

import type { CommandModule } from 'yargs';
import type { GlobalOptions } from '../options.js';
import { exitWith, io, withJson } from './shared.js';

/** `vodsr models`. */
export const modelsModule: CommandModule<GlobalOptions, GlobalOptions> = {
  command: 'models',
  describe: 'List SR models and whether this machine can run them',
  builder: (y) =>
    withJson(y)
      .example('# the models, and which run here (Bluewhale filters or the open fallback)', '')
      .example('$0 models', '')
      .example('# as JSON, for scripts', '')
      .example('$0 models --json', '') as never,
  handler: async (argv) => {
    const { modelsCommand } = await import('../handlers/models.js');
    exitWith(await modelsCommand(argv, io()));
  },
};

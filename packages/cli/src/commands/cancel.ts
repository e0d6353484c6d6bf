import type { CommandModule } from 'yargs';
import type { GlobalOptions } from '../options.js';
import { exitWith, io, withJson } from './shared.js';

/** `vodsr cancel <id>`. */
export const cancelModule: CommandModule<GlobalOptions, GlobalOptions & { id: string }> = {
  command: 'cancel <id>',
  describe: 'Cancel a job (AWS: stops the execution)',
  builder: (y) =>
    withJson(y)
      .positional('id', { type: 'string', demandOption: true, describe: 'The job id (vodsr list)' })
      .example('# cancel a queued or running job (its partial output is removed)', '')
      .example('$0 cancel 3f2c…', '')
      .example('# the same against a running vodsr serve (its token in VODSR_TOKEN)', '')
      .example('$0 cancel 3f2c… --api http://127.0.0.1:8080 --json', '') as never,
  handler: async (argv) => {
    const { cancelCommand } = await import('../handlers/cancel.js');
    exitWith(await cancelCommand(argv, io()));
  },
};

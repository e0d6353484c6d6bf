import type { CommandModule } from 'yargs';
import type { ListArgs } from '../handlers/list.js';
import type { GlobalOptions } from '../options.js';
import { exitWith, io, withJson } from './shared.js';

/** `vodsr list`. */
export const listModule: CommandModule<GlobalOptions, ListArgs> = {
  command: 'list',
  describe: 'List jobs, newest first',
  builder: (y) =>
    withJson(y)
      .option('status', {
        alias: 's',
        type: 'string',
        array: true,
        describe: 'Only these statuses (repeat or comma-separate)',
      })
      .option('limit', { alias: 'n', type: 'number', default: 20, describe: 'Page size (1..100)' })
      .option('cursor', { type: 'string', describe: 'Next page (printed by the previous call)' })
      .check((a) => {
        const n = a.limit;
        // A string (not a throw): yargs reports it as usage, exit 2.
        if (!Number.isInteger(n) || n < 1 || n > 100)
          return `--limit must be an integer from 1 to 100 (got ${String(n)})`;
        return true;
      })
      .example('# active jobs', '')
      .example('$0 list -s running,queued', '') as never,
  handler: async (argv) => {
    const { listCommand } = await import('../handlers/list.js');
    exitWith(await listCommand(argv, io()));
  },
};

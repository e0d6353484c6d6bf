import type { CommandModule } from 'yargs';
import type { RetryArgs } from '../handlers/retry.js';
import type { GlobalOptions } from '../options.js';
import { exitWith, io, withJson } from './shared.js';

/** `vodsr retry`. */
export const retryModule: CommandModule<GlobalOptions, RetryArgs> = {
  command: 'retry [ids..]',
  describe:
    'Retry failed or cancelled jobs as new jobs (<id>-r1): by id, or every failed job of a source prefix',
  builder: (y) =>
    withJson(y)
      .positional('ids', { type: 'string', array: true, describe: 'Job ids (vodsr list -s failed)' })
      .option('source-prefix', {
        type: 'string',
        describe: "Every failed job whose source starts with this (a backfill's s3://bucket/prefix/)",
      })
      .option('status', {
        alias: 's',
        type: 'string',
        array: true,
        describe:
          'Retry the jobs in these statuses: failed, cancelled (default with --source-prefix: failed)',
      })
      .option('dry-run', {
        alias: 'n',
        type: 'boolean',
        describe: 'List the jobs a --source-prefix/--status selection would retry; start none',
      })
      .example('# run a failed job again (same input, same destinations) as a new job <id>-r1', '')
      .example('$0 retry 3f2c…', '')
      .example("# a backfill's failed jobs, once what failed them is fixed (-n lists them first)", '')
      .example('$0 retry --source-prefix s3://vodsr-in/catalogue/ -n', '')
      .example('$0 retry --source-prefix s3://vodsr-in/catalogue/ -s failed,cancelled -b aws', '') as never,
  handler: async (argv) => {
    const { retryCommand } = await import('../handlers/retry.js');
    exitWith(await retryCommand(argv, io()));
  },
};

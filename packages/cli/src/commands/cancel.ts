import type { CommandModule } from 'yargs';
import type { CancelArgs } from '../handlers/cancel.js';
import type { GlobalOptions } from '../options.js';
import { exitWith, io, withJson } from './shared.js';

/** `vodsr cancel`. */
export const cancelModule: CommandModule<GlobalOptions, CancelArgs> = {
  command: 'cancel [ids..]',
  describe: 'Cancel jobs: by id, or every job of a source prefix or status (AWS: stops the executions)',
  builder: (y) =>
    withJson(y)
      .positional('ids', { type: 'string', array: true, describe: 'Job ids (vodsr list)' })
      .option('source-prefix', {
        type: 'string',
        describe: "Every job whose source starts with this (a backfill's s3://bucket/prefix/)",
      })
      .option('status', {
        alias: 's',
        type: 'string',
        array: true,
        describe: 'Every job in these statuses (default with --source-prefix: every one not final)',
      })
      .option('dry-run', {
        alias: 'n',
        type: 'boolean',
        describe: 'List the jobs a --source-prefix/--status selection would cancel; cancel none',
      })
      .example('# cancel a queued or running job (its partial output is removed)', '')
      .example('$0 cancel 3f2c…', '')
      .example('# stop a backfill: its jobs not yet ended (-n lists them first)', '')
      .example('$0 cancel --source-prefix s3://vodsr-in/catalogue/ -n', '')
      .example('$0 cancel --source-prefix s3://vodsr-in/catalogue/ -s queued,interrupted', '')
      .example('# the same against a running vodsr serve (its token in VODSR_TOKEN)', '')
      .example('$0 cancel 3f2c… --api http://127.0.0.1:8080 --json', '') as never,
  handler: async (argv) => {
    const { cancelCommand } = await import('../handlers/cancel.js');
    exitWith(await cancelCommand(argv, io()));
  },
};

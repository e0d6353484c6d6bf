import type { CommandModule } from 'yargs';
import type { BackfillArgs } from '../handlers/backfill.js';
import type { GlobalOptions } from '../options.js';
import { exitWith, interruptSignal, io, withJson } from './shared.js';

/** `vodsr backfill s3://bucket/prefix/`. */
export const backfillModule: CommandModule<GlobalOptions, BackfillArgs> = {
  command: 'backfill <source>',
  describe:
    'Process every video already under an S3 prefix (bulk queue, the trigger’s job names: re-runs resume)',
  builder: (y) =>
    withJson(y)
      .positional('source', { type: 'string', demandOption: true, describe: 's3://bucket/prefix/' })
      .option('include', { type: 'string', describe: "Globs an object must match, e.g. '*.mp4,*.mov'" })
      .option('concurrency', {
        alias: 'c',
        type: 'number',
        describe: 'Jobs of the backfill queued/running at once (16)',
      })
      .option('dry-run', {
        alias: 'n',
        type: 'boolean',
        describe: 'List what would be submitted and skipped, with the estimate',
      })
      .option('output', { alias: 'o', type: 'string', describe: 'Output root s3://bucket/prefix/' })
      .option('model', { alias: 'm', type: 'string' })
      .option('preset', { alias: 'p', type: 'string' })
      .option('s3-endpoint', {
        type: 'string',
        describe: 'A local S3-compatible server (vodsr dev prints it)',
      })
      .option('slots', { type: 'number', describe: 'Local backend: jobs run at once here (1)' })
      .option('quality', { type: 'boolean', describe: 'Each job measures SR vs bicubic PSNR/SSIM' })
      .option('wait', { type: 'boolean', default: true, describe: 'Follow the jobs to the end' })
      .option('instance-type', {
        type: 'string',
        describe: 'AWS: the fleet’s instance type, for the learned throughput and prices (g6e.xlarge)',
      })
      .option('spot', { type: 'boolean', describe: 'AWS: the fleet runs on Spot (its prices)' })
      .example('# what a backfill would do, and what it would cost', '')
      .example(
        "$0 backfill s3://vodsr-in/ --s3-endpoint http://127.0.0.1:4569 --include '*.mp4' --dry-run",
        '',
      )
      .example(
        '# on AWS: one StartExecution per object, under the trigger’s names (VODSR_STATE_MACHINE_ARN set)',
        '',
      )
      .example('$0 backfill s3://catalog/movies/ -b aws -o s3://catalog-sr/', '') as never,
  handler: async (argv) => {
    const { backfillCommand } = await import('../handlers/backfill.js');
    exitWith(await backfillCommand(argv, io(), { signal: interruptSignal() }));
  },
};

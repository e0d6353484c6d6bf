import type { CommandModule } from 'yargs';
import type { EstimateArgs } from '../handlers/estimate.js';
import type { GlobalOptions } from '../options.js';
import { exitWith, io, withJson } from './shared.js';

/** `vodsr estimate <source|prefix>`. */
export const estimateModule: CommandModule<GlobalOptions, EstimateArgs> = {
  command: 'estimate <source>',
  describe: 'What a job (or a prefix of videos) would cost: GPU seconds, $ and every assumption',
  builder: (y) =>
    withJson(y)
      .positional('source', {
        type: 'string',
        demandOption: true,
        describe: 'A video, s3://bucket/key or s3://bucket/prefix/',
      })
      .option('model', { alias: 'm', type: 'string', describe: 'SR model (default A)' })
      .option('scale', { type: 'number' })
      .option('instance-type', { type: 'string', describe: 'Price of this instance type (g6e.xlarge)' })
      .option('spot', { type: 'boolean', describe: 'Spot price instead of on-demand' })
      .option('packaging', { choices: ['mediaconvert', 'host', 'none'] as const })
      .option('s3-endpoint', { type: 'string', describe: 'A local S3-compatible server' })
      .example('$0 estimate clip.mp4', '')
      .example('$0 estimate s3://catalog/movies/ --packaging mediaconvert --json', '') as never,
  handler: async (argv) => {
    const { estimateCommand } = await import('../handlers/estimate.js');
    exitWith(await estimateCommand(argv, io()));
  },
};

import type { CommandModule } from 'yargs';
import type { HostCommandArgs } from '../handlers/hostCommand.js';
import type { GlobalOptions } from '../options.js';
import { exitWith, io, withJson } from './shared.js';

/** `vodsr host-command <job.json>`. */
export const hostCommandModule: CommandModule<GlobalOptions, HostCommandArgs> = {
  command: 'host-command <job>',
  describe: 'Print the SSM Run Command commands that run a job on the GPU host',
  builder: (y) =>
    withJson(y)
      .positional('job', { type: 'string', demandOption: true, describe: 'A job file (JSON job spec)' })
      .option('output', {
        alias: 'o',
        type: 'string',
        describe: 'Output root when the job has none (s3://bucket/prefix/)',
      })
      .option('job-id', { type: 'string', describe: 'Job id (default: derived from the job)' })
      .option('runner-path', { type: 'string', describe: 'Path of vodsr-host on the host' })
      .example('# the commands, one per line', '')
      .example('$0 host-command job.json', '') as never,
  handler: async (argv) => {
    const { hostCommandCommand } = await import('../handlers/hostCommand.js');
    exitWith(await hostCommandCommand(argv, io()));
  },
};

import type { CommandModule } from 'yargs';
import type { GlobalOptions } from '../options.js';
import { exitWith, io, withJson } from './shared.js';

/** `vodsr fleet`. */
export const fleetModule: CommandModule<GlobalOptions, GlobalOptions> = {
  command: 'fleet',
  describe: 'GPU hosts, their slots (free, reserved, running which job) and the work queues',
  builder: (y) =>
    withJson(y)
      .example('# the local fleet of a running `vodsr dev --hosts 3 --slots 2`', '')
      .example('$0 fleet --api http://127.0.0.1:8080', '')
      .example(
        '# the deployed fleet (the stack outputs FleetGroupName, InteractiveQueueUrl, BulkQueueUrl)',
        '',
      )
      .example(
        '$0 fleet -b aws --fleet-group Vodsr-vodsr-fleet --interactive-queue-url "$IQ" --bulk-queue-url "$BQ"',
        '',
      ) as never,
  handler: async (argv) => {
    const { fleetCommand } = await import('../handlers/fleet.js');
    exitWith(await fleetCommand(argv, io()));
  },
};

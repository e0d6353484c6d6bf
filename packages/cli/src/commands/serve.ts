import type { CommandModule } from 'yargs';
import type { ServeArgs } from '../handlers/serve.js';
import type { GlobalOptions } from '../options.js';
import { exitWith, interruptSignal, io } from './shared.js';

/** `vodsr serve`. */
export const serveModule: CommandModule<GlobalOptions, ServeArgs> = {
  command: 'serve',
  describe: 'Run the HTTP API (local backend: also runs the queued jobs)',
  builder: (y) =>
    y
      .option('host', { type: 'string', default: '127.0.0.1', describe: 'Address to listen on' })
      .option('port', { type: 'number', default: 8080 })
      .option('auth', {
        type: 'boolean',
        default: true,
        describe: '--no-auth: no bearer token (loopback only)',
      })
      .option('slots', {
        type: 'number',
        default: 1,
        describe: 'Jobs at a time (one per GPU); per host with --hosts',
      })
      .option('hosts', {
        type: 'number',
        describe:
          'Run a local fleet of N hosts (the real agent + host script each, pulling from a local queue)',
      })
      .option('rate-limit', { type: 'number', describe: 'Requests per minute per client (default 600)' })
      .option('input-root', {
        type: 'string',
        array: true,
        describe: 'Folder jobs may read local sources from (repeatable; default: the current folder)',
      })
      .option('log', { type: 'boolean', default: false, describe: 'Request logs (JSON) on stdout' })
      .example('# API on 127.0.0.1:8080, docs at /docs', '')
      .example('VODSR_TOKEN=$(openssl rand -hex 24) $0 serve', '')
      .example('# dev server without a token (loopback only)', '')
      .example('$0 serve --no-auth --port 0', '') as never,
  handler: async (argv) => {
    const { serveCommand } = await import('../handlers/serve.js');
    exitWith(await serveCommand(argv, io(), interruptSignal()));
  },
};

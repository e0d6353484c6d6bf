import type { CommandModule } from 'yargs';
import type { DevArgs } from '../handlers/dev.js';
import type { GlobalOptions } from '../options.js';
import { exitWith, interruptSignal, io, withJson } from './shared.js';

/** `vodsr dev`. */
export const devModule: CommandModule<GlobalOptions, DevArgs> = {
  command: 'dev',
  describe:
    'The whole pipeline on this machine: local S3 (upload → trigger → job → HLS in the output bucket), API and viewer',
  builder: (y) =>
    withJson(y)
      .option('host', { type: 'string', default: '127.0.0.1', describe: 'Loopback address of both servers' })
      .option('s3-port', { type: 'number', default: 4569, describe: 'Local S3 port (0 = any free port)' })
      .option('port', { type: 'number', default: 8080, describe: 'API + viewer port (0 = any free port)' })
      .option('input-bucket', { type: 'string', default: 'vodsr-in' })
      .option('output-bucket', { type: 'string', default: 'vodsr-out' })
      .option('model', {
        alias: 'm',
        type: 'string',
        describe: 'SR model (default: A, or the open model lanczos-x2 when the Bluewhale filters are absent)',
      })
      .option('preset', { alias: 'p', type: 'string', describe: 'Packaging preset (default hls-single)' })
      .option('slots', { type: 'number', default: 1, describe: 'Jobs at a time; per host with --hosts' })
      .option('hosts', {
        type: 'number',
        describe:
          'Run a local fleet of N hosts (the real agent + host script each, pulling from a local queue)',
      })
      .option('quality', {
        type: 'boolean',
        default: true,
        describe: 'Jobs measure SR vs bicubic PSNR/SSIM (--no-quality: off)',
      })
      .option('viewer', { type: 'boolean', default: true, describe: '--no-viewer: API only' })
      .example('# S3 on 127.0.0.1:4569, API + viewer on 127.0.0.1:8080/viewer; data in .vodsr-dev', '')
      .example('$0 dev', '')
      .example(
        '# in another terminal, start a job: upload (the local S3 takes the key S3RVER, any secret)',
        '',
      )
      .example('export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER', '')
      .example('aws s3 cp clip.mp4 s3://vodsr-in/clip.mp4 --endpoint-url http://127.0.0.1:4569', '') as never,
  handler: async (argv) => {
    const { devCommand } = await import('../handlers/dev.js');
    exitWith(await devCommand(argv, io(), interruptSignal()));
  },
};

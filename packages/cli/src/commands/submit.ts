import type { CommandModule } from 'yargs';
import type { SubmitArgs } from '../handlers/submit.js';
import type { GlobalOptions } from '../options.js';
import { exitWith, io, withJson } from './shared.js';

/** `vodsr submit [input]`. */
export const submitModule: CommandModule<GlobalOptions, SubmitArgs> = {
  command: 'submit [input]',
  describe: 'Queue a job (local DB, AWS Step Functions, or a remote API) and print its id',
  builder: (y) =>
    withJson(y)
      .positional('input', {
        type: 'string',
        describe:
          'The source video (path or s3://bucket/key); with --api a relative path is made absolute here and must exist',
      })
      .option('job', { alias: 'j', type: 'string', describe: 'A job file (JSON job spec) instead of flags' })
      .option('model', { alias: 'm', type: 'string', describe: 'SR model (default A)' })
      .option('fallback', {
        type: 'boolean',
        default: true,
        describe:
          "Use the open model when the backend's FFmpeg lacks the Bluewhale filters (local backend and --api; --no-fallback: fail instead)",
      })
      .option('scale', { type: 'number' })
      .option('preset', { alias: 'p', type: 'string', describe: 'hls-single (default), hls-ladder, none' })
      .option('segment-seconds', { type: 'number' })
      .option('engine', {
        type: 'string',
        choices: ['host', 'mediaconvert'],
        describe: "Who packages HLS (default: the backend's: host locally, mediaconvert on AWS)",
      })
      .option('sr-file', { type: 'boolean', describe: '--no-sr-file: HLS only (host engine)' })
      .option('output', { alias: 'o', type: 'string', describe: 'Output folder or s3://bucket/prefix/' })
      .option('quality', {
        type: 'boolean',
        describe:
          'Measure what the SR bought: PSNR/SSIM of SR vs bicubic on sampled windows (a few % of the job)',
      })
      .option('sr-name', { type: 'string' })
      .option('idempotency-key', { alias: 'k', type: 'string', describe: 'Same key → same job' })
      .example(
        '# once per key: a Step Functions execution (VODSR_STATE_MACHINE_ARN, VODSR_AWS_OUTPUT set)',
        '',
      )
      .example('$0 submit s3://my-videos-in/apink_10s.mp4 -b aws -k upload-42', '')
      .example('# queue on a running `vodsr serve` (its token in VODSR_TOKEN), with the open model', '')
      .example('$0 submit clip.mp4 -m lanczos-x2 --api http://127.0.0.1:8080', '') as never,
  handler: async (argv) => {
    const { submitCommand } = await import('../handlers/submit.js');
    exitWith(await submitCommand(argv, io()));
  },
};

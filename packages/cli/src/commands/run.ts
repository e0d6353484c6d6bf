import type { CommandModule } from 'yargs';
import type { RunArgs } from '../handlers/run.js';
import type { GlobalOptions } from '../options.js';
import { exitWith, interruptSignal, io, withJson } from './shared.js';

/** `vodsr run <input>`. */
export const runModule: CommandModule<GlobalOptions, RunArgs> = {
  command: 'run <input>',
  describe: 'Upscale a video here and now (local backend, in-process) and package it as HLS',
  builder: (y) =>
    withJson(y)
      .positional('input', {
        type: 'string',
        demandOption: true,
        describe: 'The source video (a path, or s3:// with a local S3)',
      })
      .option('model', {
        alias: 'm',
        type: 'string',
        default: 'A',
        describe:
          'SR model (vodsr models); a Bluewhale model switches to the open model when its filters are absent',
      })
      .option('fallback', {
        type: 'boolean',
        default: true,
        describe:
          'Switch to the open model when the Bluewhale filters are absent (--no-fallback: fail instead)',
      })
      .option('scale', { type: 'number', describe: "Scale factor (default: the model's)" })
      .option('preset', {
        alias: 'p',
        type: 'string',
        describe: 'Packaging preset: hls-single (default), hls-ladder, none',
      })
      .option('segment-seconds', { type: 'number', describe: 'HLS segment length (default 10)' })
      .option('engine', {
        type: 'string',
        choices: ['host', 'mediaconvert'],
        describe:
          "Who packages HLS: host (default here: SR and HLS in one FFmpeg pass) or mediaconvert (the preset's FFmpeg twin after the SR file)",
      })
      .option('sr-file', {
        type: 'boolean',
        default: true,
        describe: 'Keep the mezzanine SR file (--no-sr-file: HLS only, needs the host engine)',
      })
      .option('output', {
        alias: 'o',
        type: 'string',
        describe: 'Output folder (default vodsr-out/jobs/<job id>)',
      })
      .option('quality', {
        type: 'boolean',
        describe:
          'Measure what the SR bought: PSNR/SSIM of SR vs bicubic on sampled windows (a few % of the job)',
      })
      .option('sr-name', { type: 'string', describe: 'SR file name (default <name>_sr_<scale>x<ext>)' })
      .option('slots', { type: 'number', default: 1, describe: 'Jobs at a time (one per GPU)' })
      .example('# SR (open model here) + single-rendition HLS under vodsr-out/', '')
      .example('$0 run clip.mp4', '')
      .example('# HLS ladder only: SR straight into the rungs, no SR file', '')
      .example('$0 run clip.mp4 -p hls-ladder --no-sr-file', '')
      .example('# ABR ladder with a sharper open model', '')
      .example('$0 run clip.mp4 -p hls-ladder -m lanczos-cas-x2', '') as never,
  handler: async (argv) => {
    const { runCommand } = await import('../handlers/run.js');
    exitWith(await runCommand(argv, io(), interruptSignal()));
  },
};

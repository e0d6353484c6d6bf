import type { CommandModule } from 'yargs';
import type { PresetShowArgs } from '../handlers/presets.js';
import type { GlobalOptions } from '../options.js';
import { exitWith, io, withJson } from './shared.js';

/** `vodsr presets list|show <id>`. */
export const presetsModule: CommandModule<GlobalOptions, GlobalOptions> = {
  command: 'presets <command>',
  describe: 'Packaging presets: list, or show one as MediaConvert Settings or FFmpeg argv',
  builder: (y) =>
    y
      .command({
        command: 'list',
        describe: 'List packaging presets',
        builder: (b) =>
          withJson(b)
            .example('# the packaging presets (ids for --preset)', '')
            .example('$0 presets list', '')
            .example('$0 presets list --json', '') as never,
        handler: async (argv: GlobalOptions) => {
          const { presetsListCommand } = await import('../handlers/presets.js');
          exitWith(await presetsListCommand(argv, io()));
        },
      } as CommandModule as never)
      .command({
        command: 'show <id>',
        describe: 'Show a preset for a video shape',
        builder: (b) =>
          withJson(b)
            .positional('id', {
              type: 'string',
              demandOption: true,
              describe: 'hls-single | hls-ladder | none',
            })
            .option('format', {
              alias: 'f',
              choices: ['mediaconvert', 'ffmpeg'] as const,
              describe: 'Render as',
            })
            .option('width', { type: 'number', default: 1280, describe: 'Video width (the SR output)' })
            .option('height', { type: 'number', default: 960 })
            .option('duration', { type: 'number', default: 10, describe: 'Seconds' })
            .option('audio', { type: 'boolean', default: true, describe: '--no-audio for a silent video' })
            .option('segment-seconds', { type: 'number' })
            .option('max-rungs', { type: 'number' })
            .example("# the use case's MediaConvert job Settings", '')
            .example('$0 presets show hls-single --format mediaconvert', '')
            .example('# the local FFmpeg twin', '')
            .example('$0 presets show hls-ladder --width 3840 --height 2160 -f ffmpeg', '') as never,
        handler: async (argv: PresetShowArgs) => {
          const { presetsShowCommand } = await import('../handlers/presets.js');
          exitWith(await presetsShowCommand(argv, io()));
        },
      } as CommandModule<GlobalOptions, PresetShowArgs> as never)
      .demandCommand(1, 'presets: give a subcommand (list, show <id>)')
      .example('# the presets, then one as the MediaConvert job Settings it sends', '')
      .example('$0 presets list', '')
      .example('$0 presets show hls-single --format mediaconvert', '') as never,
  handler: () => {},
};

import type { MediaInfo } from '@vodsr/core';
import { table } from '../format.js';
import type { Io } from '../io.js';
import { guarded } from './common.js';

/** Arguments of `vodsr presets show`. */
export interface PresetShowArgs {
  id: string;
  format?: 'mediaconvert' | 'ffmpeg';
  width?: number;
  height?: number;
  duration?: number;
  audio?: boolean;
  segmentSeconds?: number;
  maxRungs?: number;
  json?: boolean;
}

/** Quotes one argv word for display in a POSIX shell. */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:=+,@%-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** `vodsr presets list`. */
export async function presetsListCommand(args: { json?: boolean }, io: Io): Promise<number> {
  return guarded(io, args.json, async () => {
    const { listPresets } = await import('@vodsr/mediaconvert-presets');
    const presets = listPresets();
    io.out(
      args.json
        ? JSON.stringify({ presets }, null, 2)
        : table([['ID', 'LABEL'], ...presets.map((p) => [p.id, p.label])]),
    );
    return 0;
  });
}

/**
 * `vodsr presets show <id>`: the preset for a video of the given shape (default: the SR output of the use case's
 * 640x480 10 s clip, 1280x960 with audio), as rungs, MediaConvert Settings or the FFmpeg twin's argv.
 */
export async function presetsShowCommand(args: PresetShowArgs, io: Io): Promise<number> {
  return guarded(io, args.json, async () => {
    const { describePreset } = await import('@vodsr/mediaconvert-presets');
    const media: MediaInfo = {
      width: args.width ?? 1280,
      height: args.height ?? 960,
      durationSeconds: args.duration ?? 10,
      hasAudio: args.audio !== false,
    };
    const d = describePreset(args.id, media, {
      ...(args.segmentSeconds !== undefined ? { segmentSeconds: args.segmentSeconds } : {}),
      ...(args.maxRungs !== undefined ? { maxRungs: args.maxRungs } : {}),
    });
    if (args.format === 'mediaconvert') {
      io.out(JSON.stringify(args.json ? { Settings: d.mediaconvert } : d.mediaconvert, null, 2));
    } else if (args.format === 'ffmpeg') {
      io.out(
        args.json
          ? JSON.stringify({ argv: ['ffmpeg', ...d.ffmpeg] }, null, 2)
          : ['ffmpeg', ...d.ffmpeg].map(shellQuote).join(' '),
      );
    } else if (args.json) {
      io.out(JSON.stringify(d, null, 2));
    } else {
      io.out(`${d.info.id}: ${d.info.label}\n${d.info.description}\n`);
      io.out(
        `for ${media.width}x${media.height}, ${media.durationSeconds}s, ${media.hasAudio ? 'with' : 'no'} audio:`,
      );
      io.out(
        d.rungs.length
          ? table([
              ['RUNG', 'SIZE', 'MAX BITRATE', 'AUDIO'],
              ...d.rungs.map((r) => [
                r.name,
                `${r.width}x${r.height}`,
                `${Math.round(r.maxBitrate / 1000)} kb/s`,
                r.audioBitrate ? `${Math.round(r.audioBitrate / 1000)} kb/s` : '-',
              ]),
            ])
          : '(no renditions)',
      );
      io.out('\n--format mediaconvert | ffmpeg shows the rendered settings');
    }
    return 0;
  });
}

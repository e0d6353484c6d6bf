import type { MediaInfo } from '@vodsr/core';
import type { MediaTrack } from '@vodsr/core/job';
import { MP4_COPYABLE_AUDIO, TEXT_SUBTITLE_CODECS } from '@vodsr/core/models';
import { audioTracksOf } from './audioTracks.js';

/** Which of a source's tracks an SR file keeps besides its video, and how (vodsr-host applies the same rules). */
export interface SrStreamPlan {
  /** `-map` and `-metadata` options, placed before the encoder options. */
  readonly maps: string[];
  /** Per-stream codec options, placed AFTER the encoder options (FFmpeg applies the last matching one). */
  readonly codecs: string[];
  /** Subtitle tracks the container cannot carry (bitmap subtitles in MP4/MOV, any subtitle in TS): dropped. */
  readonly droppedSubtitles: MediaTrack[];
}

const extOf = (path: string): string => /\.([A-Za-z0-9]+)$/.exec(path)?.[1]?.toLowerCase() ?? '';

/** True when the encoder options copy the audio (`-c:a copy`). */
function copiesAudio(encoderArgs: readonly string[]): boolean {
  for (let i = 0; i < encoderArgs.length - 1; i++) {
    if (['-c:a', '-acodec', '-codec:a'].includes(encoderArgs[i]!) && encoderArgs[i + 1] === 'copy')
      return true;
  }
  return false;
}

/**
 * The SR file's audio and subtitle streams: EVERY audio track (stream copy; in MP4 a track whose codec MP4 cannot
 * carry becomes AAC, 192 kb/s), the language and title of each (MP4 keeps a title as the track's handler name),
 * and the subtitle tracks the container can carry — MP4/MOV: text subtitles converted to `mov_text`, bitmap ones
 * dropped; MKV: every subtitle copied; TS: none.
 *
 * @example srStreamPlan(media, 'a_sr_2x.mp4', ['-c:v', 'libx264', '-c:a', 'copy']).maps // ['-map', '0:a?', …]
 */
export function srStreamPlan(media: MediaInfo, path: string, encoderArgs: readonly string[]): SrStreamPlan {
  const ext = extOf(path);
  const mp4 = ext === 'mp4' || ext === 'm4v' || ext === 'mov';
  const maps: string[] = ['-map', '0:a?'];
  const codecs: string[] = [];
  const copy = copiesAudio(encoderArgs);
  audioTracksOf(media).forEach((t, n) => {
    if (mp4 && t.title) maps.push(`-metadata:s:a:${n}`, `handler_name=${t.title}`);
    if (copy && ext !== 'mov' && ext !== 'mkv' && t.codec && !MP4_COPYABLE_AUDIO.has(t.codec))
      codecs.push(`-c:a:${n}`, 'aac', `-b:a:${n}`, '192000');
  });
  const droppedSubtitles: MediaTrack[] = [];
  let kept = 0;
  for (const s of media.subtitleTracks ?? []) {
    const text = s.codec !== undefined && TEXT_SUBTITLE_CODECS.has(s.codec);
    if (ext === 'mkv' || (mp4 && text)) {
      maps.push('-map', `0:${s.index}`);
      if (mp4 && s.title) maps.push(`-metadata:s:s:${kept}`, `handler_name=${s.title}`);
      codecs.push(`-c:s:${kept}`, ext === 'mkv' ? 'copy' : 'mov_text');
      kept++;
    } else droppedSubtitles.push(s);
  }
  return { maps, codecs, droppedSubtitles };
}

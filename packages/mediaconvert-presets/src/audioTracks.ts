import type { MediaInfo } from '@vodsr/core';
import type { MediaTrack } from '@vodsr/core/job';

/** GROUP-ID of the HLS audio renditions of a source with several audio tracks (both engines). */
export const AUDIO_GROUP_ID = 'audio';

/** One HLS audio rendition (EXT-X-MEDIA TYPE=AUDIO) of a source with several audio tracks. */
export interface AudioRendition {
  /** Position among the source's audio tracks (0-based; FFmpeg's `0:a:<n>`, MediaConvert's track `n + 1`). */
  readonly track: number;
  /** NAME: the track's title, else its language, else `Audio <n + 1>`; unique within the group. */
  readonly name: string;
  /** LANGUAGE, when the source tags the track with one (not `und`). */
  readonly language?: string;
  /** DEFAULT=YES: the first track. Every rendition is AUTOSELECT=YES. */
  readonly default: boolean;
  /** The rendition's file-name part: `audio_<n + 1>` (MediaConvert NameModifier `_audio_<n + 1>`). */
  readonly id: string;
}

/** A language tag HLS may carry (RFC 5646 shape), or undefined (`und`, empty, anything else). */
export function hlsLanguage(tag: string | undefined): string | undefined {
  if (typeof tag !== 'string') return undefined;
  if (!/^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,3}$/.test(tag) || /^(und|zxx|mis|mul)$/i.test(tag))
    return undefined;
  return tag;
}

/** A NAME attribute value: no quotes, no control characters, at most 64 characters. */
function cleanName(s: string | undefined): string | undefined {
  if (typeof s !== 'string') return undefined;
  // Code points (not UTF-16 units), and only ASCII spaces collapsed and trimmed: vodsr-host's jq does the same.
  const printable = [...s].map((c) => (c.charCodeAt(0) < 0x20 || c === '\u007f' || c === '"' ? ' ' : c));
  const collapsed = printable.join('').replace(/ +/g, ' ').replace(/^ /, '').replace(/ $/, '');
  const t = [...collapsed].slice(0, 64).join('').replace(/ $/, '');
  return t.length ? t : undefined;
}

/** The audio tracks of a probed file; without a track list, one track when the file has audio. */
export function audioTracksOf(media: MediaInfo): MediaTrack[] {
  if (Array.isArray(media.audioTracks) && media.audioTracks.length) return media.audioTracks;
  return media.hasAudio ? [{ index: -1, ...(media.audioCodec ? { codec: media.audioCodec } : {}) }] : [];
}

/**
 * The HLS audio renditions of a source: one per audio track when it has two or more (an EXT-X-MEDIA group the
 * video rungs reference), none otherwise — one track stays muxed into every rung, as the use case's preset does.
 *
 * @example audioRenditions(media).map((a) => [a.name, a.language, a.default]) // [['English','eng',true], ['fra','fra',false]]
 */
export function audioRenditions(media: MediaInfo): AudioRendition[] {
  const tracks = audioTracksOf(media);
  if (tracks.length < 2) return [];
  const seen = new Set<string>();
  return tracks.map((t, n) => {
    const language = hlsLanguage(t.language);
    const base = cleanName(t.title) ?? language ?? `Audio ${n + 1}`;
    let name = base;
    for (let k = 2; seen.has(name); k++) name = `${base} (${k})`;
    seen.add(name);
    return { track: n, name, ...(language ? { language } : {}), default: n === 0, id: `audio_${n + 1}` };
  });
}

/**
 * Rewrites the EXT-X-MEDIA lines FFmpeg's HLS muxer writes for an audio group (`NAME="audio_<i>"`, no AUTOSELECT,
 * `GROUP-ID="group_<agroup>"`) into what MediaConvert writes: the renditions' NAMEs, AUTOSELECT=YES, and the plain
 * group id (also in the variants' AUDIO attribute). Other lines are unchanged.
 */
export function rewriteAudioGroup(master: string, renditions: readonly AudioRendition[]): string {
  const byUri = new Map(renditions.map((a) => [`${a.id}.m3u8`, a]));
  const ffGroup = `"group_${AUDIO_GROUP_ID}"`;
  return master
    .split('\n')
    .map((line) => {
      if (line.startsWith('#EXT-X-STREAM-INF:'))
        return line.replace(`AUDIO=${ffGroup}`, `AUDIO="${AUDIO_GROUP_ID}"`);
      if (!line.startsWith('#EXT-X-MEDIA:TYPE=AUDIO,')) return line;
      const uri = /URI="([^"]*)"/.exec(line)?.[1] ?? '';
      const a = byUri.get(uri.split('/').pop() ?? '');
      if (!a) return line;
      return (
        `#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="${AUDIO_GROUP_ID}",NAME="${a.name}",` +
        `${a.language ? `LANGUAGE="${a.language}",` : ''}DEFAULT=${a.default ? 'YES' : 'NO'},AUTOSELECT=YES,URI="${uri}"`
      );
    })
    .join('\n');
}

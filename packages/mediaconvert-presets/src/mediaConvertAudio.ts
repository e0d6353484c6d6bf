import type { AudioSelector, Output } from '@aws-sdk/client-mediaconvert';
import { AUDIO_GROUP_ID, type AudioRendition } from './audioTracks.js';
import type { Rung } from './types.js';

/** The audio selector of the use case's job (the input's default audio). */
export const AUDIO_SELECTOR = 'Audio Selector 1';

/** The selector name of an audio rendition (`Audio Selector <track + 1>`). */
const selectorName = (a: AudioRendition): string => `Audio Selector ${a.track + 1}`;

/**
 * Input audio selectors: the use case's one default selector, or, for an audio group, one selector per track
 * (MediaConvert's `Tracks` count audio tracks only, from 1, as FFmpeg's `0:a:<n>` does from 0).
 */
export function audioSelectors(
  hasAudio: boolean,
  group: readonly AudioRendition[],
): Record<string, AudioSelector> {
  if (!hasAudio) return {};
  if (!group.length) return { [AUDIO_SELECTOR]: { DefaultSelection: 'DEFAULT' } };
  return Object.fromEntries(
    group.map((a) => [
      selectorName(a),
      {
        ...(a.default ? { DefaultSelection: 'DEFAULT' as const } : {}),
        SelectorType: 'TRACK' as const,
        Tracks: [a.track + 1],
      },
    ]),
  );
}

/**
 * One audio-only HLS output per rendition, in the group `AUDIO_GROUP_ID`: AAC stereo 48 kHz at the top rung's audio
 * bitrate, NAME from `StreamName`, LANGUAGE from `CustomLanguageCode`, DEFAULT=YES + AUTOSELECT=YES on the first
 * and AUTOSELECT=YES on the others, MPEG-TS segments (as the FFmpeg twin writes).
 */
export function audioGroupOutputs(
  group: readonly AudioRendition[],
  top: Rung,
  nameModifier: (a: AudioRendition) => string,
): Output[] {
  return group.map((a) => ({
    ContainerSettings: { Container: 'M3U8', M3u8Settings: {} },
    AudioDescriptions: [
      {
        AudioSourceName: selectorName(a),
        CodecSettings: {
          Codec: 'AAC',
          AacSettings: {
            Bitrate: top.audioBitrate ?? 96_000,
            CodingMode: 'CODING_MODE_2_0',
            SampleRate: 48000,
          },
        },
        StreamName: a.name,
        ...(a.language
          ? { LanguageCodeControl: 'USE_CONFIGURED' as const, CustomLanguageCode: a.language }
          : {}),
      },
    ],
    OutputSettings: {
      HlsSettings: {
        AudioGroupId: AUDIO_GROUP_ID,
        AudioTrackType: a.default ? 'ALTERNATE_AUDIO_AUTO_SELECT_DEFAULT' : 'ALTERNATE_AUDIO_AUTO_SELECT',
        AudioOnlyContainer: 'M2TS',
      },
    },
    NameModifier: nameModifier(a),
  }));
}

/** A video output that plays the audio group instead of carrying audio itself. */
export function withAudioGroup(out: Output): Output {
  const { AudioDescriptions: _none, ...rest } = out;
  return { ...rest, OutputSettings: { HlsSettings: { AudioRenditionSets: AUDIO_GROUP_ID } } };
}

import type { EncoderSettings, MediaInfo, VideoCodec } from './schemas.js';

/** The use case's encoder: `-c:v h264_nvenc -cq 13 -c:a copy`. */
export const NVENC_DEFAULTS: Readonly<EncoderSettings> = Object.freeze({
  codec: 'h264_nvenc',
  cq: 13,
  audio: 'copy',
  audioBitrate: 192_000,
  cpuFallback: true,
});

/** True for the GPU encoders (which need an NVIDIA GPU at run time). */
export function isNvenc(codec: VideoCodec): boolean {
  return codec === 'h264_nvenc' || codec === 'hevc_nvenc';
}

const X264_PRESETS = new Set([
  'ultrafast',
  'superfast',
  'veryfast',
  'faster',
  'fast',
  'medium',
  'slow',
  'slower',
  'veryslow',
  'placebo',
]);

/**
 * The CPU twin of an NVENC setting: h264_nvenc → libx264, hevc_nvenc → libx265, `crf` = `crf ?? cq`,
 * preset `veryfast` unless an x264 preset was given. CPU settings are returned unchanged.
 */
export function cpuFallback(enc: EncoderSettings): EncoderSettings {
  if (!isNvenc(enc.codec)) return enc;
  const codec: VideoCodec = enc.codec === 'hevc_nvenc' ? 'libx265' : 'libx264';
  const preset = enc.preset && X264_PRESETS.has(enc.preset) ? enc.preset : 'veryfast';
  return { ...enc, codec, crf: enc.crf ?? enc.cq, preset };
}

/** Audio codecs that can be stream-copied into MP4 (vodsr-host keeps the same list). */
export const MP4_COPYABLE_AUDIO: ReadonlySet<string> = new Set(['aac', 'mp3', 'ac3', 'eac3', 'opus', 'alac']);

/** Subtitle codecs FFmpeg can convert to MP4's `mov_text` (text subtitles; bitmap ones cannot be). */
export const TEXT_SUBTITLE_CODECS: ReadonlySet<string> = new Set([
  'mov_text',
  'subrip',
  'srt',
  'ass',
  'ssa',
  'webvtt',
  'text',
  'microdvd',
  'mpl2',
  'subviewer',
  'subviewer1',
  'jacosub',
  'pjs',
  'realtext',
  'sami',
  'stl',
  'vplayer',
]);

/**
 * FFmpeg output options for the video and audio encoders.
 * Without `media` they are exactly the settings (the use case's tokens); with `media` they adapt to the source:
 * no audio → no audio options, an audio codec MP4 cannot carry → AAC, 10-bit into H.264 → `yuv420p`.
 *
 * @example encoderArgs(NVENC_DEFAULTS) // ['-c:v', 'h264_nvenc', '-cq', '13', '-c:a', 'copy']
 */
export function encoderArgs(enc: EncoderSettings, media?: MediaInfo): string[] {
  const args: string[] = ['-c:v', enc.codec];
  if (isNvenc(enc.codec)) {
    args.push('-cq', String(enc.cq));
    if (enc.preset) args.push('-preset', enc.preset);
  } else {
    args.push('-crf', String(enc.crf ?? enc.cq), '-preset', enc.preset ?? 'veryfast');
  }
  const tenBit = media?.pixFmt !== undefined && /(10|12)(le|be)?$/.test(media.pixFmt);
  if ((enc.codec === 'h264_nvenc' || enc.codec === 'libx264') && (tenBit || (media && !isNvenc(enc.codec)))) {
    args.push('-pix_fmt', 'yuv420p');
  }
  if (media && !media.hasAudio) return args;
  const copy = enc.audio === 'copy' && (!media?.audioCodec || MP4_COPYABLE_AUDIO.has(media.audioCodec));
  if (copy) args.push('-c:a', 'copy');
  else args.push('-c:a', 'aac', '-b:a', String(enc.audioBitrate));
  return args;
}

import { join } from 'node:path';
import { ValidationError, type ValidationIssue } from '@vodsr/core';
import { ffmpegPath } from '@vodsr/core/models';
import { AUDIO_GROUP_ID, audioRenditions } from './audioTracks.js';
import { DEFAULT_SEGMENT_SECONDS, gopSeconds } from './mediaConvert.js';
import { planRungs } from './planRungs.js';
import { getPreset } from './presets.js';
import { srStreamPlan } from './srStreams.js';
import type { FfmpegHlsOptions, FfmpegHlsPlan, PresetId, Rung } from './types.js';
import { localPathIssues, mediaIssues, packagingIssues } from './validate.js';

/** Master playlist name of every locally packaged preset. */
export const MASTER_PLAYLIST = 'index.m3u8';

/** libx264 preset of the local twin (the CPU stands in for MediaConvert's encoder). */
export const LOCAL_X264_PRESET = 'veryfast';

/** BANDWIDTH as FFmpeg's HLS muxer computes it: video max rate + audio bitrate, plus 10 %. */
export function ffmpegBandwidth(rung: Rung): number {
  const sum = rung.maxBitrate + (rung.audioBitrate ?? 0);
  return sum + Math.floor(sum / 10);
}

/** Throws `VODSR_VALIDATION` listing every problem of FFmpeg packaging options. */
export function checkFfmpegHlsOptions(id: PresetId, o: FfmpegHlsOptions): void {
  getPreset(id);
  const issues: ValidationIssue[] = [];
  if (id === 'none')
    issues.push({ path: '/preset', message: '"none" packages nothing: there is no HLS to write' });
  mediaIssues(o.media, issues);
  packagingIssues(o, issues);
  localPathIssues(o.input, '/input', issues);
  localPathIssues(o.outDir, '/outDir', issues, { noPercent: true });
  if (o.srFilter !== undefined && (typeof o.srFilter !== 'string' || !/^[^;[\]\0]+$/.test(o.srFilter)))
    issues.push({ path: '/srFilter', message: 'must be one linear filter chain (no ; [ ] characters)' });
  if (o.srOutput !== undefined) {
    localPathIssues(o.srOutput.path, '/srOutput/path', issues);
    if (!Array.isArray(o.srOutput.encoderArgs) || !o.srOutput.encoderArgs.every((a) => typeof a === 'string'))
      issues.push({ path: '/srOutput/encoderArgs', message: 'must be an array of strings' });
  }
  if (issues.length) throw new ValidationError('FFmpeg packaging options', issues);
}

/**
 * The local twin of a preset: ONE FFmpeg process that splits the video into every rung (`split` + `scale`),
 * encodes each with libx264 at a capped CRF (standing in for QVBR: `-crf`, `-maxrate`, `-bufsize`) and AAC stereo
 * 48 kHz when the source has audio, forces a keyframe every GOP (2 s) so segments start on keyframes, and writes
 * `<outDir>/index.m3u8` + `<rung>.m3u8` + `<rung>_NNNNN.ts` (`-var_stream_map`, `-master_pl_name`).
 *
 * Fused mode: `srFilter` runs first (before `split`), and `srOutput` also writes the filtered video to a file from
 * the same decode, so SR and packaging cost one generation and one pass.
 * `media` describes the video entering the packager (in fused mode: the SR output it will become).
 *
 * @example spawn('ffmpeg', buildFfmpegHlsArgs('hls-ladder', { media, input: 'a_sr_2x.mp4', outDir: 'hls/a' }).args)
 */
export function buildFfmpegHlsArgs(id: PresetId, o: FfmpegHlsOptions): FfmpegHlsPlan {
  checkFfmpegHlsOptions(id, o);
  const rungs = planRungs(id, o.media, o.maxRungs === undefined ? {} : { maxRungs: o.maxRungs });
  const segment = o.segmentSeconds ?? DEFAULT_SEGMENT_SECONDS;
  const audio = o.media.hasAudio;
  // Two or more audio tracks: one audio-only rendition per track in an EXT-X-MEDIA group (see audioRenditions).
  const group = audio ? audioRenditions(o.media) : [];
  const muxed = audio && group.length === 0;
  const n = rungs.length;
  const fused = o.srOutput !== undefined;

  const labels = rungs.map((_, i) => `[s${i}]`);
  if (fused) labels.unshift('[sr]');
  const head = o.srFilter ? `[0:v]${o.srFilter},` : '[0:v]';
  const scales = rungs.map((r, i) => `[s${i}]scale=w=${r.width}:h=${r.height}:flags=bicubic[v${i}]`);
  const graph =
    labels.length === 1
      ? `${head}scale=w=${rungs[0]!.width}:h=${rungs[0]!.height}:flags=bicubic[v0]`
      : [`${head}split=${labels.length}${labels.join('')}`, ...scales].join(';');

  const args = ['-y', '-nostdin', '-hide_banner', '-i', ffmpegPath(o.input), '-filter_complex', graph];
  for (let i = 0; i < n; i++) args.push('-map', `[v${i}]`);
  if (muxed) for (let i = 0; i < n; i++) args.push('-map', '0:a:0');
  for (const a of group) args.push('-map', `0:a:${a.track}`);
  args.push('-c:v', 'libx264', '-preset', LOCAL_X264_PRESET, '-profile:v', 'high', '-pix_fmt', 'yuv420p');
  rungs.forEach((r, i) => {
    args.push(`-crf:v:${i}`, String(r.crf), `-maxrate:v:${i}`, String(r.maxBitrate));
    args.push(`-bufsize:v:${i}`, String(2 * r.maxBitrate));
  });
  args.push('-force_key_frames:v', `expr:gte(t,n_forced*${gopSeconds(segment)})`);
  if (audio) args.push('-c:a', 'aac', '-ac', '2', '-ar', '48000');
  if (muxed) {
    rungs.forEach((r, i) => {
      args.push(`-b:a:${i}`, String(r.audioBitrate));
    });
  }
  // Every audio rendition at the top rung's audio bitrate.
  for (const a of group) args.push(`-b:a:${a.track}`, String(rungs[0]!.audioBitrate));
  const varStreamMap = [
    ...group.map(
      (a) =>
        `a:${a.track},agroup:${AUDIO_GROUP_ID},name:${a.id}${a.default ? ',default:yes' : ''}` +
        (a.language ? `,language:${a.language}` : ''),
    ),
    ...rungs.map((r, i) => {
      if (muxed) return `v:${i},a:${i},name:${r.name}`;
      return group.length ? `v:${i},agroup:${AUDIO_GROUP_ID},name:${r.name}` : `v:${i},name:${r.name}`;
    }),
  ];
  args.push(
    '-max_muxing_queue_size',
    '4096',
    '-f',
    'hls',
    '-hls_time',
    String(segment),
    '-hls_playlist_type',
    'vod',
    '-hls_flags',
    'independent_segments',
    '-hls_segment_type',
    'mpegts',
    '-hls_segment_filename',
    ffmpegPath(join(o.outDir, '%v_%05d.ts')),
    '-master_pl_name',
    MASTER_PLAYLIST,
    '-var_stream_map',
    varStreamMap.join(' '),
    ffmpegPath(join(o.outDir, '%v.m3u8')),
  );
  if (o.srOutput) {
    args.push('-map', '[sr]');
    // The SR file keeps every audio track (and, see srStreamPlan, the subtitles its container can carry).
    const streams = srStreamPlan(o.media, o.srOutput.path, o.srOutput.encoderArgs);
    args.push(...streams.maps, ...o.srOutput.encoderArgs, ...streams.codecs, ffmpegPath(o.srOutput.path));
  }
  return {
    args,
    outDir: o.outDir,
    masterPlaylist: MASTER_PLAYLIST,
    renditions: rungs.map((r) => ({
      name: r.name,
      width: r.width,
      height: r.height,
      // With an audio group, FFmpeg adds the group's first rendition's bitrate to every variant.
      bandwidth: ffmpegBandwidth(group.length ? { ...r, audioBitrate: rungs[0]!.audioBitrate } : r),
      playlist: `${r.name}.m3u8`,
    })),
    ...(group.length
      ? {
          audio: group.map((a) => ({
            name: a.name,
            ...(a.language ? { language: a.language } : {}),
            default: a.default,
            playlist: `${a.id}.m3u8`,
          })),
        }
      : {}),
  };
}

import type { MediaInfo } from '@vodsr/core';

/** Packaging preset ids: the use case's single HLS rendition, an ABR ladder, or no packaging (SR file only). */
export type PresetId = 'hls-single' | 'hls-ladder' | 'none';

/** What the API and CLI list about a preset. */
export interface PresetInfo {
  id: PresetId;
  label: string;
  description: string;
}

/**
 * One HLS rendition. `width`/`height` are even (H.264 4:2:0) and keep the source's display aspect ratio.
 * `qvbrQuality` is MediaConvert's QVBR quality level (1–10); `0` means AUTO (MediaConvert picks, as in the
 * use case's preset). `crf` is the libx264 CRF that stands in for it locally, capped at `maxBitrate`.
 * `audioBitrate` is absent when the source has no audio.
 */
export interface Rung {
  name: string;
  width: number;
  height: number;
  maxBitrate: number;
  qvbrQuality: number;
  crf: number;
  audioBitrate?: number;
}

/** Options shared by every renderer of a preset. */
export interface PackagingOptions {
  /** The probed video being packaged (the SR output; in fused mode the SR output it will become). */
  media: MediaInfo;
  /** HLS segment length in seconds, 1–60. @default 10 */
  segmentSeconds?: number;
  /** At most this many rungs (1–8); the top and bottom rungs are kept. @default no limit */
  maxRungs?: number;
  /**
   * MediaConvert NameModifier (only `[A-Za-z0-9._-]`). hls-single: the whole modifier
   * (default `_modifier_<safe SR file name>`); hls-ladder: a prefix before `_<rung>`.
   */
  nameModifier?: string;
}

/** Where MediaConvert reads and writes. */
export interface MediaConvertLocations {
  /** S3 URI of the SR file. */
  input: string;
  /** S3 URI of the HLS folder, ending with `/` (e.g. `s3://bucket/hls/<name>/`). */
  destination: string;
}

/** Options of `createJobRequest`. */
export interface CreateJobOptions extends PackagingOptions, MediaConvertLocations {
  /** ARN of the IAM role MediaConvert assumes. */
  role: string;
  /** Carried to the job and its EventBridge events; put the vodsr job id here for correlation. */
  userMetadata?: Record<string, string>;
  /** Queue name or ARN. @default the account's Default queue */
  queue?: string;
  /**
   * Idempotency token: the same token within MediaConvert's window returns the existing job instead of starting
   * (and billing) a second one. Derive it from the vodsr job id and attempt. @default a random one (SDK)
   */
  clientRequestToken?: string;
}

/** One variant of a locally packaged HLS stream. */
export interface FfmpegRendition {
  name: string;
  width: number;
  height: number;
  /** BANDWIDTH as FFmpeg writes it in the master playlist: (video max + audio bitrate) + 10 %. */
  bandwidth: number;
  /** Variant playlist file name, relative to `outDir`. */
  playlist: string;
}

/** One audio rendition (EXT-X-MEDIA TYPE=AUDIO) of a locally packaged source with several audio tracks. */
export interface FfmpegAudioRendition {
  name: string;
  language?: string;
  default: boolean;
  /** Audio playlist file name, relative to `outDir`. */
  playlist: string;
}

/** A preset rendered as one FFmpeg process. */
export interface FfmpegHlsPlan {
  /** argv without the program name. */
  args: string[];
  outDir: string;
  /** Master playlist file name relative to `outDir` (always `index.m3u8`). */
  masterPlaylist: string;
  renditions: FfmpegRendition[];
  /** The audio group, when the source has two or more audio tracks (else each rung carries the one track). */
  audio?: FfmpegAudioRendition[];
}

/** The SR file a fused packaging run also writes. */
export interface SrOutputOptions {
  path: string;
  /** Encoder options of the SR file (core's `encoderArgs`), e.g. `['-c:v','libx264','-crf','13',…]`. */
  encoderArgs: string[];
}

/** Options of `buildFfmpegHlsArgs`. */
export interface FfmpegHlsOptions extends PackagingOptions {
  /** Local path of the video to package. */
  input: string;
  /** Folder the HLS files go to. */
  outDir: string;
  /** Fused mode: a linear `-vf` chain (the SR filters) applied before packaging. */
  srFilter?: string;
  /** Fused mode: also write the filtered (SR) video to this file in the same process. */
  srOutput?: SrOutputOptions;
}

/** Options of `packageLocally`. */
export interface PackageLocallyOptions extends FfmpegHlsOptions {
  signal?: AbortSignal;
  /** Called with 0–100 as FFmpeg advances (monotonic; 100 once everything is in place). */
  onProgress?: (percent: number) => void;
  /** FFmpeg executable. @default `$FFMPEG_PATH` or `ffmpeg` */
  ffmpeg?: string;
}

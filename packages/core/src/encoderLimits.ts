import { VodsrError } from './errors.js';
import type { EncoderSettings, MediaInfo, VideoCodec } from './schemas.js';

/**
 * The largest picture an encoder takes, orientation-free: the longer side at most `long`, the shorter at most
 * `short`, and at most `pixels` luma samples in all (the level's frame-size limit where there is one).
 */
export interface PictureLimit {
  readonly long: number;
  readonly short: number;
  readonly pixels: number;
}

/** A limit with the name it is known by and where the figure comes from. */
export interface EncoderLimit extends PictureLimit {
  /** What the limit applies to, for messages: `NVENC H.264`, `MediaConvert AVC`, … */
  readonly label: string;
  /** Where the figure comes from (and how sure it is). */
  readonly source: string;
}

// H.264 level 6.2 (the highest): MaxFS = 139,264 macroblocks (Table A-1 of ITU-T H.264, the same row in x264's
// x264_levels[] and FFmpeg's libavcodec/h264_levels.c), so at most 139,264 × 256 luma samples; one side is at most
// sqrt(8 × MaxFS) = 1,055 macroblocks = 16,880 pixels.
const H264_LEVEL_6_2: PictureLimit = { long: 16_880, short: 16_880, pixels: 139_264 * 256 };
// HEVC level 6.2: MaxLumaPs = 35,651,584 and one side at most sqrt(8 × MaxLumaPs) = 16,888 pixels (Table A.8 of
// ITU-T H.265). NOT confirmed by a lookup here: the figures are from the standard as recalled; x265 refuses
// nothing below them that we know of.
const HEVC_LEVEL_6_2: PictureLimit = { long: 16_888, short: 16_888, pixels: 35_651_584 };

/**
 * Every encoder's largest picture: the one table vodsr checks the SR output and the packaging rungs against.
 *
 * - NVENC: NVIDIA Video Codec SDK, NVENC Application Note ("NVENC Hardware Capabilities" table) and its summary
 *   by GPU generation: H.264 at most 4096 × 4096 on every generation (Kepler to Blackwell); HEVC 8192 × 8192 from
 *   Pascal on (second-generation Maxwell, which no EC2 GPU instance has, stops at 4096 × 4096).
 * - libx264 / libx265: no fixed picture limit of their own; the highest level of the standard (6.2) is used as the
 *   practical maximum, beyond which no decoder has to play the stream.
 * - MediaConvert: "Maximum supported output resolutions" of the AWS Elemental MediaConvert user guide —
 *   AVC (H.264) 4096x2160 or 2160x4096, HEVC (H.265) 8192x4320 or 4320x8192. The pixel figure is the product.
 */
export const ENCODER_LIMITS = {
  h264_nvenc: {
    label: 'NVENC H.264',
    long: 4096,
    short: 4096,
    pixels: 4096 * 4096,
    source: 'NVIDIA Video Codec SDK, NVENC Application Note: H.264 max 4096x4096 on every GPU generation',
  },
  hevc_nvenc: {
    label: 'NVENC HEVC',
    long: 8192,
    short: 8192,
    pixels: 8192 * 8192,
    source: 'NVIDIA Video Codec SDK, NVENC Application Note: HEVC max 8192x8192 from Pascal on',
  },
  libx264: {
    label: 'libx264 (H.264 level 6.2)',
    ...H264_LEVEL_6_2,
    source: 'ITU-T H.264 Table A-1 (x264 x264_levels, FFmpeg h264_levels.c): level 6.2 MaxFS 139264 MBs',
  },
  libx265: {
    label: 'libx265 (HEVC level 6.2)',
    ...HEVC_LEVEL_6_2,
    source: 'ITU-T H.265 Table A.8: level 6.2 MaxLumaPs 35651584 (not confirmed by a lookup)',
  },
} as const satisfies Record<VideoCodec, EncoderLimit>;

/** MediaConvert's output codecs the presets use, with their largest output picture. */
export const MEDIACONVERT_LIMITS = {
  H_264: {
    label: 'MediaConvert AVC (H.264)',
    long: 4096,
    short: 2160,
    pixels: 4096 * 2160,
    source:
      'AWS Elemental MediaConvert user guide, Maximum supported output resolutions: 4096x2160 or 2160x4096',
  },
  H_265: {
    label: 'MediaConvert HEVC (H.265)',
    long: 8192,
    short: 4320,
    pixels: 8192 * 4320,
    source:
      'AWS Elemental MediaConvert user guide, Maximum supported output resolutions: 8192x4320 or 4320x8192',
  },
} as const satisfies Record<string, EncoderLimit>;

/** A MediaConvert output codec of {@link MEDIACONVERT_LIMITS}. */
export type MediaConvertCodec = keyof typeof MEDIACONVERT_LIMITS;

/** True when a `width`×`height` picture (either orientation) is within `limit`. */
export function fitsLimit(limit: PictureLimit, width: number, height: number): boolean {
  const long = Math.max(width, height);
  const short = Math.min(width, height);
  return long <= limit.long && short <= limit.short && width * height <= limit.pixels;
}

/**
 * The limit as people read it: `4096x4096`, `4096x2160 (2160x4096 portrait)`, with the pixel cap when it binds.
 *
 * @example describeLimit(MEDIACONVERT_LIMITS.H_264) === '4096x2160 (2160x4096 portrait)'
 */
export function describeLimit(limit: PictureLimit): string {
  const box =
    limit.long === limit.short
      ? `${limit.long}x${limit.short}`
      : `${limit.long}x${limit.short} (${limit.short}x${limit.long} portrait)`;
  return limit.pixels < limit.long * limit.short ? `${box}, at most ${limit.pixels} pixels` : box;
}

/**
 * The largest even size of the same aspect ratio within `limit` (the size itself when it fits), never upscaled.
 *
 * @example fitIntoLimit(MEDIACONVERT_LIMITS.H_264, 4096, 3072) // { width: 2880, height: 2160 }
 */
export function fitIntoLimit(
  limit: PictureLimit,
  width: number,
  height: number,
): { width: number; height: number } {
  const long = Math.max(width, height);
  const short = Math.min(width, height);
  const f = Math.min(1, limit.long / long, limit.short / short, Math.sqrt(limit.pixels / (width * height)));
  const evenFloor = (x: number) => Math.max(2, 2 * Math.floor(x / 2));
  if (f >= 1) return { width, height };
  return { width: evenFloor(width * f), height: evenFloor(height * f) };
}

/**
 * The encoder a job's SR file switches to when the SR picture is beyond its own encoder's limit: H.264 → HEVC
 * (h264_nvenc → hevc_nvenc, libx264 → libx265) when `encoder.oversize` is `hevc` (the default); `undefined` when the
 * job says `refuse` or is HEVC already.
 */
export function oversizeEncoder(enc: EncoderSettings): EncoderSettings | undefined {
  if ((enc.oversize ?? 'hevc') !== 'hevc') return undefined;
  if (enc.codec === 'h264_nvenc') return { ...enc, codec: 'hevc_nvenc' };
  if (enc.codec === 'libx264') return { ...enc, codec: 'libx265', preset: enc.preset ?? 'veryfast' };
  return undefined;
}

/** What {@link srEncoderFor} decided: the job's own encoder, or its HEVC switch. */
export type SrEncoderChoice =
  | { readonly use: 'encoder' }
  | { readonly use: 'oversize'; readonly codec: VideoCodec };

/**
 * The refusal of an SR picture too large for every encoder the job allows: `VODSR_ENCODER_LIMIT`, naming the
 * computed size and each limit. The host (`vodsr-host`) words the same refusal the same way.
 */
export function encoderLimitError(
  width: number,
  height: number,
  tried: readonly EncoderLimit[],
  why: string,
): VodsrError {
  const limits = tried.map((l) => `${l.label} takes at most ${describeLimit(l)}`).join('; ');
  return new VodsrError(
    'VODSR_ENCODER_LIMIT',
    `The SR picture would be ${width}x${height} (${why}): ${limits}. Use a smaller scale or a smaller source.`,
    { details: { width, height, limits: tried.map((l) => ({ ...l })) } },
  );
}

/**
 * The rule for an SR picture of `width`×`height`: the job's encoder when the picture is within its limit, else its
 * HEVC switch ({@link oversizeEncoder}) when that is allowed and fits, else `VODSR_ENCODER_LIMIT`. The limit is
 * the job's own encoder's, whatever host runs it (a CPU twin produces what the GPU would). Applied at submit when
 * the source's size is known, and by the host after probing otherwise (`HostJob.sizeLimit`/`oversize`).
 *
 * @example srEncoderFor(job.encoder, 7680, 4320, '3840x2160 × 2') // { use: 'oversize', codec: 'hevc_nvenc' }
 */
export function srEncoderFor(
  enc: EncoderSettings,
  width: number,
  height: number,
  why: string,
): SrEncoderChoice {
  const own = ENCODER_LIMITS[enc.codec];
  if (fitsLimit(own, width, height)) return { use: 'encoder' };
  const alt = oversizeEncoder(enc);
  if (alt) {
    const altLimit = ENCODER_LIMITS[alt.codec];
    if (fitsLimit(altLimit, width, height)) return { use: 'oversize', codec: alt.codec };
    throw encoderLimitError(width, height, [own, altLimit], why);
  }
  throw encoderLimitError(width, height, [own], why);
}

/** `format_name`s of ffprobe that are single images, not videos: image2 and the `*_pipe` image demuxers. */
export const STILL_IMAGE_FORMAT_PATTERN = '(^|,)(image2|[a-z0-9]+_pipe)(,|$)';

/** True when the probed source is a still image (PNG, JPEG, BMP, TIFF, WebP, …), by its ffprobe format name. */
export function isStillImage(media: Pick<MediaInfo, 'formatName'>): boolean {
  return (
    typeof media.formatName === 'string' && new RegExp(STILL_IMAGE_FORMAT_PATTERN).test(media.formatName)
  );
}

/** The refusal of a still image as a source: `VODSR_STILL_IMAGE`. The host words it the same way. */
export function stillImageError(formatName: string): VodsrError {
  return new VodsrError(
    'VODSR_STILL_IMAGE',
    `The source is a still image (${formatName}), not a video: vodsr upscales videos`,
    { details: { formatName } },
  );
}

import Type, { type Static } from 'typebox';
import { CostFiguresSchema, QualityFiguresSchema } from './figureSchemas.js';
import { literalUnion } from './literalUnion.js';

export * from './figureSchemas.js';

/**
 * TypeBox schemas of the job model. Each is a JSON Schema at runtime (served by the API's OpenAPI document)
 * and a TypeScript type through `Static<>`.
 */

export const FilterSpecSchema = Type.Object(
  {
    name: Type.String({ pattern: '^[A-Za-z0-9_]+$', maxLength: 64, description: 'FFmpeg filter name' }),
    options: Type.Optional(
      Type.Union([
        Type.Record(
          Type.String({ pattern: '^[A-Za-z0-9_]+$' }),
          Type.Union([Type.String(), Type.Number(), Type.Boolean()]),
        ),
        Type.Array(Type.Union([Type.String(), Type.Number()]), { maxItems: 32 }),
      ]),
    ),
  },
  { additionalProperties: false, $id: 'FilterSpec' },
);

export const VIDEO_CODECS = ['h264_nvenc', 'hevc_nvenc', 'libx264', 'libx265'] as const;
export type VideoCodec = (typeof VIDEO_CODECS)[number];

/** Pixel formats a job may ask of its SR file (`source` = the encoder's choice for the source's format). */
export const PIXEL_FORMATS = ['yuv420p', 'yuv420p10le', 'source'] as const;
export type PixelFormat = (typeof PIXEL_FORMATS)[number];

export const EncoderSettingsSchema = Type.Object(
  {
    codec: literalUnion(VIDEO_CODECS, {
      default: 'h264_nvenc',
      description: 'Video encoder. NVENC on the GPU host; libx264/libx265 on CPU.',
    }),
    cq: Type.Integer({ minimum: 0, maximum: 51, default: 13, description: 'NVENC constant quality (-cq).' }),
    crf: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 51, description: 'x264/x265 CRF; defaults to cq.' }),
    ),
    preset: Type.Optional(
      Type.String({
        pattern: '^[a-z0-9]+$',
        maxLength: 16,
        description: 'Encoder preset (p1..p7 for NVENC, veryfast.. for x264).',
      }),
    ),
    audio: Type.Union([Type.Literal('copy'), Type.Literal('aac')], {
      default: 'copy',
      description: 'copy the audio as-is (the use case), or re-encode to AAC.',
    }),
    audioBitrate: Type.Integer({ minimum: 32_000, maximum: 512_000, default: 192_000 }),
    cpuFallback: Type.Boolean({
      default: true,
      description: 'When the host has no NVENC, encode with libx264/libx265 at crf = cq instead of failing.',
    }),
    oversize: Type.Optional(
      Type.Union([Type.Literal('hevc'), Type.Literal('refuse')], {
        description:
          "An SR picture beyond the H.264 encoder's limit (NVENC H.264: 4096x4096): 'hevc' (default) encodes the SR " +
          "file with HEVC (hevc_nvenc, CPU twin libx265), 'refuse' fails the job with VODSR_ENCODER_LIMIT.",
      }),
    ),
    pixelFormat: Type.Optional(
      literalUnion(PIXEL_FORMATS, {
        description:
          "The SR file's pixel format: 'yuv420p' (default: 8-bit 4:2:0, what players and MediaConvert expect, " +
          "also from a 10-bit or 4:4:4 source), 'yuv420p10le' (10-bit 4:2:0; not with h264_nvenc), or 'source' " +
          "(the encoder's choice for the source's format).",
      }),
    ),
  },
  { additionalProperties: false, $id: 'EncoderSettings' },
);

export const PackagingSpecSchema = Type.Object(
  {
    preset: Type.String({
      pattern: '^[a-z0-9-]+$',
      maxLength: 32,
      default: 'hls-single',
      description:
        'Packaging preset id (hls-single = the use case, hls-ladder = ABR ladder, none = SR file only).',
    }),
    segmentSeconds: Type.Integer({ minimum: 1, maximum: 60, default: 10 }),
    maxRungs: Type.Optional(Type.Integer({ minimum: 1, maximum: 8 })),
    engine: Type.Optional(
      Type.Union([Type.Literal('mediaconvert'), Type.Literal('host')], {
        description:
          "Who packages: 'mediaconvert' (a second generation, billed per output minute) or 'host' (SR and HLS in " +
          "one FFmpeg pass on the GPU host). Absent = the entry point's default: host locally, mediaconvert on AWS.",
      }),
    ),
  },
  { additionalProperties: false, $id: 'PackagingSpec' },
);

export const JobSpecSchema = Type.Object(
  {
    source: Type.String({
      minLength: 1,
      maxLength: 2100,
      description: 'The source video: s3://bucket/key or a local path.',
    }),
    output: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 2100,
        description:
          'Where results go: s3://bucket/prefix/ or a local folder. The SR file is <output>/<srName>, HLS under <output>/hls/.',
      }),
    ),
    srName: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 255,
        description: 'SR file name; default <name>_sr_<scale>x<ext>.',
      }),
    ),
    model: Type.String({
      minLength: 1,
      maxLength: 64,
      default: 'A',
      description: 'SR model id (see GET /v1/models).',
    }),
    scale: Type.Optional(
      Type.Integer({ minimum: 2, maximum: 4, description: "Scale factor; default the model's." }),
    ),
    filters: Type.Optional(
      Type.Array(FilterSpecSchema, {
        minItems: 1,
        maxItems: 16,
        description: 'Filter chain of a model "custom".',
      }),
    ),
    encoder: Type.Optional(EncoderSettingsSchema),
    packaging: Type.Optional(PackagingSpecSchema),
    srFile: Type.Optional(
      Type.Boolean({
        description:
          'Keep the mezzanine SR file (default true). false = HLS only: needs packaging.engine host and a preset.',
      }),
    ),
    metadata: Type.Optional(
      Type.Record(Type.String({ maxLength: 128 }), Type.String({ maxLength: 256 }), { maxProperties: 32 }),
    ),
    idempotencyKey: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    modelFallback: Type.Optional(
      Type.Boolean({
        default: true,
        description:
          "When a local backend's FFmpeg lacks a Bluewhale model's filters, run the open model (lanczos-x2) instead and say so in outputs.notes; false = fail with VODSR_HOST_MISSING_FILTER. AWS hosts run the Bluewhale AMI: there the model is never switched.",
      }),
    ),
    quality: Type.Optional(
      Type.Boolean({
        default: false,
        description:
          "Measure what the SR bought: on a few sampled windows, PSNR/SSIM of the job's own SR chain vs plain bicubic (downscaled source → up → compared with the source). Costs a few % of the job.",
      }),
    ),
  },
  { additionalProperties: false, $id: 'JobSpec' },
);

export const JOB_STATUSES = [
  'queued',
  'running',
  'upscaling',
  'packaging',
  'interrupted',
  'succeeded',
  'failed',
  'cancelled',
] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export const JobStatusSchema = literalUnion(JOB_STATUSES, { $id: 'JobStatus' });

export const JobErrorSchema = Type.Object(
  { code: Type.String(), message: Type.String(), details: Type.Optional(Type.Unknown()) },
  { $id: 'JobError' },
);

export const JobProgressSchema = Type.Object(
  {
    stage: Type.Optional(Type.String()),
    percent: Type.Number({ minimum: 0, maximum: 100 }),
    fps: Type.Optional(Type.Number()),
    speed: Type.Optional(Type.Number()),
    etaSeconds: Type.Optional(Type.Number()),
  },
  { $id: 'JobProgress' },
);

/** One audio or subtitle track of a probed file (`index` = the stream's index in the file, as FFmpeg counts). */
export const MediaTrackSchema = Type.Object(
  {
    index: Type.Integer({ minimum: 0 }),
    codec: Type.Optional(Type.String()),
    channels: Type.Optional(Type.Integer({ description: 'Audio only.' })),
    language: Type.Optional(
      Type.String({ description: 'The stream\'s language tag (ISO 639-2, e.g. eng), not "und".' }),
    ),
    title: Type.Optional(
      Type.String({ description: "The stream's title (or MP4 handler name), at most 100 characters." }),
    ),
  },
  { $id: 'MediaTrack' },
);

export const MediaInfoSchema = Type.Object(
  {
    width: Type.Integer(),
    height: Type.Integer(),
    durationSeconds: Type.Number(),
    fps: Type.Optional(Type.Number()),
    videoCodec: Type.Optional(Type.String()),
    pixFmt: Type.Optional(Type.String()),
    formatName: Type.Optional(
      Type.String({ description: "ffprobe's format_name (mov,mp4,…; png_pipe for a PNG)." }),
    ),
    rotation: Type.Optional(Type.Number()),
    hasAudio: Type.Boolean(),
    audioCodec: Type.Optional(Type.String()),
    audioTracks: Type.Optional(
      Type.Array(MediaTrackSchema, {
        description: 'Every audio track, in file order (absent: one track, if any).',
      }),
    ),
    subtitleTracks: Type.Optional(Type.Array(MediaTrackSchema, { description: 'Every subtitle track.' })),
    bitRate: Type.Optional(Type.Number()),
    sizeBytes: Type.Optional(Type.Number()),
  },
  { $id: 'MediaInfo' },
);

export const JobOutputsSchema = Type.Object(
  {
    srFile: Type.Optional(Type.String({ description: 'Location of the SR video file.' })),
    packagingEngine: Type.Optional(
      Type.String({ description: "Who packaged HLS: 'host' (same pass as SR) or 'mediaconvert'." }),
    ),
    hlsDir: Type.Optional(Type.String()),
    hlsMaster: Type.Optional(Type.String({ description: 'Location of the HLS master/variant playlist.' })),
    modelUsed: Type.Optional(Type.String()),
    encoderUsed: Type.Optional(Type.String()),
    source: Type.Optional(MediaInfoSchema),
    sr: Type.Optional(MediaInfoSchema),
    renditions: Type.Optional(
      Type.Array(
        Type.Object({
          name: Type.String(),
          width: Type.Integer(),
          height: Type.Integer(),
          bandwidth: Type.Optional(Type.Integer()),
          playlist: Type.Optional(Type.String()),
        }),
      ),
    ),
    timings: Type.Optional(Type.Record(Type.String(), Type.Number(), { description: 'Seconds per stage.' })),
    notes: Type.Optional(Type.Array(Type.String())),
    quality: Type.Optional(QualityFiguresSchema),
  },
  { $id: 'JobOutputs' },
);

export const JobRecordSchema = Type.Object(
  {
    id: Type.String(),
    backend: Type.Union([Type.Literal('local'), Type.Literal('aws')]),
    spec: JobSpecSchema,
    status: JobStatusSchema,
    progress: JobProgressSchema,
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
    startedAt: Type.Optional(Type.String({ format: 'date-time' })),
    finishedAt: Type.Optional(Type.String({ format: 'date-time' })),
    outputs: Type.Optional(JobOutputsSchema),
    error: Type.Optional(JobErrorSchema),
    executionArn: Type.Optional(Type.String()),
    attempts: Type.Integer({ minimum: 0 }),
    cost: Type.Optional(
      Type.Object({
        estimate: Type.Optional(CostFiguresSchema),
        actual: Type.Optional(CostFiguresSchema),
      }),
    ),
  },
  { $id: 'JobRecord' },
);

export type FilterSpecInput = Static<typeof FilterSpecSchema>;
export type EncoderSettingsInput = Static<typeof EncoderSettingsSchema>;
export type PackagingSpecInput = Static<typeof PackagingSpecSchema>;
/** A job as submitted (optional fields may be missing; `parseJobSpec` fills the defaults). */
export type JobSpecInput = Static<typeof JobSpecSchema>;
export type JobError = Static<typeof JobErrorSchema>;
export type JobProgress = Static<typeof JobProgressSchema>;
export type MediaInfo = Static<typeof MediaInfoSchema>;
export type MediaTrack = Static<typeof MediaTrackSchema>;
export type JobOutputs = Static<typeof JobOutputsSchema>;
export type JobRecord = Static<typeof JobRecordSchema>;

/** Encoder settings with every default filled in. */
export interface EncoderSettings {
  codec: VideoCodec;
  cq: number;
  crf?: number;
  preset?: string;
  audio: 'copy' | 'aac';
  audioBitrate: number;
  cpuFallback: boolean;
  /** Beyond the H.264 encoder's limit: HEVC, or refuse. @default 'hevc' */
  oversize?: 'hevc' | 'refuse';
  /** The SR file's pixel format. @default 'yuv420p' */
  pixelFormat?: PixelFormat;
}

/** Packaging settings with every default filled in. */
export interface PackagingSpec {
  preset: string;
  segmentSeconds: number;
  maxRungs?: number;
  /** Absent: the entry point's default (`PrepareJobContext.packagingEngine`). */
  engine?: PackagingEngine;
}

/** Who packages HLS: MediaConvert after the host, or the host in the same FFmpeg pass as SR. */
export type PackagingEngine = 'mediaconvert' | 'host';

/** Every packaging engine. */
export const PACKAGING_ENGINES: readonly PackagingEngine[] = ['mediaconvert', 'host'];

/** A validated job with every default filled in: what every adapter works from. */
export interface JobSpec {
  source: string;
  output?: string;
  srName: string;
  model: string;
  scale: number;
  filters?: FilterSpecInput[];
  encoder: EncoderSettings;
  packaging: PackagingSpec;
  /** false = no mezzanine SR file (HLS only). @default true */
  srFile: boolean;
  metadata: Record<string, string>;
  idempotencyKey?: string;
  /** false = never switch to the open model when the backend lacks the model's filters (absent = switch). */
  modelFallback?: boolean;
  /** Measure PSNR/SSIM of the SR vs bicubic on sampled windows (absent = off). */
  quality?: boolean;
}

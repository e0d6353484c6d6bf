import type {
  AudioDescription,
  CreateJobCommandInput,
  Input,
  JobSettings,
  Output,
} from '@aws-sdk/client-mediaconvert';
import { parseS3Uri, ValidationError, type ValidationIssue } from '@vodsr/core';
import { baseName, HLS_FILE_NAME_BUDGET, safeSegment, splitExt, utf8Length } from '@vodsr/core/naming';
import { type AudioRendition, audioRenditions } from './audioTracks.js';
import { audioGroupOutputs, audioSelectors, withAudioGroup } from './mediaConvertAudio.js';
import { planRungs } from './planRungs.js';
import { getPreset } from './presets.js';
import type { CreateJobOptions, MediaConvertLocations, PackagingOptions, PresetId, Rung } from './types.js';
import { mediaIssues, packagingIssues } from './validate.js';

/** Default HLS segment length (the use case's). */
export const DEFAULT_SEGMENT_SECONDS = 10;

/** Base name of the ladder's playlists in MediaConvert: `index.m3u8`, `index_<rung>.m3u8`. */
export const LADDER_BASE_NAME = 'index';

/** GOP length in seconds that divides the segment length (2 s, or 1 s for odd segment lengths). */
export function gopSeconds(segmentSeconds: number): number {
  return segmentSeconds % 2 === 0 ? 2 : 1;
}

function locationIssues(o: Partial<MediaConvertLocations>, issues: ValidationIssue[]): void {
  try {
    if (typeof o.input !== 'string')
      issues.push({ path: '/input', message: 'must be an S3 URI (s3://bucket/key)' });
    else parseS3Uri(o.input, { requireKey: true });
  } catch (e) {
    issues.push({ path: '/input', message: (e as Error).message });
  }
  if (typeof o.destination !== 'string') {
    issues.push({ path: '/destination', message: 'must be an S3 URI ending with /' });
    return;
  }
  try {
    const { key } = parseS3Uri(o.destination);
    if (!o.destination.endsWith('/'))
      issues.push({
        path: '/destination',
        message: 'must end with / (an S3 folder, e.g. s3://bucket/hls/name/)',
      });
    if (o.destination.includes('$'))
      issues.push({
        path: '/destination',
        message: "must not contain '$' (MediaConvert reads $…$ as a format identifier; use core safeSegment)",
      });
    if (key.includes('//'))
      issues.push({ path: '/destination', message: 'must not contain an empty folder (//)' });
  } catch (e) {
    issues.push({ path: '/destination', message: (e as Error).message });
  }
}

function checkMediaConvert(
  id: PresetId,
  o: PackagingOptions & Partial<MediaConvertLocations>,
  issues: ValidationIssue[] = [],
): void {
  getPreset(id);
  if (id === 'none')
    issues.push({ path: '/preset', message: '"none" packages nothing: there is no MediaConvert job' });
  mediaIssues(o.media, issues);
  packagingIssues(o, issues);
  locationIssues(o, issues);
  if (issues.length) throw new ValidationError('MediaConvert packaging options', issues);
}

function audioDescriptions(rung: Rung): AudioDescription[] {
  if (rung.audioBitrate === undefined) return [];
  return [
    {
      CodecSettings: {
        Codec: 'AAC',
        AacSettings: { Bitrate: rung.audioBitrate, CodingMode: 'CODING_MODE_2_0', SampleRate: 48000 },
      },
    },
  ];
}

function input(o: PackagingOptions & MediaConvertLocations): Input {
  const rotated = Math.round(o.media.rotation ?? 0) % 360 !== 0;
  return {
    ...(o.media.hasAudio ? { AudioSelectors: audioSelectors(true, audioRenditions(o.media)) } : {}),
    // MediaConvert ignores rotation metadata unless told to honour it (FFmpeg applies it by default).
    VideoSelector: rotated ? { Rotate: 'AUTO' } : {},
    TimecodeSource: 'ZEROBASED',
    FileInput: o.input,
  };
}

/** The use case's output, value for value (audio only when the source has audio). */
function singleOutput(rung: Rung, nameModifier: string): Output {
  const audio = audioDescriptions(rung);
  return {
    ContainerSettings: { Container: 'M3U8', M3u8Settings: {} },
    VideoDescription: {
      CodecSettings: {
        Codec: 'H_264',
        H264Settings: {
          MaxBitrate: rung.maxBitrate,
          RateControlMode: 'QVBR',
          SceneChangeDetect: 'TRANSITION_DETECTION',
        },
      },
    },
    ...(audio.length ? { AudioDescriptions: audio } : {}),
    OutputSettings: { HlsSettings: {} },
    NameModifier: nameModifier,
  };
}

function ladderOutput(rung: Rung, nameModifier: string, gop: number): Output {
  const audio = audioDescriptions(rung);
  return {
    ContainerSettings: { Container: 'M3U8', M3u8Settings: {} },
    VideoDescription: {
      Width: rung.width,
      Height: rung.height,
      // The rung keeps the source's aspect ratio, so stretching adds no bars and no distortion.
      ScalingBehavior: 'STRETCH_TO_OUTPUT',
      CodecSettings: {
        Codec: 'H_264',
        H264Settings: {
          RateControlMode: 'QVBR',
          QvbrSettings: { QvbrQualityLevel: rung.qvbrQuality },
          MaxBitrate: rung.maxBitrate,
          SceneChangeDetect: 'TRANSITION_DETECTION',
          GopSize: gop,
          GopSizeUnits: 'SECONDS',
          GopClosedCadence: 1,
          CodecProfile: 'HIGH',
          CodecLevel: 'AUTO',
        },
      },
    },
    ...(audio.length ? { AudioDescriptions: audio } : {}),
    OutputSettings: { HlsSettings: {} },
    NameModifier: nameModifier,
  };
}

/** The longest segment name MediaConvert can append to `<base><NameModifier>` (`_` + a segment number + `.ts`). */
const LONGEST_SEGMENT_SUFFIX = '_000000000.ts';

/**
 * How hls-single names its files. The use case's naming — files named after the input (`<SR stem>.m3u8`,
 * `<SR stem>_modifier_<SR file>.m3u8`, `…_00001.ts`) — whenever those names fit `HLS_FILE_NAME_BUDGET`; for a long SR
 * name (where the name would appear three times in each key), a fixed base name `index` and a short modifier, as
 * hls-ladder does, so no key can outgrow S3's 1,024 bytes.
 */
function singleNaming(o: PackagingOptions & MediaConvertLocations): { base?: string; modifier: string } {
  return singleNamingOf(baseName(parseS3Uri(o.input).key), o.nameModifier);
}

/** hls-single naming of an SR file called `file` (see `singleNaming`); shared with the host engine's plan. */
export function singleNamingOf(file: string, nameModifier?: string): { base?: string; modifier: string } {
  const o = { nameModifier };
  const stem = splitExt(file).stem;
  const modifier = o.nameModifier ?? `_modifier_${safeSegment(file)}`;
  if (utf8Length(`${stem}${modifier}${LONGEST_SEGMENT_SUFFIX}`) <= HLS_FILE_NAME_BUDGET) return { modifier };
  const short = o.nameModifier ?? `_modifier_${safeSegment(file, 40)}`;
  const fits = utf8Length(`${LADDER_BASE_NAME}${short}${LONGEST_SEGMENT_SUFFIX}`) <= HLS_FILE_NAME_BUDGET;
  return { base: LADDER_BASE_NAME, modifier: fits ? short : `_modifier_${safeSegment(file, 40)}` };
}

/**
 * MediaConvert job `Settings` of a preset.
 *
 * - `hls-single` is the use case's job value for value (its `States.Format` fields resolved, the NameModifier made
 *   safe with `safeSegment`); `destination` is the HLS folder, the master playlist is named after the input file.
 * - `hls-ladder` writes `<destination>index.m3u8` and one `index_<rung>` variant per rung (see `planRungs`):
 *   QVBR per rung, 2 s closed GOPs aligned with the segments, no letterboxing.
 *
 * A source without audio gets no audio selector and no audio outputs. Throws `VODSR_VALIDATION` listing every
 * problem (missing media, a destination without `/` or with `$`, `none`…) and `VODSR_UNKNOWN_PRESET`.
 *
 * @example
 * buildMediaConvertSettings('hls-ladder', { media, input: 's3://out/a_sr_2x.mp4', destination: 's3://out/hls/a_sr_2x.mp4/' })
 */
export function buildMediaConvertSettings(
  id: PresetId,
  o: PackagingOptions & MediaConvertLocations,
): JobSettings {
  checkMediaConvert(id, o);
  const segment = o.segmentSeconds ?? DEFAULT_SEGMENT_SECONDS;
  const rungs = planRungs(id, o.media, o.maxRungs === undefined ? {} : { maxRungs: o.maxRungs });
  const ladder = id === 'hls-ladder';
  const single = singleNaming(o);
  const video = ladder
    ? rungs.map((r) => ladderOutput(r, `${o.nameModifier ?? ''}_${r.name}`, gopSeconds(segment)))
    : rungs.map((r) => singleOutput(r, single.modifier));
  // Two or more audio tracks: an audio group the video outputs reference (one track stays in every output).
  const group = o.media.hasAudio ? audioRenditions(o.media) : [];
  const outputs = group.length
    ? [...video.map(withAudioGroup), ...audioGroupOutputs(group, rungs[0]!, (a) => audioModifier(id, o, a))]
    : video;
  const base = ladder ? LADDER_BASE_NAME : single.base;
  return {
    TimecodeConfig: { Source: 'ZEROBASED' },
    OutputGroups: [
      {
        Name: 'Apple HLS',
        Outputs: outputs,
        OutputGroupSettings: {
          Type: 'HLS_GROUP_SETTINGS',
          HlsGroupSettings: {
            SegmentLength: segment,
            Destination: base !== undefined ? `${o.destination}${base}` : o.destination,
            DestinationSettings: { S3Settings: { StorageClass: 'STANDARD' } },
            MinSegmentLength: 0,
            ...(ladder
              ? {
                  SegmentControl: 'SEGMENTED_FILES',
                  OutputSelection: 'MANIFESTS_AND_SEGMENTS',
                  DirectoryStructure: 'SINGLE_DIRECTORY',
                  StreamInfResolution: 'INCLUDE',
                  CodecSpecification: 'RFC_6381',
                }
              : {}),
          },
        },
      },
    ],
    FollowSource: 1,
    Inputs: [input(o)],
  };
}

/** NameModifier of an audio rendition: `<ladder prefix>_audio_<n>`, or `_audio_<n>` after hls-single's base name. */
function audioModifier(id: PresetId, o: PackagingOptions, a: AudioRendition): string {
  return id === 'hls-ladder' ? `${o.nameModifier ?? ''}_${a.id}` : `_${a.id}`;
}

/** Where MediaConvert writes the playlists of a preset. */
export interface MediaConvertPlaylists {
  /** S3 URI of the master playlist. */
  master: string;
  variants: { name: string; playlist: string }[];
  /** The audio renditions' playlists, when the source has two or more audio tracks. */
  audio?: { name: string; playlist: string }[];
}

/**
 * The S3 URIs of the playlists a MediaConvert job built by `buildMediaConvertSettings` writes (MediaConvert names
 * files `<base><NameModifier>.m3u8`, base = the Destination's file part or else the input file name without extension).
 *
 * @example mediaConvertPlaylists('hls-ladder', o).master // 's3://out/hls/a_sr_2x.mp4/index.m3u8'
 */
export function mediaConvertPlaylists(
  id: PresetId,
  o: PackagingOptions & MediaConvertLocations,
): MediaConvertPlaylists {
  checkMediaConvert(id, o);
  const rungs = planRungs(id, o.media, o.maxRungs === undefined ? {} : { maxRungs: o.maxRungs });
  const group = o.media.hasAudio ? audioRenditions(o.media) : [];
  const ladder = id === 'hls-ladder';
  const single = ladder ? undefined : singleNaming(o);
  const stem = ladder ? LADDER_BASE_NAME : (single!.base ?? splitExt(baseName(parseS3Uri(o.input).key)).stem);
  const audio = group.map((a) => ({
    name: a.name,
    playlist: `${o.destination}${stem}${audioModifier(id, o, a)}.m3u8`,
  }));
  return {
    master: `${o.destination}${stem}.m3u8`,
    variants: rungs.map((r) => ({
      name: r.name,
      playlist: ladder
        ? `${o.destination}${LADDER_BASE_NAME}${o.nameModifier ?? ''}_${r.name}.m3u8`
        : `${o.destination}${stem}${single!.modifier}.m3u8`,
    })),
    ...(audio.length ? { audio } : {}),
  };
}

const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;

/**
 * A complete MediaConvert `CreateJob` request: the preset's Settings, the role, an optional queue and idempotency
 * token, and `UserMetadata` (the caller's, plus `vodsrPreset`) so job-state events can be matched to the vodsr job.
 *
 * @example
 * await client.send(new CreateJobCommand(createJobRequest('hls-ladder', { media, input, destination, role,
 *   userMetadata: { jobId } })))
 */
export function createJobRequest(id: PresetId, o: CreateJobOptions): CreateJobCommandInput {
  const issues: ValidationIssue[] = [];
  if (typeof o.role !== 'string' || !ROLE_ARN.test(o.role))
    issues.push({ path: '/role', message: 'must be an IAM role ARN (arn:aws:iam::<account>:role/<name>)' });
  if (o.queue !== undefined && (typeof o.queue !== 'string' || !/^[\w+=,.@:/-]{1,512}$/.test(o.queue)))
    issues.push({ path: '/queue', message: 'must be a queue name or ARN' });
  if (
    o.clientRequestToken !== undefined &&
    (typeof o.clientRequestToken !== 'string' || !/^[\w-]{1,128}$/.test(o.clientRequestToken))
  )
    issues.push({ path: '/clientRequestToken', message: 'must be 1-128 characters of [A-Za-z0-9_-]' });
  if (o.userMetadata !== undefined) {
    if (typeof o.userMetadata !== 'object' || o.userMetadata === null) {
      issues.push({ path: '/userMetadata', message: 'must be an object of strings' });
    } else {
      for (const [k, v] of Object.entries(o.userMetadata)) {
        if (typeof v !== 'string' || k.length === 0)
          issues.push({ path: `/userMetadata/${k}`, message: 'must be a string under a non-empty key' });
      }
    }
  }
  checkMediaConvert(id, o, issues);
  const settings = buildMediaConvertSettings(id, o);
  return {
    Role: o.role,
    Settings: settings,
    ...(o.queue === undefined ? {} : { Queue: o.queue }),
    ...(o.clientRequestToken === undefined ? {} : { ClientRequestToken: o.clientRequestToken }),
    UserMetadata: { ...o.userMetadata, vodsrPreset: id },
  };
}

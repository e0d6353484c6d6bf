export {
  AUDIO_GROUP_ID,
  type AudioRendition,
  audioRenditions,
  audioTracksOf,
  hlsLanguage,
  rewriteAudioGroup,
} from './audioTracks.js';
export {
  buildFfmpegHlsArgs,
  checkFfmpegHlsOptions,
  ffmpegBandwidth,
  LOCAL_X264_PRESET,
  MASTER_PLAYLIST,
} from './buildFfmpegHlsArgs.js';
export { describePreset, PLACEHOLDERS, type PresetDescription } from './describePreset.js';
export { HOST_NVENC_PRESET, type HostHlsPlanOptions, hostHlsPlan } from './hostHlsPlan.js';
export {
  buildMediaConvertSettings,
  createJobRequest,
  DEFAULT_SEGMENT_SECONDS,
  gopSeconds,
  LADDER_BASE_NAME,
  type MediaConvertPlaylists,
  mediaConvertPlaylists,
} from './mediaConvert.js';
export { packageLocally } from './packageLocally.js';
export {
  createPlanPackagingHandler,
  type PlanPackagingEvent,
  type PlanPackagingResult,
} from './planPackaging.js';
export {
  displaySize,
  LADDER,
  type LadderStep,
  MAX_H264_SIZE,
  MIN_RUNG_STEP,
  maxBitrateFor,
  planRungs,
  SINGLE_RENDITION,
} from './planRungs.js';
export { DEFAULT_PRESET_ID, getPreset, isPresetId, listPresets } from './presets.js';
export { type SrStreamPlan, srStreamPlan } from './srStreams.js';
export type {
  CreateJobOptions,
  FfmpegAudioRendition,
  FfmpegHlsOptions,
  FfmpegHlsPlan,
  FfmpegRendition,
  MediaConvertLocations,
  PackageLocallyOptions,
  PackagingOptions,
  PresetId,
  PresetInfo,
  Rung,
  SrOutputOptions,
} from './types.js';

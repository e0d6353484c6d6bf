import { UnknownModelError, VodsrError } from './errors.js';
import type { FilterSpec } from './filters.js';

/** Where a model's filters come from. */
export type ModelEngine = 'bluewhale' | 'ffmpeg';

/** An SR model: a named FFmpeg filter chain with the facts a host needs to run and verify it. */
export interface SrModel {
  readonly id: string;
  readonly label: string;
  readonly description: string;
  readonly engine: ModelEngine;
  /** True when the filters exist only in the Bluewhale AMI's FFmpeg. */
  readonly requiresBluewhale: boolean;
  /** Filter names the host's FFmpeg must list in `ffmpeg -filters`. */
  readonly requiredFilters: readonly string[];
  /** Scale factor the model produces by default. */
  readonly defaultScale: number;
  /** Scale factors the model can produce. */
  readonly scales: readonly number[];
  /** The filter chain for a scale factor. */
  filters(scale: number): readonly FilterSpec[];
}

const lanczos = (scale: number): FilterSpec => ({
  name: 'scale',
  options: { w: `iw*${scale}`, h: `ih*${scale}`, flags: 'lanczos' },
});

/**
 * The SR model registry. `A`, `B` and `bdsr-x2` are the use case's Bluewhale models, value for value;
 * the others are open models that run on any stock FFmpeg (used when the Bluewhale filters are absent).
 */
export const SR_MODELS: Readonly<Record<string, SrModel>> = Object.freeze({
  A: {
    id: 'A',
    label: 'Model A (Bluewhale NVX + Coupang SR + film grain)',
    description:
      'Bluewhale denoise (bdnvx_aws), Coupang 2x SR (bdsr_coupang_aws), then temporal+uniform noise (c0s=8) for a natural texture.',
    engine: 'bluewhale',
    requiresBluewhale: true,
    requiredFilters: ['bdnvx_aws', 'bdsr_coupang_aws', 'noise'],
    defaultScale: 2,
    scales: [2],
    filters: () => [
      { name: 'bdnvx_aws' },
      { name: 'bdsr_coupang_aws' },
      { name: 'noise', options: { c0s: 8, allf: 't+u' } },
    ],
  },
  B: {
    id: 'B',
    label: 'Model B (Bluewhale Coupang SR)',
    description: 'Bluewhale Coupang 2x SR (bdsr_coupang_aws) alone.',
    engine: 'bluewhale',
    requiresBluewhale: true,
    requiredFilters: ['bdsr_coupang_aws'],
    defaultScale: 2,
    scales: [2],
    filters: () => [{ name: 'bdsr_coupang_aws' }],
  },
  'bdsr-x2': {
    id: 'bdsr-x2',
    label: 'Bluewhale bdsr_aws (scalable)',
    description: "The use case's exec_bluewhale_sr.sh model: bdsr_aws with a scale option (2 by default).",
    engine: 'bluewhale',
    requiresBluewhale: true,
    requiredFilters: ['bdsr_aws'],
    defaultScale: 2,
    scales: [2, 3, 4],
    filters: (scale) => [{ name: 'bdsr_aws', options: { scale } }],
  },
  'lanczos-x2': {
    id: 'lanczos-x2',
    label: 'Lanczos (open, any FFmpeg)',
    description:
      'Lanczos resampling with stock FFmpeg. Not super-resolution: the open stand-in for local runs.',
    engine: 'ffmpeg',
    requiresBluewhale: false,
    requiredFilters: ['scale'],
    defaultScale: 2,
    scales: [2, 3, 4],
    filters: (scale) => [lanczos(scale)],
  },
  'lanczos-cas-x2': {
    id: 'lanczos-cas-x2',
    label: 'Lanczos + contrast-adaptive sharpening (open, any FFmpeg)',
    description:
      'Lanczos resampling followed by FFmpeg cas (AMD FidelityFX CAS) sharpening; crisper edges than plain Lanczos.',
    engine: 'ffmpeg',
    requiresBluewhale: false,
    requiredFilters: ['scale', 'cas'],
    defaultScale: 2,
    scales: [2, 3, 4],
    filters: (scale) => [lanczos(scale), { name: 'cas', options: { strength: 0.4 } }],
  },
  'bicubic-x2': {
    id: 'bicubic-x2',
    label: 'Bicubic (open, any FFmpeg, fastest)',
    description: 'Bicubic resampling with stock FFmpeg: the fastest open stand-in, for smoke tests.',
    engine: 'ffmpeg',
    requiresBluewhale: false,
    requiredFilters: ['scale'],
    defaultScale: 2,
    scales: [2, 3, 4],
    filters: (scale) => [
      { name: 'scale', options: { w: `iw*${scale}`, h: `ih*${scale}`, flags: 'bicubic' } },
    ],
  },
});

/** The model id used when a job names none: the use case's Model A. */
export const DEFAULT_MODEL_ID = 'A';

/** The open model picked for hosts without the Bluewhale filters. */
export const DEFAULT_OPEN_MODEL_ID = 'lanczos-x2';

/** The id of a user-defined model whose filters come with the job. */
export const CUSTOM_MODEL_ID = 'custom';

/** Every model id, in registry order. */
export function listModels(): SrModel[] {
  return Object.values(SR_MODELS);
}

/**
 * Looks up a model; throws `VODSR_UNKNOWN_MODEL` listing the known ids.
 *
 * @example getModel('B').filters(2) // [{ name: 'bdsr_coupang_aws' }]
 */
export function getModel(id: string): SrModel {
  const m = Object.hasOwn(SR_MODELS, id) ? SR_MODELS[id] : undefined;
  if (!m) throw new UnknownModelError(id, [...Object.keys(SR_MODELS), CUSTOM_MODEL_ID]);
  return m;
}

/** Checks that `model` can produce `scale`; throws `VODSR_UNSUPPORTED_SCALE` otherwise. */
export function assertScale(model: SrModel, scale: number): void {
  if (!model.scales.includes(scale)) {
    throw new VodsrError(
      'VODSR_UNSUPPORTED_SCALE',
      `Model ${model.id} cannot upscale ${scale}x (supported: ${model.scales.join(', ')})`,
      { details: { model: model.id, scale, supported: model.scales } },
    );
  }
}

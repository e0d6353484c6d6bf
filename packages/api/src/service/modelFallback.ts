import type { JobSpec } from '@vodsr/core';
import { SR_MODELS } from '@vodsr/core/models';
import { chooseLocalModel, type LocalModelChoice } from './local/ffmpegFilters.js';

/** A job's spec as its backend will run it, and why its model was switched (absent: unchanged). */
export interface RunnableModel {
  readonly spec: JobSpec;
  readonly note?: string;
}

/**
 * The open-model fallback, decided once for every way a job reaches a local backend (`vodsr run`, `vodsr submit`
 * on the local database, `POST /v1/jobs` of `vodsr serve` / `vodsr dev`, hence `vodsr submit --api`): a Bluewhale
 * model whose filters the hosts' FFmpeg lacks becomes core's open model, with a plain note — unless the job says
 * `modelFallback: false`. The hosts' filters are listed only for a model that needs the Bluewhale ones.
 *
 * @example (await runnableModel(spec, async () => new Set(['scale']))).spec.model === 'lanczos-x2' // spec.model 'A'
 */
export async function runnableModel(
  spec: JobSpec,
  hostFilters: () => Promise<ReadonlySet<string>>,
): Promise<RunnableModel> {
  if (spec.modelFallback === false) return { spec };
  const choice = await runnableModelId(spec.model, hostFilters);
  if (!choice.note) return { spec };
  return { spec: { ...spec, model: choice.model }, note: choice.note };
}

/**
 * {@link runnableModel} for a model id alone (a backfill's model, before its jobs are prepared).
 *
 * @example (await runnableModelId('lanczos-x2', listFfmpegFilters)).model === 'lanczos-x2' // no ffmpeg call
 */
export async function runnableModelId(
  model: string,
  hostFilters: () => Promise<ReadonlySet<string>>,
): Promise<LocalModelChoice> {
  const known = Object.hasOwn(SR_MODELS, model) ? SR_MODELS[model] : undefined;
  if (!known?.requiresBluewhale) return { model };
  return chooseLocalModel(model, await hostFilters());
}

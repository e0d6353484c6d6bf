import { execFile } from 'node:child_process';
import { getModel } from '@vodsr/core';
import { DEFAULT_OPEN_MODEL_ID, SR_MODELS } from '@vodsr/core/models';

/**
 * The filter names this machine's FFmpeg has (`ffmpeg -hide_banner -filters`).
 *
 * @example (await listFfmpegFilters()).has('scale') === true
 */
export function listFfmpegFilters(ffmpeg = process.env.VODSR_FFMPEG ?? 'ffmpeg'): Promise<Set<string>> {
  return new Promise((resolve) => {
    execFile(ffmpeg, ['-hide_banner', '-filters'], { maxBuffer: 8 * 1024 * 1024 }, (err, stdout) => {
      if (err) return resolve(new Set());
      const names = new Set<string>();
      for (const line of stdout.split('\n')) {
        const m = /^\s*[A-Z.|]{2,4}\s+(\S+)\s+\S+->\S+/.exec(line);
        if (m?.[1]) names.add(m[1]);
      }
      resolve(names);
    });
  });
}

/** The result of `chooseLocalModel`. */
export interface LocalModelChoice {
  /** The model to run. */
  readonly model: string;
  /** Set when the requested model was replaced, with a plain explanation. */
  readonly note?: string;
}

/**
 * Picks the model a local run can actually execute: the requested one when this FFmpeg has its filters, else
 * (for a Bluewhale model on a machine without the Bluewhale filters) core's open model — and says so plainly.
 *
 * @example chooseLocalModel('A', new Set(['scale'])).model === 'lanczos-x2'
 */
export function chooseLocalModel(requested: string, filters: ReadonlySet<string>): LocalModelChoice {
  if (!Object.hasOwn(SR_MODELS, requested)) return { model: requested };
  const m = getModel(requested);
  if (m.requiredFilters.every((f) => filters.has(f))) return { model: requested };
  if (!m.requiresBluewhale) return { model: requested };
  return {
    model: DEFAULT_OPEN_MODEL_ID,
    note: `Bluewhale filters not found: using open model ${DEFAULT_OPEN_MODEL_ID} — not the Bluewhale SR`,
  };
}

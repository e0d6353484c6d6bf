import { statSync } from 'node:fs';
import { type JobOutputs, type JobRecord, parseLocation, type WorkflowInput } from '@vodsr/core';
import { actualCost } from '@vodsr/core/cost';
import { estimateFor, type GuessedMedia, mediaFromSize, probeMedia } from '../backfill/estimates.js';

/** Cost figures as the job record stores them. */
export type RecordCost = NonNullable<NonNullable<JobRecord['cost']>['estimate']>;

/** Probes of recent sources (path + size + mtime), so a burst of jobs of one file probes it once. */
const probes = new Map<string, Promise<GuessedMedia | undefined>>();

function probeCached(path: string): Promise<GuessedMedia | undefined> {
  let key: string;
  try {
    const st = statSync(path);
    key = `${path}\0${st.size}\0${st.mtimeMs}`;
  } catch {
    return Promise.resolve(undefined);
  }
  let p = probes.get(key);
  if (!p) {
    p = probeMedia(path).catch(() => undefined);
    probes.set(key, p);
    if (probes.size > 256) probes.delete(probes.keys().next().value as string);
  }
  return p;
}

/**
 * The estimate stored on a local job at submit (`cost.estimate`): a local source is probed (ffprobe), an S3 source
 * is guessed from the duration the trigger derived from its size (or a 60 s default, said in the assumptions).
 * Packaging runs on the host locally ($0). Never throws: a source ffprobe cannot read is estimated from the guess.
 *
 * @example record.cost = { estimate: await estimateAtSubmit(input) };
 */
export async function estimateAtSubmit(input: WorkflowInput): Promise<RecordCost | undefined> {
  let media: GuessedMedia | undefined;
  const loc = parseLocation(input.job.source);
  if (loc.kind === 'file') media = await probeCached(loc.path);
  if (media === undefined) {
    const g = mediaFromSize(0);
    media = {
      media: { ...g.media, durationSeconds: 60 },
      assumptions: [
        `media not probed (${loc.kind === 's3' ? 'an S3 object' : 'unreadable source'}): 1280x720 at 30 fps for 60 s assumed`,
      ],
    };
  }
  try {
    const e = estimateFor(media, input.job, { packaging: 'host' });
    return { ...e, usd: { ...e.usd }, assumptions: [...e.assumptions] };
  } catch {
    return undefined;
  }
}

/**
 * The actual cost of a finished local job (`cost.actual`): the slot's busy seconds (the host run, plus packaging,
 * which runs on the same host locally) at the price table's slot-second price; no MediaConvert.
 *
 * @example record.cost = { ...record.cost, actual: actualAtEnd(outputs) };
 */
export function actualAtEnd(outputs: JobOutputs): RecordCost | undefined {
  const t = outputs.timings ?? {};
  const host = t.upscaleSeconds ?? t.totalSeconds;
  if (host === undefined) return undefined;
  const busy = Math.round((host + (t.packagingSeconds ?? 0)) * 10) / 10;
  const a = actualCost({ hostBusySeconds: busy });
  return {
    ...a,
    usd: { ...a.usd },
    assumptions: [
      `busy seconds = host run ${host} s${t.packagingSeconds ? ` + packaging on the host ${t.packagingSeconds} s` : ''}`,
      ...a.assumptions,
    ],
  };
}

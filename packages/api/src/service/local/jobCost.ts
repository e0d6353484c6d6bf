import { type JobOutputs, type JobRecord, parseLocation, type WorkflowInput } from '@vodsr/core';
import {
  actualCost,
  EMPTY_THROUGHPUT,
  LOCAL_HOST_KIND,
  observeJob,
  type ThroughputObservation,
  type ThroughputTable,
  throughputFrom,
} from '@vodsr/core/cost';
import { estimateFor, type GuessedMedia, mediaFromSize } from '../backfill/estimates.js';
import type { JobStore } from './JobStore.js';
import { probeSourceAtSubmit } from './sourceMedia.js';

/** Cost figures as the job record stores them. */
export type RecordCost = NonNullable<NonNullable<JobRecord['cost']>['estimate']>;

/**
 * The throughput the local backend learned from its finished jobs (the store's `throughput_observations`,
 * `throughputFrom`): each read takes only the observations stored since the last one (by any process) and
 * refits the table when there were any.
 */
export class LearnedThroughput {
  private seq = 0;
  private readonly all: ThroughputObservation[] = [];
  private current: ThroughputTable = EMPTY_THROUGHPUT;

  public constructor(private readonly store: JobStore) {}

  /** The table as of now. */
  public table(): ThroughputTable {
    const { observations, seq } = this.store.observationsAfter(this.seq);
    this.seq = seq;
    if (observations.length) {
      this.all.push(...observations);
      this.current = throughputFrom(this.all);
    }
    return this.current;
  }
}

/**
 * The estimate stored on a local job at submit (`cost.estimate`): a local source is probed (ffprobe), an S3 source
 * is guessed from the duration the trigger derived from its size (or a 60 s default, said in the assumptions).
 * Packaging runs on the host locally ($0). The throughput is the one learned on this machine's host kind
 * (`LOCAL_HOST_KIND`) for the job's model and resolution, the default until a job of that kind ended; the GPU
 * seconds are priced as if on the price table's default instance type. Never throws: a source ffprobe cannot read
 * is estimated from the guess.
 *
 * @example record.cost = { estimate: await estimateAtSubmit(input, learned.table()) };
 */
export async function estimateAtSubmit(
  input: WorkflowInput,
  throughput: ThroughputTable = EMPTY_THROUGHPUT,
): Promise<RecordCost | undefined> {
  let media: GuessedMedia | undefined;
  const loc = parseLocation(input.job.source);
  if (loc.kind === 'file') media = (await probeSourceAtSubmit(input.job.source))?.estimate;
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
    const e = estimateFor(
      media,
      input.job,
      { packaging: 'host', throughputHost: LOCAL_HOST_KIND },
      undefined,
      throughput,
    );
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

/**
 * What a succeeded local job teaches about throughput: its model on `LOCAL_HOST_KIND`, the source the host probed,
 * and the same busy seconds `cost.actual` bills (minus the quality step); undefined when it teaches nothing.
 *
 * @example const obs = observationAtEnd(record); if (obs) store.addObservation(record.id, obs);
 */
export function observationAtEnd(rec: JobRecord): ThroughputObservation | undefined {
  const actual = rec.cost?.actual;
  const source = rec.outputs?.source;
  if (actual === undefined || source === undefined) return undefined;
  const q = rec.outputs?.quality?.seconds;
  return observeJob({
    model: rec.spec.model,
    host: LOCAL_HOST_KIND,
    source,
    busySeconds: actual.gpuSeconds,
    ...(q === undefined ? {} : { qualitySeconds: q }),
    ...(rec.finishedAt === undefined ? {} : { at: rec.finishedAt }),
  });
}

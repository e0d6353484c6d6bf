import { actualCost, type CostFigures, type RenditionSize } from './cost.js';
import { type ObservedMedia, observeJob } from './costObservation.js';
import {
  DEFAULT_PRICE_TABLE,
  LOST_HOST_TRANSITIONS,
  NO_PACKAGING_PATH_TRANSITIONS,
  type PriceTable,
  SUCCESS_PATH_TRANSITIONS,
} from './costPrices.js';
import type { ThroughputObservation } from './costThroughput.js';

/**
 * The cost of a job that ran on AWS, from what its execution output holds: the host's result at `$.host`
 * (`elapsedSeconds` measured on the host, the probed source, the quality step's seconds), MediaConvert's job at
 * `$.mediaconvert.Job` (`OutputGroupDetails[].OutputDetails[]` with `DurationInMs` and `VideoDetails`) and the
 * attempts at `$.attempt.number`. The instance type is not in the output (the placement names only the instance):
 * the caller says which type its fleet runs.
 */

/** How the fleet that ran the job is priced. */
export interface ExecutionPricing {
  /** @default 'g6e.xlarge' */
  readonly instanceType?: string;
  /** @default 'on-demand' */
  readonly purchase?: 'on-demand' | 'spot';
  /** @default 1 */
  readonly slotsPerHost?: number;
}

/** What an execution output measured. */
export interface ExecutionMeasurements {
  readonly hostBusySeconds: number;
  readonly source?: ObservedMedia;
  readonly qualitySeconds?: number;
  readonly mediaconvertOutputs: readonly (RenditionSize & { readonly durationSeconds: number })[];
  /** Transitions of the path taken: 8 with MediaConvert, 6 without, + 5 per lost host (`LOST_HOST_TRANSITIONS`). */
  readonly transitions: number;
  readonly attempts: number;
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : undefined;
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

function mediaOf(v: unknown): ObservedMedia | undefined {
  const m = obj(v);
  const width = num(m?.width);
  const height = num(m?.height);
  const durationSeconds = num(m?.durationSeconds);
  if (width === undefined || height === undefined || durationSeconds === undefined) return undefined;
  const fps = num(m?.fps);
  return { width, height, durationSeconds, ...(fps === undefined ? {} : { fps }) };
}

function mediaconvertOutputsOf(v: unknown): ExecutionMeasurements['mediaconvertOutputs'] {
  const job = obj(obj(v)?.Job);
  const groups = Array.isArray(job?.OutputGroupDetails) ? job.OutputGroupDetails : [];
  const outs: (RenditionSize & { durationSeconds: number })[] = [];
  for (const g of groups) {
    const details = obj(g)?.OutputDetails;
    for (const d of Array.isArray(details) ? details : []) {
      const ms = num(obj(d)?.DurationInMs);
      if (ms === undefined) continue;
      const vd = obj(obj(d)?.VideoDetails);
      // an audio-only rendition has no VideoDetails: billed here at the SD rate (the lowest tier), said by its size
      outs.push({
        width: num(vd?.WidthInPx) ?? 0,
        height: num(vd?.HeightInPx) ?? 0,
        durationSeconds: ms / 1000,
      });
    }
  }
  return outs;
}

/**
 * Reads what a succeeded execution measured; `undefined` when its output has no host result with
 * `elapsedSeconds` (an execution of another workflow, or one that did not succeed).
 *
 * @example executionMeasurements(JSON.parse(describeExecution.output))?.hostBusySeconds
 */
export function executionMeasurements(output: unknown): ExecutionMeasurements | undefined {
  const o = obj(output);
  const host = obj(o?.host);
  const busy = num(host?.elapsedSeconds);
  if (busy === undefined || busy < 0) return undefined;
  const mediaconvertOutputs = mediaconvertOutputsOf(o?.mediaconvert);
  const attempts = Math.max(1, Math.floor(num(obj(o?.attempt)?.number) ?? 1));
  const packaged = o?.mediaconvert !== undefined;
  const source = mediaOf(host?.source);
  const qualitySeconds = num(obj(host?.quality)?.seconds);
  return {
    hostBusySeconds: busy,
    ...(source === undefined ? {} : { source }),
    ...(qualitySeconds === undefined ? {} : { qualitySeconds }),
    mediaconvertOutputs,
    transitions:
      (packaged ? SUCCESS_PATH_TRANSITIONS : NO_PACKAGING_PATH_TRANSITIONS) +
      LOST_HOST_TRANSITIONS * (attempts - 1),
    attempts,
  };
}

/**
 * `cost.actual` of a job that ran on AWS: the host's measured busy seconds at the fleet's slot-second price,
 * MediaConvert's measured output durations (10 s minimum each), the transitions of the path it took.
 *
 * @example executionActualCost(JSON.parse(d.output), { instanceType: 'g6e.xlarge' })
 */
export function executionActualCost(
  output: unknown,
  pricing: ExecutionPricing = {},
  prices: PriceTable = DEFAULT_PRICE_TABLE,
): CostFigures | undefined {
  const m = executionMeasurements(output);
  if (m === undefined) return undefined;
  const a = actualCost(
    {
      hostBusySeconds: m.hostBusySeconds,
      mediaconvertOutputs: m.mediaconvertOutputs,
      transitions: m.transitions,
      ...(pricing.instanceType === undefined ? {} : { instanceType: pricing.instanceType }),
      ...(pricing.purchase === undefined ? {} : { purchase: pricing.purchase }),
      ...(pricing.slotsPerHost === undefined ? {} : { slotsPerHost: pricing.slotsPerHost }),
    },
    prices,
  );
  const notes = [`host elapsedSeconds ${m.hostBusySeconds} s from the execution output ($.host)`];
  if (m.attempts > 1) notes.push(`${m.attempts} host attempts (the lost ones are not billed here)`);
  return { ...a, assumptions: [...notes, ...a.assumptions] };
}

/**
 * The throughput observation of a succeeded execution (model from its input, host kind = the fleet's instance
 * type), to learn from (`learnThroughput`); `undefined` when the output cannot teach anything.
 *
 * @example executionObservation(input.job.model, output, 'g6e.xlarge')
 */
export function executionObservation(
  model: string,
  output: unknown,
  instanceType = 'g6e.xlarge',
  at?: string,
): ThroughputObservation | undefined {
  const m = executionMeasurements(output);
  if (m === undefined) return undefined;
  return observeJob({
    model,
    host: instanceType,
    busySeconds: m.hostBusySeconds,
    ...(m.source === undefined ? {} : { source: m.source }),
    ...(m.qualitySeconds === undefined ? {} : { qualitySeconds: m.qualitySeconds }),
    ...(at === undefined ? {} : { at }),
  });
}

import DEFAULT_PRICES from './data/prices.json' with { type: 'json' };
import { ValidationError, type ValidationIssue, VodsrError } from './errors.js';

/** Prices as data: the dated price table, its default, MediaConvert's tiers and overriding a table. */

/** MediaConvert's resolution tiers. */
export type MediaConvertResolutionTier = 'sd' | 'hd' | 'uhd';

/** A dated price table (the default is `src/data/prices.json`, `@vodsr/core/prices.json`). */
export interface PriceTable {
  readonly version: 1;
  /** When the prices were read (YYYY-MM-DD). */
  readonly date: string;
  readonly region: string;
  readonly currency: 'USD';
  readonly note?: string;
  readonly sources: readonly {
    readonly what: string;
    readonly url: string;
    readonly checked: string;
    readonly confidence?: string;
  }[];
  /** Per instance type: GPUs and $ per instance-hour (Spot optional). */
  readonly instances: Readonly<
    Record<string, { readonly gpus: number; readonly onDemandHourly: number; readonly spotHourly?: number }>
  >;
  readonly mediaconvert: {
    /** Every output is billed at least this long. */
    readonly minimumSeconds: number;
    /** The tier the presets' outputs bill at. */
    readonly tier: 'basic' | 'professional';
    /** Multiplier above 30 fps. */
    readonly highFrameRateMultiplier: number;
    readonly perMinute: Readonly<
      Record<'basic' | 'professional', Record<MediaConvertResolutionTier, number>>
    >;
    readonly resolution?: string;
  };
  readonly stepFunctions: { readonly perThousandTransitions: number };
}

/** The price table shipped with core (its `date` and `sources` say where each figure comes from). */
export const DEFAULT_PRICE_TABLE: PriceTable = DEFAULT_PRICES as PriceTable;

/**
 * Transitions of a job on the success path: QueueJob, AcquireHost, RunHost, PlanPackaging, NeedsPackaging,
 * Package, NotifySuccess, Succeeded (`WORKFLOW_STATES`). A lost host adds `LOST_HOST_TRANSITIONS` per extra attempt.
 */
export const SUCCESS_PATH_TRANSITIONS = 8;

/** Transitions of a job that packages nothing on MediaConvert (host packaging, preset none): 6. */
export const NO_PACKAGING_PATH_TRANSITIONS = 6;

/**
 * Transitions a lost host adds per extra attempt: HostLost (HostHeartbeatTimeout when the host went silent: each
 * counts the attempt itself), CanRetryHost, QueueJob, AcquireHost and RunHost again — 5 whatever the loss.
 */
export const LOST_HOST_TRANSITIONS = 5;

/**
 * MediaConvert's resolution tier of an output: SD below 720 lines, HD up to 1080, UHD above (shorter side).
 *
 * @example mediaconvertTier(2560, 1440) === 'uhd'
 */
export function mediaconvertTier(width: number, height: number): MediaConvertResolutionTier {
  const s = Math.min(width, height);
  if (s < 720) return 'sd';
  if (s <= 1080) return 'hd';
  return 'uhd';
}
/** What a config may override in a price table (`withPrices`): any field, instance types merged by name. */
export type PriceTableOverride = Partial<Omit<PriceTable, 'instances' | 'mediaconvert'>> & {
  readonly instances?: PriceTable['instances'];
  readonly mediaconvert?: Partial<PriceTable['mediaconvert']>;
};

/**
 * A price table with overrides merged in (per instance type, MediaConvert rates, Step Functions), checked; the
 * override's `date` and `sources` are kept alongside the defaults'.
 *
 * @example withPrices({ instances: { 'g6e.xlarge': { gpus: 1, onDemandHourly: 1.9, spotHourly: 0.7 } }, date: '2027-01-05' })
 */
export function withPrices(override: PriceTableOverride, base: PriceTable = DEFAULT_PRICE_TABLE): PriceTable {
  const merged: PriceTable = {
    ...base,
    ...override,
    sources: [...(override.sources ?? []), ...base.sources],
    instances: { ...base.instances, ...(override.instances ?? {}) },
    mediaconvert: { ...base.mediaconvert, ...(override.mediaconvert ?? {}) },
    stepFunctions: { ...base.stepFunctions, ...(override.stepFunctions ?? {}) },
  };
  const issues: ValidationIssue[] = [];
  for (const [k, v] of Object.entries(merged.instances)) {
    if (!(v.onDemandHourly >= 0))
      issues.push({ path: `/instances/${k}/onDemandHourly`, message: 'must be ≥ 0' });
    if (v.spotHourly !== undefined && !(v.spotHourly >= 0))
      issues.push({ path: `/instances/${k}/spotHourly`, message: 'must be ≥ 0' });
  }
  if (!/^\d{4}-\d{2}-\d{2}$/.test(merged.date)) issues.push({ path: '/date', message: 'must be YYYY-MM-DD' });
  if (issues.length) throw new ValidationError('price table', issues);
  return merged;
}

/** A price per slot-second and the sentence that says how it was found (`slotSecondPrice`). */
export interface SlotSecondPrice {
  readonly usd: number;
  readonly assumption: string;
}

/**
 * The price of one GPU slot-second: the instance's hourly price (on-demand or Spot) / 3600 / slots per host, with
 * the assumption it makes. Throws `VODSR_UNKNOWN_PRICE` when the table has no such price.
 *
 * @example slotSecondPrice(DEFAULT_PRICE_TABLE, 'g6e.xlarge', 'spot', 1).usd === 0.75 / 3600
 */
export function slotSecondPrice(
  prices: PriceTable,
  instanceType: string,
  purchase: 'on-demand' | 'spot',
  slots: number,
): SlotSecondPrice {
  const inst = prices.instances[instanceType];
  const hourly = inst === undefined ? undefined : purchase === 'spot' ? inst.spotHourly : inst.onDemandHourly;
  if (hourly === undefined) {
    throw new VodsrError(
      'VODSR_UNKNOWN_PRICE',
      `The price table (${prices.date}) has no ${purchase} price for ${instanceType}: add it to your table (VodsrPipeline: \`prices: { instances: { "${instanceType}": { gpus, onDemandHourly, spotHourly } } }\`)`,
      { details: { instanceType, purchase, known: Object.keys(prices.instances) } },
    );
  }
  const usd = hourly / 3600 / slots;
  return {
    usd,
    assumption: `${instanceType} ${purchase} $${hourly}/h (${prices.region}, prices of ${prices.date}), ${slots} slot(s) per host: $${Math.round(usd * 1e8) / 1e8} per slot-second`,
  };
}

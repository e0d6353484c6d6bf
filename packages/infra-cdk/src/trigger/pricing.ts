import { ValidationError, type WorkflowInput } from '@vodsr/core';
import {
  type CostFigures,
  DEFAULT_PRICE_TABLE,
  estimateFromSize,
  estimateInputFromSize,
  type PriceTable,
  type PriceTableOverride,
  withPrices,
} from '@vodsr/core/cost';
import { planRungs } from '@vodsr/mediaconvert-presets';

/**
 * How the deployed fleet is priced, resolved once from the construct props and shared by the workflow's
 * `NotifySuccess` (`cost.actual`) and the trigger and backfill Lambdas (`estimate`, through `PRICING_ENV`).
 */

/** The environment variable with the fleet's pricing (compact JSON: `pricingEnvValue`). */
export const PRICING_ENV = 'VODSR_PRICING';

/** The fleet, as far as its price goes. */
export interface FleetPricingProps {
  /** The fleet's instance types in order of preference: priced as the first. @default ['g6e.xlarge'] */
  readonly instanceTypes?: readonly string[];
  /** Spot hosts. @default false */
  readonly spot?: boolean;
  /** @default 1 */
  readonly slotsPerHost?: number;
  /** Prices to use instead of core's table (merged over it, `withPrices`; give `date` with them). @default none */
  readonly prices?: PriceTableOverride;
}

/** The resolved pricing (every field set, the table merged and checked). */
export interface ResolvedPricing {
  readonly instanceType: string;
  readonly purchase: 'on-demand' | 'spot';
  readonly slotsPerHost: number;
  readonly prices: PriceTable;
}

/**
 * Resolves the fleet's pricing: the first instance type, Spot or on-demand, slots per host, and the price table
 * (core's, with the override merged in). Throws `VODSR_UNKNOWN_PRICE` when the table cannot price the fleet.
 *
 * @example resolvePricing({ instanceTypes: ['g6e.2xlarge'], spot: true }).purchase === 'spot'
 */
export function resolvePricing(p: FleetPricingProps = {}): ResolvedPricing {
  const prices = p.prices === undefined ? DEFAULT_PRICE_TABLE : withPrices(p.prices);
  const r: ResolvedPricing = {
    instanceType: p.instanceTypes?.[0] ?? 'g6e.xlarge',
    purchase: p.spot === true ? 'spot' : 'on-demand',
    slotsPerHost: p.slotsPerHost ?? 1,
    prices,
  };
  // an unpriceable fleet fails the synth, not the first upload
  estimateFromSize(1, 'A', { ...r, packaging: 'none' }, prices);
  return r;
}

/**
 * The pricing as a Lambda environment value: the table cut down to the fleet's instance type and without its
 * sources (Lambda environments are limited to 4 KB), its date and region kept.
 */
export function pricingEnvValue(p: ResolvedPricing): string {
  const inst = p.prices.instances[p.instanceType];
  const prices: PriceTable = {
    ...p.prices,
    sources: [],
    instances: inst === undefined ? {} : { [p.instanceType]: inst },
  };
  const { note: _note, ...compact } = prices;
  return JSON.stringify({ ...p, prices: compact });
}

/** Reads `PRICING_ENV` (`pricingEnvValue`); core's defaults when unset. Throws `VODSR_VALIDATION` when malformed. */
export function pricingFromEnv(env: Record<string, string | undefined> = process.env): ResolvedPricing {
  const raw = env[PRICING_ENV];
  if (!raw) return resolvePricing();
  let v: Partial<ResolvedPricing>;
  try {
    v = JSON.parse(raw) as Partial<ResolvedPricing>;
  } catch (e) {
    throw new ValidationError('trigger environment', [
      { path: `/${PRICING_ENV}`, message: `is not JSON (${(e as Error).message})` },
    ]);
  }
  return resolvePricing({
    ...(v.instanceType ? { instanceTypes: [v.instanceType] } : {}),
    spot: v.purchase === 'spot',
    ...(v.slotsPerHost === undefined ? {} : { slotsPerHost: v.slotsPerHost }),
    ...(v.prices === undefined ? {} : { prices: v.prices }),
  });
}

/** The MediaConvert outputs of a preset at an SR size (its rungs). */
function rungSizes(preset: string, sr: { width: number; height: number }) {
  return planRungs(preset as never, { ...sr, durationSeconds: 1, hasAudio: false }).map((r) => ({
    width: r.width,
    height: r.height,
  }));
}

/**
 * The estimate of a job known only by its object's size (the trigger's S3 record, the backfill's listing item):
 * core's `estimateInputFromSize` with the job's model and scale, its packaging (host: $0; MediaConvert: one output per
 * rung of its preset at the guessed SR size; preset none: nothing), the quality step when the job has it, and the
 * fleet's pricing, the documented default
 * throughput (learning it would cost a ListExecutions + DescribeExecution per job read, on every cold start).
 * `undefined` when it cannot be made (the job still starts, with `estimate: null`).
 *
 * @example input.estimate = objectEstimate(input, record.s3.object.size, pricingFromEnv()) ?? null;
 */
export function objectEstimate(
  input: WorkflowInput,
  bytes: number | undefined,
  pricing: ResolvedPricing,
): CostFigures | undefined {
  if (bytes === undefined || !(bytes > 0)) return undefined;
  try {
    return estimateInputFromSize(
      input,
      bytes,
      (sr) => rungSizes(input.packagingPreset, sr),
      { instanceType: pricing.instanceType, purchase: pricing.purchase, slotsPerHost: pricing.slotsPerHost },
      pricing.prices,
    );
  } catch {
    return undefined;
  }
}

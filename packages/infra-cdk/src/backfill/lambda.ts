import {
  type BackfillDecision,
  type BackfillItemEvent,
  createBackfillItemHandler,
} from '@vodsr/core/backfill';
import { hostHlsPlan } from '@vodsr/mediaconvert-presets';
import { triggerConfigFromEnv } from '../trigger/env.js';
import { estimatedDecision } from '../trigger/estimating.js';
import { pricingFromEnv, type ResolvedPricing } from '../trigger/pricing.js';

let cached: ((event: BackfillItemEvent) => Promise<BackfillDecision>) | undefined;
let pricing: ResolvedPricing | undefined;

/**
 * The backfill's per-item Lambda: one listed object → submit (the trigger's name and `prepareJob` input, bulk
 * priority) or skip with its reason. Same environment as the trigger (`TRIGGER_ENV`, `VODSR_PRICING`), so both
 * apply one rule set; a submitted job's input carries the size-based estimate of the listed object.
 */
export async function handler(event: BackfillItemEvent): Promise<BackfillDecision> {
  cached ??= createBackfillItemHandler({ config: triggerConfigFromEnv(), hostHlsPlan });
  pricing ??= pricingFromEnv();
  return estimatedDecision(await cached(event), event, pricing);
}

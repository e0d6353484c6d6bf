import {
  type BackfillDecision,
  type BackfillItemEvent,
  createBackfillItemHandler,
} from '@vodsr/core/backfill';
import { hostHlsPlan } from '@vodsr/mediaconvert-presets';
import { triggerConfigFromEnv } from '../trigger/env.js';

let cached: ((event: BackfillItemEvent) => Promise<BackfillDecision>) | undefined;

/**
 * The backfill's per-item Lambda: one listed object → submit (the trigger's name and `prepareJob` input, bulk
 * priority) or skip with its reason. Same environment as the trigger (`TRIGGER_ENV`), so both apply one rule set.
 */
export async function handler(event: BackfillItemEvent): Promise<BackfillDecision> {
  cached ??= createBackfillItemHandler({ config: triggerConfigFromEnv(), hostHlsPlan });
  return cached(event);
}

import { SFNClient } from '@aws-sdk/client-sfn';
import { ValidationError } from '@vodsr/core';
import { createTriggerHandler, type S3NotificationEvent, type TriggerResult } from '@vodsr/core/ingest';
import { hostHlsPlan } from '@vodsr/mediaconvert-presets';
import { TRIGGER_ENV, triggerConfigFromEnv } from './env.js';
import { estimatingStarter, eventObjectSizes } from './estimating.js';
import { pricingFromEnv } from './pricing.js';
import { createSfnStarter } from './sfnStarter.js';

let cached: ((event: S3NotificationEvent) => Promise<TriggerResult>) | undefined;
// the object sizes of the event being handled (a Lambda instance handles one event at a time)
let sizes = new Map<string, number>();

/**
 * The trigger Lambda's entry point: S3 event → one Step Functions execution per video object, its input carrying a
 * size-based `estimate` priced at the fleet's pricing (`VODSR_PRICING`).
 */
export async function handler(event: S3NotificationEvent): Promise<TriggerResult> {
  if (cached === undefined) {
    const arn = process.env[TRIGGER_ENV.stateMachineArn];
    if (!arn) {
      throw new ValidationError('trigger environment', [
        { path: `/${TRIGGER_ENV.stateMachineArn}`, message: 'is required' },
      ]);
    }
    cached = createTriggerHandler({
      start: estimatingStarter(
        createSfnStarter(new SFNClient({}), arn),
        (s) => sizes.get(s),
        pricingFromEnv(),
      ),
      config: triggerConfigFromEnv(),
      // packaging engine `host` (VODSR_PACKAGING_ENGINE): the host's HLS plan, built as the local backend builds it
      hostHlsPlan,
    });
  }
  sizes = eventObjectSizes(event);
  return cached(event);
}

import { SFNClient } from '@aws-sdk/client-sfn';
import { ValidationError } from '@vodsr/core';
import { createTriggerHandler, type S3NotificationEvent, type TriggerResult } from '@vodsr/core/ingest';
import { hostHlsPlan } from '@vodsr/mediaconvert-presets';
import { TRIGGER_ENV, triggerConfigFromEnv } from './env.js';
import { createSfnStarter } from './sfnStarter.js';

let cached: ((event: S3NotificationEvent) => Promise<TriggerResult>) | undefined;

/** The trigger Lambda's entry point: S3 event → one Step Functions execution per video object. */
export async function handler(event: S3NotificationEvent): Promise<TriggerResult> {
  if (cached === undefined) {
    const arn = process.env[TRIGGER_ENV.stateMachineArn];
    if (!arn) {
      throw new ValidationError('trigger environment', [
        { path: `/${TRIGGER_ENV.stateMachineArn}`, message: 'is required' },
      ]);
    }
    cached = createTriggerHandler({
      start: createSfnStarter(new SFNClient({}), arn),
      config: triggerConfigFromEnv(),
      // packaging engine `host` (VODSR_PACKAGING_ENGINE): the host's HLS plan, built as the local backend builds it
      hostHlsPlan,
    });
  }
  return cached(event);
}

import type { EventEmitter } from 'node:events';
import { toErrorInfo } from '@vodsr/core';
import type { S3NotificationEvent, TriggerLog, TriggerResult } from '@vodsr/core/ingest';
import type { LocalS3 } from './localS3.js';
import { type LocalS3EventRecord, normalizeLocalS3Event } from './s3Events.js';
import type { DevTriggerInvocation } from './types.js';

/** Calls of the trigger handler, one at a time, as Lambda's asynchronous invocations would make them. */
export interface TriggerDelivery {
  /** Feeds an event to the trigger (after the ones before it). */
  deliver(event: S3NotificationEvent): Promise<TriggerResult>;
  /** Every invocation so far, oldest first. */
  readonly invocations: readonly DevTriggerInvocation[];
  /** Stops accepting events and waits for the pending calls. */
  stop(): Promise<void>;
}

/**
 * Serialises trigger calls and retries a failed one twice (only retryable failures throw), like an asynchronous
 * Lambda invocation; every invocation is recorded and emitted as `'trigger'` on `events`.
 *
 * @example const { deliver } = createTriggerDelivery(trigger, log, events); await deliver(event);
 */
export function createTriggerDelivery(
  trigger: (event: S3NotificationEvent) => Promise<TriggerResult>,
  log: TriggerLog,
  events: EventEmitter,
): TriggerDelivery & { readonly accepting: boolean } {
  const invocations: DevTriggerInvocation[] = [];
  let chain: Promise<unknown> = Promise.resolve();
  let accepting = true;
  const record = (inv: DevTriggerInvocation): void => {
    invocations.push(inv);
    events.emit('trigger', inv);
  };
  const deliver = (event: S3NotificationEvent): Promise<TriggerResult> => {
    const run = chain.then(async () => {
      try {
        let result: TriggerResult | undefined;
        for (let attempt = 1; result === undefined; attempt += 1) {
          try {
            result = await trigger(event);
          } catch (e) {
            if (attempt >= 3 || !accepting) throw e;
            log({
              level: 'warn',
              msg: `trigger failed (attempt ${attempt} of 3), retrying: ${toErrorInfo(e).message}`,
            });
            await new Promise((r) => setTimeout(r, 1000 * attempt));
          }
        }
        record({ event, result });
        return result;
      } catch (e) {
        record({ event, error: toErrorInfo(e) });
        throw e;
      }
    });
    chain = run.catch(() => undefined);
    return run;
  };
  return {
    deliver,
    invocations,
    get accepting() {
      return accepting;
    },
    stop: async () => {
      accepting = false;
      await chain;
    },
  };
}

/**
 * Forwards the local S3 server's object-created events of the input bucket (S3 notifications are configured on
 * the input bucket only, for object creation), normalised to the real S3 format, while delivery accepts them.
 *
 * @example forwardInputEvents(s3server, 'vodsr-in', delivery)
 */
export function forwardInputEvents(
  s3server: LocalS3,
  inputBucket: string,
  delivery: TriggerDelivery & { readonly accepting: boolean },
): void {
  s3server.onEvent((raw: { Records: LocalS3EventRecord[] }) => {
    const records = (raw.Records ?? []).filter(
      (r) => r.s3?.bucket?.name === inputBucket && /^(s3:)?ObjectCreated:/.test(r.eventName ?? ''),
    );
    if (!delivery.accepting || records.length === 0) return;
    delivery.deliver(normalizeLocalS3Event({ Records: records })).catch(() => undefined);
  });
}

import type { WorkflowInput } from '@vodsr/core';
import type { BackfillDecision, BackfillItemEvent } from '@vodsr/core/backfill';
import type { S3NotificationEvent, StartExecution } from '@vodsr/core/ingest';
import { decodeS3EventKey, formatS3Uri } from '@vodsr/core/naming';
import { objectEstimate, type ResolvedPricing } from './pricing.js';

/**
 * Estimates on AWS records before a job runs: the trigger and the backfill's per-item Lambda put a size-based
 * `estimate` (`objectEstimate`) in the execution input, which the completion events and `AwsJobService` carry.
 */

/** The sizes of an S3 event's objects by `s3://bucket/key` (decoded key, as `prepareObjectJob` names the source). */
export function eventObjectSizes(event: S3NotificationEvent): Map<string, number> {
  const sizes = new Map<string, number>();
  for (const r of event?.Records ?? []) {
    const bucket = r?.s3?.bucket?.name;
    const raw = r?.s3?.object?.key;
    const size = r?.s3?.object?.size;
    if (!bucket || typeof raw !== 'string' || typeof size !== 'number') continue;
    try {
      sizes.set(formatS3Uri({ bucket, key: decodeS3EventKey(raw) }), size);
    } catch {
      // a malformed key: the trigger reports it, the estimate has nothing to add
    }
  }
  return sizes;
}

/** `input` with a size-based `estimate` when it has none and its object's size is known. */
export function withEstimate(
  input: WorkflowInput,
  bytes: number | undefined,
  pricing: ResolvedPricing,
): WorkflowInput {
  if (input.estimate) return input;
  const estimate = objectEstimate(input, bytes, pricing);
  return estimate === undefined ? input : { ...input, estimate };
}

/**
 * A `StartExecution` that estimates first: the object's size comes from `sizeOf(source)` (the current event's
 * records).
 *
 * @example start = estimatingStarter(createSfnStarter(client, arn), (s) => sizes.get(s), pricing);
 */
export function estimatingStarter(
  start: StartExecution,
  sizeOf: (source: string) => number | undefined,
  pricing: ResolvedPricing,
): StartExecution {
  return (name, input) => start(name, withEstimate(input, sizeOf(input.job.source), pricing));
}

/** A backfill decision whose `submit` input carries the size-based estimate of the listed object. */
export function estimatedDecision(
  decision: BackfillDecision,
  event: BackfillItemEvent,
  pricing: ResolvedPricing,
): BackfillDecision {
  if (decision.action !== 'submit') return decision;
  const size = Number(event.object?.size);
  return {
    ...decision,
    input: withEstimate(decision.input, Number.isFinite(size) ? size : undefined, pricing),
  };
}

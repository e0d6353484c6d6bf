import type { S3Client } from '@aws-sdk/client-s3';
import { ValidationError, type WorkflowInput } from '@vodsr/core';
import type { CostFigures, ExecutionPricing, PriceTable } from '@vodsr/core/cost';
import { estimateInput } from '../backfill/estimates.js';

const errName = (e: unknown): string => (e as { name?: string })?.name ?? '';

/**
 * An AWS submission's `cost.estimate` before it runs, from its source's size (`HeadObject`), as the trigger makes
 * it (`estimateInput`: the media guessed from the size, the job's packaging path, the backend's pricing, the
 * documented default throughput). A source that does not exist fails the submission (`VODSR_VALIDATION` on
 * `/source`, as the local backend says of a missing file); any other HeadObject error (no `s3:GetObject` on it
 * for this caller, throttling) or an unknown price gives `undefined`: the job starts with `estimate: null`.
 *
 * @example wf.estimate = (await estimateFromHead(s3, wf, { bucket: 'in', key: 'a.mp4' })) ?? null;
 */
export async function estimateFromHead(
  s3: Pick<S3Client, 'send'>,
  wf: WorkflowInput,
  source: { readonly bucket: string; readonly key: string },
  o: { readonly pricing?: ExecutionPricing | undefined; readonly prices?: PriceTable | undefined } = {},
): Promise<CostFigures | undefined> {
  const { HeadObjectCommand } = await import('@aws-sdk/client-s3');
  let bytes: number | undefined;
  try {
    bytes = (await s3.send(new HeadObjectCommand({ Bucket: source.bucket, Key: source.key }))).ContentLength;
  } catch (e) {
    const status = (e as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
    if (errName(e) === 'NotFound' || errName(e) === 'NoSuchKey' || status === 404)
      throw new ValidationError('job', [
        { path: '/source', message: `no such object: s3://${source.bucket}/${source.key}` },
      ]);
    return undefined;
  }
  const p = o.pricing ?? {};
  try {
    return estimateInput(
      wf,
      bytes,
      {
        ...(p.instanceType === undefined ? {} : { instanceType: p.instanceType }),
        ...(p.purchase === undefined ? {} : { purchase: p.purchase }),
        ...(p.slotsPerHost === undefined ? {} : { slotsPerHost: p.slotsPerHost }),
      },
      o.prices,
    );
  } catch {
    return undefined;
  }
}

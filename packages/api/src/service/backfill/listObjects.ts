import type { S3Client } from '@aws-sdk/client-s3';
import { parseLocation, ValidationError } from '@vodsr/core';
import type { ListedObject } from '@vodsr/core/backfill';

/** A backfill's listing: `s3://bucket/prefix/`. */
export interface BackfillLocation {
  readonly bucket: string;
  readonly prefix: string;
}

/**
 * Reads `s3://bucket/prefix/` (or `s3://bucket`) as a backfill location; anything else is `VODSR_VALIDATION`.
 * Backfills list S3 only (the real one, or `vodsr dev`'s local S3 server): a job's source is the object itself.
 *
 * @example parseBackfillLocation('s3://in/movies/') // { bucket: 'in', prefix: 'movies/' }
 */
export function parseBackfillLocation(uri: string): BackfillLocation {
  const m = typeof uri === 'string' ? /^s3:\/\/([^/]+)(?:\/(.*))?$/s.exec(uri) : null;
  const bucket = m?.[1] ?? '';
  const prefix = m?.[2] ?? '';
  const issues = [];
  if (!m)
    issues.push({ path: '/source', message: 'must be s3://bucket/prefix/ (a backfill lists an S3 bucket)' });
  else {
    try {
      // the bucket name and the prefix as a key (when there is one) follow core's S3 rules
      parseLocation(`s3://${bucket}/${prefix.length > 0 ? prefix : 'x'}`);
    } catch (e) {
      issues.push({ path: '/source', message: (e as Error).message });
    }
  }
  if (issues.length) throw new ValidationError('backfill', issues);
  return { bucket, prefix };
}

/**
 * Lists every object below a prefix with `ListObjectsV2`, page by page (1,000 keys a page), in key order.
 *
 * @example const objects = await listS3Objects(s3, 'in', 'movies/');
 */
export async function listS3Objects(
  s3: S3Client,
  bucket: string,
  prefix: string,
  signal?: AbortSignal,
): Promise<ListedObject[]> {
  const { ListObjectsV2Command } = await import('@aws-sdk/client-s3');
  const out: ListedObject[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({
        Bucket: bucket,
        ...(prefix ? { Prefix: prefix } : {}),
        ...(token ? { ContinuationToken: token } : {}),
      }),
      signal ? { abortSignal: signal } : {},
    );
    for (const o of page.Contents ?? []) {
      if (o.Key === undefined) continue;
      out.push({
        key: o.Key,
        size: o.Size ?? 0,
        etag: o.ETag ?? '',
        ...(o.LastModified ? { lastModified: o.LastModified.toISOString() } : {}),
      });
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return out;
}

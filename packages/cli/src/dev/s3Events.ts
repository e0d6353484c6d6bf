import { encodeS3EventKey } from '@vodsr/core/naming';

/** A record as a local S3 server (s3rver) emits it: keys are raw, not URL-encoded. */
export interface LocalS3EventRecord {
  readonly eventName?: string;
  readonly eventTime?: string;
  readonly awsRegion?: string;
  readonly s3: {
    readonly bucket: { readonly name: string };
    readonly object: {
      readonly key: string;
      readonly size?: number;
      readonly eTag?: string;
      readonly sequencer?: string;
      readonly versionId?: string;
    };
  };
}

/** An S3 event notification record in the real S3 format (URL-encoded key, `+` for space). */
export interface NormalizedS3Record {
  readonly eventVersion: '2.1';
  readonly eventSource: 'aws:s3';
  readonly awsRegion: string;
  readonly eventTime: string;
  readonly eventName: string;
  readonly s3: {
    readonly s3SchemaVersion: '1.0';
    readonly bucket: { readonly name: string; readonly arn: string };
    readonly object: {
      readonly key: string;
      readonly size?: number;
      readonly eTag?: string;
      readonly sequencer?: string;
      readonly versionId?: string;
    };
  };
}

/**
 * Turns a local S3 server's event into the real S3 notification format the trigger Lambda receives: each key
 * URL-encoded as S3 does (`encodeS3EventKey`: `+` for space, `/` kept), `s3:`-less event names
 * (`ObjectCreated:Put`, `ObjectCreated:Post` for a completed multipart upload), and the bucket ARN.
 *
 * @example
 * normalizeLocalS3Event({ Records: [{ eventName: 'ObjectCreated:Put', s3: { bucket: { name: 'in' }, object: { key: 'a b+c.mp4' } } }] })
 *   .Records[0].s3.object.key === 'a+b%2Bc.mp4'
 */
export function normalizeLocalS3Event(event: { readonly Records?: readonly LocalS3EventRecord[] }): {
  Records: NormalizedS3Record[];
} {
  const records = Array.isArray(event?.Records) ? event.Records : [];
  return {
    Records: records.map((r) => {
      const o = r.s3.object;
      const object: NormalizedS3Record['s3']['object'] = {
        key: encodeS3EventKey(o.key),
        ...(o.size !== undefined ? { size: o.size } : {}),
        ...(o.eTag !== undefined ? { eTag: o.eTag } : {}),
        ...(o.sequencer !== undefined ? { sequencer: o.sequencer } : {}),
        ...(o.versionId !== undefined ? { versionId: o.versionId } : {}),
      };
      return {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: r.awsRegion ?? 'us-east-1',
        eventTime: r.eventTime ?? new Date().toISOString(),
        eventName: (r.eventName ?? '').replace(/^s3:/, ''),
        s3: {
          s3SchemaVersion: '1.0',
          bucket: { name: r.s3.bucket.name, arn: `arn:aws:s3:::${r.s3.bucket.name}` },
          object,
        },
      };
    }),
  };
}

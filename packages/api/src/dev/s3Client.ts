import type { S3Client } from '@aws-sdk/client-s3';
import { LOCAL_S3_ACCESS_KEY } from './localS3.js';

/**
 * An S3 client for a local S3-compatible server: path-style, its fixed dev key, and checksums only when required
 * (s3rver would otherwise store the SDK's chunk framing inside objects). Loads the SDK lazily.
 *
 * @example const s3 = await localS3Client('http://127.0.0.1:4569');
 */
export async function localS3Client(endpoint: string): Promise<S3Client> {
  const { S3Client } = await import('@aws-sdk/client-s3');
  return new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: LOCAL_S3_ACCESS_KEY, secretAccessKey: LOCAL_S3_ACCESS_KEY },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

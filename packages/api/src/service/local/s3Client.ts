import type { S3Client } from '@aws-sdk/client-s3';
/** s3rver's fixed access key (s3rver checks it; the secret is not checked). Not a credential. */
export const LOCAL_S3_ACCESS_KEY = 'S3RVER';

/** Environment for the AWS CLI / SDK talking to the local S3 server (its fixed dev key, a region). */
export const LOCAL_S3_ENV: Readonly<Record<string, string>> = {
  AWS_ACCESS_KEY_ID: LOCAL_S3_ACCESS_KEY,
  AWS_SECRET_ACCESS_KEY: LOCAL_S3_ACCESS_KEY,
  AWS_DEFAULT_REGION: 'us-east-1',
  AWS_REGION: 'us-east-1',
  AWS_EC2_METADATA_DISABLED: 'true',
};

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

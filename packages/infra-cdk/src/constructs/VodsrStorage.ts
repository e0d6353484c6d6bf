import { ValidationError, type ValidationIssue } from '@vodsr/core';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  type IBucket,
  ObjectOwnership,
} from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledge } from './nag.js';

/** Props of `VodsrStorage`. */
export interface VodsrStorageProps {
  /** An existing bucket for uploads (sources). @default a new bucket */
  readonly inputBucket?: IBucket;
  /** An existing bucket for results (SR files and HLS). @default a new bucket */
  readonly outputBucket?: IBucket;
  /** Key prefix of results in the output bucket (`''` or ending with `/`). @default 'vodsr/' */
  readonly outputPrefix?: string;
  /** Prefix of temporary objects, expired by a lifecycle rule in both new buckets. @default 'tmp/' */
  readonly tempPrefix?: string;
  /** Days after which temporary objects and incomplete multipart uploads are removed. @default 7 */
  readonly tempExpirationDays?: number;
  /** Bucket that receives S3 server access logs of the new buckets. @default no access logs */
  readonly accessLogsBucket?: IBucket;
  /** What happens to NEW buckets when the stack is deleted. @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The input and output buckets (new or existing). New buckets are encrypted (SSE-S3), block all public access,
 * refuse non-TLS requests, enforce bucket-owner object ownership and expire temporary objects and incomplete
 * multipart uploads. Input and output must be different buckets, so results can never trigger a job.
 */
export class VodsrStorage extends Construct {
  /** Uploads land here; its object-created events start jobs. */
  public readonly inputBucket: IBucket;
  /** SR files and HLS go here; it never triggers anything. */
  public readonly outputBucket: IBucket;
  /** Key prefix of results in the output bucket (`''` or ending with `/`). */
  public readonly outputPrefix: string;

  public constructor(scope: Construct, id: string, props: VodsrStorageProps = {}) {
    super(scope, id);
    const prefix = props.outputPrefix ?? 'vodsr/';
    const issues: ValidationIssue[] = [];
    if (
      prefix !== '' &&
      (!prefix.endsWith('/') || prefix.startsWith('/') || !/^[A-Za-z0-9._\-/]+$/.test(prefix))
    )
      issues.push({
        path: '/outputPrefix',
        message: "must be '' or like 'results/' ([A-Za-z0-9._-/], ending with /)",
      });
    const days = props.tempExpirationDays ?? 7;
    if (!Number.isInteger(days) || days < 1)
      issues.push({ path: '/tempExpirationDays', message: 'must be a positive integer' });
    if (props.inputBucket && props.outputBucket && props.inputBucket === props.outputBucket)
      issues.push({
        path: '/outputBucket',
        message: 'must differ from inputBucket (results would trigger jobs)',
      });
    if (issues.length) throw new ValidationError('VodsrStorage props', issues);
    this.outputPrefix = prefix;

    const newBucket = (name: string): Bucket => {
      const bucket = new Bucket(this, name, {
        encryption: BucketEncryption.S3_MANAGED,
        blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
        enforceSSL: true,
        minimumTLSVersion: 1.2,
        objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
        removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
        ...(props.accessLogsBucket
          ? {
              serverAccessLogsBucket: props.accessLogsBucket,
              serverAccessLogsPrefix: `${name.toLowerCase()}/`,
            }
          : {}),
        lifecycleRules: [
          {
            id: 'abort-incomplete-multipart-uploads',
            abortIncompleteMultipartUploadAfter: Duration.days(days),
          },
          {
            id: 'expire-temporary-objects',
            prefix: props.tempPrefix ?? 'tmp/',
            expiration: Duration.days(days),
          },
        ],
      });
      if (!props.accessLogsBucket) {
        acknowledge(
          bucket,
          'AwsSolutions-S1',
          'Server access logging is opt-in (accessLogsBucket prop); object-level auditing can use CloudTrail data events.',
        );
      }
      return bucket;
    };
    this.inputBucket = props.inputBucket ?? newBucket('Input');
    this.outputBucket = props.outputBucket ?? newBucket('Output');
  }
}

import { ValidationError, type ValidationIssue } from '@vodsr/core';
import { DEFAULT_VIDEO_SUFFIXES } from '@vodsr/core/ingest';
import { Duration, Stack } from 'aws-cdk-lib';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { EventType, type IBucket } from 'aws-cdk-lib/aws-s3';
import { LambdaDestination } from 'aws-cdk-lib/aws-s3-notifications';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { TRIGGER_ENV } from '../trigger/env.js';
import { PRICING_ENV, pricingEnvValue, type ResolvedPricing } from '../trigger/pricing.js';
import { acknowledgeManagedPolicy } from './nag.js';
import { vodsrFunction } from './vodsrFunction.js';

/** Props of `VodsrTrigger`. */
export interface VodsrTriggerProps {
  /** Uploads here start jobs. */
  readonly inputBucket: IBucket;
  /** Results go here; its objects never start jobs. Must differ from `inputBucket`. */
  readonly outputBucket: IBucket;
  /** Key prefix of results in the output bucket. @default '' */
  readonly outputPrefix?: string;
  /** Only keys under this prefix of the input bucket start jobs. @default every key */
  readonly inputPrefix?: string;
  /** The workflow to start. */
  readonly stateMachine: IStateMachine;
  /** A fixed host instance id (legacy; the fleet places each job where a slot is free). @default none */
  readonly instanceId?: string;
  /** SR model id. @default 'A' */
  readonly model?: string;
  /** Packaging preset id. @default 'hls-single' */
  readonly packagingPreset?: string;
  /** Who packages: `mediaconvert`, or `host` (the GPU host in its SR pass; the Lambda plans it). @default 'mediaconvert' */
  readonly packagingEngine?: 'mediaconvert' | 'host';
  /** Video suffixes, compared case-insensitively by the Lambda. @default DEFAULT_VIDEO_SUFFIXES */
  readonly videoSuffixes?: readonly string[];
  /** How the fleet is priced: each started job's size-based `estimate` uses it. @default core's table, g6e.xlarge on-demand */
  readonly pricing?: ResolvedPricing;
}

/**
 * The S3-upload trigger: every object-created event of the input bucket invokes a Node.js 22 Lambda (bundled with the
 * local esbuild) that starts one execution per video record with a deterministic name (`ExecutionAlreadyExists` =
 * already done). The suffix filter is in the Lambda (S3 filters are case-sensitive); the output bucket has no
 * notification, and the Lambda also ignores it by name.
 */
export class VodsrTrigger extends Construct {
  public readonly function: NodejsFunction;

  public constructor(scope: Construct, id: string, props: VodsrTriggerProps) {
    super(scope, id);
    const issues: ValidationIssue[] = [];
    if (props.inputBucket === props.outputBucket)
      issues.push({
        path: '/outputBucket',
        message: 'must differ from inputBucket (results would trigger jobs)',
      });
    if (props.videoSuffixes?.some((s) => !/^\.?[A-Za-z0-9]+$/.test(s)))
      issues.push({ path: '/videoSuffixes', message: 'must be suffixes like .mp4' });
    if (issues.length) throw new ValidationError('VodsrTrigger props', issues);
    const prefix = props.outputPrefix ?? '';
    this.function = vodsrFunction(this, 'Function', {
      entryName: 'trigger',
      description: 'vodsr: starts one workflow execution per uploaded video (all records, idempotent)',
      timeout: Duration.seconds(60),
      environment: {
        [TRIGGER_ENV.stateMachineArn]: props.stateMachine.stateMachineArn,
        [TRIGGER_ENV.outputRoot]: `s3://${props.outputBucket.bucketName}/${prefix}`,
        ...(props.instanceId ? { [TRIGGER_ENV.instanceId]: props.instanceId } : {}),
        [TRIGGER_ENV.model]: props.model ?? 'A',
        [TRIGGER_ENV.packagingPreset]: props.packagingPreset ?? 'hls-single',
        ...(props.packagingEngine ? { [TRIGGER_ENV.packagingEngine]: props.packagingEngine } : {}),
        [TRIGGER_ENV.videoSuffixes]: (props.videoSuffixes ?? DEFAULT_VIDEO_SUFFIXES).join(','),
        [TRIGGER_ENV.inputBucket]: props.inputBucket.bucketName,
        [TRIGGER_ENV.outputBucket]: props.outputBucket.bucketName,
        ...(props.pricing ? { [PRICING_ENV]: pricingEnvValue(props.pricing) } : {}),
      },
    });
    props.stateMachine.grantStartExecution(this.function);
    props.inputBucket.addEventNotification(
      EventType.OBJECT_CREATED,
      new LambdaDestination(this.function),
      ...(props.inputPrefix ? [{ prefix: props.inputPrefix }] : []),
    );
    // The stack-wide custom resource that configures bucket notifications (created by aws-cdk-lib).
    const handler = Stack.of(this).node.tryFindChild(
      'BucketNotificationsHandler050a0587b7544547bf325f094a3db834',
    );
    if (handler) {
      acknowledgeManagedPolicy(
        handler,
        'service-role/AWSLambdaBasicExecutionRole',
        "aws-cdk-lib's bucket-notification custom resource: the AWS-maintained policy only lets it write its own logs.",
      );
    }
  }
}

import { ValidationError, type ValidationIssue } from '@vodsr/core';
import { type BackfillDefinitionOptions, buildBackfillDefinition } from '@vodsr/core/backfill';
import { DEFAULT_VIDEO_SUFFIXES } from '@vodsr/core/ingest';
import { Arn, ArnFormat, Duration, Names, Stack } from 'aws-cdk-lib';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import {
  DefinitionBody,
  type IStateMachine,
  LogLevel,
  StateMachine,
  StateMachineType,
} from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { TRIGGER_ENV } from '../trigger/env.js';
import { PRICING_ENV, pricingEnvValue, type ResolvedPricing } from '../trigger/pricing.js';
import { acknowledge, acknowledgeWildcardResource } from './nag.js';
import { vodsrFunction } from './vodsrFunction.js';

/** Props of `VodsrBackfill`. */
export interface VodsrBackfillProps {
  /** The bucket whose objects are backfilled (the trigger's input bucket). */
  readonly inputBucket: IBucket;
  /** Results bucket: job outputs go here, and the Distributed Map writes its result files here too. */
  readonly outputBucket: IBucket;
  /** Key prefix of results in the output bucket (the trigger's). @default '' */
  readonly outputPrefix?: string;
  /** Where the Distributed Map's result files go in the output bucket. @default 'backfills/' */
  readonly resultPrefix?: string;
  /** The job workflow each item starts. */
  readonly jobStateMachine: IStateMachine;
  /** A fixed host instance id (legacy, as the trigger's; with pull admission the agent's placement decides). @default none */
  readonly instanceId?: string;
  /** @default 'A' */
  readonly model?: string;
  /** @default 'hls-single' */
  readonly packagingPreset?: string;
  /** @default 'mediaconvert' */
  readonly packagingEngine?: 'mediaconvert' | 'host';
  /** @default DEFAULT_VIDEO_SUFFIXES */
  readonly videoSuffixes?: readonly string[];
  /** How the fleet is priced: each submitted job's size-based `estimate` uses it. @default core's table, g6e.xlarge on-demand */
  readonly pricing?: ResolvedPricing;
  /** Items at a time (with `waitForJobs`: jobs of the backfill queued or running at once). @default 100 */
  readonly maxConcurrency?: number;
  /** @default 5 */
  readonly toleratedFailurePercentage?: number;
  /** Each item waits for its job (`startExecution.sync:2`). @default true */
  readonly waitForJobs?: boolean;
}

/**
 * The backfill state machine (core's `buildBackfillDefinition`): a Distributed Map over `s3:listObjectsV2` of the
 * input bucket, a per-item Lambda with the trigger's rules and `prepareJob` (`priority: 'bulk'`), and
 * `states:startExecution` of the job workflow under the trigger's deterministic name (existing = skipped).
 * Start it with `{ "bucket": "<input bucket>", "prefix": "movies/", "include": "*.mp4,*.mov" }`.
 */
export class VodsrBackfill extends Construct {
  public readonly stateMachine: StateMachine;
  public readonly function: NodejsFunction;
  public readonly logGroup: LogGroup;
  /** The ASL definition as deployed (with tokens). */
  public readonly definition: Record<string, unknown>;

  public constructor(scope: Construct, id: string, props: VodsrBackfillProps) {
    super(scope, id);
    const issues: ValidationIssue[] = [];
    if (props.inputBucket === props.outputBucket)
      issues.push({ path: '/outputBucket', message: 'must differ from inputBucket' });
    const resultPrefix = props.resultPrefix ?? 'backfills/';
    if (!/^[A-Za-z0-9!_.*'()/-]*$/.test(resultPrefix))
      issues.push({ path: '/resultPrefix', message: 'must be a plain S3 key prefix' });
    if (issues.length) throw new ValidationError('VodsrBackfill props', issues);
    const stack = Stack.of(this);

    this.function = vodsrFunction(this, 'PlanItem', {
      entryName: 'backfill',
      description:
        'vodsr backfill: decides one listed object (the trigger rules + prepareJob, bulk priority)',
      timeout: Duration.seconds(30),
      environment: {
        [TRIGGER_ENV.outputRoot]: `s3://${props.outputBucket.bucketName}/${props.outputPrefix ?? ''}`,
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

    const options: BackfillDefinitionOptions = {
      planFunctionArn: this.function.functionArn,
      jobStateMachineArn: props.jobStateMachine.stateMachineArn,
      resultBucket: props.outputBucket.bucketName,
      resultPrefix,
      ...(props.maxConcurrency === undefined ? {} : { maxConcurrency: props.maxConcurrency }),
      ...(props.toleratedFailurePercentage === undefined
        ? {}
        : { toleratedFailurePercentage: props.toleratedFailurePercentage }),
      ...(props.waitForJobs === undefined ? {} : { waitForJobs: props.waitForJobs }),
    };
    this.definition = buildBackfillDefinition(options);

    this.logGroup = new LogGroup(this, 'Logs', { retention: RetentionDays.ONE_MONTH });
    // A fixed name, so the role can name the state machine's own ARN (a Distributed Map starts child executions
    // of itself) without a circular reference.
    const name = `${Names.uniqueResourceName(this, { maxLength: 60 })}`;
    this.stateMachine = new StateMachine(this, 'StateMachine', {
      stateMachineName: name,
      definitionBody: DefinitionBody.fromString(stack.toJsonString(this.definition)),
      stateMachineType: StateMachineType.STANDARD,
      logs: { destination: this.logGroup, level: LogLevel.ALL, includeExecutionData: false },
      tracingEnabled: true,
    });
    const selfArn = stack.formatArn({
      service: 'states',
      resource: 'stateMachine',
      resourceName: name,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    const selfExecutions = stack.formatArn({
      service: 'states',
      resource: 'execution',
      resourceName: `${name}/*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    const jobExecutions = Arn.format(
      {
        ...Arn.split(props.jobStateMachine.stateMachineArn, ArnFormat.COLON_RESOURCE_NAME),
        resource: 'execution',
        resourceName: `${Arn.split(props.jobStateMachine.stateMachineArn, ArnFormat.COLON_RESOURCE_NAME).resourceName}:*`,
      },
      stack,
    );
    const rule = stack.formatArn({
      service: 'events',
      resource: 'rule',
      resourceName: 'StepFunctionsGetEventsForStepFunctionsExecutionRule',
    });
    const role = this.stateMachine.role;
    // ItemReader: list the input bucket (the prefix comes with each execution).
    role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['s3:ListBucket'], resources: [props.inputBucket.bucketArn] }),
    );
    // ResultWriter: only below the result prefix.
    const resultObjects = props.outputBucket.arnForObjects(`${resultPrefix}*`);
    role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['s3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
        resources: [resultObjects],
      }),
    );
    this.function.grantInvoke(role);
    // Items: start the job workflow (and, with .sync:2, follow and stop it) …
    role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['states:StartExecution'],
        resources: [props.jobStateMachine.stateMachineArn],
      }),
    );
    role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['states:DescribeExecution', 'states:StopExecution'],
        resources: [jobExecutions],
      }),
    );
    role.addToPrincipalPolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'],
        resources: [rule],
      }),
    );
    // … and the Distributed Map runs its child executions of this same state machine.
    role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['states:StartExecution'], resources: [selfArn] }),
    );
    role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['states:DescribeExecution', 'states:StopExecution'],
        resources: [selfExecutions],
      }),
    );

    const policy = role.node.tryFindChild('DefaultPolicy') ?? role;
    acknowledgeWildcardResource(
      policy,
      resultObjects,
      'ResultWriter writes its result files (names chosen by Step Functions) below the result prefix only.',
    );
    acknowledgeWildcardResource(
      policy,
      jobExecutions,
      'Executions of the job workflow are named per object: the backfill follows (.sync:2) and may stop only those.',
    );
    acknowledgeWildcardResource(
      policy,
      selfExecutions,
      "The Distributed Map's child executions of this state machine.",
    );
    acknowledge(
      policy,
      'AwsSolutions-IAM5[Resource::*]',
      'Logging to CloudWatch Logs and X-Ray tracing (added by the StateMachine construct) support only Resource "*"; every statement this construct adds names its resources.',
    );
    acknowledgeWildcardResource(
      policy,
      `${this.function.functionArn}:*`,
      'grantInvoke also allows the versions and aliases of the one per-item function.',
    );
  }
}

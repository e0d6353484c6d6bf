import { buildWorkflowDefinition, ValidationError, type ValidationIssue } from '@vodsr/core';
import type { WorkflowPricing } from '@vodsr/core/cost';
import { Aws, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { EventBus, type IEventBus, Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { type IRole, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { DefinitionBody, LogLevel, StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import {
  SSM_EVENT_FAILURE_STATUSES,
  SSM_STATUS_DETAIL_TYPES,
} from '../commandStatus/createCommandStatusHandler.js';
import { COMMAND_STATUS_DOCUMENT_ENV } from '../commandStatus/lambda.js';
import { PLANNER_ROLE_ENV } from '../planner/lambda.js';
import { acknowledge, acknowledgeWildcardResource } from './nag.js';
import type { VodsrWorkQueues } from './VodsrWorkQueues.js';
import { vodsrFunction } from './vodsrFunction.js';

/** Name of the rule Step Functions manages for `mediaconvert:createJob.sync`. */
const MEDIACONVERT_SYNC_RULE = 'StepFunctionsGetEventsForMediaConvertJobRule';

/** Props of `VodsrWorkflow`. */
export interface VodsrWorkflowProps {
  /** Name of the host SSM Command document (`VodsrHostDocument.documentName`). */
  readonly documentName: string;
  /** ARN of the host SSM Command document (`VodsrHostDocument.documentArn`). */
  readonly documentArn: string;
  /**
   * The tag every host carries (`VodsrFleet`: `vodsr:fleet` = the group name): `ssm:SendCommand` is allowed only on
   * instances with it (their ids exist only at run time).
   */
  readonly hostTag: { readonly key: string; readonly value: string };
  /** The work queues `AcquireHost` waits on (the role may send to them, and nobody else may). */
  readonly queues: VodsrWorkQueues;
  /** Attempts at placing a job before a lost host fails it. @default 3 */
  readonly maxHostAttempts?: number;
  /** The bucket with SR files (read by MediaConvert) and HLS output (written by MediaConvert). */
  readonly outputBucket: IBucket;
  /** Key prefix of results in the output bucket. @default '' */
  readonly outputPrefix?: string;
  /** Bus of the `vodsr.job.*` events. @default the account's default bus */
  readonly eventBus?: IEventBus;
  /** Seconds without a host heartbeat before the job fails. @default 300 */
  readonly heartbeatSeconds?: number;
  /** How long an SSM command waits for an offline host before it is undeliverable. @default 900 */
  readonly deliveryTimeoutSeconds?: number;
  /** MediaConvert queue ARN. @default the account's Default queue */
  readonly mediaConvertQueueArn?: string;
  /** Log group that receives the full output of every host command (`VodsrFleet.logGroup`). @default none */
  readonly hostLogGroupName?: string;
  /** Retention of the state machine's log group. @default three months */
  readonly logRetention?: RetentionDays;
  /**
   * How `NotifySuccess` prices `cost.actual` in the success event (the fleet's instance type, market, slots and the
   * price table, written into the definition). @default core's table, g6e.xlarge on-demand, 1 slot
   */
  readonly pricing?: WorkflowPricing;
}

/**
 * The vodsr workflow on AWS: the state machine from `@vodsr/core`'s `buildWorkflowDefinition` (Standard, logging
 * ALL, X-Ray), its least-privilege role, the packaging planner Lambda, the MediaConvert role, the host's command log
 * group, and the dead-host rule: an EventBridge rule on SSM command status (Failed / TimedOut / Cancelled /
 * Undeliverable …) whose Lambda fails the waiting task, so a dead host cannot hang a job.
 */
export class VodsrWorkflow extends Construct {
  public readonly stateMachine: StateMachine;
  /** The role the state machine runs with. */
  public readonly role: IRole;
  /** The role MediaConvert assumes: read SR files, write HLS. */
  public readonly mediaConvertRole: Role;
  /** Builds the MediaConvert job from the preset and the probed SR file. */
  public readonly plannerFunction: NodejsFunction;
  /** Fails the waiting task when the host's SSM command dies. */
  public readonly commandStatusFunction: NodejsFunction;
  /** The EventBridge rule on SSM command status changes of the host document. */
  public readonly commandStatusRule: Rule;
  /** Execution history logs. */
  public readonly logGroup: LogGroup;
  /** The ASL definition deployed (tokens unresolved). */
  public readonly definition: Record<string, unknown>;

  public constructor(scope: Construct, id: string, props: VodsrWorkflowProps) {
    super(scope, id);
    const issues: ValidationIssue[] = [];
    const prefix = props.outputPrefix ?? '';
    if (prefix !== '' && !prefix.endsWith('/'))
      issues.push({ path: '/outputPrefix', message: "must be '' or end with /" });
    if (issues.length) throw new ValidationError('VodsrWorkflow props', issues);
    const stack = Stack.of(this);
    const arn = (service: string, resource: string, resourceName?: string): string =>
      stack.formatArn({ service, resource, ...(resourceName === undefined ? {} : { resourceName }) });
    const bus = props.eventBus ?? EventBus.fromEventBusName(this, 'DefaultBus', 'default');

    this.mediaConvertRole = new Role(this, 'MediaConvertRole', {
      // Confused deputy: only MediaConvert acting for this account may assume it.
      assumedBy: new ServicePrincipal('mediaconvert.amazonaws.com', {
        conditions: {
          StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
          ArnLike: { 'aws:SourceArn': `arn:${Aws.PARTITION}:mediaconvert:${Aws.REGION}:${Aws.ACCOUNT_ID}:*` },
        },
      }),
      description: 'vodsr: MediaConvert reads SR files and writes HLS in the output bucket',
    });
    const srFiles = props.outputBucket.arnForObjects(`${prefix}*`);
    const hls = props.outputBucket.arnForObjects(`${prefix}*hls/*`);
    this.mediaConvertRole.addToPrincipalPolicy(
      new PolicyStatement({ sid: 'ReadSrFiles', actions: ['s3:GetObject'], resources: [srFiles] }),
    );
    this.mediaConvertRole.addToPrincipalPolicy(
      new PolicyStatement({ sid: 'WriteHls', actions: ['s3:PutObject'], resources: [hls] }),
    );
    acknowledgeWildcardResource(
      this.mediaConvertRole,
      srFiles,
      'MediaConvert reads the SR file of each job under the results prefix; names derive from uploaded keys.',
    );
    acknowledgeWildcardResource(
      this.mediaConvertRole,
      hls,
      'MediaConvert writes HLS only into hls/ folders under the results prefix; folder names derive from uploaded keys.',
    );
    this.mediaConvertRole.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'LocateBucket',
        actions: ['s3:GetBucketLocation'],
        resources: [props.outputBucket.bucketArn],
      }),
    );

    this.plannerFunction = vodsrFunction(this, 'Planner', {
      entryName: 'planner',
      description: 'vodsr: builds the MediaConvert job from the packaging preset and the probed SR file',
      environment: { [PLANNER_ROLE_ENV]: this.mediaConvertRole.roleArn },
    });

    this.logGroup = new LogGroup(this, 'Logs', {
      retention: props.logRetention ?? RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    this.definition = buildWorkflowDefinition({
      documentName: props.documentName,
      interactiveQueueUrl: props.queues.interactive.queueUrl,
      bulkQueueUrl: props.queues.bulk.queueUrl,
      ...(props.maxHostAttempts === undefined ? {} : { maxHostAttempts: props.maxHostAttempts }),
      ...(props.heartbeatSeconds === undefined ? {} : { heartbeatSeconds: props.heartbeatSeconds }),
      ...(props.deliveryTimeoutSeconds === undefined
        ? {}
        : { deliveryTimeoutSeconds: props.deliveryTimeoutSeconds }),
      planPackagingFunctionArn: this.plannerFunction.functionArn,
      mediaConvertRoleArn: this.mediaConvertRole.roleArn,
      ...(props.mediaConvertQueueArn === undefined
        ? {}
        : { mediaConvertQueueArn: props.mediaConvertQueueArn }),
      eventBusName: bus.eventBusName,
      ...(props.hostLogGroupName === undefined ? {} : { cloudWatchLogGroupName: props.hostLogGroupName }),
      // always priced: NotifySuccess is the JSONata state that puts cost.actual in the success event
      pricing: props.pricing ?? {},
    });

    const role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('states.amazonaws.com'),
      description:
        'vodsr workflow: run the host document on the host, plan and run MediaConvert, emit job events',
    });
    this.role = role;
    role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'RunHostDocument',
        actions: ['ssm:SendCommand'],
        resources: [props.documentArn],
      }),
    );
    // Fleet instances come and go: SendCommand is allowed on instances that carry the fleet's tag, and only those.
    const instances = arn('ec2', 'instance', '*');
    role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'RunOnFleetHosts',
        actions: ['ssm:SendCommand'],
        resources: [instances],
        conditions: { StringEquals: { [`aws:ResourceTag/${props.hostTag.key}`]: props.hostTag.value } },
      }),
    );
    acknowledgeWildcardResource(
      role,
      instances,
      'Fleet hosts are launched by EC2 Auto Scaling (ids exist only at run time): SendCommand is limited to instances tagged with this fleet (aws:ResourceTag condition) and to the host document.',
    );
    props.queues.allowSendOnlyBy(role);
    role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'PlanPackaging',
        actions: ['lambda:InvokeFunction'],
        resources: [this.plannerFunction.functionArn],
      }),
    );
    // As documented for the Step Functions integration (step-functions/latest/dg/mediaconvert-iam.html): "Because
    // MediaConvert provides partial support for resource-level access control, you must use Resource *". CreateJob
    // also authorizes mediaconvert:TagResource (Service Authorization Reference, MediaConvert: CreateJob).
    role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'CreateMediaConvertJob',
        actions: ['mediaconvert:CreateJob', 'mediaconvert:TagResource'],
        resources: ['*'],
      }),
    );
    role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'TrackMediaConvertJob',
        actions: ['mediaconvert:GetJob', 'mediaconvert:CancelJob'],
        resources: [arn('mediaconvert', 'jobs', '*')],
      }),
    );
    role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'MediaConvertSyncRule',
        actions: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'],
        resources: [arn('events', 'rule', MEDIACONVERT_SYNC_RULE)],
      }),
    );
    role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'PassMediaConvertRole',
        actions: ['iam:PassRole'],
        resources: [this.mediaConvertRole.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'mediaconvert.amazonaws.com' } },
      }),
    );
    role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'EmitJobEvents',
        actions: ['events:PutEvents'],
        resources: [bus.eventBusArn],
      }),
    );

    acknowledgeWildcardResource(
      role,
      arn('mediaconvert', 'jobs', '*'),
      'mediaconvert:createJob.sync tracks (and on abort cancels) jobs whose ids exist only at run time.',
    );
    acknowledge(
      role,
      'AwsSolutions-IAM5[Resource::*]',
      'Logging and X-Ray (added by the StateMachine construct) support only Resource "*"; mediaconvert:CreateJob/TagResource use "*" as the Step Functions MediaConvert IAM doc requires (docs.aws.amazon.com/step-functions/latest/dg/mediaconvert-iam.html: partial resource-level support). The job role is still limited by iam:PassRole on one role.',
    );
    this.stateMachine = new StateMachine(this, 'StateMachine', {
      definitionBody: DefinitionBody.fromString(stack.toJsonString(this.definition)),
      stateMachineType: StateMachineType.STANDARD,
      role,
      logs: { destination: this.logGroup, level: LogLevel.ALL, includeExecutionData: false },
      tracingEnabled: true,
      comment: 'vodsr: SR on the Bluewhale host, then HLS with MediaConvert',
    });

    this.commandStatusFunction = vodsrFunction(this, 'CommandStatus', {
      entryName: 'commandStatus',
      description: 'vodsr: fails the waiting workflow task when the host SSM command dies',
      environment: { [COMMAND_STATUS_DOCUMENT_ENV]: props.documentName },
    });
    this.commandStatusFunction.addToRolePolicy(
      new PolicyStatement({
        sid: 'ReadCommandParameters',
        actions: ['ssm:ListCommands', 'ssm:DescribeInstanceInformation'],
        // ListCommands and DescribeInstanceInformation support no resource-level permissions.
        resources: ['*'],
      }),
    );
    this.commandStatusFunction.addToRolePolicy(
      new PolicyStatement({
        sid: 'FailWaitingTask',
        actions: ['states:SendTaskFailure'],
        // The Service Authorization Reference lists no resource type for task tokens of service integrations: the
        // token itself is the capability (and this function reads it only from our own document's commands).
        resources: ['*'],
      }),
    );
    acknowledge(
      this.commandStatusFunction,
      'AwsSolutions-IAM5[Resource::*]',
      'ssm:ListCommands and ssm:DescribeInstanceInformation support no resource-level permissions (they read the parameters of the failed command and whether its host is gone); states:SendTaskFailure has no resource type for .waitForTaskToken tokens (Service Authorization Reference, Step Functions).',
    );
    this.commandStatusRule = new Rule(this, 'CommandStatusRule', {
      description: 'vodsr: a host SSM command ended without the host reporting (dead host) → fail the job',
      eventPattern: {
        source: ['aws.ssm'],
        detailType: [...SSM_STATUS_DETAIL_TYPES],
        // `status` carries only Pending/InProgress/Delayed/Success/Cancelled/TimedOut/Failed/Cancelling;
        // Undeliverable, Terminated, Delivery/Execution Timed Out are StatusDetails, not statuses.
        detail: { 'document-name': [props.documentName], status: [...SSM_EVENT_FAILURE_STATUSES] },
      },
      targets: [
        new LambdaFunction(this.commandStatusFunction as IFunction, {
          retryAttempts: 8,
          maxEventAge: Duration.hours(2),
        }),
      ],
    });
  }
}

import type { RemovalPolicy } from 'aws-cdk-lib';
import type { IVpc, SubnetSelection } from 'aws-cdk-lib/aws-ec2';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { Policy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { BluewhaleHost, DEFAULT_HEARTBEAT_SECONDS } from './BluewhaleHost.js';
import { acknowledge } from './nag.js';
import { VodsrNotifications } from './VodsrNotifications.js';
import { VodsrStorage } from './VodsrStorage.js';
import { VodsrTrigger } from './VodsrTrigger.js';
import { VodsrWorkflow } from './VodsrWorkflow.js';

/** Props of `VodsrPipeline`. */
export interface VodsrPipelineProps {
  /** The Bluewhale AMI id in the target region (AWS Marketplace; subscribe first). */
  readonly amiId: string;
  /** Host instance type. @default 'g6e.xlarge' */
  readonly instanceType?: string;
  /** VPC of the host. @default a new VPC (public subnet, no NAT, flow logs) */
  readonly vpc?: IVpc;
  /** Subnets of the host. @default public subnets */
  readonly vpcSubnets?: SubnetSelection;
  /** AZs of a new VPC (pick ones that offer g6e). @default the region's first AZ */
  readonly availabilityZones?: readonly string[];
  /** Host root volume size in GiB. @default 200 */
  readonly rootVolumeGiB?: number;
  /** Root device name of the AMI (`aws ec2 describe-images … RootDeviceName`). @default '/dev/sda1' */
  readonly rootDeviceName?: string;
  /** Existing upload bucket. @default a new bucket */
  readonly inputBucket?: IBucket;
  /** Existing results bucket (must differ from the input bucket). @default a new bucket */
  readonly outputBucket?: IBucket;
  /** Key prefix of results in the output bucket. @default 'vodsr/' */
  readonly outputPrefix?: string;
  /** Only uploads under this prefix start jobs. @default every key */
  readonly inputPrefix?: string;
  /** SR model of triggered jobs. @default 'A' */
  readonly model?: string;
  /** Packaging preset of triggered jobs. @default 'hls-single' */
  readonly packagingPreset?: string;
  /** Video suffixes (case-insensitive). @default DEFAULT_VIDEO_SUFFIXES */
  readonly videoSuffixes?: readonly string[];
  /** Seconds without a host heartbeat before a job fails (≥ 60; the host heartbeats at a quarter of it). @default 300 */
  readonly heartbeatSeconds?: number;
  /** Bus of the `vodsr.job.*` events. @default the default bus */
  readonly eventBus?: IEventBus;
  /** Emails notified of finished jobs. @default none */
  readonly notificationEmails?: readonly string[];
  /** KMS key of the notification topic. @default none */
  readonly notificationsKey?: IKey;
  /** Bucket for S3 server access logs of new buckets. @default none */
  readonly accessLogsBucket?: IBucket;
  /** What happens to NEW buckets when the stack is deleted. @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The whole vodsr pipeline in one construct: buckets → trigger Lambda → state machine (core's definition) → SSM
 * Run Command on the Bluewhale g6e host (task token, heartbeats, dead-host rule) → MediaConvert HLS → job events
 * and SNS notifications.
 *
 * @example new VodsrPipeline(stack, 'Vodsr', { amiId: 'ami-0123456789abcdef0', notificationEmails: ['ops@example.com'] });
 */
export class VodsrPipeline extends Construct {
  public readonly storage: VodsrStorage;
  public readonly host: BluewhaleHost;
  public readonly workflow: VodsrWorkflow;
  public readonly trigger: VodsrTrigger;
  public readonly notifications: VodsrNotifications;

  public constructor(scope: Construct, id: string, props: VodsrPipelineProps) {
    super(scope, id);
    this.storage = new VodsrStorage(this, 'Storage', {
      ...(props.inputBucket ? { inputBucket: props.inputBucket } : {}),
      ...(props.outputBucket ? { outputBucket: props.outputBucket } : {}),
      ...(props.outputPrefix === undefined ? {} : { outputPrefix: props.outputPrefix }),
      ...(props.accessLogsBucket ? { accessLogsBucket: props.accessLogsBucket } : {}),
      ...(props.removalPolicy ? { removalPolicy: props.removalPolicy } : {}),
    });
    const { inputBucket, outputBucket, outputPrefix } = this.storage;
    const heartbeatSeconds = props.heartbeatSeconds ?? DEFAULT_HEARTBEAT_SECONDS;
    this.host = new BluewhaleHost(this, 'Host', {
      amiId: props.amiId,
      inputBucket,
      outputBucket,
      outputPrefix,
      ...(props.instanceType ? { instanceType: props.instanceType } : {}),
      ...(props.vpc ? { vpc: props.vpc } : {}),
      ...(props.vpcSubnets ? { vpcSubnets: props.vpcSubnets } : {}),
      ...(props.availabilityZones ? { availabilityZones: props.availabilityZones } : {}),
      ...(props.rootVolumeGiB ? { rootVolumeGiB: props.rootVolumeGiB } : {}),
      ...(props.rootDeviceName ? { rootDeviceName: props.rootDeviceName } : {}),
      heartbeatSeconds,
    });
    this.workflow = new VodsrWorkflow(this, 'Workflow', {
      documentName: this.host.documentName,
      documentArn: this.host.documentArn,
      instanceArn: this.host.instanceArn,
      outputBucket,
      outputPrefix,
      ...(props.eventBus ? { eventBus: props.eventBus } : {}),
      heartbeatSeconds,
      hostLogGroupName: this.host.logGroup.logGroupName,
    });
    // The host reports heartbeats and its result to the waiting task. A separate policy (not the role's default
    // policy, which the instance depends on) avoids a cycle: instance → host policy → state machine → instance.
    // The Service Authorization Reference lists no resource type for SendTask* with the token of a
    // .waitForTaskToken service integration: a state machine ARN would not match, so the resource is "*" (the task
    // token, which only the command of this job carries, is the capability).
    const callbacks = new Policy(this, 'HostTaskCallbacks', {
      roles: [this.host.role],
      statements: [
        new PolicyStatement({
          sid: 'ReportToWaitingTask',
          actions: ['states:SendTaskSuccess', 'states:SendTaskFailure', 'states:SendTaskHeartbeat'],
          resources: ['*'],
        }),
      ],
    });
    acknowledge(
      callbacks,
      'AwsSolutions-IAM5[Resource::*]',
      'states:SendTaskSuccess/Failure/Heartbeat have no resource type for .waitForTaskToken task tokens (Service Authorization Reference, Step Functions); the token of one job is the capability.',
    );
    this.trigger = new VodsrTrigger(this, 'Trigger', {
      inputBucket,
      outputBucket,
      outputPrefix,
      stateMachine: this.workflow.stateMachine,
      instanceId: this.host.instance.instanceId,
      ...(props.inputPrefix ? { inputPrefix: props.inputPrefix } : {}),
      ...(props.model ? { model: props.model } : {}),
      ...(props.packagingPreset ? { packagingPreset: props.packagingPreset } : {}),
      ...(props.videoSuffixes ? { videoSuffixes: props.videoSuffixes } : {}),
    });
    this.notifications = new VodsrNotifications(this, 'Notifications', {
      ...(props.eventBus ? { eventBus: props.eventBus } : {}),
      ...(props.notificationEmails ? { emails: props.notificationEmails } : {}),
      ...(props.notificationsKey ? { masterKey: props.notificationsKey } : {}),
    });
  }
}

import type { PriceTableOverride } from '@vodsr/core/cost';
import type { RemovalPolicy } from 'aws-cdk-lib';
import type { IVpc, SubnetSelection } from 'aws-cdk-lib/aws-ec2';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { resolvePricing } from '../trigger/pricing.js';
import { VodsrBackfill, type VodsrBackfillProps } from './VodsrBackfill.js';
import { FLEET_TAG_KEY, VodsrFleet, type VodsrFleetWarmPool } from './VodsrFleet.js';
import { DEFAULT_HEARTBEAT_SECONDS, VodsrHostDocument } from './VodsrHostDocument.js';
import { VodsrNotifications } from './VodsrNotifications.js';
import { VodsrStorage } from './VodsrStorage.js';
import { VodsrTrigger } from './VodsrTrigger.js';
import { VodsrWorkflow } from './VodsrWorkflow.js';
import { VodsrWorkQueues } from './VodsrWorkQueues.js';

/** Props of `VodsrPipeline`. */
export interface VodsrPipelineProps {
  /** The Bluewhale AMI id in the target region (AWS Marketplace; subscribe first). */
  readonly amiId: string;
  /** Host instance types, in order of preference, all with the same GPU count. @default ['g6e.xlarge'] */
  readonly instanceTypes?: readonly string[];
  /** Fewest hosts (0: no host, no bill without work; 1 = the seed's always-on host with min = max = 1). @default 0 */
  readonly minHosts?: number;
  /** Most hosts. @default 4 */
  readonly maxHosts?: number;
  /** Jobs one host runs at once. @default 1 */
  readonly slotsPerHost?: number;
  /** Minutes of empty queues before idle hosts go. @default 15 */
  readonly idleMinutes?: number;
  /** Spot hosts (capacity-optimized, Capacity Rebalancing). @default false */
  readonly spot?: boolean;
  /**
   * Your prices, merged over core's dated table (`withPrices`: give their `date`; e.g. your Spot price or your
   * MediaConvert volume rate). The fleet is priced as its first instance type, Spot when `spot`, per slot: in each
   * job's `estimate` (trigger, backfill) and in the success event's `cost.actual`. @default core's table
   */
  readonly prices?: PriceTableOverride;
  /** A warm pool of stopped hosts (one instance type, no Spot). @default none */
  readonly warmPool?: VodsrFleetWarmPool;
  /** Attempts at placing a job before lost hosts fail it. @default 3 */
  readonly maxHostAttempts?: number;
  /** VPC of the hosts. @default a new VPC (public subnet, no NAT, flow logs) */
  readonly vpc?: IVpc;
  /** Subnets of the hosts (the fleet spans all). @default public subnets */
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
  /**
   * Who packages triggered and backfilled jobs: `mediaconvert`, or `host` (the GPU host packages HLS in its SR pass:
   * no MediaConvert bill, NVENC quality). @default 'mediaconvert'
   */
  readonly packagingEngine?: 'mediaconvert' | 'host';
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
  /**
   * The backfill state machine (a Distributed Map over the input bucket's listing that starts the job workflow per
   * object under the trigger's name, on the bulk queue): `false` leaves it out, an object tunes it.
   * @default true (MaxConcurrency 100, 5 % tolerated failures)
   */
  readonly backfill?:
    | boolean
    | Pick<
        VodsrBackfillProps,
        'maxConcurrency' | 'toleratedFailurePercentage' | 'waitForJobs' | 'resultPrefix'
      >;
}

/**
 * The whole vodsr pipeline in one construct: buckets → trigger Lambda → state machine (core's definition) → SSM
 * work queue (a host with a free slot answers) → SSM Run Command on that Bluewhale g6e host of the fleet (task token,
 * heartbeats, dead-host rule) → MediaConvert HLS → job events
 * and SNS notifications.
 *
 * @example new VodsrPipeline(stack, 'Vodsr', { amiId: 'ami-0123456789abcdef0', notificationEmails: ['ops@example.com'] });
 */
export class VodsrPipeline extends Construct {
  public readonly storage: VodsrStorage;
  /** The interactive and bulk work queues. */
  public readonly queues: VodsrWorkQueues;
  /** The SSM document that runs one job on a host. */
  public readonly hostDocument: VodsrHostDocument;
  /** The GPU hosts (EC2 Auto Scaling). */
  public readonly fleet: VodsrFleet;
  public readonly workflow: VodsrWorkflow;
  public readonly trigger: VodsrTrigger;
  public readonly notifications: VodsrNotifications;
  /** The backfill state machine; absent with `backfill: false`. */
  public readonly backfill?: VodsrBackfill;

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
    const pricing = resolvePricing({
      ...(props.instanceTypes ? { instanceTypes: props.instanceTypes } : {}),
      ...(props.spot === undefined ? {} : { spot: props.spot }),
      ...(props.slotsPerHost === undefined ? {} : { slotsPerHost: props.slotsPerHost }),
      ...(props.prices ? { prices: props.prices } : {}),
    });
    this.queues = new VodsrWorkQueues(this, 'Queues');
    this.hostDocument = new VodsrHostDocument(this, 'HostDocument', { heartbeatSeconds });
    this.fleet = new VodsrFleet(this, 'Fleet', {
      amiId: props.amiId,
      queues: this.queues,
      inputBucket,
      outputBucket,
      outputPrefix,
      ...(props.instanceTypes ? { instanceTypes: props.instanceTypes } : {}),
      ...(props.minHosts === undefined ? {} : { minCapacity: props.minHosts }),
      ...(props.maxHosts === undefined ? {} : { maxCapacity: props.maxHosts }),
      ...(props.slotsPerHost === undefined ? {} : { slotsPerHost: props.slotsPerHost }),
      ...(props.idleMinutes === undefined ? {} : { idleMinutes: props.idleMinutes }),
      ...(props.spot === undefined ? {} : { spot: props.spot }),
      ...(props.warmPool ? { warmPool: props.warmPool } : {}),
      ...(props.vpc ? { vpc: props.vpc } : {}),
      ...(props.vpcSubnets ? { vpcSubnets: props.vpcSubnets } : {}),
      ...(props.availabilityZones ? { availabilityZones: props.availabilityZones } : {}),
      ...(props.rootVolumeGiB ? { rootVolumeGiB: props.rootVolumeGiB } : {}),
      ...(props.rootDeviceName ? { rootDeviceName: props.rootDeviceName } : {}),
    });
    this.workflow = new VodsrWorkflow(this, 'Workflow', {
      documentName: this.hostDocument.documentName,
      documentArn: this.hostDocument.documentArn,
      hostTag: { key: FLEET_TAG_KEY, value: this.fleet.groupName },
      queues: this.queues,
      ...(props.maxHostAttempts === undefined ? {} : { maxHostAttempts: props.maxHostAttempts }),
      outputBucket,
      outputPrefix,
      ...(props.eventBus ? { eventBus: props.eventBus } : {}),
      heartbeatSeconds,
      hostLogGroupName: this.fleet.logGroup.logGroupName,
      pricing,
    });
    this.trigger = new VodsrTrigger(this, 'Trigger', {
      inputBucket,
      outputBucket,
      outputPrefix,
      stateMachine: this.workflow.stateMachine,
      pricing,
      ...(props.inputPrefix ? { inputPrefix: props.inputPrefix } : {}),
      ...(props.model ? { model: props.model } : {}),
      ...(props.packagingPreset ? { packagingPreset: props.packagingPreset } : {}),
      ...(props.packagingEngine ? { packagingEngine: props.packagingEngine } : {}),
      ...(props.videoSuffixes ? { videoSuffixes: props.videoSuffixes } : {}),
    });
    if (props.backfill !== false) {
      this.backfill = new VodsrBackfill(this, 'Backfill', {
        inputBucket,
        outputBucket,
        outputPrefix,
        jobStateMachine: this.workflow.stateMachine,
        pricing,
        ...(props.model ? { model: props.model } : {}),
        ...(props.packagingPreset ? { packagingPreset: props.packagingPreset } : {}),
        ...(props.packagingEngine ? { packagingEngine: props.packagingEngine } : {}),
        ...(props.videoSuffixes ? { videoSuffixes: props.videoSuffixes } : {}),
        ...(typeof props.backfill === 'object' ? props.backfill : {}),
      });
    }
    this.notifications = new VodsrNotifications(this, 'Notifications', {
      ...(props.eventBus ? { eventBus: props.eventBus } : {}),
      ...(props.notificationEmails ? { emails: props.notificationEmails } : {}),
      ...(props.notificationsKey ? { masterKey: props.notificationsKey } : {}),
    });
  }
}

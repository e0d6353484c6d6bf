import { existsSync } from 'node:fs';
import { posix } from 'node:path';
import { ValidationError, type ValidationIssue } from '@vodsr/core';
import { MAX_SLOTS_PER_HOST } from '@vodsr/core/workflow';
import { DEFAULT_RUNNER_PATH, HOST_SCRIPT_PATH, INSTALL_SCRIPT_PATH } from '@vodsr/host-scripts';
import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import {
  AdjustmentType,
  AutoScalingGroup,
  type CfnAutoScalingGroup,
  DefaultResult,
  GroupMetrics,
  HealthChecks,
  LifecycleTransition,
  MetricAggregationType,
  OnDemandAllocationStrategy,
  PoolState,
  Signals,
  SpotAllocationStrategy,
  StepScalingAction,
} from 'aws-cdk-lib/aws-autoscaling';
import {
  Alarm,
  ComparisonOperator,
  type IMetric,
  MathExpression,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { AutoScalingAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import {
  BlockDeviceVolume,
  EbsDeviceVolumeType,
  FlowLogDestination,
  FlowLogTrafficType,
  type IMachineImage,
  InstanceType,
  type IVpc,
  LaunchTemplate,
  LaunchTemplateHttpTokens,
  OperatingSystemType,
  Peer,
  Port,
  SecurityGroup,
  type SubnetSelection,
  SubnetType,
  UserData,
  Vpc,
} from 'aws-cdk-lib/aws-ec2';
import { type IRole, ManagedPolicy, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Asset } from 'aws-cdk-lib/aws-s3-assets';
import { Construct } from 'constructs';
import { acknowledge, acknowledgeManagedPolicy, acknowledgeWildcardResource } from './nag.js';
import type { VodsrWorkQueues } from './VodsrWorkQueues.js';

/** The default host instance type (NVIDIA L40S). */
export const DEFAULT_HOST_INSTANCE_TYPE = 'g6e.xlarge';

/** The root device name of Ubuntu-based AMIs such as Bluewhale's (Amazon Linux uses /dev/xvda). */
export const DEFAULT_ROOT_DEVICE_NAME = '/dev/sda1';

/** Where the user data writes the host agent's configuration (JSON, see the README "Agent configuration"). */
export const AGENT_CONFIG_PATH = '/etc/vodsr/agent.json';

/** The systemd unit of the host agent (installed by `vodsr-host-install`, started by the user data). */
export const AGENT_UNIT = 'vodsr-agent.service';

/** The termination lifecycle hook: the agent stops taking work, lets its jobs finish, then completes it. */
export const DRAIN_HOOK_NAME = 'vodsr-drain';

/** The launch lifecycle hook: completed (CONTINUE) once the host is installed, ABANDON when the install failed. */
export const LAUNCH_HOOK_NAME = 'vodsr-launch';

/** The tag every fleet instance carries (value: the group name); `ssm:SendCommand` is allowed only on it. */
export const FLEET_TAG_KEY = 'vodsr:fleet';

/** GPUs per g6e size (EC2 accelerated computing instance specs): `slotsPerHost` is per host, so sizes must agree. */
export const G6E_GPUS: Readonly<Record<string, number>> = {
  'g6e.xlarge': 1,
  'g6e.2xlarge': 1,
  'g6e.4xlarge': 1,
  'g6e.8xlarge': 1,
  'g6e.16xlarge': 1,
  'g6e.12xlarge': 4,
  'g6e.24xlarge': 4,
  'g6e.48xlarge': 8,
};

// How long apt waits for the dpkg lock (first-boot unattended upgrades may hold it) before it gives up.
const APT_LOCK_TIMEOUT_SECONDS = 600;

// Most step adjustments one scale-out policy gets (the last one is open-ended; later alarms add the rest).
const MAX_SCALE_OUT_STEPS = 20;

/** Warm pool options (stopped instances: no compute bill, their EBS volumes are billed). */
export interface VodsrFleetWarmPool {
  /** Instances kept stopped in the pool. @default 1 */
  readonly minSize?: number;
  /** Most instances in service + warm. @default the group's maxCapacity */
  readonly maxGroupPreparedCapacity?: number;
}

/** Props of `VodsrFleet`. */
export interface VodsrFleetProps {
  /** The Bluewhale AMI id in the target region (from AWS Marketplace; subscribe first). No lookup happens. */
  readonly amiId: string;
  /** Instance types, in order of preference; all with the same GPU count. @default ['g6e.xlarge'] */
  readonly instanceTypes?: readonly string[];
  /** The work queues the agents poll. */
  readonly queues: VodsrWorkQueues;
  /** Bucket the hosts read sources from. */
  readonly inputBucket: IBucket;
  /** Bucket the hosts write SR files to. */
  readonly outputBucket: IBucket;
  /** Key prefix the hosts may write under in the output bucket. @default '' (whole bucket) */
  readonly outputPrefix?: string;
  /** Fewest hosts: 0 = nothing runs (or is billed) without work. @default 0 */
  readonly minCapacity?: number;
  /** Most hosts (the fleet never grows past it, whatever the backlog). @default 4 */
  readonly maxCapacity?: number;
  /** Jobs one host runs at once (GPU slots the agent announces). @default 1 */
  readonly slotsPerHost?: number;
  /** Minutes both queues must be empty before idle hosts are terminated. @default 15 */
  readonly idleMinutes?: number;
  /** Spot instances (capacity-optimized, Capacity Rebalancing); a lost Spot host re-queues its jobs. @default false */
  readonly spot?: boolean;
  /** With `spot`: hosts always On-Demand (the first ones). @default 0 */
  readonly onDemandBaseCapacity?: number;
  /** A warm pool of stopped, installed instances (one instance type, no Spot: an EC2 Auto Scaling limit). @default none */
  readonly warmPool?: VodsrFleetWarmPool;
  /** Minutes a terminating host may drain (finish its jobs) before it goes; the agent heartbeats the hook. @default 60 */
  readonly drainTimeoutMinutes?: number;
  /** Seconds the scale-out policy waits for a new host before counting it (boot + install). @default 600 */
  readonly instanceWarmupSeconds?: number;
  /** Name of the Auto Scaling group (the hosts' IAM names it). @default '<stack name>-vodsr-fleet' */
  readonly groupName?: string;
  /** VPC of the hosts. @default a new VPC with one public subnet per AZ, no NAT, VPC flow logs */
  readonly vpc?: IVpc;
  /** Subnets of the hosts: the group spans all of them (g6e is not offered in every AZ). @default public subnets */
  readonly vpcSubnets?: SubnetSelection;
  /** Availability zones of a new VPC. @default the region's first AZ */
  readonly availabilityZones?: readonly string[];
  /** Root EBS volume size in GiB (sources and SR files are staged here). @default 200 */
  readonly rootVolumeGiB?: number;
  /** Root device name of the AMI (`aws ec2 describe-images … RootDeviceName`). @default '/dev/sda1' */
  readonly rootDeviceName?: string;
  /** Minutes a new host has to install before it is abandoned (and replaced). @default 30 */
  readonly installTimeoutMinutes?: number;
  /** The runner script to install. @default `@vodsr/host-scripts`' `HOST_SCRIPT_PATH` */
  readonly runnerFile?: string;
  /** The host installer script. @default `@vodsr/host-scripts`' `INSTALL_SCRIPT_PATH` */
  readonly installerFile?: string;
  /** Where the runner is installed: `<prefix>/bin/vodsr-host`. @default '/opt/vodsr/bin/vodsr-host' */
  readonly runnerPath?: string;
  /** Retention of the host command output log group. @default three months */
  readonly logRetention?: RetentionDays;
}

/** What the user data writes to {@link AGENT_CONFIG_PATH} (documented in the README, read by the agent). */
export interface AgentConfig {
  readonly v: 1;
  readonly region: string;
  /** Queue URLs in polling order (interactive first). */
  readonly queues: readonly { readonly priority: 'interactive' | 'bulk'; readonly url: string }[];
  readonly slots: number;
  readonly visibilityTimeoutSeconds: number;
  readonly autoScalingGroupName: string;
  readonly drainHookName: string;
  readonly launchHookName: string;
  readonly runnerPath: string;
}

/**
 * The GPU fleet of pull admission: an EC2 Auto Scaling group of Bluewhale hosts (DESIGN "Catalogue scale").
 * Launch template: the AMI (given, never looked up), the instance types, IMDSv2 only (instance tags readable),
 * encrypted gp3 root on the AMI's root device, no inbound rule. User data installs the runner and the agent (CDK
 * assets, `vodsr-host-install`), writes the agent's config and completes the launch hook (ABANDON on failure: the
 * group replaces the host). Capacity follows the backlog of both queues with Auto Scaling's step scaling: +ceil(backlog
 * ÷ slotsPerHost) hosts within a minute or two, back to `minCapacity` after `idleMinutes` of empty queues; the agent
 * protects its host from scale-in while it has work and drains on the termination hook. The role may only: take
 * messages of the two queues, report to waiting tasks, protect its group's instances and complete/heartbeat their
 * lifecycle actions, read sources, write results and command logs.
 *
 * @example new VodsrFleet(stack, 'Fleet', { amiId, queues, inputBucket, outputBucket, maxCapacity: 8, spot: true });
 */
export class VodsrFleet extends Construct {
  public readonly autoScalingGroup: AutoScalingGroup;
  public readonly launchTemplate: LaunchTemplate;
  public readonly role: IRole;
  public readonly securityGroup: SecurityGroup;
  public readonly vpc: IVpc;
  /** Name of the group (known at synth). */
  public readonly groupName: string;
  /** ARN pattern of the group (for IAM). */
  public readonly groupArn: string;
  /** Full command output of every job (SSM truncates stdout at 24,000 chars). */
  public readonly logGroup: LogGroup;
  public readonly runnerAsset: Asset;
  public readonly installerAsset: Asset;
  /** The backlog both policies follow: visible messages of both work queues. */
  public readonly backlog: IMetric;
  /** What the agent reads from `AGENT_CONFIG_PATH` (tokens unresolved). */
  public readonly agentConfig: AgentConfig;
  /** Jobs per host. */
  public readonly slotsPerHost: number;
  public readonly minCapacity: number;
  public readonly maxCapacity: number;

  public constructor(scope: Construct, id: string, props: VodsrFleetProps) {
    super(scope, id);
    this.node.setContext('@aws-cdk/aws-ec2:uniqueImdsv2TemplateName', true);
    const stack = Stack.of(this);
    const issues: ValidationIssue[] = [];
    const int = (path: string, v: number, min: number, max: number): void => {
      if (!Number.isInteger(v) || v < min || v > max)
        issues.push({ path: `/${path}`, message: `must be an integer from ${min} to ${max}` });
    };
    if (typeof props.amiId !== 'string' || !/^ami-[0-9a-f]{8}([0-9a-f]{9})?$/.test(props.amiId))
      issues.push({
        path: '/amiId',
        message: 'must be an AMI id like ami-0123456789abcdef0 (the Bluewhale AMI of your region)',
      });
    const types = [...(props.instanceTypes ?? [DEFAULT_HOST_INSTANCE_TYPE])];
    if (types.length === 0 || types.length > 20)
      issues.push({ path: '/instanceTypes', message: 'must list 1 to 20 instance types' });
    types.forEach((t, i) => {
      if (!/^[a-z][a-z0-9-]*\.[a-z0-9]+$/.test(t))
        issues.push({ path: `/instanceTypes/${i}`, message: 'must be an EC2 instance type like g6e.xlarge' });
    });
    if (new Set(types).size !== types.length)
      issues.push({ path: '/instanceTypes', message: 'must not repeat a type' });
    const gpus = new Set(types.map((t) => G6E_GPUS[t]).filter((g) => g !== undefined));
    if (gpus.size > 1)
      issues.push({
        path: '/instanceTypes',
        message: `must all have the same number of GPUs (slotsPerHost is per host): ${types.map((t) => `${t}=${G6E_GPUS[t] ?? '?'}`).join(', ')}`,
      });
    const min = props.minCapacity ?? 0;
    const max = props.maxCapacity ?? 4;
    const slots = props.slotsPerHost ?? 1;
    const idle = props.idleMinutes ?? 15;
    const drain = props.drainTimeoutMinutes ?? 60;
    const warmup = props.instanceWarmupSeconds ?? 600;
    const size = props.rootVolumeGiB ?? 200;
    const installTimeout = props.installTimeoutMinutes ?? 30;
    const onDemandBase = props.onDemandBaseCapacity ?? 0;
    int('minCapacity', min, 0, 1000);
    int('maxCapacity', max, 1, 1000);
    if (min > max) issues.push({ path: '/minCapacity', message: 'must be at most maxCapacity' });
    int('slotsPerHost', slots, 1, MAX_SLOTS_PER_HOST);
    int('idleMinutes', idle, 1, 1440);
    // A lifecycle hook's heartbeat timeout is 30..7200 s; the agent heartbeats it while jobs run (up to 48 h).
    int('drainTimeoutMinutes', drain, 1, 120);
    int('instanceWarmupSeconds', warmup, 0, 3600);
    int('rootVolumeGiB', size, 30, 16_384);
    int('installTimeoutMinutes', installTimeout, 5, 120);
    int('onDemandBaseCapacity', onDemandBase, 0, 1000);
    if (props.onDemandBaseCapacity !== undefined && !props.spot)
      issues.push({ path: '/onDemandBaseCapacity', message: 'applies only with spot: true' });
    if (props.warmPool) {
      if (props.spot || types.length > 1)
        issues.push({
          path: '/warmPool',
          message:
            'needs one instance type and no Spot (EC2 Auto Scaling refuses a warm pool with a mixed instances policy or Spot)',
        });
      const w = props.warmPool;
      if (w.minSize !== undefined) int('warmPool/minSize', w.minSize, 0, max);
      if (w.maxGroupPreparedCapacity !== undefined)
        int('warmPool/maxGroupPreparedCapacity', w.maxGroupPreparedCapacity, 1, 1000);
    }
    const runnerFile = props.runnerFile ?? HOST_SCRIPT_PATH;
    if (!existsSync(runnerFile))
      issues.push({ path: '/runnerFile', message: `does not exist: ${runnerFile}` });
    const installerFile = props.installerFile ?? INSTALL_SCRIPT_PATH;
    if (!existsSync(installerFile))
      issues.push({ path: '/installerFile', message: `does not exist: ${installerFile}` });
    const runnerPath = props.runnerPath ?? DEFAULT_RUNNER_PATH;
    if (!/^\/[A-Za-z0-9._/-]+\/bin\/vodsr-host$/.test(runnerPath) || runnerPath.includes('..'))
      issues.push({
        path: '/runnerPath',
        message: 'must be <absolute prefix>/bin/vodsr-host, of [A-Za-z0-9._/-]',
      });
    const rootDeviceName = props.rootDeviceName ?? DEFAULT_ROOT_DEVICE_NAME;
    if (!/^\/dev\/(sd[a-z][0-9]*|xvd[a-z]{1,2}|nvme[0-9]+n[0-9]+)$/.test(rootDeviceName))
      issues.push({
        path: '/rootDeviceName',
        message: "must be a device name like /dev/sda1 or /dev/xvda (the AMI's RootDeviceName)",
      });
    const groupName = props.groupName ?? `${stack.stackName}-vodsr-fleet`;
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/.test(groupName))
      issues.push({ path: '/groupName', message: 'must be 1-255 characters of [A-Za-z0-9._-]' });
    if (issues.length) throw new ValidationError('VodsrFleet props', issues);
    const prefix = posix.dirname(posix.dirname(runnerPath));
    this.groupName = groupName;
    this.slotsPerHost = slots;
    this.minCapacity = min;
    this.maxCapacity = max;

    this.vpc =
      props.vpc ??
      new Vpc(this, 'Vpc', {
        ...(props.availabilityZones ? { availabilityZones: [...props.availabilityZones] } : { maxAzs: 1 }),
        natGateways: 0,
        subnetConfiguration: [{ name: 'public', subnetType: SubnetType.PUBLIC, cidrMask: 24 }],
        flowLogs: {
          rejected: {
            destination: FlowLogDestination.toCloudWatchLogs(
              new LogGroup(this, 'FlowLogs', {
                retention: RetentionDays.ONE_MONTH,
                removalPolicy: RemovalPolicy.DESTROY,
              }),
            ),
            trafficType: FlowLogTrafficType.REJECT,
          },
        },
      });
    this.securityGroup = new SecurityGroup(this, 'SecurityGroup', {
      vpc: this.vpc,
      description:
        'vodsr Bluewhale hosts: no inbound (managed by SSM), outbound HTTPS (AWS APIs) and HTTP (apt)',
      allowAllOutbound: false,
    });
    this.securityGroup.addEgressRule(Peer.anyIpv4(), Port.tcp(443), 'HTTPS to SSM, SQS, S3, Step Functions');
    this.securityGroup.addEgressRule(
      Peer.anyIpv4(),
      Port.tcp(80),
      'HTTP to the distribution package mirrors',
    );

    this.logGroup = new LogGroup(this, 'CommandLogs', {
      retention: props.logRetention ?? RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    // ---- the hosts' role: exactly what the runner and the agent call ----
    const role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('ec2.amazonaws.com'),
      description: 'vodsr GPU hosts: SSM managed instance, work queues, task callbacks, own group lifecycle',
      managedPolicies: [ManagedPolicy.fromAwsManagedPolicyName('AmazonSSMManagedInstanceCore')],
    });
    this.role = role;
    acknowledgeManagedPolicy(
      role,
      'AmazonSSMManagedInstanceCore',
      'AWS-maintained minimum for an SSM managed instance: the hosts are reached only by SSM Run Command (no SSH, no inbound).',
    );
    const sources = props.inputBucket.arnForObjects('*');
    const results = props.outputBucket.arnForObjects(`${props.outputPrefix ?? ''}*`);
    role.addToPrincipalPolicy(
      new PolicyStatement({ sid: 'ReadSources', actions: ['s3:GetObject'], resources: [sources] }),
    );
    role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'WriteSrFiles',
        actions: ['s3:PutObject', 's3:AbortMultipartUpload'],
        resources: [results],
      }),
    );
    acknowledgeWildcardResource(
      role,
      sources,
      'The host reads the uploaded source of each job; keys are only known at upload time. Read-only, one bucket.',
    );
    acknowledgeWildcardResource(
      role,
      results,
      'The host writes SR files under the results prefix only; their names derive from uploaded keys.',
    );
    role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'WriteCommandOutput',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
        resources: [this.logGroup.logGroupArn],
      }),
    );
    const logGroups = stack.formatArn({
      service: 'logs',
      resource: 'log-group',
      resourceName: '*',
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'FindCommandOutputLogGroup',
        actions: ['logs:DescribeLogGroups'],
        resources: [logGroups],
      }),
    );
    acknowledgeWildcardResource(
      role,
      logGroups,
      'logs:DescribeLogGroups authorizes on log-group:* only (it lists); the SSM agent uses it to find its output group.',
    );
    props.queues.allowConsumeOnlyBy(role);
    // The Service Authorization Reference lists no resource type for SendTask* with the token of a
    // .waitForTaskToken integration: the token (which only this job's message or command carries) is the capability.
    role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'ReportToWaitingTask',
        actions: ['states:SendTaskSuccess', 'states:SendTaskFailure', 'states:SendTaskHeartbeat'],
        resources: ['*'],
      }),
    );
    this.groupArn = stack.formatArn({
      service: 'autoscaling',
      resource: 'autoScalingGroup',
      resourceName: `*:autoScalingGroupName/${groupName}`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'OwnGroupLifecycle',
        actions: [
          'autoscaling:SetInstanceProtection',
          'autoscaling:CompleteLifecycleAction',
          'autoscaling:RecordLifecycleActionHeartbeat',
        ],
        resources: [this.groupArn],
      }),
    );
    acknowledge(
      role,
      'AwsSolutions-IAM5[Resource::*]',
      'states:SendTaskSuccess/Failure/Heartbeat have no resource type for .waitForTaskToken task tokens (Service Authorization Reference, Step Functions); the token of one job is the capability.',
    );
    acknowledgeWildcardResource(
      role,
      this.groupArn,
      'The group ARN carries a UUID only known after creation; the name (fixed at synth) pins it to this fleet. Only instance protection and lifecycle actions of this group.',
    );

    // ---- boot: AWS CLI if missing, runner + installer from assets, agent config, launch hook ----
    this.runnerAsset = new Asset(this, 'Runner', { path: runnerFile });
    this.installerAsset = new Asset(this, 'Installer', { path: installerFile });
    role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'ReadHostScripts',
        actions: ['s3:GetObject'],
        resources: [
          this.runnerAsset.bucket.arnForObjects(this.runnerAsset.s3ObjectKey),
          this.installerAsset.bucket.arnForObjects(this.installerAsset.s3ObjectKey),
        ],
      }),
    );
    this.agentConfig = {
      v: 1,
      region: stack.region,
      queues: [
        { priority: 'interactive', url: props.queues.interactive.queueUrl },
        { priority: 'bulk', url: props.queues.bulk.queueUrl },
      ],
      slots,
      visibilityTimeoutSeconds: props.queues.visibilityTimeoutSeconds,
      autoScalingGroupName: groupName,
      drainHookName: DRAIN_HOOK_NAME,
      launchHookName: LAUNCH_HOOK_NAME,
      runnerPath,
    };
    const userData = UserData.forLinux();
    const machineImage: IMachineImage = {
      getImage: () => ({ imageId: props.amiId, osType: OperatingSystemType.LINUX, userData }),
    };
    this.launchTemplate = new LaunchTemplate(this, 'LaunchTemplate', {
      machineImage,
      userData,
      role,
      securityGroup: this.securityGroup,
      ...(types.length === 1 && !props.spot ? { instanceType: new InstanceType(types[0] as string) } : {}),
      requireImdsv2: true,
      httpTokens: LaunchTemplateHttpTokens.REQUIRED,
      instanceMetadataTags: true,
      detailedMonitoring: true,
      ebsOptimized: true,
      blockDevices: [
        {
          deviceName: rootDeviceName,
          volume: BlockDeviceVolume.ebs(size, {
            encrypted: true,
            volumeType: EbsDeviceVolumeType.GP3,
            deleteOnTermination: true,
          }),
        },
      ],
    });

    const mixed = props.spot || types.length > 1;
    this.autoScalingGroup = new AutoScalingGroup(this, 'Group', {
      vpc: this.vpc,
      vpcSubnets: props.vpcSubnets ?? { subnetType: SubnetType.PUBLIC },
      autoScalingGroupName: groupName,
      minCapacity: min,
      maxCapacity: max,
      ...(mixed
        ? {
            mixedInstancesPolicy: {
              launchTemplate: this.launchTemplate,
              launchTemplateOverrides: types.map((t) => ({ instanceType: new InstanceType(t) })),
              instancesDistribution: props.spot
                ? {
                    onDemandBaseCapacity: onDemandBase,
                    onDemandPercentageAboveBaseCapacity: 0,
                    spotAllocationStrategy: SpotAllocationStrategy.CAPACITY_OPTIMIZED,
                  }
                : {
                    onDemandAllocationStrategy: OnDemandAllocationStrategy.PRIORITIZED,
                    onDemandPercentageAboveBaseCapacity: 100,
                  },
            },
          }
        : { launchTemplate: this.launchTemplate }),
      ...(props.spot ? { capacityRebalance: true } : {}),
      // The agent protects a busy host itself (SetInstanceProtection); an idle one may go.
      newInstancesProtectedFromScaleIn: false,
      healthChecks: HealthChecks.ec2({ gracePeriod: Duration.minutes(installTimeout) }),
      cooldown: Duration.seconds(60),
      defaultInstanceWarmup: Duration.seconds(warmup),
      groupMetrics: [GroupMetrics.all()],
      ...(min > 0
        ? { signals: Signals.waitForMinCapacity({ timeout: Duration.minutes(installTimeout) }) }
        : {}),
    });
    const cfnGroup = this.autoScalingGroup.node.defaultChild as CfnAutoScalingGroup;
    cfnGroup.tags.setTag(FLEET_TAG_KEY, groupName, 100, true);

    if (min > 0)
      role.addToPrincipalPolicy(
        new PolicyStatement({
          sid: 'SignalInstall',
          actions: ['cloudformation:SignalResource'],
          resources: [stack.stackId],
        }),
      );
    // The user data is rendered at synth: it can name the group's logical id (for the install signal).
    const region = stack.region;
    const download = (asset: Asset, to: string): string =>
      `aws s3 cp --only-show-errors --region '${region}' 's3://${asset.s3BucketName}/${asset.s3ObjectKey}' "$boot/${to}"`;
    const apt = `apt-get -o DPkg::Lock::Timeout=${APT_LOCK_TIMEOUT_SECONDS}`;
    const launchReady = `${prefix}/bin/vodsr-launch-ready`;
    const signalLines =
      min > 0
        ? [
            // The first minCapacity hosts also tell CloudFormation (CreationPolicy of the group): a failed install fails the stack.
            `  aws cloudformation signal-resource --region '${region}' --stack-name '${stack.stackName}' --logical-resource-id '${stack.getLogicalId(cfnGroup)}' --unique-id "$iid" --status "$1" >/dev/null 2>&1 || true`,
          ]
        : [];
    userData.addCommands(
      'set -euo pipefail',
      'export DEBIAN_FRONTEND=noninteractive',
      'iid="$(cat /var/lib/cloud/data/instance-id)"',
      // ABANDON terminates the host (the group launches another); CONTINUE puts it in service.
      'launched() {',
      `  if command -v aws >/dev/null 2>&1; then`,
      `    aws autoscaling complete-lifecycle-action --region '${region}' --auto-scaling-group-name '${groupName}' --lifecycle-hook-name '${LAUNCH_HOOK_NAME}' --instance-id "$iid" --lifecycle-action-result "$2" >/dev/null 2>&1 || true`,
      ...signalLines,
      '  fi',
      '}',
      'boot="$(mktemp -d)"',
      'on_exit() {',
      '  rc=$?',
      '  rm -rf "$boot"',
      '  if [ "$rc" -ne 0 ]; then launched FAILURE ABANDON; fi',
      '}',
      'trap on_exit EXIT',
      'if ! command -v aws >/dev/null 2>&1; then',
      '  if ! command -v unzip >/dev/null 2>&1 || ! command -v curl >/dev/null 2>&1; then',
      `    ${apt} update -y && ${apt} install -y unzip curl`,
      '  fi',
      '  cli="$(mktemp -d)"',
      '  curl -fsSL --retry 5 -o "$cli/awscliv2.zip" "https://awscli.amazonaws.com/awscli-exe-linux-$(uname -m).zip"',
      '  unzip -q "$cli/awscliv2.zip" -d "$cli"',
      '  "$cli/aws/install" --update',
      '  rm -rf "$cli"',
      'fi',
      download(this.runnerAsset, 'vodsr-host'),
      download(this.installerAsset, 'vodsr-host-install'),
      // The agent's configuration (queues, slots, hooks, group): written before the installer sets up the agent unit.
      'install -d -m 0755 /etc/vodsr',
      `cat > '${AGENT_CONFIG_PATH}.tmp' <<'VODSR_AGENT_JSON'`,
      stack.toJsonString(this.agentConfig),
      'VODSR_AGENT_JSON',
      `chmod 0644 '${AGENT_CONFIG_PATH}.tmp'`,
      `mv '${AGENT_CONFIG_PATH}.tmp' '${AGENT_CONFIG_PATH}'`,
      `bash "$boot/vodsr-host-install" --runner "$boot/vodsr-host" --prefix '${prefix}' --region '${region}' --apt-lock-timeout ${APT_LOCK_TIMEOUT_SECONDS}`,
      `'${runnerPath}' --version`,
      // Every boot (also out of the warm pool, where user data does not run again) completes the launch hook.
      `cat > '${launchReady}' <<'VODSR_LAUNCH_READY'`,
      '#!/usr/bin/env bash',
      'set -euo pipefail',
      'iid="$(cat /var/lib/cloud/data/instance-id)"',
      `aws autoscaling complete-lifecycle-action --region '${region}' --auto-scaling-group-name '${groupName}' --lifecycle-hook-name '${LAUNCH_HOOK_NAME}' --instance-id "$iid" --lifecycle-action-result CONTINUE >/dev/null 2>&1 || true`,
      'VODSR_LAUNCH_READY',
      `chmod 0755 '${launchReady}'`,
      "cat > /etc/systemd/system/vodsr-launch-ready.service <<'VODSR_UNIT'",
      '[Unit]',
      'Description=vodsr: tell EC2 Auto Scaling this host is ready (launch lifecycle hook)',
      `After=network-online.target ${AGENT_UNIT}`,
      'Wants=network-online.target',
      '[Service]',
      'Type=oneshot',
      `ExecStart=${launchReady}`,
      '[Install]',
      'WantedBy=multi-user.target',
      'VODSR_UNIT',
      'systemctl daemon-reload',
      `systemctl enable --now '${AGENT_UNIT}'`,
      'systemctl enable vodsr-launch-ready.service',
      'trap - EXIT',
      'rm -rf "$boot"',
      'launched SUCCESS CONTINUE',
    );
    this.autoScalingGroup.addLifecycleHook('Launch', {
      lifecycleHookName: LAUNCH_HOOK_NAME,
      lifecycleTransition: LifecycleTransition.INSTANCE_LAUNCHING,
      defaultResult: DefaultResult.ABANDON,
      heartbeatTimeout: Duration.minutes(installTimeout),
    });
    this.autoScalingGroup.addLifecycleHook('Drain', {
      lifecycleHookName: DRAIN_HOOK_NAME,
      lifecycleTransition: LifecycleTransition.INSTANCE_TERMINATING,
      defaultResult: DefaultResult.CONTINUE,
      heartbeatTimeout: Duration.minutes(drain),
    });
    if (props.warmPool) {
      this.autoScalingGroup.addWarmPool({
        minSize: props.warmPool.minSize ?? 1,
        maxGroupPreparedCapacity: props.warmPool.maxGroupPreparedCapacity ?? max,
        poolState: PoolState.STOPPED,
        reuseOnScaleIn: true,
      });
    }
    if (mixed)
      acknowledge(
        this.autoScalingGroup,
        'AwsSolutions-EC26',
        "The root volume is encrypted in the launch template (Encrypted: true, asserted by the tests); cdk-nag's EC26 reads only the group's LaunchTemplate, not MixedInstancesPolicy.LaunchTemplate.",
      );
    acknowledge(
      this.autoScalingGroup,
      'AwsSolutions-AS3',
      'Scaling and lifecycle events of the group reach EventBridge by default (EC2 Instance Launch/Terminate Successful/Unsuccessful); SNS notifications would duplicate them.',
    );

    // ---- capacity from the backlog ----
    const visible = (q: VodsrWorkQueues['interactive']) =>
      q.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' });
    this.backlog = new MathExpression({
      expression: 'FILL(interactive, 0) + FILL(bulk, 0)',
      usingMetrics: { interactive: visible(props.queues.interactive), bulk: visible(props.queues.bulk) },
      period: Duration.minutes(1),
      label: 'vodsr jobs waiting for a host',
    });
    if (max > min) {
      const out = new StepScalingAction(this, 'ScaleOut', {
        autoScalingGroup: this.autoScalingGroup,
        adjustmentType: AdjustmentType.CHANGE_IN_CAPACITY,
        metricAggregationType: MetricAggregationType.MAXIMUM,
        estimatedInstanceWarmup: Duration.seconds(warmup),
      });
      // backlog b ≥ 1 → +ceil(b ÷ slots) hosts (bounds are relative to the threshold 1; lower inclusive).
      const steps = Math.min(max, MAX_SCALE_OUT_STEPS);
      for (let k = 1; k <= steps; k++) {
        out.addAdjustment({
          lowerBound: (k - 1) * slots,
          ...(k < steps ? { upperBound: k * slots } : {}),
          adjustment: k,
        });
      }
      new Alarm(this, 'BacklogAlarm', {
        alarmDescription: 'vodsr: jobs wait for a host: add ceil(backlog / slotsPerHost) hosts',
        metric: this.backlog,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }).addAlarmAction(new AutoScalingAction(out));
      const idleIn = new StepScalingAction(this, 'ScaleIn', {
        autoScalingGroup: this.autoScalingGroup,
        adjustmentType: AdjustmentType.EXACT_CAPACITY,
        metricAggregationType: MetricAggregationType.MAXIMUM,
      });
      // Busy hosts are protected by their agent: only idle ones go.
      idleIn.addAdjustment({ upperBound: 0, adjustment: min });
      new Alarm(this, 'IdleAlarm', {
        alarmDescription: `vodsr: no job waited for ${idle} min: back to ${min} hosts (busy hosts are protected)`,
        metric: this.backlog,
        threshold: 0,
        evaluationPeriods: idle,
        datapointsToAlarm: idle,
        comparisonOperator: ComparisonOperator.LESS_THAN_OR_EQUAL_TO_THRESHOLD,
        // SQS stops publishing metrics of a queue idle for hours: no data is an empty queue.
        treatMissingData: TreatMissingData.BREACHING,
      }).addAlarmAction(new AutoScalingAction(idleIn));
    }
  }
}

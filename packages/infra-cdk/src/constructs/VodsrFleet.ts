import { existsSync } from 'node:fs';
import { posix } from 'node:path';
import { ValidationError, type ValidationIssue } from '@vodsr/core';
import { MAX_SLOTS_PER_HOST } from '@vodsr/core/workflow';
import { DEFAULT_RUNNER_PATH, HOST_SCRIPT_PATH, INSTALL_SCRIPT_PATH } from '@vodsr/host-scripts';
import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import {
  AutoScalingGroup,
  type CfnAutoScalingGroup,
  DefaultResult,
  GroupMetrics,
  HealthChecks,
  LifecycleTransition,
  OnDemandAllocationStrategy,
  PoolState,
  Signals,
  SpotAllocationStrategy,
} from 'aws-cdk-lib/aws-autoscaling';
import type { IMetric } from 'aws-cdk-lib/aws-cloudwatch';
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
  SubnetType,
  UserData,
  Vpc,
} from 'aws-cdk-lib/aws-ec2';
import { type IRole, ManagedPolicy, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Asset } from 'aws-cdk-lib/aws-s3-assets';
import { Construct } from 'constructs';
import { grantHostPermissions } from './fleetIam.js';
import {
  type AgentConfig,
  DEFAULT_HOST_INSTANCE_TYPE,
  DEFAULT_ROOT_DEVICE_NAME,
  DRAIN_HOOK_NAME,
  FLEET_TAG_KEY,
  G6E_GPUS,
  LAUNCH_HOOK_NAME,
  type VodsrFleetProps,
} from './fleetProps.js';
import { addBacklogScaling, backlogMetric } from './fleetScaling.js';
import { addBootScript } from './fleetUserData.js';
import { acknowledge, acknowledgeManagedPolicy } from './nag.js';

export * from './fleetProps.js';

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
    this.groupArn = stack.formatArn({
      service: 'autoscaling',
      resource: 'autoScalingGroup',
      resourceName: `*:autoScalingGroupName/${groupName}`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    grantHostPermissions(role, props, this.logGroup.logGroupArn, { arn: this.groupArn, name: groupName });

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
      // a quarter of the drain hook's heartbeat timeout: three heartbeats may fail before the hook gives up
      lifecycleHeartbeatSeconds: Math.max(1, Math.floor((drain * 60) / 4)),
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
    addBootScript(userData, {
      groupName,
      prefix,
      runnerPath,
      minCapacity: min,
      cfnGroup,
      runnerAsset: this.runnerAsset,
      installerAsset: this.installerAsset,
      agentConfig: this.agentConfig,
    });
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
    this.backlog = backlogMetric(props.queues);
    addBacklogScaling(this, this.autoScalingGroup, this.backlog, { min, max, slots, idle, warmup });
  }
}

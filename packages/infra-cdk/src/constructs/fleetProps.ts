import type { IVpc, SubnetSelection } from 'aws-cdk-lib/aws-ec2';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
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
  /** Seconds between the agent's heartbeats of a pending drain: a quarter of `drainTimeoutMinutes`. */
  readonly lifecycleHeartbeatSeconds: number;
  readonly launchHookName: string;
  readonly runnerPath: string;
}

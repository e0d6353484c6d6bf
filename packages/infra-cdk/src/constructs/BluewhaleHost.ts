import { existsSync } from 'node:fs';
import { posix } from 'node:path';
import {
  HOST_DOCUMENT_PARAMETER_PATTERN,
  HOST_DOCUMENT_PARAMETERS,
  hostShellCommand,
  MIN_HEARTBEAT_SECONDS,
  ValidationError,
  type ValidationIssue,
} from '@vodsr/core';
import { DEFAULT_RUNNER_PATH, HOST_SCRIPT_PATH, INSTALL_SCRIPT_PATH } from '@vodsr/host-scripts';
import { ArnFormat, Aws, type CfnResource, RemovalPolicy, Stack } from 'aws-cdk-lib';
import {
  BlockDeviceVolume,
  EbsDeviceVolumeType,
  FlowLogDestination,
  FlowLogTrafficType,
  type IMachineImage,
  Instance,
  InstanceType,
  type IVpc,
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
import { CfnDocument } from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { acknowledge, acknowledgeManagedPolicy, acknowledgeWildcardResource } from './nag.js';

/** The default host instance type (NVIDIA L40S). */
export const DEFAULT_HOST_INSTANCE_TYPE = 'g6e.xlarge';

/** The default `HeartbeatSeconds` of the workflow's host step (core's default). */
export const DEFAULT_HEARTBEAT_SECONDS = 300;

/** The interval the host heartbeats at for a workflow `HeartbeatSeconds`: a quarter of it, rounded down. */
export function hostHeartbeatInterval(heartbeatSeconds: number): number {
  return Math.floor(heartbeatSeconds / 4);
}

/** The root device name of Ubuntu-based AMIs such as Bluewhale's (Amazon Linux uses /dev/xvda). */
export const DEFAULT_ROOT_DEVICE_NAME = '/dev/sda1';

// How long apt waits for the dpkg lock (first-boot unattended upgrades may hold it) before it gives up.
const APT_LOCK_TIMEOUT_SECONDS = 600;

// The SSM execution timeout parameter: 1..172800 seconds (SSM's own limit), as in AWS-RunShellScript.
const EXECUTION_TIMEOUT_PATTERN =
  '^([1-9][0-9]{0,4}|1[0-6][0-9]{4}|17[0-1][0-9]{3}|172[0-7][0-9]{2}|172800)$';

// The environment the Bluewhale filters need (from the AMI's instructions; no credentials: the instance role is used).
const BLUEWHALE_ENV = [
  'if [ -d /usr/local/bluedot ]; then',
  '  export ONNX_DIR=/usr/local/bluedot/models/',
  '  export PATH="/usr/local/bluedot:$PATH:/etc/neura-vortex/bin"',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell parameter expansion, not a JS template
  '  export LD_LIBRARY_PATH="/etc/neura-vortex/nvx_packages/plugins/libs:/usr/local/cuda/lib64:/usr/local/bluedot/:/usr/local/TensorRT/lib:${LD_LIBRARY_PATH:-}"',
  '  export PYTHONPATH=/etc/neura-vortex/libs/python3.10/site-packages',
  '  export VSSCRIPT_PATH=/etc/neura-vortex/nvx_packages/plugins/scripts',
  '  export VSPREFIX=/etc/neura-vortex',
  '  export VAPOURSYNTH_CONF_PATH=/etc/neura-vortex/vapoursynth.conf',
  'fi',
];

/**
 * Document lines that make a command whose task has already closed (a late delivery) exit at once, before the
 * runner starts and before any output is touched: one immediate heartbeat with the task token; TaskTimedOut /
 * TaskDoesNotExist / InvalidToken mean the workflow no longer waits. Exit 0, so the dead-host rule stays quiet.
 * Any other error (network, throttling) lets the runner start: its own heartbeats handle a closed task.
 */
function lateStartGuard(tokenParameter: string): string[] {
  return [
    // Agents older than 3.3.2746.0 set no SSM_ variable: then only the runner's own heartbeats stop a late job.
    `vodsr_token_b64="\${SSM_${tokenParameter}-}"`,
    'if [ -n "$vodsr_token_b64" ] && vodsr_token="$(printf %s "$vodsr_token_b64" | base64 -d 2>/dev/null)" && [ -n "$vodsr_token" ] && command -v aws >/dev/null 2>&1; then',
    '  if ! vodsr_err="$(aws stepfunctions send-task-heartbeat --cli-connect-timeout 10 --cli-read-timeout 20 --task-token "$vodsr_token" 2>&1 >/dev/null)"; then',
    '    case "$vodsr_err" in',
    '      *TaskTimedOut*|*TaskDoesNotExist*|*InvalidToken*)',
    '        echo "vodsr: the workflow no longer waits for this command (its task closed before delivery): not running the job" >&2',
    '        exit 0 ;;',
    '    esac',
    '  fi',
    'fi',
    'unset vodsr_token vodsr_token_b64 vodsr_err',
  ];
}

/** Props of `BluewhaleHost`. */
export interface BluewhaleHostProps {
  /** The Bluewhale AMI id in the target region (from AWS Marketplace; subscribe first). No lookup happens. */
  readonly amiId: string;
  /** EC2 instance type. @default 'g6e.xlarge' */
  readonly instanceType?: string;
  /** Bucket the host reads sources from. */
  readonly inputBucket: IBucket;
  /** Bucket the host writes SR files to. */
  readonly outputBucket: IBucket;
  /** Key prefix the host may write under in the output bucket. @default '' (whole bucket) */
  readonly outputPrefix?: string;
  /** VPC of the host. @default a new VPC with one public subnet per AZ, no NAT, VPC flow logs */
  readonly vpc?: IVpc;
  /** Subnets of the host (it needs outbound HTTPS to SSM, S3 and Step Functions). @default public subnets */
  readonly vpcSubnets?: SubnetSelection;
  /** Availability zones of a new VPC (g6e is not offered in every AZ). @default the region's first AZ */
  readonly availabilityZones?: readonly string[];
  /** Root EBS volume size in GiB (sources and SR files are staged here). @default 200 */
  readonly rootVolumeGiB?: number;
  /**
   * Root device name of the AMI: `aws ec2 describe-images --image-ids <ami> --query 'Images[0].RootDeviceName'`.
   * A wrong name does not resize the root volume: it attaches a second, unused volume. @default '/dev/sda1'
   */
  readonly rootDeviceName?: string;
  /**
   * The workflow's `HeartbeatSeconds` (`VodsrWorkflow`'s `heartbeatSeconds`): the document makes the host heartbeat
   * every quarter of it (`VODSR_HEARTBEAT_SECONDS`). At least `MIN_HEARTBEAT_SECONDS` (60). @default 300
   */
  readonly heartbeatSeconds?: number;
  /** Minutes CloudFormation waits for the host's install to signal success. @default 30 */
  readonly installTimeoutMinutes?: number;
  /** The runner script to install. @default `@vodsr/host-scripts`' `HOST_SCRIPT_PATH` (bin/vodsr-host) */
  readonly runnerFile?: string;
  /** The host installer script. @default `@vodsr/host-scripts`' `INSTALL_SCRIPT_PATH` (bin/vodsr-host-install) */
  readonly installerFile?: string;
  /** Where the runner is installed: `<prefix>/bin/vodsr-host`. @default '/opt/vodsr/bin/vodsr-host' */
  readonly runnerPath?: string;
  /** Retention of the host command output log group. @default three months */
  readonly logRetention?: RetentionDays;
}

/**
 * The Bluewhale GPU host: a g6e instance from the Marketplace AMI (id given, never looked up), IMDSv2 only,
 * encrypted gp3 root volume, a security group with no inbound rule, managed by SSM only. Its role has SSM core,
 * read on the input bucket, write on the output prefix and write on its log group; call `grantTaskResponse` on the
 * state machine for `states:SendTask*`. User data installs the AWS CLI v2 if missing, then runs the host installer of
 * `@vodsr/host-scripts` with the runner, both from CDK assets. The `document` (SSM Command, schema 2.2) runs the runner with the job and the task token as base64
 * parameters exposed only as environment variables (`interpolationType: ENV_VAR`, `allowedPattern`).
 */
export class BluewhaleHost extends Construct {
  public readonly instance: Instance;
  public readonly role: IRole;
  public readonly securityGroup: SecurityGroup;
  public readonly vpc: IVpc;
  /** The SSM Command document that runs one job; its name is `documentName`. */
  public readonly document: CfnDocument;
  /** Name of `document` (a token until deploy). */
  public readonly documentName: string;
  /** ARN of `document`. */
  public readonly documentArn: string;
  /** ARN of the instance. */
  public readonly instanceArn: string;
  /** Full command output of every job (SSM truncates stdout at 24,000 chars). */
  public readonly logGroup: LogGroup;
  /** The runner script asset (`vodsr-host`). */
  public readonly runnerAsset: Asset;
  /** The host installer script asset (`vodsr-host-install`). */
  public readonly installerAsset: Asset;

  public constructor(scope: Construct, id: string, props: BluewhaleHostProps) {
    super(scope, id);
    // A unique name for the IMDSv2 launch template (the legacy default is one fixed name per account and region).
    this.node.setContext('@aws-cdk/aws-ec2:uniqueImdsv2TemplateName', true);
    const issues: ValidationIssue[] = [];
    if (typeof props.amiId !== 'string' || !/^ami-[0-9a-f]{8}([0-9a-f]{9})?$/.test(props.amiId))
      issues.push({
        path: '/amiId',
        message: 'must be an AMI id like ami-0123456789abcdef0 (the Bluewhale AMI of your region)',
      });
    const instanceType = props.instanceType ?? DEFAULT_HOST_INSTANCE_TYPE;
    if (!/^[a-z][a-z0-9-]*\.[a-z0-9]+$/.test(instanceType))
      issues.push({ path: '/instanceType', message: 'must be an EC2 instance type like g6e.xlarge' });
    const size = props.rootVolumeGiB ?? 200;
    if (!Number.isInteger(size) || size < 30 || size > 16_384)
      issues.push({ path: '/rootVolumeGiB', message: 'must be an integer from 30 to 16384' });
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
    const prefix = posix.dirname(posix.dirname(runnerPath));
    const rootDeviceName = props.rootDeviceName ?? DEFAULT_ROOT_DEVICE_NAME;
    if (!/^\/dev\/(sd[a-z][0-9]*|xvd[a-z]{1,2}|nvme[0-9]+n[0-9]+)$/.test(rootDeviceName))
      issues.push({
        path: '/rootDeviceName',
        message: "must be a device name like /dev/sda1 or /dev/xvda (the AMI's RootDeviceName)",
      });
    const heartbeatSeconds = props.heartbeatSeconds ?? DEFAULT_HEARTBEAT_SECONDS;
    if (
      !Number.isInteger(heartbeatSeconds) ||
      heartbeatSeconds < MIN_HEARTBEAT_SECONDS ||
      heartbeatSeconds > 86_400
    )
      issues.push({
        path: '/heartbeatSeconds',
        message: `must be an integer from ${MIN_HEARTBEAT_SECONDS} to 86400: the host heartbeats every quarter of it, and its first heartbeat also waits for SSM delivery, the agent and one AWS CLI call`,
      });
    const installTimeout = props.installTimeoutMinutes ?? 30;
    if (!Number.isInteger(installTimeout) || installTimeout < 5 || installTimeout > 720)
      issues.push({ path: '/installTimeoutMinutes', message: 'must be an integer from 5 to 720' });
    if (issues.length) throw new ValidationError('BluewhaleHost props', issues);

    const stack = Stack.of(this);
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
        'vodsr Bluewhale host: no inbound (managed by SSM), outbound HTTPS (AWS APIs) and HTTP (apt)',
      allowAllOutbound: false,
    });
    this.securityGroup.addEgressRule(
      Peer.anyIpv4(),
      Port.tcp(443),
      'HTTPS to SSM, S3, Step Functions, CloudWatch',
    );
    this.securityGroup.addEgressRule(
      Peer.anyIpv4(),
      Port.tcp(80),
      'HTTP to the distribution package mirrors',
    );

    this.logGroup = new LogGroup(this, 'CommandLogs', {
      retention: props.logRetention ?? RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    const role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('ec2.amazonaws.com'),
      description: 'vodsr Bluewhale host: SSM managed instance, its buckets, its log group, task callbacks',
      managedPolicies: [ManagedPolicy.fromAwsManagedPolicyName('AmazonSSMManagedInstanceCore')],
    });
    this.role = role;
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
    acknowledgeManagedPolicy(
      role,
      'AmazonSSMManagedInstanceCore',
      'AWS-maintained minimum for an SSM managed instance: the host is reached only by SSM Run Command (no SSH, no inbound).',
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
    // The SSM agent checks that the output log group exists before streaming command output to it.
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
    // Boot: the AWS CLI is needed to fetch the scripts (the AMI may not have it); then the installer
    // (@vodsr/host-scripts) sets up jq, flock, AWS CLI v2, the runner and its folders, idempotently.
    const userData = UserData.forLinux();
    const download = (asset: Asset, to: string): string =>
      `aws s3 cp --only-show-errors --region '${stack.region}' 's3://${asset.s3BucketName}/${asset.s3ObjectKey}' "$boot/${to}"`;
    const apt = `apt-get -o DPkg::Lock::Timeout=${APT_LOCK_TIMEOUT_SECONDS}`;
    userData.addCommands(
      'set -euo pipefail',
      'export DEBIAN_FRONTEND=noninteractive',
      // Tell CloudFormation how the install ended (the API cfn-signal uses; Ubuntu has no cfn helper scripts). The
      // logical id is read at run time: it carries a hash of this very user data (userDataCausesReplacement).
      'signal() {',
      '  if command -v aws >/dev/null 2>&1; then',
      '    iid="$(cat /var/lib/cloud/data/instance-id)"',
      `    lid="$(aws cloudformation describe-stack-resources --region '${stack.region}' --physical-resource-id "$iid" --query 'StackResources[0].LogicalResourceId' --output text)" || return 0`,
      `    aws cloudformation signal-resource --region '${stack.region}' --stack-name '${stack.stackName}' --logical-resource-id "$lid" --unique-id "$iid" --status "$1" || true`,
      '  fi',
      '}',
      'boot="$(mktemp -d)"',
      'on_exit() {',
      '  rc=$?',
      '  rm -rf "$boot"',
      '  if [ "$rc" -ne 0 ]; then signal FAILURE; fi',
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
      `bash "$boot/vodsr-host-install" --runner "$boot/vodsr-host" --prefix '${prefix}' --region '${stack.region}' --apt-lock-timeout ${APT_LOCK_TIMEOUT_SECONDS}`,
      `'${runnerPath}' --version`,
      'signal SUCCESS',
    );
    const machineImage: IMachineImage = {
      getImage: () => ({ imageId: props.amiId, osType: OperatingSystemType.LINUX, userData }),
    };
    this.instance = new Instance(this, 'Instance', {
      vpc: this.vpc,
      vpcSubnets: props.vpcSubnets ?? { subnetType: SubnetType.PUBLIC },
      instanceType: new InstanceType(instanceType),
      machineImage,
      userData,
      role,
      securityGroup: this.securityGroup,
      requireImdsv2: true,
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
      userDataCausesReplacement: true,
    });
    // CREATE_COMPLETE only after the install signalled SUCCESS; FAILURE (or no signal in time) fails the stack.
    const cfnInstance = this.instance.node.defaultChild as CfnResource;
    cfnInstance.cfnOptions.creationPolicy = {
      resourceSignal: { count: 1, timeout: `PT${installTimeout}M` },
    };
    role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'SignalInstall',
        actions: ['cloudformation:DescribeStackResources', 'cloudformation:SignalResource'],
        resources: [stack.stackId],
      }),
    );
    acknowledge(
      this.instance,
      'AwsSolutions-EC29',
      'One stateless host owned by this stack: termination protection would block updates that replace it (new AMI or runner); a job on a lost host fails through the dead-host rule.',
    );
    this.instanceArn = stack.formatArn({
      service: 'ec2',
      resource: 'instance',
      resourceName: this.instance.instanceId,
    });

    const P = HOST_DOCUMENT_PARAMETERS;
    this.document = new CfnDocument(this, 'RunHostJob', {
      documentType: 'Command',
      documentFormat: 'JSON',
      updateMethod: 'NewVersion',
      content: {
        schemaVersion: '2.2',
        description:
          'vodsr: runs one super-resolution job with vodsr-host. The job and the Step Functions task token arrive as base64 parameters and reach the runner only as environment variables; nothing is interpolated into the script.',
        parameters: {
          [P.jobB64]: {
            type: 'String',
            description: 'Base64 of the HostJob JSON (encodeHostJob).',
            allowedPattern: HOST_DOCUMENT_PARAMETER_PATTERN,
            interpolationType: 'ENV_VAR',
          },
          [P.taskTokenB64]: {
            type: 'String',
            description: 'Base64 of the Step Functions task token.',
            allowedPattern: HOST_DOCUMENT_PARAMETER_PATTERN,
            interpolationType: 'ENV_VAR',
          },
          [P.executionTimeout]: {
            type: 'String',
            default: '3600',
            description: 'Seconds before the command is stopped (1..172800).',
            allowedPattern: EXECUTION_TIMEOUT_PATTERN,
          },
        },
        mainSteps: [
          {
            action: 'aws:runShellScript',
            name: 'runVodsrHost',
            inputs: {
              timeoutSeconds: `{{ ${P.executionTimeout} }}`,
              runCommand: [
                'set -eu',
                `export AWS_REGION='${Aws.REGION}' AWS_DEFAULT_REGION='${Aws.REGION}'`,
                // The host heartbeats at a quarter of the workflow's HeartbeatSeconds.
                `export VODSR_HEARTBEAT_SECONDS='${hostHeartbeatInterval(heartbeatSeconds)}'`,
                ...lateStartGuard(P.taskTokenB64),
                ...BLUEWHALE_ENV,
                // SSM Agent 3.3.2746.0+ passes each ENV_VAR parameter as SSM_<name>; for older agents, fall back to
                // the interpolated value, which allowedPattern limits to base64 characters (inert inside quotes).
                `if [ -z "\${SSM_${P.jobB64}+x}" ]; then SSM_${P.jobB64}='{{ ${P.jobB64} }}'; fi`,
                `if [ -z "\${SSM_${P.taskTokenB64}+x}" ]; then SSM_${P.taskTokenB64}='{{ ${P.taskTokenB64} }}'; fi`,
                // The host contract's one command line (core), the values as the SSM_* variables only.
                hostShellCommand({
                  runnerPath,
                  jobB64: { env: `SSM_${P.jobB64}` },
                  taskTokenB64: { env: `SSM_${P.taskTokenB64}` },
                }),
              ],
            },
          },
        ],
      },
    });
    this.documentName = this.document.ref;
    this.documentArn = stack.formatArn({
      service: 'ssm',
      resource: 'document',
      resourceName: this.document.ref,
    });
  }
}

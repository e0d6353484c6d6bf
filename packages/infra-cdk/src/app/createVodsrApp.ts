import { ValidationError, type ValidationIssue } from '@vodsr/core';
import { MIN_HEARTBEAT_SECONDS } from '@vodsr/core/workflow';
import { App, type Environment, Validations } from 'aws-cdk-lib';
import { type IVpc, Vpc } from 'aws-cdk-lib/aws-ec2';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { Node } from 'constructs';
import { DEFAULT_HOST_INSTANCE_TYPE } from '../constructs/VodsrFleet.js';
import { VodsrStack } from '../constructs/VodsrStack.js';

/** The CDK context the app reads (`-c key=value` or `cdk.json`); lists are JSON arrays or comma-separated. */
export interface VodsrAppContext {
  /** The Bluewhale AMI id of the region (required). */
  readonly amiId: string;
  /** @default 'g6e.xlarge' */
  readonly instanceType: string;
  /** Host instance types in order of preference (overrides `instanceType`). @default [instanceType] */
  readonly instanceTypes?: readonly string[];
  /** Fleet size: fewest and most hosts. @default 0 and 4 */
  readonly minHosts?: number;
  readonly maxHosts?: number;
  /** Jobs per host. @default 1 */
  readonly slotsPerHost?: number;
  /** Minutes of empty queues before idle hosts go. @default 15 */
  readonly idleMinutes?: number;
  /** `true` for Spot hosts. @default false */
  readonly spot?: boolean;
  /** Stopped hosts kept in a warm pool (0 = none). @default 0 */
  readonly warmPoolSize?: number;
  /** Target region. @default CDK_DEFAULT_REGION (from your AWS profile), else region-agnostic */
  readonly region?: string;
  /**
   * Target account (12 digits). With an account the stack is environment-specific: then give
   * `availabilityZones` too, or synth would look the AZs up (credentials needed). @default none (account-agnostic)
   */
  readonly account?: string;
  /** Root device name of the AMI (`aws ec2 describe-images … RootDeviceName`). @default '/dev/sda1' */
  readonly rootDeviceName?: string;
  /** @default 'Vodsr' */
  readonly stackName: string;
  /** An existing VPC (needs `availabilityZones` and `subnetIds`; no lookup). @default a new VPC */
  readonly vpcId?: string;
  readonly availabilityZones?: readonly string[];
  /** Subnets of the host in the existing VPC (with a route to the internet or VPC endpoints). */
  readonly subnetIds?: readonly string[];
  readonly inputBucketName?: string;
  readonly outputBucketName?: string;
  readonly outputPrefix?: string;
  readonly inputPrefix?: string;
  readonly model?: string;
  readonly packagingPreset?: string;
  readonly notificationEmails?: readonly string[];
  readonly heartbeatSeconds?: number;
}

function list(v: unknown): string[] | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (Array.isArray(v)) return v.map(String);
  const s = String(v).trim();
  if (s.startsWith('[')) return (JSON.parse(s) as unknown[]).map(String);
  return s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
}

/** Reads and checks the app context; throws `VODSR_VALIDATION` listing every problem. */
export function readAppContext(
  node: Node,
  env: Record<string, string | undefined> = process.env,
): VodsrAppContext {
  const get = (k: string): string | undefined => {
    const v = node.tryGetContext(k) as unknown;
    return v === undefined || v === null || v === '' ? undefined : String(v);
  };
  const issues: ValidationIssue[] = [];
  const amiId = get('amiId');
  if (!amiId || !/^ami-[0-9a-f]{8}([0-9a-f]{9})?$/.test(amiId))
    issues.push({
      path: '/amiId',
      message: 'is required: -c amiId=ami-… (the Bluewhale AMI id of your region)',
    });
  const vpcId = get('vpcId');
  const azs = list(node.tryGetContext('availabilityZones'));
  const subnetIds = list(node.tryGetContext('subnetIds'));
  if (vpcId && (!azs?.length || !subnetIds?.length))
    issues.push({
      path: '/vpcId',
      message: 'an existing VPC needs availabilityZones and subnetIds too (no lookups)',
    });
  if (vpcId && azs && subnetIds && azs.length !== subnetIds.length)
    issues.push({ path: '/subnetIds', message: 'needs one subnet per availability zone' });
  const hb = get('heartbeatSeconds');
  if (hb !== undefined && !/^\d+$/.test(hb))
    issues.push({ path: '/heartbeatSeconds', message: 'must be an integer' });
  else if (hb !== undefined && Number(hb) < MIN_HEARTBEAT_SECONDS)
    issues.push({
      path: '/heartbeatSeconds',
      message: `must be at least ${MIN_HEARTBEAT_SECONDS}: the host heartbeats every quarter of it, and its first heartbeat also waits for SSM delivery, the agent and one AWS CLI call`,
    });
  const ints: Record<string, number> = {};
  for (const k of ['minHosts', 'maxHosts', 'slotsPerHost', 'idleMinutes', 'warmPoolSize'] as const) {
    const v = get(k);
    if (v === undefined) continue;
    if (!/^\d+$/.test(v)) issues.push({ path: `/${k}`, message: 'must be a non-negative integer' });
    else ints[k] = Number(v);
  }
  const spot = get('spot');
  if (spot !== undefined && spot !== 'true' && spot !== 'false')
    issues.push({ path: '/spot', message: 'must be true or false' });
  const account = get('account');
  if (account !== undefined && !/^\d{12}$/.test(account))
    issues.push({ path: '/account', message: 'must be a 12-digit AWS account id' });
  if (account !== undefined && !azs?.length)
    issues.push({
      path: '/availabilityZones',
      message:
        'is required with an explicit account (else synth looks the AZs up); pick AZs that offer the instance type',
    });
  const inName = get('inputBucketName');
  const outName = get('outputBucketName');
  if (inName && inName === outName)
    issues.push({
      path: '/outputBucketName',
      message: 'must differ from inputBucketName (results would trigger jobs)',
    });
  if (issues.length) throw new ValidationError('CDK context', issues);
  const opt = <K extends string, V>(k: K, v: V | undefined): { [P in K]?: V } =>
    (v === undefined ? {} : { [k]: v }) as { [P in K]?: V };
  const region = get('region') ?? env.CDK_DEFAULT_REGION;
  return {
    amiId: amiId as string,
    instanceType: get('instanceType') ?? DEFAULT_HOST_INSTANCE_TYPE,
    stackName: get('stackName') ?? 'Vodsr',
    ...opt('region', region),
    ...opt('account', account),
    ...opt('rootDeviceName', get('rootDeviceName')),
    ...opt('vpcId', vpcId),
    ...opt('availabilityZones', azs),
    ...opt('subnetIds', subnetIds),
    ...opt('inputBucketName', inName),
    ...opt('outputBucketName', outName),
    ...opt('outputPrefix', get('outputPrefix')),
    ...opt('inputPrefix', get('inputPrefix')),
    ...opt('model', get('model')),
    ...opt('packagingPreset', get('packagingPreset')),
    ...opt('notificationEmails', list(node.tryGetContext('notificationEmails'))),
    ...opt('heartbeatSeconds', hb === undefined ? undefined : Number(hb)),
    ...opt('instanceTypes', list(node.tryGetContext('instanceTypes'))),
    ...opt('minHosts', ints.minHosts),
    ...opt('maxHosts', ints.maxHosts),
    ...opt('slotsPerHost', ints.slotsPerHost),
    ...opt('idleMinutes', ints.idleMinutes),
    ...opt('warmPoolSize', ints.warmPoolSize),
    ...opt('spot', spot === undefined ? undefined : spot === 'true'),
  };
}

/**
 * Creates the vodsr CDK app from context: one `VodsrStack`, with cdk-nag's AwsSolutions checks registered
 * (`nag: false` to skip). Nothing is looked up at synth: the AMI id, AZs and subnets come from context.
 *
 * @example const { app, stack } = createVodsrApp({ context: { amiId: 'ami-0123456789abcdef0' } }); app.synth();
 */
export function createVodsrApp(
  opts: {
    app?: App;
    context?: Record<string, unknown>;
    nag?: boolean;
    env?: Record<string, string | undefined>;
  } = {},
): { app: App; stack: VodsrStack; context: VodsrAppContext } {
  const app =
    opts.app ??
    new App({
      ...(opts.context ? { context: opts.context } : {}),
      // The CloudFormation validation makes a synth take seconds; `cdk synth` can still turn it on.
      ...(process.env.CDK_VALIDATION === 'true' ? {} : { builtinCloudFormationValidation: false }),
    });
  if (opts.app && opts.context) for (const [k, v] of Object.entries(opts.context)) app.node.setContext(k, v);
  const ctx = readAppContext(app.node, opts.env ?? process.env);
  const env: Environment = {
    ...(ctx.region ? { region: ctx.region } : {}),
    ...(ctx.account ? { account: ctx.account } : {}),
  };
  const stack = new VodsrStack(app, ctx.stackName, {
    env,
    description: 'vodsr: automated VOD super-resolution (Bluewhale AMI on g6e + MediaConvert HLS)',
    pipeline: {
      amiId: ctx.amiId,
      instanceTypes: ctx.instanceTypes ?? [ctx.instanceType],
      ...(ctx.minHosts === undefined ? {} : { minHosts: ctx.minHosts }),
      ...(ctx.maxHosts === undefined ? {} : { maxHosts: ctx.maxHosts }),
      ...(ctx.slotsPerHost === undefined ? {} : { slotsPerHost: ctx.slotsPerHost }),
      ...(ctx.idleMinutes === undefined ? {} : { idleMinutes: ctx.idleMinutes }),
      ...(ctx.spot === undefined ? {} : { spot: ctx.spot }),
      ...(ctx.warmPoolSize ? { warmPool: { minSize: ctx.warmPoolSize } } : {}),
      ...(ctx.availabilityZones && !ctx.vpcId ? { availabilityZones: ctx.availabilityZones } : {}),
      ...(ctx.rootDeviceName === undefined ? {} : { rootDeviceName: ctx.rootDeviceName }),
      ...(ctx.outputPrefix === undefined ? {} : { outputPrefix: ctx.outputPrefix }),
      ...(ctx.inputPrefix === undefined ? {} : { inputPrefix: ctx.inputPrefix }),
      ...(ctx.model === undefined ? {} : { model: ctx.model }),
      ...(ctx.packagingPreset === undefined ? {} : { packagingPreset: ctx.packagingPreset }),
      ...(ctx.notificationEmails === undefined ? {} : { notificationEmails: ctx.notificationEmails }),
      ...(ctx.heartbeatSeconds === undefined ? {} : { heartbeatSeconds: ctx.heartbeatSeconds }),
    },
    resolveExisting: (scope) => {
      let vpc: IVpc | undefined;
      if (ctx.vpcId && ctx.availabilityZones && ctx.subnetIds) {
        vpc = Vpc.fromVpcAttributes(scope, 'ExistingVpc', {
          vpcId: ctx.vpcId,
          availabilityZones: [...ctx.availabilityZones],
          publicSubnetIds: [...ctx.subnetIds],
        });
      }
      return {
        ...(vpc ? { vpc } : {}),
        ...(ctx.inputBucketName
          ? { inputBucket: Bucket.fromBucketName(scope, 'ExistingInput', ctx.inputBucketName) }
          : {}),
        ...(ctx.outputBucketName
          ? { outputBucket: Bucket.fromBucketName(scope, 'ExistingOutput', ctx.outputBucketName) }
          : {}),
      };
    },
  });
  if (opts.nag ?? true) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack, context: ctx };
}

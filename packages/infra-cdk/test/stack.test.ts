import { execFile, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type MediaInfo, parseJobSpec, prepareJob } from '@vodsr/core';
import {
  HOST_DOCUMENT_LEASE_PATTERN,
  HOST_DOCUMENT_PARAMETER_PATTERN,
  HOST_DOCUMENT_SLOT_PATTERN,
  WORKFLOW_STATES as S,
} from '@vodsr/core/workflow';
import { createVodsrApp, type VodsrStack } from '@vodsr/infra-cdk';
import { createPlanPackagingHandler } from '@vodsr/mediaconvert-presets';
import aslValidator from 'asl-validator';
import { type App, CfnElement, type Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { runLocal } from './support/localSfn.js';

const AMI = 'ami-0123456789abcdef0';
const exec = promisify(execFile);
type Resources = Record<string, { Type: string; Properties?: Record<string, unknown>; DependsOn?: string[] }>;

let stack: VodsrStack;
let template: Template;
let resources: Resources;
let assemblyDir: string;

function logicalId(s: Stack, c: IConstruct): string {
  return s.getLogicalId((CfnElement.isCfnElement(c) ? c : c.node.defaultChild) as CfnElement);
}

function only(type: string, idPart?: string): [string, Record<string, unknown>] {
  const found = Object.entries(resources).filter(
    ([id, r]) => r.Type === type && (idPart === undefined || id.includes(idPart)),
  );
  expect(found, type).toHaveLength(1);
  const [id, r] = found[0] as [string, { Properties: Record<string, unknown> }];
  return [id, r.Properties];
}

/** Every IAM statement of the template (policies and inline role policies). */
function statements(): {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
}[] {
  const out: { Effect: string; Action: string | string[]; Resource: unknown }[] = [];
  for (const r of Object.values(resources)) {
    const docs: unknown[] = [];
    if (r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy')
      docs.push(r.Properties?.PolicyDocument);
    if (r.Type === 'AWS::IAM::Role')
      for (const p of (r.Properties?.Policies as { PolicyDocument: unknown }[] | undefined) ?? [])
        docs.push(p.PolicyDocument);
    for (const d of docs) out.push(...((d as { Statement: typeof out }).Statement ?? []));
  }
  return out;
}

/** The synthesized definition with its CloudFormation references replaced by example values. */
function synthesizedDefinition(): Record<string, unknown> {
  const [, sm] = only('AWS::StepFunctions::StateMachine', 'Workflow');
  const join = (sm.DefinitionString as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
  const pseudo: Record<string, string> = {
    'AWS::Partition': 'aws',
    'AWS::Region': 'eu-west-1',
    'AWS::AccountId': '111111111111',
  };
  const text = join[1]
    .map((p) => {
      if (typeof p === 'string') return p;
      const o = p as { Ref?: string; 'Fn::GetAtt'?: [string, string] };
      if (o.Ref && resources[o.Ref]?.Type === 'AWS::SQS::Queue')
        return `https://sqs.eu-west-1.amazonaws.com/111111111111/${o.Ref}`;
      if (o.Ref) return pseudo[o.Ref] ?? o.Ref;
      const [id] = o['Fn::GetAtt'] as [string, string];
      const type = resources[id]?.Type;
      if (type === 'AWS::IAM::Role') return `arn:aws:iam::111111111111:role/${id}`;
      if (type === 'AWS::Lambda::Function') return `arn:aws:lambda:eu-west-1:111111111111:function:${id}`;
      return `arn:aws:unknown:::${id}`;
    })
    .join(join[0]);
  return JSON.parse(text) as Record<string, unknown>;
}

beforeAll(() => {
  let app: App;
  ({ app, stack } = createVodsrApp({ context: { amiId: AMI, region: 'eu-west-1' } }));
  assemblyDir = app.synth().directory;
  template = Template.fromStack(stack);
  resources = template.toJSON().Resources as Resources;
});

/** The fleet's user data as text: queue URLs become `https://sqs/<queue id>`, other references `cdk-assets-bucket`. */
function userDataText(): string {
  const [, lt] = only('AWS::EC2::LaunchTemplate');
  const ud = (lt.LaunchTemplateData as { UserData: { 'Fn::Base64': unknown } }).UserData['Fn::Base64'];
  const render = (node: unknown): string => {
    if (typeof node === 'string') return node;
    const o = node as { 'Fn::Join'?: [string, unknown[]]; Ref?: string };
    if (o['Fn::Join']) return o['Fn::Join'][1].map(render).join(o['Fn::Join'][0]);
    if (o.Ref && resources[o.Ref]?.Type === 'AWS::SQS::Queue') return `https://sqs/${o.Ref}`;
    return 'cdk-assets-bucket';
  };
  return render(ud);
}

/** Runs the esbuild bundle of a function, as Lambda would (CommonJS, Node.js, the SDK provided), on one event. */
async function invokeBundle(fn: IConstruct, env: Record<string, string>, event: unknown): Promise<unknown> {
  const key = resources[logicalId(stack, fn)]?.Properties?.Code as { S3Key: string };
  const bundle = join(assemblyDir, `asset.${key.S3Key.replace(/\.zip$/, '')}`, 'index.js');
  const script = `const out = (v) => process.stdout.write('\\n@@RESULT ' + JSON.stringify(v));
require(${JSON.stringify(bundle)}).handler(JSON.parse(process.argv[1])).then(out, (e) => out({ thrown: e.name }))`;
  const { stdout } = await exec(process.execPath, ['-e', script, JSON.stringify(event)], {
    env: {
      PATH: process.env.PATH ?? '',
      NODE_PATH: join(__dirname, '..', '..', '..', 'node_modules'),
      AWS_REGION: 'eu-west-1',
      ...env,
    },
  });
  return JSON.parse(stdout.slice(stdout.lastIndexOf('@@RESULT ') + '@@RESULT '.length));
}

describe('VodsrStack (synthesized offline from context)', () => {
  it('sends object-created events of the input bucket, and only those, to the trigger Lambda', () => {
    const p = stack.pipeline;
    const [, n] = only('Custom::S3BucketNotifications');
    expect(n.BucketName).toEqual({ Ref: logicalId(stack, p.storage.inputBucket) });
    expect(n.NotificationConfiguration).toEqual({
      LambdaFunctionConfigurations: [
        {
          Events: ['s3:ObjectCreated:*'],
          LambdaFunctionArn: { 'Fn::GetAtt': [logicalId(stack, p.trigger.function), 'Arn'] },
        },
      ],
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Environment: {
        Variables: Match.objectLike({
          VODSR_OUTPUT_BUCKET: { Ref: logicalId(stack, p.storage.outputBucket) },
          VODSR_INPUT_BUCKET: { Ref: logicalId(stack, p.storage.inputBucket) },
          VODSR_STATE_MACHINE_ARN: { Ref: logicalId(stack, p.workflow.stateMachine) },
        }),
      },
    });
    const runtimes = Object.values(resources)
      .filter((r) => r.Type === 'AWS::Lambda::Function')
      .map((r) => r.Properties?.Runtime);
    // trigger, planner, dead-host (+ aws-cdk-lib's Python bucket-notification handler)
    // + the backfill's per-item Lambda
    expect(runtimes.filter((r) => r === 'nodejs22.x')).toHaveLength(4);
  });

  it('bundles the three Lambdas with esbuild into CommonJS that runs on plain Node.js', async () => {
    const p = stack.pipeline;
    const trigger = await invokeBundle(
      p.trigger.function,
      {
        VODSR_STATE_MACHINE_ARN: 'arn:aws:states:eu-west-1:111111111111:stateMachine:vodsr',
        VODSR_OUTPUT_ROOT: 's3://vodsr-out/',
        VODSR_INSTANCE_ID: 'i-0123456789abcdef0',
        VODSR_OUTPUT_BUCKET: 'vodsr-out',
      },
      {
        Records: [
          {
            eventName: 'ObjectCreated:Put',
            s3: { bucket: { name: 'vodsr-in' }, object: { key: 'notes.txt', size: 9 } },
          },
        ],
      },
    );
    expect(trigger).toMatchObject({ started: [], ignored: [{ key: 'notes.txt' }] });
    const plan = await invokeBundle(
      p.workflow.plannerFunction,
      {},
      {
        jobId: 'j',
        preset: 'hls-single',
        input: 's3://vodsr-out/a_sr_2x.mp4',
        destination: 's3://vodsr-out/hls/a_sr_2x.mp4/',
        role: 'arn:aws:iam::111111111111:role/mc',
        media: { width: 1280, height: 960, durationSeconds: 10, hasAudio: true },
      },
    );
    expect(plan).toMatchObject({ Role: 'arn:aws:iam::111111111111:role/mc', UserMetadata: { jobId: 'j' } });
    expect(JSON.stringify(plan)).toContain('s3://vodsr-out/hls/a_sr_2x.mp4/');
    const badPreset = await invokeBundle(
      p.workflow.plannerFunction,
      {},
      { jobId: 'j', preset: 'nope', input: 'x', destination: 'y', media: {} },
    );
    expect(badPreset).toEqual({ thrown: 'VODSR_UNKNOWN_PRESET' });
    const status = await invokeBundle(
      p.workflow.commandStatusFunction,
      {},
      { detail: { 'command-id': 'c', status: 'Success' } },
    );
    expect(status).toEqual({ action: 'ignored', reason: 'status Success is not a failure' });
  });

  it('encrypts both buckets, blocks public access, refuses plain HTTP and expires temporary objects', () => {
    template.resourceCountIs('AWS::S3::Bucket', 2);
    template.allResourcesProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LifecycleConfiguration: {
        Rules: [
          {
            AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
            Id: 'abort-incomplete-multipart-uploads',
            Status: 'Enabled',
          },
          { ExpirationInDays: 7, Id: 'expire-temporary-objects', Prefix: 'tmp/', Status: 'Enabled' },
        ],
      },
    });
    template.allResourcesProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('runs the hosts from a launch template: AMI from context, g6e, IMDSv2 only, encrypted gp3 root, no inbound rule', () => {
    const [, lt] = only('AWS::EC2::LaunchTemplate');
    const data = lt.LaunchTemplateData as Record<string, unknown>;
    expect(data).toMatchObject({
      ImageId: AMI,
      InstanceType: 'g6e.xlarge',
      MetadataOptions: { HttpTokens: 'required', InstanceMetadataTags: 'enabled' },
      Monitoring: { Enabled: true },
      EbsOptimized: true,
      BlockDeviceMappings: [
        {
          DeviceName: '/dev/sda1',
          Ebs: { DeleteOnTermination: true, Encrypted: true, VolumeSize: 200, VolumeType: 'gp3' },
        },
      ],
    });
    template.resourceCountIs('AWS::EC2::Instance', 0);
    template.resourceCountIs('AWS::EC2::SecurityGroupIngress', 0);
    const [, sg] = only('AWS::EC2::SecurityGroup');
    expect(sg.SecurityGroupIngress).toBeUndefined();
    expect((sg.SecurityGroupEgress as { FromPort: number }[]).map((e) => e.FromPort)).toEqual([443, 80]);
  });

  it('scales an Auto Scaling group of hosts from 0, spanning the given subnets, tagged for SendCommand', () => {
    const p = stack.pipeline;
    const [, asg] = only('AWS::AutoScaling::AutoScalingGroup');
    expect(asg).toMatchObject({
      MinSize: '0',
      MaxSize: '4',
      AutoScalingGroupName: 'Vodsr-vodsr-fleet',
      NewInstancesProtectedFromScaleIn: false,
      HealthCheckType: 'EC2',
      LaunchTemplate: { LaunchTemplateId: { Ref: logicalId(stack, p.fleet.launchTemplate) } },
    });
    expect(asg.DesiredCapacity).toBeUndefined();
    expect(asg.MixedInstancesPolicy).toBeUndefined();
    expect(asg.CapacityRebalance).toBeUndefined();
    expect(asg.Tags).toEqual(
      expect.arrayContaining([{ Key: 'vodsr:fleet', Value: 'Vodsr-vodsr-fleet', PropagateAtLaunch: true }]),
    );
    expect(asg.VPCZoneIdentifier).toHaveLength(1);
    template.resourceCountIs('AWS::AutoScaling::WarmPool', 0);
  });

  it('has a launch hook (ABANDON unless installed) and a termination hook the agent drains on', () => {
    template.hasResourceProperties('AWS::AutoScaling::LifecycleHook', {
      LifecycleHookName: 'vodsr-launch',
      LifecycleTransition: 'autoscaling:EC2_INSTANCE_LAUNCHING',
      DefaultResult: 'ABANDON',
      HeartbeatTimeout: 1800,
    });
    template.hasResourceProperties('AWS::AutoScaling::LifecycleHook', {
      LifecycleHookName: 'vodsr-drain',
      LifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING',
      DefaultResult: 'CONTINUE',
      HeartbeatTimeout: 3600,
    });
    template.resourceCountIs('AWS::AutoScaling::LifecycleHook', 2);
  });

  it('follows the backlog of both queues: +ceil(backlog / slots) hosts at once, back to 0 after idle minutes', () => {
    const p = stack.pipeline;
    const queueMetric = (q: IConstruct) =>
      Match.objectLike({
        MetricStat: Match.objectLike({
          Metric: {
            Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalId(stack, q), 'QueueName'] } }],
            MetricName: 'ApproximateNumberOfMessagesVisible',
            Namespace: 'AWS/SQS',
          },
          Period: 60,
          Stat: 'Maximum',
        }),
        ReturnData: false,
      });
    const backlog = [
      Match.objectLike({ Expression: 'FILL(interactive, 0) + FILL(bulk, 0)', Id: 'expr_1' }),
      queueMetric(p.queues.interactive),
      queueMetric(p.queues.bulk),
    ];
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 1,
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
      Metrics: Match.arrayWith(backlog),
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      ComparisonOperator: 'LessThanOrEqualToThreshold',
      Threshold: 0,
      EvaluationPeriods: 15,
      DatapointsToAlarm: 15,
      TreatMissingData: 'breaching',
      Metrics: Match.arrayWith(backlog),
    });
    const policies = Object.values(resources).filter((r) => r.Type === 'AWS::AutoScaling::ScalingPolicy');
    const out = policies.find((r) => r.Properties?.AdjustmentType === 'ChangeInCapacity')?.Properties;
    expect(out).toMatchObject({ PolicyType: 'StepScaling', EstimatedInstanceWarmup: 600 });
    // slotsPerHost 1, maxCapacity 4: a backlog of 1 → +1, 2 → +2, 3 → +3, ≥ 4 → +4 (bounds relative to 1).
    expect(out?.StepAdjustments).toEqual([
      { MetricIntervalLowerBound: 0, MetricIntervalUpperBound: 1, ScalingAdjustment: 1 },
      { MetricIntervalLowerBound: 1, MetricIntervalUpperBound: 2, ScalingAdjustment: 2 },
      { MetricIntervalLowerBound: 2, MetricIntervalUpperBound: 3, ScalingAdjustment: 3 },
      { MetricIntervalLowerBound: 3, ScalingAdjustment: 4 },
    ]);
    const idle = policies.find((r) => r.Properties?.AdjustmentType === 'ExactCapacity')?.Properties;
    expect(idle?.StepAdjustments).toEqual([{ MetricIntervalUpperBound: 0, ScalingAdjustment: 0 }]);
    expect(policies).toHaveLength(2);
  });

  it('installs the runner with the host installer from CDK assets, writes the agent config, starts the agent', () => {
    const text = userDataText();
    expect(text.match(/aws s3 cp --only-show-errors --region 'eu-west-1' 's3:\/\//g)).toHaveLength(2);
    expect(text).toContain(
      `bash "$boot/vodsr-host-install" --runner "$boot/vodsr-host" --prefix '/opt/vodsr'`,
    );
    expect(text).toContain("'/opt/vodsr/bin/vodsr-host' --version");
    expect(text).toContain("systemctl enable --now 'vodsr-agent.service'");
    expect(text).toContain(
      "aws autoscaling complete-lifecycle-action --region 'eu-west-1' --auto-scaling-group-name 'Vodsr-vodsr-fleet' --lifecycle-hook-name 'vodsr-launch'",
    );
    expect(text).not.toMatch(/AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|\d{12}/);
    const json = text.slice(text.indexOf("<<'VODSR_AGENT_JSON'\n") + 21, text.indexOf('\nVODSR_AGENT_JSON'));
    expect(JSON.parse(json)).toEqual({
      v: 1,
      region: 'eu-west-1',
      queues: [
        {
          priority: 'interactive',
          url: `https://sqs/${logicalId(stack, stack.pipeline.queues.interactive)}`,
        },
        { priority: 'bulk', url: `https://sqs/${logicalId(stack, stack.pipeline.queues.bulk)}` },
      ],
      slots: 1,
      visibilityTimeoutSeconds: 90,
      autoScalingGroupName: 'Vodsr-vodsr-fleet',
      drainHookName: 'vodsr-drain',
      lifecycleHeartbeatSeconds: 900, // the 60-minute drain hook's heartbeat, every 15 minutes
      launchHookName: 'vodsr-launch',
      runnerPath: '/opt/vodsr/bin/vodsr-host',
    });
  });

  it('generates shell that shellcheck accepts (user data as bash, the document step as sh)', () => {
    const userData = userDataText();
    const [, doc] = only('AWS::SSM::Document');
    const step = (doc.Content as { mainSteps: { inputs: { runCommand: unknown[] } }[] }).mainSteps[0];
    const runCommand = (step?.inputs.runCommand ?? [])
      .map((line) => (typeof line === 'string' ? line : stack.resolve(line)))
      .map((line) =>
        typeof line === 'string'
          ? line
          : (line as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1]
              .map((p) => (typeof p === 'string' ? p : 'eu-west-1'))
              .join(''),
      )
      .join('\n');
    for (const [shell, script] of [
      ['bash', userData],
      ['sh', `#!/bin/sh\n${runCommand}\n`],
    ] as const) {
      const r = spawnSync('shellcheck', ['-s', shell, '-'], { input: script, encoding: 'utf8' });
      expect(`${r.status} ${r.stdout}`, `${shell}:\n${script}`).toBe('0 ');
    }
  });

  it('runs jobs through an SSM document whose base64 parameters are environment variables only', () => {
    const [, doc] = only('AWS::SSM::Document');
    expect(doc.DocumentType).toBe('Command');
    const content = doc.Content as {
      schemaVersion: string;
      parameters: Record<string, Record<string, string>>;
      mainSteps: { action: string; inputs: { timeoutSeconds: string; runCommand: unknown[] } }[];
    };
    expect(content.schemaVersion).toBe('2.2');
    for (const p of ['jobB64', 'taskTokenB64']) {
      expect(content.parameters[p]).toMatchObject({
        type: 'String',
        allowedPattern: HOST_DOCUMENT_PARAMETER_PATTERN,
        interpolationType: 'ENV_VAR',
      });
    }
    expect(content.parameters.slot).toMatchObject({
      type: 'String',
      allowedPattern: HOST_DOCUMENT_SLOT_PATTERN,
      interpolationType: 'ENV_VAR',
    });
    expect(content.parameters.lease).toMatchObject({
      type: 'String',
      allowedPattern: HOST_DOCUMENT_LEASE_PATTERN,
      interpolationType: 'ENV_VAR',
    });
    const step = content.mainSteps[0];
    expect(step?.action).toBe('aws:runShellScript');
    expect(step?.inputs.timeoutSeconds).toBe('{{ executionTimeout }}');
    const lines = (step?.inputs.runCommand ?? []).filter((l): l is string => typeof l === 'string');
    expect(lines.at(-1)).toBe(
      `exec '/opt/vodsr/bin/vodsr-host' run --job-b64="$SSM_jobB64" --task-token-b64="$SSM_taskTokenB64" --slot="$SSM_slot" --lease="$SSM_lease"`,
    );
    // Only the fallback for agents older than 3.3.2746.0 interpolates, inside single quotes, a base64-only value.
    expect(lines.filter((l) => l.includes('{{'))).toEqual([
      `if [ -z "\${SSM_jobB64+x}" ]; then SSM_jobB64='{{ jobB64 }}'; fi`,
      `if [ -z "\${SSM_taskTokenB64+x}" ]; then SSM_taskTokenB64='{{ taskTokenB64 }}'; fi`,
      `if [ -z "\${SSM_slot+x}" ]; then SSM_slot='{{ slot }}'; fi`,
      `if [ -z "\${SSM_lease+x}" ]; then SSM_lease='{{ lease }}'; fi`,
    ]);
  });

  it('lets the workflow pass only the MediaConvert role, only to MediaConvert', () => {
    const p = stack.pipeline;
    const passRole = statements().filter((s) => [s.Action].flat().includes('iam:PassRole'));
    expect(passRole).toEqual([
      {
        Action: 'iam:PassRole',
        Condition: { StringEquals: { 'iam:PassedToService': 'mediaconvert.amazonaws.com' } },
        Effect: 'Allow',
        Resource: { 'Fn::GetAtt': [logicalId(stack, p.workflow.mediaConvertRole), 'Arn'] },
        Sid: 'PassMediaConvertRole',
      },
    ]);
  });

  it('has no "*" action anywhere, and no wildcard service actions', () => {
    const actions = statements().flatMap((s) => [s.Action].flat());
    expect(actions.length).toBeGreaterThan(20);
    expect(actions.filter((a) => a === '*' || a.endsWith(':*'))).toEqual([]);
    const [, sm] = only('AWS::StepFunctions::StateMachine', 'Workflow');
    expect(sm.RoleArn).toBeDefined();
  });

  it('scopes ssm:SendCommand to the host document and to instances tagged with the fleet', () => {
    const p = stack.pipeline;
    const send = statements().filter((s) => [s.Action].flat().includes('ssm:SendCommand'));
    const arn = (service: string, rest: unknown[]) => ({
      'Fn::Join': [
        '',
        ['arn:', { Ref: 'AWS::Partition' }, `:${service}:eu-west-1:`, { Ref: 'AWS::AccountId' }, ...rest],
      ],
    });
    expect(send).toEqual([
      {
        Sid: 'RunHostDocument',
        Effect: 'Allow',
        Action: 'ssm:SendCommand',
        Resource: arn('ssm', [':document/', { Ref: logicalId(stack, p.hostDocument.document) }]),
      },
      {
        Sid: 'RunOnFleetHosts',
        Effect: 'Allow',
        Action: 'ssm:SendCommand',
        Resource: arn('ec2', [':instance/*']),
        Condition: { StringEquals: { 'aws:ResourceTag/vodsr:fleet': 'Vodsr-vodsr-fleet' } },
      },
    ]);
  });

  it('has two work queues, SSE-SQS encrypted, 14-day retention, each with a dead-letter queue', () => {
    const p = stack.pipeline;
    template.resourceCountIs('AWS::SQS::Queue', 4);
    for (const [q, dlq] of [
      [p.queues.interactive, p.queues.deadLetterQueues.interactive],
      [p.queues.bulk, p.queues.deadLetterQueues.bulk],
    ] as const) {
      expect(resources[logicalId(stack, q)]?.Properties).toEqual({
        SqsManagedSseEnabled: true,
        MessageRetentionPeriod: 1_209_600,
        VisibilityTimeout: 90,
        ReceiveMessageWaitTimeSeconds: 20,
        RedrivePolicy: {
          deadLetterTargetArn: { 'Fn::GetAtt': [logicalId(stack, dlq), 'Arn'] },
          maxReceiveCount: 5,
        },
      });
      expect(resources[logicalId(stack, dlq)]?.Properties).toEqual({
        SqsManagedSseEnabled: true,
        MessageRetentionPeriod: 1_209_600,
      });
    }
    template.resourceCountIs('AWS::SQS::QueuePolicy', 4);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [
        {
          Name: 'QueueName',
          Value: { 'Fn::GetAtt': [logicalId(stack, p.queues.deadLetterQueues.bulk), 'QueueName'] },
        },
      ],
      Threshold: 1,
    });
  });

  it('lets only the workflow role send, and only the host role receive, in the queue policies', () => {
    const p = stack.pipeline;
    const wf = { 'Fn::GetAtt': [logicalId(stack, p.workflow.role), 'Arn'] };
    const host = { 'Fn::GetAtt': [logicalId(stack, p.fleet.role), 'Arn'] };
    for (const q of p.queues.queues) {
      const queueArn = { 'Fn::GetAtt': [logicalId(stack, q), 'Arn'] };
      const policy = Object.values(resources).find(
        (r) =>
          r.Type === 'AWS::SQS::QueuePolicy' &&
          JSON.stringify(r.Properties?.Queues) === JSON.stringify([{ Ref: logicalId(stack, q) }]),
      );
      const st =
        (policy?.Properties?.PolicyDocument as { Statement: unknown[] } | undefined)?.Statement ?? [];
      expect(st).toHaveLength(3);
      expect(st).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            Effect: 'Deny',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
          {
            Sid: 'OnlyTheWorkflowSends',
            Effect: 'Deny',
            Principal: { AWS: '*' },
            Action: 'sqs:SendMessage',
            Resource: queueArn,
            Condition: { ArnNotEquals: { 'aws:PrincipalArn': wf } },
          },
          {
            Sid: 'OnlyHostsConsume',
            Effect: 'Deny',
            Principal: { AWS: '*' },
            Action: ['sqs:ReceiveMessage', 'sqs:ChangeMessageVisibility', 'sqs:DeleteMessage'],
            Resource: queueArn,
            Condition: { ArnNotEquals: { 'aws:PrincipalArn': host } },
          },
        ]),
      );
    }
    const sends = statements().filter((s) => [s.Action].flat().some((a) => a.startsWith('sqs:')));
    const allowed = sends.filter((s) => s.Effect === 'Allow');
    expect(allowed).toHaveLength(2);
    expect(allowed).toEqual(
      expect.arrayContaining([
        {
          Sid: 'QueueJobsForHosts',
          Effect: 'Allow',
          Action: 'sqs:SendMessage',
          Resource: p.queues.queues.map((q) => ({ 'Fn::GetAtt': [logicalId(stack, q), 'Arn'] })),
        },
        {
          Sid: 'TakeQueuedJobs',
          Effect: 'Allow',
          Action: ['sqs:ReceiveMessage', 'sqs:ChangeMessageVisibility', 'sqs:DeleteMessage'],
          Resource: p.queues.queues.map((q) => ({ 'Fn::GetAtt': [logicalId(stack, q), 'Arn'] })),
        },
      ]),
    );
  });

  it("gives the host role exactly the agent's and the runner's actions, and its group's lifecycle only", () => {
    const p = stack.pipeline;
    const policy = Object.values(resources).find(
      (r) =>
        r.Type === 'AWS::IAM::Policy' &&
        JSON.stringify(r.Properties?.Roles) === JSON.stringify([{ Ref: logicalId(stack, p.fleet.role) }]),
    );
    const st =
      (policy?.Properties?.PolicyDocument as { Statement: { Sid: string; Action: unknown }[] } | undefined)
        ?.Statement ?? [];
    expect(Object.fromEntries(st.map((x) => [x.Sid, x.Action]))).toEqual({
      ReadSources: 's3:GetObject',
      WriteSrFiles: ['s3:PutObject', 's3:AbortMultipartUpload'],
      WriteCommandOutput: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
      FindCommandOutputLogGroup: 'logs:DescribeLogGroups',
      TakeQueuedJobs: ['sqs:ReceiveMessage', 'sqs:ChangeMessageVisibility', 'sqs:DeleteMessage'],
      ReportToWaitingTask: ['states:SendTaskSuccess', 'states:SendTaskFailure', 'states:SendTaskHeartbeat'],
      OwnGroupLifecycle: [
        'autoscaling:SetInstanceProtection',
        'autoscaling:CompleteLifecycleAction',
        'autoscaling:RecordLifecycleActionHeartbeat',
      ],
      PublishOwnState: 'ec2:CreateTags',
      ReadHostScripts: 's3:GetObject',
    });
    expect(st.find((x) => x.Sid === 'OwnGroupLifecycle')).toMatchObject({
      Resource: {
        'Fn::Join': [
          '',
          [
            'arn:',
            { Ref: 'AWS::Partition' },
            ':autoscaling:eu-west-1:',
            { Ref: 'AWS::AccountId' },
            ':autoScalingGroup:*:autoScalingGroupName/Vodsr-vodsr-fleet',
          ],
        ],
      },
    });
    const [, role] = only('AWS::IAM::InstanceProfile');
    expect(role.Roles).toEqual([{ Ref: logicalId(stack, p.fleet.role) }]);
    // No other policy is attached to the host role (a Policy of its own would widen it unseen).
    const attached = Object.values(resources).filter(
      (r) =>
        r.Type === 'AWS::IAM::Policy' &&
        JSON.stringify(r.Properties?.Roles ?? []).includes(`"${logicalId(stack, p.fleet.role)}"`),
    );
    expect(attached).toHaveLength(1);
  });

  it('lets the host report to the waiting task and nothing else in Step Functions', () => {
    const p = stack.pipeline;
    const states = statements().filter((s) => [s.Action].flat().some((a) => a.startsWith('states:')));
    // SendTask* take no resource type for .waitForTaskToken tokens (Service Authorization Reference): "*".
    expect(states).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          Action: ['states:SendTaskSuccess', 'states:SendTaskFailure', 'states:SendTaskHeartbeat'],
          Resource: '*',
        }),
        expect.objectContaining({
          Action: 'states:StartExecution',
          Resource: { Ref: logicalId(stack, p.workflow.stateMachine) },
        }),
        expect.objectContaining({ Action: 'states:SendTaskFailure', Resource: '*' }),
      ]),
    );
    // + the backfill state machine's own role: StartExecution and Describe/StopExecution of the job workflow
    // (startExecution.sync:2) and of its own child executions (Distributed Map)
    expect(states).toHaveLength(p.backfill ? 7 : 3);
  });

  it('fails the waiting task on SSM command failures through an EventBridge rule', () => {
    const p = stack.pipeline;
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.ssm'],
        'detail-type': [
          'EC2 Command Status-change Notification',
          'EC2 Command Invocation Status-change Notification',
        ],
        detail: {
          'document-name': [{ Ref: logicalId(stack, p.hostDocument.document) }],
          // Only values `status` really carries (Undeliverable, Terminated … are StatusDetails).
          status: ['Failed', 'TimedOut', 'Cancelled'],
        },
      },
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [logicalId(stack, p.workflow.commandStatusFunction), 'Arn'] },
        }),
      ],
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['vodsr'], 'detail-type': ['vodsr.job.succeeded', 'vodsr.job.failed'] },
      Targets: [Match.objectLike({ Arn: { Ref: logicalId(stack, p.notifications.topic) } })],
    });
  });

  it('deploys the core definition with logging (ALL) and tracing on', () => {
    const [, sm] = only('AWS::StepFunctions::StateMachine', 'Workflow');
    expect(sm.LoggingConfiguration).toMatchObject({ Level: 'ALL', IncludeExecutionData: false });
    expect(sm.TracingConfiguration).toEqual({ Enabled: true });
    expect(sm.StateMachineType).toBe('STANDARD');
  });

  it('deploys a definition that validates with asl-validator and runs with aws-local-stepfunctions', async () => {
    const def = synthesizedDefinition();
    const v = aslValidator(structuredClone(def));
    expect(v.errors).toEqual([]);
    expect(v.isValid).toBe(true);

    const sr: MediaInfo = { width: 1280, height: 960, durationSeconds: 10, fps: 25, hasAudio: false };
    const input = prepareJob(parseJobSpec({ source: 's3://vodsr-in/a.mp4' }), {
      jobId: 'a-1',
      outputRoot: 's3://vodsr-out/vodsr/',
      instanceId: 'i-0123456789abcdef0',
    });
    const seen: Record<string, unknown> = {};
    const planner = createPlanPackagingHandler();
    const run = await runLocal(def, input, {
      // the host agent with a free slot answers with its instance, the slot and the lease
      [S.acquireHost]: (i) => {
        seen.acquire = i;
        return { instanceId: 'i-0123456789abcdef0', slot: 1, lease: 'lease-0001' };
      },
      [S.runHost]: (i) => {
        seen.host = i;
        return {
          event: 'result',
          ok: true,
          jobId: 'a-1',
          output: input.srFile,
          source: sr,
          sr,
          encoder: 'h264_nvenc',
          elapsedSeconds: 1,
        };
      },
      [S.planPackaging]: async (i) => {
        seen.plan = i;
        return { Payload: await planner((i as { Payload: never }).Payload) };
      },
      [S.package]: (i) => {
        seen.package = i;
        return { Job: { Id: 'j', Status: 'COMPLETE' } };
      },
      [S.notifySuccess]: () => ({}),
      [S.notifyFailure]: () => ({}),
    });
    expect(run.status).toBe('SUCCEEDED');
    const docId = logicalId(stack, stack.pipeline.hostDocument.document);
    const interactiveUrl = `https://sqs.eu-west-1.amazonaws.com/111111111111/${logicalId(stack, stack.pipeline.queues.interactive)}`;
    expect(seen.acquire).toMatchObject({
      QueueUrl: interactiveUrl,
      MessageBody: { v: 1, jobId: 'a-1', priority: 'interactive', attempt: 1 },
    });
    const states = def.States as Record<string, { Resource: string; Parameters: { QueueUrl: string } }>;
    expect(states[S.acquireBulkHost]?.Resource).toBe('arn:aws:states:::sqs:sendMessage.waitForTaskToken');
    expect(states[S.acquireBulkHost]?.Parameters.QueueUrl).toBe(
      `https://sqs.eu-west-1.amazonaws.com/111111111111/${logicalId(stack, stack.pipeline.queues.bulk)}`,
    );
    expect(states[S.acquireHost]?.Resource).toBe('arn:aws:states:::sqs:sendMessage.waitForTaskToken');
    expect(seen.host).toMatchObject({
      DocumentName: docId,
      InstanceIds: ['i-0123456789abcdef0'],
      Parameters: { slot: ['1'], lease: ['lease-0001'] },
      CloudWatchOutputConfig: {
        CloudWatchOutputEnabled: true,
        CloudWatchLogGroupName: logicalId(stack, stack.pipeline.fleet.logGroup),
      },
    });
    const mcRole = `arn:aws:iam::111111111111:role/${logicalId(stack, stack.pipeline.workflow.mediaConvertRole)}`;
    expect(seen.plan).toMatchObject({
      FunctionName: `arn:aws:lambda:eu-west-1:111111111111:function:${logicalId(stack, stack.pipeline.workflow.plannerFunction)}`,
      Payload: { role: mcRole, media: sr },
    });
    expect(seen.package).toMatchObject({ Role: mcRole, UserMetadata: { jobId: 'a-1' } });
    expect(JSON.stringify((seen.package as { Settings: unknown }).Settings)).not.toContain(
      'AudioDescriptions',
    );
  });

  it('passes cdk-nag AwsSolutions with zero unacknowledged findings, each acknowledgement with a reason', () => {
    const report = new AwsSolutionsChecks().validateScope(stack);
    expect(
      report.violations.map(
        (v) => `${v.ruleName} ${v.violatingResources.map((r) => r.constructPath).join(',')}`,
      ),
    ).toEqual([]);
    expect(report.success).toBe(true);
    const acks: [string, string][] = [];
    for (const c of stack.node.findAll()) {
      for (const m of c.node.metadata) {
        if (m.type === 'aws:cdk:acknowledged-rules')
          acks.push(
            ...Object.entries(m.data as Record<string, string>).filter(([id]) => id.includes('AwsSolutions')),
          );
      }
    }
    expect(acks.length).toBeGreaterThan(10);
    for (const [id, reason] of acks) {
      expect(id).toMatch(/AwsSolutions-/);
      expect(reason.length, id).toBeGreaterThan(40);
    }
  });
});

describe('cdk-nag acknowledgements', () => {
  it('each matches a real finding: without them, the findings are exactly the acknowledged ones', () => {
    const { stack: s } = createVodsrApp({ context: { amiId: AMI, region: 'eu-west-1' }, nag: false });
    const acknowledged: string[] = [];
    for (const c of s.node.findAll()) {
      // constructs keeps metadata in `_metadata`; strip the acknowledgements to see the raw findings.
      const node = c.node as unknown as { _metadata?: { type: string; data: Record<string, string> }[] };
      if (!node._metadata) continue;
      for (const m of node._metadata.filter((x) => x.type === 'aws:cdk:acknowledged-rules')) {
        for (const id of Object.keys(m.data).filter((k) => k.includes('AwsSolutions')))
          acknowledged.push(`${c.node.path} ${id.replace(/^annotation::/i, '')}`);
      }
      node._metadata = node._metadata.filter((x) => x.type !== 'aws:cdk:acknowledged-rules');
    }
    const findings = new AwsSolutionsChecks()
      .validateScope(s)
      .violations.flatMap((v) => v.violatingResources.map((r) => `${r.constructPath} ${v.ruleName}`));
    const covers = (ack: string, finding: string): boolean => {
      const [path, id] = ack.split(' ') as [string, string];
      const [fPath, fId] = finding.split(' ') as [string, string];
      return id === fId && (fPath === path || fPath.startsWith(`${path}/`));
    };
    expect(acknowledged.filter((a) => !findings.some((f) => covers(a, f)))).toEqual([]);
    expect(findings.filter((f) => !acknowledged.some((a) => covers(a, f)))).toEqual([]);
    expect(findings.length).toBeGreaterThan(10);
  });
});

describe('createVodsrApp with existing resources', () => {
  it('uses the named buckets and VPC from context without creating or looking them up', () => {
    const { stack: s } = createVodsrApp({
      context: {
        amiId: AMI,
        region: 'ap-northeast-2',
        inputBucketName: 'bluewhale-ami-sample',
        outputBucketName: 'bluewhale-ami-sample-sr',
        vpcId: 'vpc-0abc1234def567890',
        availabilityZones: 'ap-northeast-2a',
        subnetIds: 'subnet-0123456789abcdef0',
        instanceType: 'g6e.2xlarge',
      },
      nag: false,
    });
    const t = Template.fromStack(s);
    t.resourceCountIs('AWS::S3::Bucket', 0);
    t.resourceCountIs('AWS::EC2::VPC', 0);
    t.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', {
      VPCZoneIdentifier: ['subnet-0123456789abcdef0'],
    });
    t.hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: Match.objectLike({ InstanceType: 'g6e.2xlarge' }),
    });
    t.hasResourceProperties('Custom::S3BucketNotifications', { BucketName: 'bluewhale-ami-sample' });
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'WriteSrFiles',
            Resource: {
              'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::bluewhale-ami-sample-sr/vodsr/*']],
            },
          }),
        ]),
      },
    });
  });

  it('refuses a context without an AMI id, or with the same input and output bucket, naming each problem', () => {
    expect(() =>
      createVodsrApp({
        context: { inputBucketName: 'same-bucket', outputBucketName: 'same-bucket', vpcId: 'vpc-1' },
        nag: false,
      }),
    ).toThrow(/amiId: is required.*vpcId: an existing VPC needs availabilityZones and subnetIds/);
    let err: unknown;
    try {
      createVodsrApp({
        context: { inputBucketName: 'same-bucket', outputBucketName: 'same-bucket' },
        nag: false,
      });
    } catch (e) {
      err = e;
    }
    expect((err as { code: string }).code).toBe('VODSR_VALIDATION');
    expect((err as { issues: { path: string }[] }).issues.map((i) => i.path)).toEqual([
      '/amiId',
      '/outputBucketName',
    ]);
  });
});

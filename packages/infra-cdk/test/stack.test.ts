import { execFile, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  HOST_DOCUMENT_PARAMETER_PATTERN,
  type MediaInfo,
  parseJobSpec,
  prepareJob,
  WORKFLOW_STATES as S,
} from '@vodsr/core';
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

function only(type: string): [string, Record<string, unknown>] {
  const found = Object.entries(resources).filter(([, r]) => r.Type === type);
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
  const [, sm] = only('AWS::StepFunctions::StateMachine');
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
          VODSR_INSTANCE_ID: stack.resolve(p.host.instance.instanceId),
          VODSR_STATE_MACHINE_ARN: { Ref: logicalId(stack, p.workflow.stateMachine) },
        }),
      },
    });
    const runtimes = Object.values(resources)
      .filter((r) => r.Type === 'AWS::Lambda::Function')
      .map((r) => r.Properties?.Runtime);
    // trigger, planner, dead-host (+ aws-cdk-lib's Python bucket-notification handler)
    expect(runtimes.filter((r) => r === 'nodejs22.x')).toHaveLength(3);
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

  it('runs a g6e instance from the AMI in context, IMDSv2 only, encrypted EBS, no inbound rule', () => {
    const [, instance] = only('AWS::EC2::Instance');
    expect(instance.ImageId).toBe(AMI);
    expect(instance.InstanceType).toBe('g6e.xlarge');
    expect(instance.BlockDeviceMappings).toEqual([
      {
        DeviceName: '/dev/sda1',
        Ebs: { DeleteOnTermination: true, Encrypted: true, VolumeSize: 200, VolumeType: 'gp3' },
      },
    ]);
    const [ltId, lt] = only('AWS::EC2::LaunchTemplate');
    expect(lt.LaunchTemplateData).toEqual({ MetadataOptions: { HttpTokens: 'required' } });
    expect(lt.LaunchTemplateName).not.toBe('InstanceLaunchTemplate');
    expect((instance.LaunchTemplate as { Version: unknown }).Version).toEqual({
      'Fn::GetAtt': [ltId, 'LatestVersionNumber'],
    });
    template.resourceCountIs('AWS::EC2::SecurityGroupIngress', 0);
    const [, sg] = only('AWS::EC2::SecurityGroup');
    expect(sg.SecurityGroupIngress).toBeUndefined();
    expect((sg.SecurityGroupEgress as { FromPort: number }[]).map((e) => e.FromPort)).toEqual([443, 80]);
  });

  it('installs the runner with the host installer, both from CDK assets, with no credentials', () => {
    const [, instance] = only('AWS::EC2::Instance');
    const parts = (instance.UserData as { 'Fn::Base64': { 'Fn::Join': [string, unknown[]] } })['Fn::Base64'][
      'Fn::Join'
    ][1]
      .filter((p) => typeof p === 'string')
      .join('');
    expect(parts.match(/aws s3 cp --only-show-errors --region 'eu-west-1' 's3:\/\//g)).toHaveLength(2);
    expect(parts).toContain(
      `bash "$boot/vodsr-host-install" --runner "$boot/vodsr-host" --prefix '/opt/vodsr'`,
    );
    expect(parts).toContain("'/opt/vodsr/bin/vodsr-host' --version");
    expect(parts).not.toMatch(/AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|\d{12}/);
  });

  it('generates shell that shellcheck accepts (user data as bash, the document step as sh)', () => {
    const [, instance] = only('AWS::EC2::Instance');
    const userData = (instance.UserData as { 'Fn::Base64': { 'Fn::Join': [string, unknown[]] } })[
      'Fn::Base64'
    ]['Fn::Join'][1]
      .map((p) => (typeof p === 'string' ? p : 'cdk-assets-bucket'))
      .join('');
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
    const step = content.mainSteps[0];
    expect(step?.action).toBe('aws:runShellScript');
    expect(step?.inputs.timeoutSeconds).toBe('{{ executionTimeout }}');
    const lines = (step?.inputs.runCommand ?? []).filter((l): l is string => typeof l === 'string');
    expect(lines.at(-1)).toBe(
      `exec '/opt/vodsr/bin/vodsr-host' run --job-b64="$SSM_jobB64" --task-token-b64="$SSM_taskTokenB64"`,
    );
    // Only the fallback for agents older than 3.3.2746.0 interpolates, inside single quotes, a base64-only value.
    expect(lines.filter((l) => l.includes('{{'))).toEqual([
      `if [ -z "\${SSM_jobB64+x}" ]; then SSM_jobB64='{{ jobB64 }}'; fi`,
      `if [ -z "\${SSM_taskTokenB64+x}" ]; then SSM_taskTokenB64='{{ taskTokenB64 }}'; fi`,
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
    const [, sm] = only('AWS::StepFunctions::StateMachine');
    expect(sm.RoleArn).toBeDefined();
  });

  it('scopes ssm:SendCommand to the host document and the host instance', () => {
    const p = stack.pipeline;
    const send = statements().filter((s) => [s.Action].flat().includes('ssm:SendCommand'));
    expect(send).toHaveLength(1);
    expect(send[0]?.Resource).toEqual([
      {
        'Fn::Join': [
          '',
          [
            'arn:',
            { Ref: 'AWS::Partition' },
            ':ssm:eu-west-1:',
            { Ref: 'AWS::AccountId' },
            ':document/',
            { Ref: logicalId(stack, p.host.document) },
          ],
        ],
      },
      {
        'Fn::Join': [
          '',
          [
            'arn:',
            { Ref: 'AWS::Partition' },
            ':ec2:eu-west-1:',
            { Ref: 'AWS::AccountId' },
            ':instance/',
            stack.resolve(p.host.instance.instanceId),
          ],
        ],
      },
    ]);
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
    expect(states).toHaveLength(3);
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
          'document-name': [{ Ref: logicalId(stack, p.host.document) }],
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
    const [, sm] = only('AWS::StepFunctions::StateMachine');
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
      [S.acquireHost]: () => ({ instanceId: 'i-0123456789abcdef0', slot: 1, lease: 'lease-0001' }),
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
    const docId = logicalId(stack, stack.pipeline.host.document);
    expect(seen.host).toMatchObject({
      DocumentName: docId,
      InstanceIds: ['i-0123456789abcdef0'],
      CloudWatchOutputConfig: {
        CloudWatchOutputEnabled: true,
        CloudWatchLogGroupName: logicalId(stack, stack.pipeline.host.logGroup),
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
    t.hasResourceProperties('AWS::EC2::Instance', {
      InstanceType: 'g6e.2xlarge',
      SubnetId: 'subnet-0123456789abcdef0',
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

import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { AutoScalingClient, DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { HeadObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { backfillCommand, cancelCommand, fleetCommand, retryCommand, submitCommand } from '@vodsr/cli';
import { decodeHostJob, parseJobSpec, prepareJob, type WorkflowInput } from '@vodsr/core';
import { agentStateTags, FleetStatusSchema } from '@vodsr/core/workflow';
import { mockClient } from 'aws-sdk-client-mock';
import Value from 'typebox/value';
import { afterEach, describe, expect, it } from 'vitest';
import { memoryIo, tempDir } from './helpers.js';

// Issue 11 leftovers, the CLI on the AWS backend with the SDK clients mocked (aws-sdk-client-mock): `submit -b aws`
// needs no instance id (hosts pull jobs from the queues), and `vodsr fleet -b aws` reads the deployed fleet.

const exec = promisify(execFile);
const bin = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'bundle', 'vodsr.js');
const SM = 'arn:aws:states:eu-west-1:123456789012:stateMachine:vodsr';
const IURL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/Vodsr-Interactive';
const BURL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/Vodsr-Bulk';
const IID = 'i-0aaaaaaaaaaaaaaa1';
const mocks = {
  sfn: mockClient(SFNClient),
  asg: mockClient(AutoScalingClient),
  ec2: mockClient(EC2Client),
  sqs: mockClient(SQSClient),
  cw: mockClient(CloudWatchClient),
  s3: mockClient(S3Client),
};
afterEach(() => {
  for (const m of Object.values(mocks)) m.reset();
});

describe('vodsr submit -b aws (pull admission: no instance id)', () => {
  it('starts the execution with core’s workflow input from the state machine and output root alone', async () => {
    mocks.s3.on(HeadObjectCommand).resolves({ ContentLength: 10_000_000 });
    let input = '';
    mocks.sfn.on(StartExecutionCommand).callsFake((i: { input: string }) => {
      input = i.input;
      return { executionArn: `${SM.replace(':stateMachine:', ':execution:')}:x`, startDate: new Date() };
    });
    mocks.sfn.on(DescribeExecutionCommand).callsFake(() => ({
      executionArn: `${SM.replace(':stateMachine:', ':execution:')}:x`,
      name: JSON.parse(input).jobId,
      status: 'RUNNING',
      startDate: new Date(),
      input,
    }));
    const io = memoryIo();
    const code = await submitCommand(
      {
        input: 's3://in-bucket/movies/a.mp4',
        backend: 'aws',
        stateMachineArn: SM,
        awsOutput: 's3://out-bucket/sr/',
        region: 'eu-west-1',
        idempotencyKey: 'upload-42',
        json: true,
      },
      io,
    );
    expect(io.stderrLines.join('\n')).toBe('');
    expect(code).toBe(0);
    const start = mocks.sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input;
    expect(start?.stateMachineArn).toBe(SM);
    const wf = JSON.parse(start?.input as string) as WorkflowInput;
    // no host named by the caller: AcquireHost places the job, RunHost reads $.placement.instanceId
    expect(wf.instanceId).toBe('local');
    expect(wf).toMatchObject({
      priority: 'interactive',
      attempt: { number: 1 },
      srFile: 's3://out-bucket/sr/a_sr_2x.mp4',
    });
    // estimated before it runs, from the object's size (HeadObject), as the S3 trigger does
    expect(mocks.s3.commandCalls(HeadObjectCommand)[0]?.args[0].input).toEqual({
      Bucket: 'in-bucket',
      Key: 'movies/a.mp4',
    });
    expect(wf.estimate?.assumptions[0]).toMatch(/^size-based guess/);
    expect(wf.estimate?.assumptions[1]).toMatch(/object size \(10000000 bytes\)/);
    expect(decodeHostJob(wf.hostJobB64)).toMatchObject({ source: 's3://in-bucket/movies/a.mp4', model: 'A' });
    expect(JSON.parse(io.stdout.join('\n'))).toMatchObject({ backend: 'aws', created: true });
  });

  it('the compiled binary asks only for what the AWS backend needs, and no longer knows --instance-id', async () => {
    const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VODSR_')));
    const run = (args: string[]) =>
      exec(process.execPath, [bin, ...args], {
        cwd: tempDir(),
        env: { ...base, VODSR_INSTANCE_ID: 'i-0123456789abcdef0' },
      }).then(
        (r) => ({ code: 0, ...r }),
        (e: { code: number; stdout: string; stderr: string }) => e,
      );
    const r = await run(['submit', 's3://in-bucket/a.mp4', '-b', 'aws', '--state-machine-arn', SM, '--json']);
    expect(r.code).toBe(2);
    const err = JSON.parse(r.stdout) as { error: { code: string; issues: Array<{ path: string }> } };
    expect(err.error.code).toBe('VODSR_VALIDATION');
    expect(err.error.issues.map((i) => i.path)).toEqual(['/awsOutput']);
    const help = await run(['submit', '--help']);
    expect(help.stdout).not.toContain('instance-id');
    expect(help.stdout).toContain('--fleet-group');
  }, 60_000);
});

describe('vodsr fleet -b aws', () => {
  function recorded(): void {
    mocks.asg.on(DescribeAutoScalingGroupsCommand).resolves({
      AutoScalingGroups: [
        {
          AutoScalingGroupName: 'Vodsr-vodsr-fleet',
          MinSize: 0,
          MaxSize: 2,
          DesiredCapacity: 1,
          DefaultCooldown: 300,
          AvailabilityZones: ['eu-west-1a'],
          HealthCheckType: 'EC2',
          CreatedTime: new Date(),
          Instances: [
            {
              InstanceId: IID,
              InstanceType: 'g6e.xlarge',
              AvailabilityZone: 'eu-west-1a',
              LifecycleState: 'InService',
              HealthStatus: 'Healthy',
              ProtectedFromScaleIn: true,
            },
          ],
        },
      ],
    });
    const t = agentStateTags({
      state: 'running',
      placed: 4,
      maxRunning: 1,
      reportedAt: '2026-12-02T01:00:00.000Z',
      slots: [{ slot: 0, state: 'running', jobId: 'in-bucket_a_mp4_4b1c' }],
    });
    mocks.ec2.on(DescribeInstancesCommand).resolves({
      Reservations: [
        {
          Instances: [
            {
              InstanceId: IID,
              InstanceType: 'g6e.xlarge',
              Tags: Object.entries(t).map(([Key, Value]) => ({ Key, Value })),
            },
          ],
        },
      ],
    });
    mocks.sqs.on(GetQueueAttributesCommand, { QueueUrl: IURL }).resolves({
      Attributes: { ApproximateNumberOfMessages: '3', ApproximateNumberOfMessagesNotVisible: '0' },
    });
    mocks.sqs.on(GetQueueAttributesCommand, { QueueUrl: BURL }).resolves({
      Attributes: { ApproximateNumberOfMessages: '0', ApproximateNumberOfMessagesNotVisible: '0' },
    });
    mocks.cw.on(GetMetricDataCommand).resolves({
      MetricDataResults: [
        { Id: 'interactive', Values: [95] },
        { Id: 'bulk', Values: [] },
      ],
    });
  }
  const fleetArgs = {
    backend: 'aws' as const,
    region: 'eu-west-1',
    fleetGroup: 'Vodsr-vodsr-fleet',
    interactiveQueueUrl: IURL,
    bulkQueueUrl: BURL,
  };

  it('prints core’s FleetStatus (--json) and the hosts, slots, queues and $/h as text, with no state machine', async () => {
    recorded();
    const json = memoryIo();
    expect(await fleetCommand({ ...fleetArgs, json: true }, json)).toBe(0);
    const status = JSON.parse(json.stdout.join('\n'));
    expect(Value.Check(FleetStatusSchema, status)).toBe(true);
    expect(status).toMatchObject({
      hosts: [
        {
          instanceId: IID,
          state: 'running',
          slots: [{ slot: 0, state: 'running', jobId: 'in-bucket_a_mp4_4b1c' }],
        },
      ],
      queues: { interactive: { visible: 3, oldestAgeSeconds: 95 }, bulk: { visible: 0 } },
      waitingJobs: 3,
      oldestWaitingSeconds: 95,
    });
    const text = memoryIo();
    expect(await fleetCommand(fleetArgs, text)).toBe(0);
    expect(text.stdout.join('\n').split('\n')).toEqual([
      `${IID}: running, protected from scale-in, 4 placed (g6e.xlarge on-demand InService, $${status.hosts[0].usdPerHour.toFixed(3)}/h)`,
      '  slot 0: running in-bucket_a_mp4_4b1c',
      'queue interactive: 3 waiting, 0 being answered, 0 dead letters',
      'queue bulk: 0 waiting, 0 being answered, 0 dead letters',
      'jobs waiting for a host: 3',
      'oldest waiting job: 95 s',
      `fleet cost now: $${status.usdPerHour.toFixed(3)}/h (prices of ${status.pricesDate})`,
    ]);
  });

  it('names every missing fleet option (exit 2) before calling AWS', async () => {
    const io = memoryIo();
    expect(await fleetCommand({ backend: 'aws', fleetGroup: 'g', json: true }, io)).toBe(2);
    const err = JSON.parse(io.stdout.join('\n')) as {
      error: { code: string; issues: Array<{ path: string }> };
    };
    expect(err.error.code).toBe('VODSR_VALIDATION');
    expect(err.error.issues.map((i) => i.path)).toEqual(['/interactiveQueueUrl', '/bulkQueueUrl']);
    expect(mocks.asg.commandCalls(DescribeAutoScalingGroupsCommand)).toHaveLength(0);
  });
});

describe('vodsr backfill -b aws', () => {
  it('prices and learns the plan as the fleet runs (--instance-type, --spot) and puts each estimate on its input', async () => {
    mocks.s3.on(ListObjectsV2Command).resolves({
      Contents: [
        { Key: 'cat/a.mp4', Size: 4_000_000, ETag: '"e1"' },
        { Key: 'cat/notes.txt', Size: 10, ETag: '"e2"' },
      ],
      IsTruncated: false,
    });
    const missing = Object.assign(new Error('ExecutionDoesNotExist'), { name: 'ExecutionDoesNotExist' });
    mocks.sfn.on(DescribeExecutionCommand).rejects(missing);
    mocks.sfn.on(ListExecutionsCommand).resolves({ executions: [] });
    const sent: WorkflowInput[] = [];
    mocks.sfn.on(StartExecutionCommand).callsFake((i: { input: string }) => {
      sent.push(JSON.parse(i.input) as WorkflowInput);
      return { executionArn: `${SM.replace(':stateMachine:', ':execution:')}:x`, startDate: new Date() };
    });
    const args = {
      source: 's3://cat-in/cat/',
      backend: 'aws' as const,
      stateMachineArn: SM,
      output: 's3://cat-out/',
      region: 'eu-west-1',
      instanceType: 'g6e.2xlarge',
      spot: true,
    };
    const dry = memoryIo();
    expect(await backfillCommand({ ...args, dryRun: true }, dry)).toBe(0);
    const text = dry.stdout.join('\n');
    expect(text).toMatch(/2 listed: 1 to submit, 1 skipped/);
    expect(text).toContain('g6e.2xlarge spot');
    expect(mocks.sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);

    const io = memoryIo();
    expect(await backfillCommand({ ...args, wait: false }, io, { pollMs: 1 })).toBe(0);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.priority).toBe('bulk');
    expect(sent[0]?.estimate?.assumptions.join('\n')).toContain('g6e.2xlarge spot');
  });
});

describe('vodsr cancel -b aws --source-prefix (stop a backfill)', () => {
  it('stops exactly the running executions of the prefix, one StopExecution each', async () => {
    const arn = (name: string) => `${SM.replace(':stateMachine:', ':execution:')}:${name}`;
    const sources: Record<string, string> = {
      j1: 's3://in-bucket/catalogue/a.mp4',
      j2: 's3://in-bucket/catalogue/deep/b.mp4',
      j3: 's3://in-bucket/other/c.mp4',
    };
    const stopped = new Set<string>();
    mocks.sfn.on(ListExecutionsCommand).resolves({
      executions: Object.keys(sources).map((name) => ({
        executionArn: arn(name),
        stateMachineArn: SM,
        name,
        status: 'RUNNING',
        startDate: new Date(),
      })),
    });
    mocks.sfn.on(DescribeExecutionCommand).callsFake((i: { executionArn: string }) => {
      const name = i.executionArn.split(':').pop() as string;
      return {
        executionArn: i.executionArn,
        name,
        status: stopped.has(name) ? 'ABORTED' : 'RUNNING',
        startDate: new Date(),
        input: JSON.stringify({ job: { source: sources[name], model: 'A' } }),
      };
    });
    mocks.sfn.on(GetExecutionHistoryCommand).resolves({ events: [] });
    mocks.sfn.on(StopExecutionCommand).callsFake((i: { executionArn: string }) => {
      stopped.add(i.executionArn.split(':').pop() as string);
      return { stopDate: new Date() };
    });
    const g = {
      backend: 'aws' as const,
      stateMachineArn: SM,
      awsOutput: 's3://out-bucket/sr/',
      region: 'eu-west-1',
    };
    const dry = memoryIo();
    expect(
      await cancelCommand({ ...g, sourcePrefix: 's3://in-bucket/catalogue/', dryRun: true, json: true }, dry),
    ).toBe(0);
    expect(JSON.parse(dry.stdout.join(''))).toEqual({ wouldCancel: ['j1', 'j2'] });
    expect(mocks.sfn.commandCalls(StopExecutionCommand)).toHaveLength(0);
    // every status not final is one Step Functions status, RUNNING: one filtered ListExecutions
    expect(mocks.sfn.commandCalls(ListExecutionsCommand)[0]?.args[0].input.statusFilter).toBe('RUNNING');

    const io = memoryIo();
    expect(await cancelCommand({ ...g, sourcePrefix: 's3://in-bucket/catalogue/', json: true }, io)).toBe(0);
    expect(JSON.parse(io.stdout.join(''))).toEqual({ cancelled: ['j1', 'j2'], ended: [], failed: [] });
    const stops = mocks.sfn.commandCalls(StopExecutionCommand).map((c) => c.args[0].input);
    expect(stops.map((s) => s.executionArn).sort()).toEqual([arn('j1'), arn('j2')]);
    expect(stops.every((s) => s.error === 'VODSR_CANCELLED')).toBe(true);
  });
});

describe("vodsr retry -b aws --source-prefix (a backfill's failed jobs)", () => {
  it('starts one new execution per failed job of the prefix, and none for a job retried before', async () => {
    const arn = (name: string) => `${SM.replace(':stateMachine:', ':execution:')}:${name}`;
    const executions = new Map<string, { status: string; input: string }>();
    const add = (name: string, status: string, source: string) =>
      executions.set(name, {
        status,
        input: JSON.stringify(
          prepareJob(parseJobSpec({ source, model: 'A' }), {
            jobId: name,
            outputRoot: 's3://out-bucket/sr/',
          }),
        ),
      });
    add('j1', 'FAILED', 's3://in-bucket/catalogue/a.mp4');
    add('j2', 'FAILED', 's3://in-bucket/catalogue/b.mp4');
    add('j2-r1', 'SUCCEEDED', 's3://in-bucket/catalogue/b.mp4');
    add('j3', 'FAILED', 's3://in-bucket/other/c.mp4');
    add('j4', 'ABORTED', 's3://in-bucket/catalogue/d.mp4');
    // (async: the service chains .catch on what the client sends back)
    mocks.sfn.on(ListExecutionsCommand).callsFake(async () => ({
      executions: [...executions].map(([name, e]) => ({
        executionArn: arn(name),
        stateMachineArn: SM,
        name,
        status: e.status,
        startDate: new Date(),
      })),
    }));
    mocks.sfn.on(DescribeExecutionCommand).callsFake((i: { executionArn: string }) => {
      const name = i.executionArn.split(':').pop() as string;
      const e = executions.get(name);
      if (!e) throw Object.assign(new Error('Execution Does Not Exist'), { name: 'ExecutionDoesNotExist' });
      return {
        executionArn: i.executionArn,
        stateMachineArn: SM,
        name,
        status: e.status,
        startDate: new Date(),
        input: e.input,
      };
    });
    mocks.sfn.on(GetExecutionHistoryCommand).resolves({ events: [] });
    mocks.sfn.on(StartExecutionCommand).callsFake((i: { name: string; input: string }) => {
      executions.set(i.name, { status: 'RUNNING', input: i.input });
      return { executionArn: arn(i.name), startDate: new Date() };
    });
    const g = {
      backend: 'aws' as const,
      stateMachineArn: SM,
      awsOutput: 's3://out-bucket/sr/',
      region: 'eu-west-1',
    };
    const io = memoryIo();
    expect(await retryCommand({ ...g, sourcePrefix: 's3://in-bucket/catalogue/', json: true }, io)).toBe(0);
    expect(JSON.parse(io.stdout.join(''))).toEqual({
      retried: [{ id: 'j1', as: 'j1-r1', status: 'running' }],
      already: [{ id: 'j2', as: 'j2-r1', status: 'succeeded' }],
      failed: [],
    });
    const starts = mocks.sfn.commandCalls(StartExecutionCommand).map((c) => c.args[0].input);
    expect(starts.map((s) => s.name)).toEqual(['j1-r1']);
    expect(decodeHostJob((JSON.parse(starts[0]?.input ?? '{}') as WorkflowInput).hostJobB64).jobId).toBe(
      'j1-r1',
    );
  });
});

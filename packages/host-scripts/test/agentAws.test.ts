/**
 * The host agent on its AWS adapters, against recorded SDK behaviour (aws-sdk-client-mock: the SDK's own
 * commands and error classes) and a fake IMDSv2 (fetch): what it sends to SQS, Step Functions and Auto Scaling.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AutoScalingClient,
  CompleteLifecycleActionCommand,
  SetInstanceProtectionCommand,
} from '@aws-sdk/client-auto-scaling';
import { SendTaskSuccessCommand, SFNClient, TaskTimedOut } from '@aws-sdk/client-sfn';
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { HostAgent, parseAgentConfig } from '@vodsr/host-scripts';
import {
  AutoScalingInstanceControl,
  ImdsMetadata,
  SfnTaskCallbacks,
  SqsWorkQueue,
} from '@vodsr/host-scripts/agent-aws';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';

const IURL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/vodsr-interactive';
const BURL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/vodsr-bulk';
const IID = 'i-0123456789abcdef0';

/** A fake IMDSv2: PUT token, then GETs with the token; paths → body (missing = 404). */
function fakeImds(paths: Record<string, string | undefined>) {
  const calls: string[] = [];
  const fetchFn = (async (url: string | URL, init?: RequestInit) => {
    const u = String(url);
    const headers = (init?.headers ?? {}) as Record<string, string>;
    calls.push(`${init?.method ?? 'GET'} ${u.replace('http://169.254.169.254', '')}`);
    if (u.endsWith('/latest/api/token')) {
      expect(init?.method).toBe('PUT');
      expect(headers['X-aws-ec2-metadata-token-ttl-seconds']).toBe('21600');
      return new Response('tok-1', { status: 200 });
    }
    if (headers['X-aws-ec2-metadata-token'] !== 'tok-1') return new Response('', { status: 401 });
    const body = paths[u.replace('http://169.254.169.254/latest/meta-data/', '')];
    return body === undefined ? new Response('', { status: 404 }) : new Response(body, { status: 200 });
  }) as typeof fetch;
  return { fetchFn, calls };
}

const message = (jobId: string, token: string) =>
  JSON.stringify({ v: 1, jobId, taskToken: token, priority: 'interactive', attempt: 1 });

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function awsAgent(imds: Record<string, string | undefined>) {
  const sqs = mockClient(SQSClient);
  const sfn = mockClient(SFNClient);
  const asg = mockClient(AutoScalingClient);
  const lockDir = mkdtempSync(join(tmpdir(), 'vodsr-agent-aws-'));
  dirs.push(lockDir);
  const { fetchFn, calls } = fakeImds(imds);
  const agent = new HostAgent({
    slots: 1,
    lockDir,
    pollWaitSeconds: 20,
    scanIntervalMs: 20,
    monitorIntervalMs: 50,
    queue: new SqsWorkQueue({
      client: new SQSClient({ region: 'eu-west-1' }),
      queueUrls: { interactive: IURL, bulk: BURL },
    }),
    callbacks: new SfnTaskCallbacks({ client: new SFNClient({ region: 'eu-west-1' }) }),
    control: new AutoScalingInstanceControl({
      client: new AutoScalingClient({ region: 'eu-west-1' }),
      autoScalingGroupName: 'vodsr-fleet',
      drainHookName: 'vodsr-drain',
    }),
    metadata: new ImdsMetadata({ fetch: fetchFn }),
    log: () => undefined,
  });
  return { agent, sqs, sfn, asg, lockDir, imdsCalls: calls };
}

async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 10));
}

describe('HostAgent on AWS adapters', () => {
  it('receives interactive first with attributes, answers SendTaskSuccess with the placement, deletes, protects', async () => {
    const { agent, sqs, sfn, asg, lockDir } = awsAgent({ 'instance-id': IID });
    sqs
      .on(ReceiveMessageCommand, { QueueUrl: IURL })
      .resolvesOnce({
        Messages: [
          {
            MessageId: 'm1',
            ReceiptHandle: 'rh-1',
            Body: message('job-1', 'token-1'),
            Attributes: { ApproximateReceiveCount: '1', SentTimestamp: '1764626400000' },
          },
        ],
      })
      .resolves({ Messages: [] });
    sqs.on(ReceiveMessageCommand, { QueueUrl: BURL }).resolves({});
    sqs.on(DeleteMessageCommand).resolves({});
    sfn.on(SendTaskSuccessCommand).resolves({});
    asg.on(SetInstanceProtectionCommand).resolves({});

    void agent.run();
    await until(() => sqs.commandCalls(DeleteMessageCommand).length === 1);
    agent.kill();

    const first = sqs.commandCalls(ReceiveMessageCommand)[0]?.args[0].input;
    expect(first).toEqual({
      QueueUrl: IURL,
      MaxNumberOfMessages: 1,
      WaitTimeSeconds: 0,
      MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'],
    });
    const answer = sfn.commandCalls(SendTaskSuccessCommand)[0]?.args[0].input;
    expect(answer?.taskToken).toBe('token-1');
    const placement = JSON.parse(answer?.output ?? '{}');
    expect(placement).toMatchObject({ instanceId: IID, slot: 0 });
    expect(placement.lease).toMatch(/^[A-Za-z0-9_-]{8,64}$/);
    expect(Date.parse(placement.leaseExpiresAt)).toBeGreaterThan(Date.now());
    expect(readdirSync(lockDir)).toContain(`slot-0.lease-${placement.lease}`);
    expect(sqs.commandCalls(DeleteMessageCommand)[0]?.args[0].input).toEqual({
      QueueUrl: IURL,
      ReceiptHandle: 'rh-1',
    });
    const protections = asg.commandCalls(SetInstanceProtectionCommand).map((c) => c.args[0].input);
    expect(protections).toContainEqual({
      AutoScalingGroupName: 'vodsr-fleet',
      InstanceIds: [IID],
      ProtectedFromScaleIn: true,
    });
  });

  it('drops a message whose token Step Functions reports TaskTimedOut: slot released, message deleted', async () => {
    const { agent, sqs, sfn, asg, lockDir } = awsAgent({ 'instance-id': IID });
    sqs
      .on(ReceiveMessageCommand, { QueueUrl: IURL })
      .resolvesOnce({
        Messages: [{ MessageId: 'm1', ReceiptHandle: 'rh-1', Body: message('job-1', 'old-token') }],
      })
      .resolves({});
    sqs.on(ReceiveMessageCommand, { QueueUrl: BURL }).resolves({});
    sqs.on(DeleteMessageCommand).resolves({});
    sfn.on(SendTaskSuccessCommand).rejects(new TaskTimedOut({ message: 'Task Timed Out', $metadata: {} }));
    asg.on(SetInstanceProtectionCommand).resolves({});

    void agent.run();
    await until(
      () => agent.status().counts.dropped === 1 && sqs.commandCalls(DeleteMessageCommand).length === 1,
    );
    await until(
      () => agent.status().protected === false && asg.commandCalls(SetInstanceProtectionCommand).length >= 3,
    );
    agent.kill();

    expect(agent.status().slots[0]).toEqual({ slot: 0, state: 'free' });
    expect(readdirSync(lockDir).filter((n) => n.startsWith('slot-'))).toEqual([]);
    expect(sqs.commandCalls(ChangeMessageVisibilityCommand)).toHaveLength(0);
  });

  it('hands a message back (visibility 0) when SendTaskSuccess fails for another reason', async () => {
    const { agent, sqs, sfn, asg } = awsAgent({ 'instance-id': IID });
    sqs
      .on(ReceiveMessageCommand, { QueueUrl: IURL })
      .resolvesOnce({ Messages: [{ MessageId: 'm1', ReceiptHandle: 'rh-1', Body: message('job-1', 't') }] })
      .resolves({});
    sqs.on(ReceiveMessageCommand, { QueueUrl: BURL }).resolves({});
    sqs.on(ChangeMessageVisibilityCommand).resolves({});
    sfn
      .on(SendTaskSuccessCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    asg.on(SetInstanceProtectionCommand).resolves({});

    void agent.run();
    await until(() => sqs.commandCalls(ChangeMessageVisibilityCommand).length === 1);
    agent.kill();

    expect(sqs.commandCalls(ChangeMessageVisibilityCommand)[0]?.args[0].input).toEqual({
      QueueUrl: IURL,
      ReceiptHandle: 'rh-1',
      VisibilityTimeout: 0,
    });
    expect(sqs.commandCalls(DeleteMessageCommand)).toHaveLength(0);
  });

  it('completes the termination lifecycle action when IMDS says Terminated (idle host)', async () => {
    const { agent, sqs, asg, imdsCalls } = awsAgent({
      'instance-id': IID,
      'autoscaling/target-lifecycle-state': 'Terminated',
    });
    sqs.on(ReceiveMessageCommand).resolves({});
    asg.on(SetInstanceProtectionCommand).resolves({});
    asg.on(CompleteLifecycleActionCommand).resolves({});

    await agent.run();

    expect(asg.commandCalls(CompleteLifecycleActionCommand).map((c) => c.args[0].input)).toEqual([
      {
        AutoScalingGroupName: 'vodsr-fleet',
        LifecycleHookName: 'vodsr-drain',
        InstanceId: IID,
        LifecycleActionResult: 'CONTINUE',
      },
    ]);
    expect(agent.status()).toMatchObject({ state: 'stopped', lostReason: 'lifecycle' });
    // IMDSv2: one token, then the reads with it.
    expect(imdsCalls[0]).toBe('PUT /latest/api/token');
    expect(imdsCalls).toContain('GET /latest/meta-data/autoscaling/target-lifecycle-state');
  });
});

describe('ImdsMetadata', () => {
  it('reads a Spot notice, answers undefined on 404, and refreshes a rejected token', async () => {
    let tokens = 0;
    const fetchFn = (async (url: string | URL, init?: RequestInit) => {
      const u = String(url);
      const h = (init?.headers ?? {}) as Record<string, string>;
      if (u.endsWith('/api/token')) {
        tokens += 1;
        return new Response(`tok-${tokens}`);
      }
      if (h['X-aws-ec2-metadata-token'] !== 'tok-2') return new Response('', { status: 401 });
      if (u.endsWith('spot/instance-action'))
        return new Response('{"action":"terminate","time":"2026-12-01T10:00:00Z"}');
      return new Response('', { status: 404 });
    }) as typeof fetch;
    const imds = new ImdsMetadata({ fetch: fetchFn });

    expect(await imds.spotInterruption()).toEqual({ action: 'terminate', time: '2026-12-01T10:00:00Z' });
    expect(await imds.targetLifecycleState()).toBeUndefined();
    expect(tokens).toBe(2);
  });
});

describe('parseAgentConfig', () => {
  it('accepts what the fleet writes and lists every problem of a bad file', () => {
    const ok = {
      v: 1,
      region: 'eu-west-1',
      queues: [
        { priority: 'interactive', url: IURL },
        { priority: 'bulk', url: BURL },
      ],
      slots: 2,
      visibilityTimeoutSeconds: 60,
      autoScalingGroupName: 'vodsr-fleet',
      drainHookName: 'vodsr-drain',
      launchHookName: 'vodsr-launch',
      runnerPath: '/opt/vodsr/bin/vodsr-host',
    };
    expect(parseAgentConfig(ok)).toEqual(ok);
    expect(() => parseAgentConfig({ ...ok, slots: 0, queues: [{ priority: 'urgent', url: 'x' }] })).toThrow(
      /\/slots: must be a whole number from 1 to 64; \/queues\/0\/priority: must be one of interactive, bulk; \/queues\/0\/url/,
    );
  });
});

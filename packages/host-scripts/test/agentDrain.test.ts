/**
 * Issue 11 leftovers on the agent's AWS side, against recorded SDK behaviour (aws-sdk-client-mock):
 * the termination lifecycle hook is heartbeaten during a long drain (a fake clock for the interval, then a real
 * drain of a run that outlives several heartbeats), and the agent publishes its slots as its instance's tags.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AutoScalingClient,
  CompleteLifecycleActionCommand,
  RecordLifecycleActionHeartbeatCommand,
  SetInstanceProtectionCommand,
} from '@aws-sdk/client-auto-scaling';
import { CreateTagsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { parseAgentStateTags } from '@vodsr/core/workflow';
import { type AgentLogEntry, HostAgent, LifecycleAction, parseAgentConfig } from '@vodsr/host-scripts';
import {
  AutoScalingInstanceControl,
  Ec2TagStatusPublisher,
  ImdsMetadata,
  SfnTaskCallbacks,
  SqsWorkQueue,
} from '@vodsr/host-scripts/agent-aws';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it, vi } from 'vitest';

const IURL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/vodsr-interactive';
const BURL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/vodsr-bulk';
const IID = 'i-0123456789abcdef0';
const asg = mockClient(AutoScalingClient);
const ec2 = mockClient(EC2Client);
const sqs = mockClient(SQSClient);
const sfn = mockClient(SFNClient);

const cleanups: Array<() => void> = [];
afterEach(() => {
  vi.useRealTimers();
  for (const c of cleanups.splice(0)) c();
  for (const m of [asg, ec2, sqs, sfn]) m.reset();
});

function control(): AutoScalingInstanceControl {
  return new AutoScalingInstanceControl({
    client: new AutoScalingClient({ region: 'eu-west-1' }),
    autoScalingGroupName: 'vodsr-fleet',
    drainHookName: 'vodsr-drain',
  });
}

/** IMDSv2 that answers these paths (missing = 404). */
function imds(paths: Record<string, string>): ImdsMetadata {
  const fetchFn = (async (url: string | URL, init?: RequestInit) => {
    const u = String(url);
    if (u.endsWith('/latest/api/token')) return new Response('tok');
    const body = paths[u.replace('http://169.254.169.254/latest/meta-data/', '')];
    void init;
    return body === undefined ? new Response('', { status: 404 }) : new Response(body);
  }) as typeof fetch;
  return new ImdsMetadata({ fetch: fetchFn });
}

async function until(cond: () => boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A process that ignores SIGUSR1 (a run that takes its time to wind down), ended by the test. */
function stubbornRun(): ChildProcess {
  const child = spawn('bash', ['-c', 'trap "" USR1; sleep 600 & wait'], { stdio: 'ignore' });
  cleanups.push(() => child.kill('SIGKILL'));
  return child;
}

describe('LifecycleAction (fake clock)', () => {
  it('heartbeats the hook every interval while pending, then completes once and stops heartbeating', async () => {
    vi.useFakeTimers();
    asg.on(RecordLifecycleActionHeartbeatCommand).resolves({});
    asg.on(CompleteLifecycleActionCommand).resolves({});
    const events: string[] = [];
    const action = new LifecycleAction({
      control: control(),
      heartbeatMs: 900_000,
      instanceId: () => IID,
      say: (_l, event) => events.push(event),
    });
    action.begin();
    action.begin(); // seen again by the next IMDS read: still one timer
    await vi.advanceTimersByTimeAsync(899_999);
    expect(asg.commandCalls(RecordLifecycleActionHeartbeatCommand)).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    await vi.advanceTimersByTimeAsync(2 * 900_000);
    const beats = asg.commandCalls(RecordLifecycleActionHeartbeatCommand).map((c) => c.args[0].input);
    expect(beats).toEqual(
      Array(3).fill({
        AutoScalingGroupName: 'vodsr-fleet',
        LifecycleHookName: 'vodsr-drain',
        InstanceId: IID,
      }),
    );
    await action.complete();
    await action.complete();
    await vi.advanceTimersByTimeAsync(5 * 900_000);
    expect(asg.commandCalls(RecordLifecycleActionHeartbeatCommand)).toHaveLength(3);
    expect(asg.commandCalls(CompleteLifecycleActionCommand).map((c) => c.args[0].input)).toEqual([
      {
        AutoScalingGroupName: 'vodsr-fleet',
        LifecycleHookName: 'vodsr-drain',
        InstanceId: IID,
        LifecycleActionResult: 'CONTINUE',
      },
    ]);
    expect(events).toEqual([
      'lifecycle-heartbeat',
      'lifecycle-heartbeat',
      'lifecycle-heartbeat',
      'lifecycle-completed',
    ]);
  });

  it('keeps heartbeating when completing fails (the action is still pending), and a failed heartbeat is logged', async () => {
    vi.useFakeTimers();
    asg
      .on(RecordLifecycleActionHeartbeatCommand)
      .rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'Throttling' }))
      .resolves({});
    asg
      .on(CompleteLifecycleActionCommand)
      .rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'Throttling' }))
      .resolves({});
    const events: string[] = [];
    const action = new LifecycleAction({
      control: control(),
      heartbeatMs: 60_000,
      instanceId: () => IID,
      say: (_l, event) => events.push(event),
    });
    action.begin();
    await vi.advanceTimersByTimeAsync(60_000);
    await action.complete();
    await vi.advanceTimersByTimeAsync(60_000);
    await action.complete();
    await vi.advanceTimersByTimeAsync(120_000);
    expect(events).toEqual([
      'lifecycle-heartbeat-failed',
      'lifecycle-failed',
      'lifecycle-heartbeat',
      'lifecycle-completed',
    ]);
    expect(asg.commandCalls(RecordLifecycleActionHeartbeatCommand)).toHaveLength(2);
  });
});

describe('HostAgent: a long drain on the termination hook', () => {
  it('heartbeats while a run outlives the interval, completes after it ended, and tags its slots meanwhile', async () => {
    const lockDir = mkdtempSync(join(tmpdir(), 'vodsr-agent-drain-'));
    cleanups.push(() => rmSync(lockDir, { recursive: true, force: true }));
    const run = stubbornRun();
    // the run's claim, as `vodsr-host run --slot=0 --lease=…` leaves it
    writeFileSync(join(lockDir, 'slot-0.claimed-lease0001'), `pid ${run.pid}\njob job-long\n`);
    asg.on(SetInstanceProtectionCommand).resolves({});
    asg.on(RecordLifecycleActionHeartbeatCommand).resolves({});
    asg.on(CompleteLifecycleActionCommand).resolves({});
    ec2.on(CreateTagsCommand).resolves({});
    sqs.on(ReceiveMessageCommand).resolves({});
    const log: AgentLogEntry[] = [];
    const agent = new HostAgent({
      slots: 2,
      lockDir,
      scanIntervalMs: 20,
      monitorIntervalMs: 50,
      lifecycleHeartbeatMs: 40,
      queue: new SqsWorkQueue({
        client: new SQSClient({ region: 'eu-west-1' }),
        queueUrls: { interactive: IURL, bulk: BURL },
      }),
      callbacks: new SfnTaskCallbacks({ client: new SFNClient({ region: 'eu-west-1' }) }),
      control: control(),
      metadata: imds({ 'instance-id': IID, 'autoscaling/target-lifecycle-state': 'Terminated' }),
      publisher: new Ec2TagStatusPublisher({ client: new EC2Client({ region: 'eu-west-1' }) }),
      log: (e) => log.push(e),
    });
    const done = agent.run();
    await until(() => asg.commandCalls(RecordLifecycleActionHeartbeatCommand).length >= 3);
    expect(asg.commandCalls(CompleteLifecycleActionCommand)).toHaveLength(0);
    expect(agent.status()).toMatchObject({
      state: 'lost',
      slots: [{ state: 'running', jobId: 'job-long' }, { state: 'free' }],
    });
    run.kill('SIGKILL'); // the run ends: the drain is over
    await done;

    const order = log.map((e) => e.event).filter((e) => e.startsWith('lifecycle-'));
    expect(order.at(-1)).toBe('lifecycle-completed');
    expect(order.filter((e) => e === 'lifecycle-completed')).toHaveLength(1);
    const heartbeats = asg.commandCalls(RecordLifecycleActionHeartbeatCommand).length;
    await new Promise((r) => setTimeout(r, 200));
    expect(asg.commandCalls(RecordLifecycleActionHeartbeatCommand)).toHaveLength(heartbeats);

    // its tags, as `vodsr fleet -b aws` reads them: the running job while it drained, then stopped and free
    const published = ec2.commandCalls(CreateTagsCommand).map((c) => c.args[0].input);
    expect(published.every((p) => p.Resources?.length === 1 && p.Resources[0] === IID)).toBe(true);
    const states = published.map((p) =>
      parseAgentStateTags(
        Object.fromEntries((p.Tags ?? []).map((t) => [t.Key as string, t.Value as string])),
      ),
    );
    expect(states).toContainEqual(
      expect.objectContaining({
        state: 'lost',
        slots: [
          { slot: 0, state: 'running', jobId: 'job-long' },
          { slot: 1, state: 'free' },
        ],
      }),
    );
    expect(states.at(-1)).toMatchObject({
      state: 'stopped',
      slots: [
        { slot: 0, state: 'free' },
        { slot: 1, state: 'free' },
      ],
    });
    for (const p of published)
      for (const t of p.Tags ?? []) expect(t.Key).toMatch(/^vodsr:agent:[A-Za-z0-9+\-=._:@]+$/); // IMDS-safe keys
    // changes only: far fewer tag writes than loop turns
    expect(published.length).toBeLessThan(6);
  }, 60_000);

  it('publishes its slot free at start, then reserved for the job it placed (the lease expiry, never the lease)', async () => {
    const lockDir = mkdtempSync(join(tmpdir(), 'vodsr-agent-tags-'));
    cleanups.push(() => rmSync(lockDir, { recursive: true, force: true }));
    sqs
      .on(ReceiveMessageCommand, { QueueUrl: IURL })
      .resolvesOnce({
        Messages: [
          {
            MessageId: 'm1',
            ReceiptHandle: 'rh-1',
            Body: JSON.stringify({
              v: 1,
              jobId: 'job-7',
              taskToken: 't',
              priority: 'interactive',
              attempt: 1,
            }),
          },
        ],
      })
      .resolves({});
    sqs.on(ReceiveMessageCommand, { QueueUrl: BURL }).resolves({});
    sqs.on(DeleteMessageCommand).resolves({});
    sfn.on(SendTaskSuccessCommand).resolves({});
    asg.on(SetInstanceProtectionCommand).resolves({});
    ec2.on(CreateTagsCommand).resolves({});
    const agent = new HostAgent({
      slots: 1,
      lockDir,
      pollWaitSeconds: 0,
      scanIntervalMs: 20,
      monitorIntervalMs: 50,
      queue: new SqsWorkQueue({
        client: new SQSClient({ region: 'eu-west-1' }),
        queueUrls: { interactive: IURL, bulk: BURL },
      }),
      callbacks: new SfnTaskCallbacks({ client: new SFNClient({ region: 'eu-west-1' }) }),
      control: control(),
      metadata: imds({ 'instance-id': IID }),
      publisher: new Ec2TagStatusPublisher({ client: new EC2Client({ region: 'eu-west-1' }) }),
      log: () => undefined,
    });
    void agent.run();
    const tagged = () =>
      ec2
        .commandCalls(CreateTagsCommand)
        .map((c) => Object.fromEntries((c.args[0].input.Tags ?? []).map((t) => [t.Key, t.Value])));
    await until(() => tagged().some((t) => t['vodsr:agent:slot:0']?.startsWith('reserved:job-7:')));
    agent.kill();
    const reserved = tagged().find((t) => t['vodsr:agent:slot:0']?.startsWith('reserved:'));
    const lease = agent.status().slots[0];
    if (lease?.state !== 'free') expect(JSON.stringify(tagged())).not.toContain(lease?.lease);
    expect(reserved).toMatchObject({ 'vodsr:agent:state': 'running', 'vodsr:agent:placed': '1' });
    const until_ = parseAgentStateTags(reserved as Record<string, string>)?.slots[0]?.leaseExpiresAt;
    expect(Date.parse(until_ as string)).toBeGreaterThan(Date.now());
    expect(tagged()[0]).toMatchObject({
      'vodsr:agent:state': 'running',
      'vodsr:agent:slot:0': 'free',
      'vodsr:agent:placed': '0',
    });
  }, 60_000);
});

describe('parseAgentConfig: lifecycleHeartbeatSeconds', () => {
  it('takes the interval the fleet writes and refuses one out of range', () => {
    const ok = {
      v: 1,
      region: 'eu-west-1',
      queues: [{ priority: 'interactive', url: IURL }],
      slots: 1,
      autoScalingGroupName: 'vodsr-fleet',
      drainHookName: 'vodsr-drain',
      lifecycleHeartbeatSeconds: 900,
    };
    expect(parseAgentConfig(ok).lifecycleHeartbeatSeconds).toBe(900);
    expect(() => parseAgentConfig({ ...ok, lifecycleHeartbeatSeconds: 0 })).toThrow(
      /\/lifecycleHeartbeatSeconds: must be a whole number from 1 to 7200/,
    );
  });
});

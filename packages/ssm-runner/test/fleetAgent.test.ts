/**
 * The host agent's admission rules with the local ports (the same class a GPU host runs): a host that dies before
 * answering, a redelivered answered token, an unclaimed reservation, a malformed message, and SIGTERM's drain.
 */
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeHostJob, isVodsrError } from '@vodsr/core';
import {
  type AgentLogEntry,
  HostAgent,
  type InstanceControlPort,
  type InstanceMetadataPort,
  type TaskCallbacksPort,
} from '@vodsr/host-scripts';
import { LocalCommandRunner, LocalTaskCallbacks, LocalWorkQueue } from '@vodsr/ssm-runner';
import { afterEach, describe, expect, it } from 'vitest';
import { lanczosJob, makeVideo, tempDir } from '../../host-scripts/test/helpers.js';
import { until } from './fleetHarness.js';

const FAKE = fileURLToPath(new URL('./fixtures/fake-vodsr-host', import.meta.url));
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

function message(jobId: string, taskToken: string): object {
  return { v: 1, jobId, taskToken, priority: 'interactive', attempt: 1 };
}

function host(
  id: string,
  queue: LocalWorkQueue,
  callbacks: TaskCallbacksPort,
  opts: { slots?: number; leaseSeconds?: number } = {},
) {
  const t = tempDir('vodsr-agent-');
  const protection: boolean[] = [];
  const logs: AgentLogEntry[] = [];
  const metadata: InstanceMetadataPort = {
    instanceId: async () => id,
    spotInterruption: async () => undefined,
    targetLifecycleState: async () => 'InService',
  };
  const control: InstanceControlPort = {
    setScaleInProtection: async (_i, p) => {
      protection.push(p);
    },
    completeLifecycleAction: async () => undefined,
  };
  const lockDir = join(t.dir, 'locks');
  const agent = new HostAgent({
    slots: opts.slots ?? 1,
    lockDir,
    queue,
    callbacks,
    control,
    metadata,
    pollWaitSeconds: 1,
    scanIntervalMs: 50,
    monitorIntervalMs: 100,
    ...(opts.leaseSeconds === undefined ? {} : { leaseSeconds: opts.leaseSeconds }),
    log: (e) => logs.push(e),
  });
  const run = agent.run();
  cleanups.push(() => agent.kill(), t.remove);
  return { agent, run, lockDir, workRoot: join(t.dir, 'work'), protection, logs, dir: t.dir };
}

describe('HostAgent (local ports)', () => {
  it('lets another host take a message whose host died before answering (visibility timeout)', async () => {
    const queue = new LocalWorkQueue({ visibilityTimeoutSeconds: 1 });
    const callbacks = new LocalTaskCallbacks();
    const hanging: TaskCallbacksPort = {
      sendTaskSuccess: () => new Promise(() => undefined),
      sendTaskFailure: async () => undefined,
    };
    const a = host('local-a', queue, hanging);
    const { token, result } = callbacks.open();
    queue.send('interactive', JSON.stringify(message('j1', token)));
    await until(() => a.agent.status().slots[0]?.state === 'reserved');
    a.agent.kill(); // dies before its answer

    const b = host('local-b', queue, callbacks);
    const placement = (await result) as { instanceId: string; slot: number; lease: string };

    expect(placement).toMatchObject({ instanceId: 'local-b', slot: 0 });
    expect(placement.lease).toMatch(/^[A-Za-z0-9_-]{8,64}$/);
    await until(() => b.logs.some((l) => l.event === 'placed'));
    expect(b.logs.find((l) => l.event === 'placed')).toMatchObject({ jobId: 'j1' });
    await until(() => queue.depths().interactive.inFlight === 0);
    expect(queue.depths().interactive).toMatchObject({ visible: 0, inFlight: 0, deadLetters: 0 });
  });

  it('drops a redelivered message whose token is already answered: slot released, message deleted', async () => {
    const queue = new LocalWorkQueue();
    const callbacks = new LocalTaskCallbacks();
    const h = host('local-a', queue, callbacks, { slots: 2 });
    const { token, result } = callbacks.open();
    queue.send('interactive', JSON.stringify(message('j1', token)));
    const first = (await result) as { lease: string };
    await until(() => h.agent.status().slots[0]?.state === 'reserved');

    queue.send('interactive', JSON.stringify(message('j1', token))); // SQS delivers at least once
    await until(() => h.agent.status().counts.dropped === 1);

    expect(h.logs.find((l) => l.event === 'dropped')).toMatchObject({ jobId: 'j1' });
    expect(h.agent.status().counts.placed).toBe(1);
    expect(h.agent.status().slots[0]).toMatchObject({ state: 'reserved', lease: first.lease });
    expect(h.agent.status().slots[1]).toEqual({ slot: 1, state: 'free' });
    expect(readdirSync(h.lockDir).filter((n) => n.includes('.lease-'))).toEqual([
      `slot-0.lease-${first.lease}`,
    ]);
    await until(() => queue.depths().interactive.inFlight === 0);
    expect(queue.depths().interactive.visible).toBe(0);
    await expect(callbacks.sendTaskSuccess(token, {})).rejects.toMatchObject({ name: 'TaskTimedOut' });
  });

  it('releases a reservation no command claims in time, unprotects, and vodsr-host then refuses the lease', async () => {
    const queue = new LocalWorkQueue();
    const callbacks = new LocalTaskCallbacks();
    const h = host('local-a', queue, callbacks, { leaseSeconds: 1 });
    const { token, result } = callbacks.open();
    queue.send('interactive', JSON.stringify(message('j1', token)));
    const placement = (await result) as { slot: number; lease: string };
    expect(h.agent.status().slots[0]?.state).toBe('reserved');

    await until(() => h.agent.status().counts.expired === 1);

    expect(h.agent.status().slots[0]).toEqual({ slot: 0, state: 'free' });
    expect(existsSync(join(h.lockDir, `slot-0.lease-${placement.lease}`))).toBe(false);
    await until(() => h.protection.at(-1) === false);
    expect(h.protection).toEqual([false, true, false]);
    // The late command: the real vodsr-host refuses the released lease with its own code, and writes nothing.
    const video = await makeVideo(join(h.dir, 'in.mp4'), { width: 32, height: 24, seconds: 1 });
    const out = join(h.dir, 'out', 'in_sr_2x.mp4');
    const runner = new LocalCommandRunner({ lockDir: h.lockDir, workRoot: h.workRoot });
    const err = await runner
      .run(encodeHostJob(lanczosJob(video, out, { cpuOnly: true })), { slot: 0, lease: placement.lease })
      .catch((e: unknown) => e);
    expect(isVodsrError(err) && err.code).toBe('VODSR_LEASE_INVALID');
    expect(existsSync(out)).toBe(false);
  }, 60_000);

  it('leaves a malformed message alone: it reaches the dead-letter queue after maxReceiveCount', async () => {
    const queue = new LocalWorkQueue({ visibilityTimeoutSeconds: 0.2, maxReceiveCount: 2 });
    const h = host('local-a', queue, new LocalTaskCallbacks());
    queue.send('interactive', '{"v":1,"jobId":"j1"}');

    await until(() => queue.depths().interactive.deadLetters === 1);

    expect(queue.deadLetters('interactive')).toEqual(['{"v":1,"jobId":"j1"}']);
    expect(h.agent.status().counts.malformed).toBe(2);
    expect(h.agent.status().slots[0]?.state).toBe('free');
  });

  it('drains on stop (SIGTERM): takes no more work, lets the running job finish, then unprotects and ends', async () => {
    const queue = new LocalWorkQueue();
    const callbacks = new LocalTaskCallbacks();
    const h = host('local-a', queue, callbacks);
    const runner = new LocalCommandRunner({
      scriptPath: FAKE,
      lockDir: h.lockDir,
      workRoot: h.workRoot,
      env: { FAKE_HOST_SECONDS: '0.5' },
    });
    const { token, result } = callbacks.open();
    queue.send('interactive', JSON.stringify(message('j1', token)));
    const placement = (await result) as { slot: number; lease: string };
    const out = join(h.dir, 'out', 'a_sr_2x.mp4');
    writeFileSync(join(h.dir, 'a.mp4'), 'x');
    const job = runner.run(encodeHostJob(lanczosJob(join(h.dir, 'a.mp4'), out, { jobId: 'j1' })), placement);
    await until(() => h.agent.status().slots[0]?.state === 'running');

    const stopped = h.agent.stop();
    const late = callbacks.open();
    queue.send('interactive', JSON.stringify(message('j2', late.token)));
    await expect(job).resolves.toMatchObject({ ok: true, jobId: 'j1', output: out });
    await stopped;

    expect(h.agent.status().state).toBe('stopped');
    expect(h.agent.status().counts.placed).toBe(1);
    expect(queue.depths().interactive.visible).toBe(1); // j2 waits for another host
    expect(h.protection.at(-1)).toBe(false);
  });
});

/**
 * The local twin of the fleet, end to end: core's workflow definition executed locally (AcquireHost → the local
 * work queue → the real host agents; RunHost → the placed host's runner claiming its lease).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildWorkflowDefinition, decodeHostJob } from '@vodsr/core';
import { WORKFLOW_STATES } from '@vodsr/core/workflow';
import type { AgentLogEntry } from '@vodsr/host-scripts';
import { LocalFleet } from '@vodsr/ssm-runner';
import { afterEach, describe, expect, it } from 'vitest';
import { makeVideo, probeVideo, tempDir } from '../../host-scripts/test/helpers.js';
import { filesUnder, jobInputs, maxClaimed, runWorkflow, until } from './fleetHarness.js';

const FAKE = fileURLToPath(new URL('./fixtures/fake-vodsr-host', import.meta.url));
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function setup(opts: { hosts: number; slots: number; seconds?: number; real?: boolean; start?: boolean }) {
  const t = tempDir('vodsr-fleet-');
  const logs: AgentLogEntry[] = [];
  const fleet = new LocalFleet({
    hosts: opts.hosts,
    slots: opts.slots,
    baseDir: join(t.dir, 'hosts'),
    ...(opts.real ? {} : { scriptPath: FAKE, env: { FAKE_HOST_SECONDS: String(opts.seconds ?? 0.05) } }),
    visibilityTimeoutSeconds: 2,
    log: (e) => logs.push(e),
    ...(opts.start === undefined ? {} : { start: opts.start }),
  });
  cleanups.push(() => fleet.close(), t.remove);
  const source = join(t.dir, 'in.mp4');
  writeFileSync(source, 'not read by the fake host');
  return { fleet, dir: t.dir, out: join(t.dir, 'out'), source, logs };
}

function outputsOk(out: string, jobs: readonly { jobId: string; hostJobB64: string }[]): void {
  for (const j of jobs) {
    const file = decodeHostJob(j.hostJobB64).output;
    expect(readFileSync(file, 'utf8')).toBe(`${j.jobId}\n`);
  }
  expect(filesUnder(out).filter((f) => f.includes('.vodsr-partial'))).toEqual([]);
  expect(filesUnder(out)).toHaveLength(jobs.length);
}

describe('LocalFleet', () => {
  it('runs 200 jobs sent at once on 3 hosts × 2 slots: all succeed, no host ever runs more than 2', async () => {
    const { fleet, dir, out, source } = setup({ hosts: 3, slots: 2 });
    const inputs = jobInputs(200, source, out);

    const t0 = Date.now();
    const results = await runWorkflow(fleet, inputs);
    const seconds = (Date.now() - t0) / 1000;

    expect(results.filter((r) => !r.ok)).toEqual([]);
    expect(results.every((r) => r.attempt === 1 && r.acquires === 1)).toBe(true);
    outputsOk(out, inputs);
    // The agents free a slot once its runner process is gone.
    await until(() => fleet.status().hosts.every((h) => h.slots.every((s) => s.state === 'free')));
    const status = fleet.status();
    for (const h of status.hosts) {
      expect(h.maxRunning).toBeLessThanOrEqual(2);
      expect(maxClaimed(join(dir, 'hosts', h.instanceId))).toBeLessThanOrEqual(2);
      expect(h.placed).toBeGreaterThan(0);
      expect(h.protectedFromScaleIn).toBe(false);
    }
    expect(status.hosts.reduce((a, h) => a + h.placed, 0)).toBe(200);
    expect(status.queues.interactive).toMatchObject({ visible: 0, inFlight: 0, deadLetters: 0 });
    expect(status.waitingJobs).toBe(0);
    process.stdout.write(`fleet: 200 jobs on 3×2 slots in ${seconds.toFixed(1)} s\n`);
  }, 120_000);

  it('re-runs the jobs of a host killed mid-job on another host at attempt 2; nothing is half-written', async () => {
    const { fleet, out, source } = setup({ hosts: 3, slots: 2, seconds: 0.5 });
    const inputs = jobInputs(18, source, out);

    const running = runWorkflow(fleet, inputs);
    await until(() => fleet.status().hosts.find((h) => h.instanceId === 'local-2')?.running === 2);
    const onVictim = fleet
      .status()
      .hosts.find((h) => h.instanceId === 'local-2')
      ?.slots.flatMap((s) => (s.state === 'free' || !s.jobId ? [] : [s.jobId]));
    fleet.kill('local-2');
    const results = await running;

    expect(results.filter((r) => !r.ok)).toEqual([]);
    expect(onVictim).toHaveLength(2);
    for (const jobId of onVictim ?? []) {
      const r = results.find((x) => x.jobId === jobId);
      expect(r?.attempt).toBe(2);
      expect(r?.placements[0]).toMatchObject({ attempt: 1, instanceId: 'local-2' });
      expect(r?.instanceId).not.toBe('local-2');
    }
    // Every job ends on a live host; jobs placed on the dead host after its death never ran there.
    expect(results.every((r) => r.instanceId !== 'local-2')).toBe(true);
    outputsOk(out, inputs);
    expect(fleet.status().hosts.find((h) => h.instanceId === 'local-2')?.state).toBe('dead');
  }, 60_000);

  it('drains a host on a Spot interruption notice: its running job fails VODSR_HOST_LOST and runs elsewhere', async () => {
    const { fleet, out, source, logs } = setup({ hosts: 2, slots: 1, seconds: 1 });
    const inputs = jobInputs(1, source, out);

    const running = runWorkflow(fleet, inputs);
    // The run has claimed its slot (the agent knows its pid).
    const claimed = (h: { slots: readonly { state: string; pid?: number }[] }) =>
      h.slots.some((s) => s.state === 'running' && s.pid !== undefined);
    await until(() => fleet.status().hosts.some(claimed));
    const victim = fleet.status().hosts.find(claimed)?.instanceId as string;
    fleet.interruptSpot(victim);
    const [r] = await running;

    expect(r).toMatchObject({ ok: true, attempt: 2 });
    expect(r?.placements.map((p) => p.instanceId)).toEqual([victim, expect.not.stringMatching(victim)]);
    expect(fleet.agent(victim).status()).toMatchObject({ state: 'lost', lostReason: 'spot' });
    expect(fleet.agent(victim).status().counts.signalledLost).toBe(1);
    expect(logs.some((l) => l.event === 'run-lost' && l.instanceId === victim)).toBe(true);
    outputsOk(out, inputs);
  }, 60_000);

  it('drains a host the group terminates (lifecycle state Terminated), then completes the lifecycle action', async () => {
    const { fleet, out, source } = setup({ hosts: 2, slots: 1, seconds: 1 });
    const inputs = jobInputs(1, source, out);

    const running = runWorkflow(fleet, inputs);
    // The run has claimed its slot (the agent knows its pid).
    const claimed = (h: { slots: readonly { state: string; pid?: number }[] }) =>
      h.slots.some((s) => s.state === 'running' && s.pid !== undefined);
    await until(() => fleet.status().hosts.some(claimed));
    const victim = fleet.status().hosts.find(claimed)?.instanceId as string;
    fleet.terminate(victim);
    const [r] = await running;
    await until(() => fleet.lifecycleCompletions(victim) === 1);

    expect(r).toMatchObject({ ok: true, attempt: 2 });
    expect(r?.instanceId).not.toBe(victim);
    expect(fleet.status().hosts.find((h) => h.instanceId === victim)).toMatchObject({
      state: 'dead',
      running: 0,
    });
    outputsOk(out, inputs);
  }, 60_000);

  it('re-queues a job before the 14-day limit: AcquireHost times out (time scaled down), a fresh message is answered', async () => {
    const definition = { requeueSeconds: 60 };
    const asl = buildWorkflowDefinition(definition) as {
      States: Record<string, { TimeoutSeconds?: number }>;
    };
    expect(asl.States[WORKFLOW_STATES.acquireHost]?.TimeoutSeconds).toBe(60);
    expect(
      (buildWorkflowDefinition() as typeof asl).States[WORKFLOW_STATES.acquireHost]?.TimeoutSeconds,
    ).toBeLessThan(14 * 86_400);
    const { fleet, out, source } = setup({ hosts: 1, slots: 1, start: false });
    const inputs = jobInputs(1, source, out);

    let acquires = 0;
    const running = runWorkflow(fleet, inputs, {
      definition,
      acquireTimeoutMs: 300,
      onAcquire: (_id, n) => {
        acquires = n;
      },
    });
    await until(() => acquires >= 2);
    fleet.start();
    const [r] = await running;

    expect(r).toMatchObject({ ok: true, attempt: 1 });
    expect(r?.acquires).toBeGreaterThanOrEqual(2);
    // The first message's token was closed by the timeout: the agent dropped it when it came.
    await until(() => fleet.agent('local-1').status().counts.dropped >= 1);
    expect(fleet.agent('local-1').status().counts.placed).toBe(1);
    outputsOk(out, inputs);
  }, 60_000);

  it('runs real vodsr-host jobs on 2 hosts × 1 slot with a tiny real video', async () => {
    const { fleet, dir, out } = setup({ hosts: 2, slots: 1, real: true });
    const source = await makeVideo(join(dir, 'clip.mp4'), { width: 64, height: 48, seconds: 1 });
    const inputs = jobInputs(3, source, out, 'real');

    const results = await runWorkflow(fleet, inputs);

    expect(results.filter((r) => !r.ok)).toEqual([]);
    for (const j of inputs) {
      const v = await probeVideo(decodeHostJob(j.hostJobB64).output);
      expect([v.width, v.height]).toEqual([128, 96]);
    }
    expect(filesUnder(out)).toHaveLength(3);
    for (const h of fleet.status().hosts) expect(h.maxRunning).toBeLessThanOrEqual(1);
  }, 120_000);
});

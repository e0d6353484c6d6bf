#!/usr/bin/env node
// Catalogue scale (issue 11): a burst of jobs through core's REAL workflow definition (buildWorkflowDefinition,
// executed with aws-local-stepfunctions), on a simulated fleet that scales from zero, vs the seed's design
// (one always-on host, direct SendCommand, the SSM agent's 5 workers, the 300 s heartbeat).
//
// Fleet model (real time, scaled: 1 simulated second = --ms-per-s ms, default 10; at 2 ms the local executor's per-job overhead, a
// few real ms under load, is a visible share of the makespan):
//   AcquireHost = the job's message joins a FIFO work queue; the handler resolves when a host's free slot takes it
//   (the agent's SendTaskSuccess({instanceId, slot, lease})). RunHost = a fake host that runs for the job's length.
//   Scaling: every --scale-period simulated seconds (default 60, CloudWatch's 1-minute metrics) the desired
//   capacity is min(N, ceil((queued + running) / K)); new hosts boot for --boot s before taking work; a host with
//   no work for --idle s stops (the agent protects busy hosts from scale-in). Billed = host up time incl. boot and
//   the idle tail. Makespan and billing come from the real clock, so the workflow's own overhead is included.
// Seed model (discrete events on a simulated clock): every job's SendCommand at t=0 to one host with K GPU slots;
//   the agent runs at most 5 commands, the rest wait in its buffer with no heartbeat; a command not started within
//   the heartbeat timeout fails States.HeartbeatTimeout (its task closes; the agent still runs it later, wasted);
//   a started vodsr-host heartbeats while it waits for a free slot, up to VODSR_LOCK_WAIT_SECONDS (3600) →
//   VODSR_HOST_BUSY.
//
//   node bench/fleet.mjs [--jobs 1000] [--seed 1] [--hosts 3] [--slots 2] [--boot 90] [--idle 60]
//                        [--scale-period 60] [--ms-per-s 10] [--json]
import os from 'node:os';
import { buildWorkflowDefinition, parseJobSpec, prepareJob } from '@vodsr/core';
import { WORKFLOW_STATES as S } from '@vodsr/core/workflow';

// aws-local-stepfunctions 3 needs Promise.withResolvers (Node 22); polyfill it on Node 20.
if (typeof Promise.withResolvers !== 'function') {
  Promise.withResolvers = () => {
    let resolve;
    let reject;
    const promise = new Promise((a, b) => {
      resolve = a;
      reject = b;
    });
    return { promise, resolve, reject };
  };
}
const { StateMachine } = await import('aws-local-stepfunctions');

function arg(name, def) {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return def;
  const v = Number(process.argv[i + 1]);
  if (!Number.isFinite(v) || v < 0) throw new Error(`--${name} needs a number`);
  return v;
}
const JOBS = arg('jobs', 1000);
const SEED = arg('seed', 1);
const HOSTS = arg('hosts', 3);
const SLOTS = arg('slots', 2);
const BOOT = arg('boot', 90);
const IDLE = arg('idle', 60);
const SCALE_PERIOD = arg('scale-period', 60);
const MS = arg('ms-per-s', 10);
const HEARTBEAT = 300;
const AGENT_WORKERS = 5; // amazon-ssm-agent Mds.CommandWorkersLimit default
const LOCK_WAIT = 3600; // VODSR_LOCK_WAIT_SECONDS default
const JSON_OUT = process.argv.includes('--json');

// mulberry32: a small seeded PRNG
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rnd = prng(SEED);
const lengths = Array.from({ length: JOBS }, () => 1 + Math.floor(rnd() * 60)); // 1–60 simulated s
const totalWork = lengths.reduce((a, b) => a + b, 0);

// ---------------------------------------------------------------------------------------------------------------
// Fleet: core's workflow, a FIFO work queue, hosts that pull, scale from and to zero.
const definition = buildWorkflowDefinition({ mediaConvertRoleArn: 'arn:aws:iam::111111111111:role/mc' });
const machine = new StateMachine(structuredClone(definition), {
  validationOptions: { checkArn: false, checkPaths: false },
});

let t0 = 0;
const now = () => (performance.now() - t0) / MS; // simulated seconds
const queue = []; // FIFO of { jobId, resolve }
const hosts = []; // { id, state: 'booting'|'up'|'stopped', start, stop, free: slots[], running, idleTimer }
let running = 0;
let maxRunningOnAHost = 0;

function launchHost() {
  const h = { id: `i-${String(hosts.length).padStart(17, '0')}`, state: 'booting', start: now(), stop: 0 };
  h.free = Array.from({ length: SLOTS }, (_, i) => i);
  h.running = 0;
  hosts.push(h);
  setTimeout(() => {
    h.state = 'up';
    pull(h);
  }, BOOT * MS);
}

/** The host agent: while a slot is free, take the oldest message and answer its token. */
function pull(h) {
  if (h.state !== 'up') return;
  while (h.free.length > 0 && queue.length > 0) {
    const m = queue.shift();
    const slot = h.free.shift();
    h.running += 1;
    running += 1;
    maxRunningOnAHost = Math.max(maxRunningOnAHost, h.running);
    if (h.idleTimer) clearTimeout(h.idleTimer);
    h.idleTimer = undefined;
    m.resolve({ instanceId: h.id, slot, lease: `lease-${m.jobId}-${slot}` });
  }
  if (h.running === 0 && !h.idleTimer)
    h.idleTimer = setTimeout(() => {
      if (h.running === 0 && queue.length === 0) {
        h.state = 'stopped';
        h.stop = now();
      } else {
        h.idleTimer = undefined;
        pull(h);
      }
    }, IDLE * MS);
}

function release(instanceId, slot) {
  const h = hosts.find((x) => x.id === instanceId);
  h.free.push(slot);
  h.running -= 1;
  running -= 1;
  pull(h);
}

/** The Auto Scaling policy: capacity follows the backlog, up to N hosts. */
function scale() {
  const live = hosts.filter((h) => h.state !== 'stopped').length;
  const desired = Math.min(HOSTS, Math.ceil((queue.length + running) / SLOTS));
  for (let i = live; i < desired; i += 1) launchHost();
}

async function runJob(i) {
  const jobId = `job-${i}`;
  const input = prepareJob(parseJobSpec({ source: `s3://vodsr-in/v${i}.mp4` }), {
    jobId,
    outputRoot: 's3://vodsr-out/',
  });
  const sr = { width: 1280, height: 960, durationSeconds: lengths[i], hasAudio: true };
  const handlers = {
    [S.acquireHost]: () => new Promise((resolve) => queue.push({ jobId, resolve })),
    [S.acquireBulkHost]: () => new Promise((resolve) => queue.push({ jobId, resolve })),
    [S.runHost]: async (task) => {
      const instanceId = task.InstanceIds[0];
      const slot = Number(task.Parameters.slot[0]);
      await new Promise((r) => setTimeout(r, lengths[i] * MS));
      release(instanceId, slot);
      return {
        event: 'result',
        ok: true,
        jobId,
        output: input.srFile,
        source: sr,
        sr,
        encoder: 'h264_nvenc',
        elapsedSeconds: lengths[i],
      };
    },
    [S.planPackaging]: async () => ({
      Payload: { Role: 'arn:aws:iam::111111111111:role/mc', Settings: {}, UserMetadata: { jobId } },
    }),
    [S.package]: async () => ({ Job: { Id: `mc-${i}`, Status: 'COMPLETE' } }),
    [S.notifySuccess]: async () => ({ Entries: [], FailedEntryCount: 0 }),
    [S.notifyFailure]: async () => ({ Entries: [], FailedEntryCount: 0 }),
  };
  const exec = machine.run(input, {
    context: { Task: { Token: `bench-${jobId}` } },
    overrides: { taskResourceLocalHandlers: handlers },
  });
  try {
    await exec.result;
    return { ok: true, end: now() };
  } catch (e) {
    return { ok: false, error: e?.name ?? String(e), end: now() };
  }
}

t0 = performance.now();
const scaler = setInterval(scale, SCALE_PERIOD * MS); // first evaluation one period after the burst
const outcomes = await Promise.all(lengths.map((_, i) => runJob(i)));
const lastJobEnd = Math.max(...outcomes.map((o) => o.end));
while (hosts.some((h) => h.state !== 'stopped')) await new Promise((r) => setTimeout(r, 5 * MS));
clearInterval(scaler);
const succeeded = outcomes.filter((o) => o.ok).length;
const failed = JOBS - succeeded;
const failures = {};
for (const o of outcomes) if (!o.ok) failures[o.error] = (failures[o.error] ?? 0) + 1;
const ideal = totalWork / (HOSTS * SLOTS) + BOOT;
const makespan = lastJobEnd;
const billed = hosts.reduce((s, h) => s + (h.stop - h.start), 0); // host-seconds incl. boot and idle tail
const busy = totalWork / SLOTS; // host-seconds of work
const boots = hosts.length * BOOT;

// ---------------------------------------------------------------------------------------------------------------
// Seed: one always-on host with K slots, every job a SendCommand at t=0; discrete events on a simulated clock.
function simulateSeed() {
  const buffered = lengths.map((len, i) => ({ i, len, sent: 0 })); // the agent's buffer, FIFO
  let workers = AGENT_WORKERS;
  let slotsFree = SLOTS;
  const lockWaiters = []; // started vodsr-host processes waiting for a slot (they heartbeat)
  const events = []; // { t, fn }
  const at = (t, fn) => {
    events.push({ t, fn });
    events.sort((a, b) => a.t - b.t);
  };
  const result = new Map(); // i → 'ok' | error
  let t = 0;
  let wastedGpu = 0;
  let end = 0;
  const startCommands = () => {
    while (workers > 0 && buffered.length > 0) {
      const c = buffered.shift();
      workers -= 1;
      // No heartbeat before vodsr-host starts: the task already closed if it waited longer than the timeout.
      const closed = t - c.sent > HEARTBEAT;
      if (closed && !result.has(c.i)) result.set(c.i, 'States.HeartbeatTimeout');
      lockWaiters.push({ ...c, startedAt: t, closed });
    }
    while (slotsFree > 0 && lockWaiters.length > 0) {
      const w = lockWaiters.shift();
      if (t - w.startedAt > LOCK_WAIT) {
        if (!result.has(w.i)) result.set(w.i, 'VODSR_HOST_BUSY');
        workers += 1;
        continue;
      }
      slotsFree -= 1;
      at(t + w.len, () => {
        slotsFree += 1;
        workers += 1;
        if (w.closed) wastedGpu += w.len;
        else result.set(w.i, 'ok');
        end = t;
      });
    }
  };
  startCommands();
  // A command still in the buffer past the heartbeat timeout fails at that moment (the clock keeps running).
  for (const c of buffered) at(c.sent + HEARTBEAT, () => {});
  while (events.length > 0) {
    const e = events.shift();
    t = e.t;
    e.fn();
    // lock waiters past the lock wait give up and free their worker
    for (let k = lockWaiters.length - 1; k >= 0; k -= 1) {
      const w = lockWaiters[k];
      if (t - w.startedAt > LOCK_WAIT) {
        lockWaiters.splice(k, 1);
        if (!result.has(w.i)) result.set(w.i, 'VODSR_HOST_BUSY');
        workers += 1;
      }
    }
    startCommands();
  }
  const counts = {};
  for (const v of result.values()) counts[v] = (counts[v] ?? 0) + 1;
  const ok = counts.ok ?? 0;
  delete counts.ok;
  return {
    succeeded: ok,
    failed: JOBS - ok,
    failures: counts,
    makespan: end,
    wastedGpuSlotSeconds: wastedGpu,
  };
}
const seed = simulateSeed();

const loadAverage = os.loadavg().map((x) => Number(x.toFixed(2)));
const makespanRatio = makespan / ideal;
const billedOverBusy = billed / busy;
const targets = {
  allSucceeded: succeeded === JOBS,
  makespanWithin5pct: makespanRatio <= 1.05,
  billedWithin5pctPlusBoots: billed <= 1.05 * busy + boots,
};

if (JSON_OUT) {
  console.log(
    JSON.stringify({
      jobs: JOBS,
      succeeded,
      failed,
      makespanRatio: Number(makespanRatio.toFixed(4)),
      billedOverBusy: Number(billedOverBusy.toFixed(4)),
      seed: { succeeded: seed.succeeded, failed: seed.failed },
      loadAverage,
    }),
  );
} else {
  const h = (s) => (s / 3600).toFixed(2);
  const yes = (b) => (b ? 'MET' : 'NOT MET');
  console.log(
    `bench:fleet — ${JOBS} jobs of 1–60 s (seed ${SEED}, total work ${totalWork} s) on ${HOSTS} hosts × ${SLOTS} slots, boot ${BOOT} s, idle ${IDLE} s, scaling every ${SCALE_PERIOD} s; 1 s = ${MS} ms`,
  );
  console.log(`fleet (core's workflow, aws-local-stepfunctions, pull from a FIFO queue, scale from/to zero)`);
  console.log(
    `  jobs: ${succeeded} succeeded, ${failed} failed${failed ? ` ${JSON.stringify(failures)}` : ''}; max running on one host ${maxRunningOnAHost}`,
  );
  console.log(
    `  makespan ${makespan.toFixed(0)} s vs ideal ${ideal.toFixed(0)} s (work ÷ ${HOSTS * SLOTS} slots + one boot): makespanRatio ${makespanRatio.toFixed(3)}`,
  );
  console.log(
    `  GPU-hours billed ${h(billed)} (${hosts.length} host starts, up time incl. boots ${h(boots)} and idle tail) vs busy ${h(busy)}: billedOverBusy ${billedOverBusy.toFixed(3)}; all hosts stopped at the end (0 idle)`,
  );
  console.log(
    `seed's design (1 always-on host × ${SLOTS} slots, direct SendCommand, ${AGENT_WORKERS} agent workers, ${HEARTBEAT} s heartbeat)`,
  );
  console.log(
    `  jobs: ${seed.succeeded} succeeded, ${seed.failed} failed ${JSON.stringify(seed.failures)}; GPU slot-seconds spent on already-failed commands ${seed.wastedGpuSlotSeconds}; the host stays up (billed 24 h/day)`,
  );
  console.log(`targets`);
  console.log(`  ${JOBS}/${JOBS} succeeded: ${yes(targets.allSucceeded)} (${succeeded}/${JOBS})`);
  console.log(`  makespan ≤ 1.05 × ideal: ${yes(targets.makespanWithin5pct)} (${makespanRatio.toFixed(3)})`);
  console.log(
    `  billed ≤ 1.05 × busy + boots: ${yes(targets.billedWithin5pctPlusBoots)} (${h(billed)} h ≤ ${h(1.05 * busy + boots)} h)`,
  );
  console.log(`load average ${loadAverage.join(' ')} (${os.cpus().length} CPUs)`);
}

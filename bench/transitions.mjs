#!/usr/bin/env node
// State transitions and history events per job: our workflow (host callback, no polling) vs the seed's polling
// state machine (Wait 5 s → GetCommandInvocation → Choice), both EXECUTED with aws-local-stepfunctions, for a
// 10-minute and a 10-hour SR run. Needs the built packages: `npx nx run core:build`.
//
//   node bench/transitions.mjs [--json]
import { readFileSync } from 'node:fs';
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

const POLL_SECONDS = 5; // the seed's WaitForCommand
const HISTORY_LIMIT = 25_000; // Step Functions Standard: an execution fails past this many history events
const USD_PER_1000_TRANSITIONS = 0.025; // Standard workflows, us-east-1 list price

const seed = JSON.parse(
  readFileSync(
    new URL('../packages/infra-cdk/test/fixtures/seed-state-machine.json', import.meta.url),
    'utf8',
  ),
);
const ours = buildWorkflowDefinition({ mediaConvertRoleArn: 'arn:aws:iam::111111111111:role/mc' });

/** Runs a definition; returns the states entered (one per transition) and the wall time. */
async function run(definition, input, handlers) {
  const states = definition.States;
  const sm = new StateMachine(structuredClone(definition), {
    validationOptions: { checkArn: false, checkPaths: false },
  });
  const waits = Object.keys(states).filter((n) => states[n].Type === 'Wait');
  const t0 = performance.now();
  const exec = sm.run(input, {
    context: { Task: { Token: 'bench-task-token' } },
    overrides: {
      taskResourceLocalHandlers: handlers,
      waitTimeOverrides: Object.fromEntries(waits.map((n) => [n, 0])), // the 5 s waits, without waiting
    },
  });
  const path = [];
  const logs = (async () => {
    for await (const ev of exec.eventLogs) if (ev.type === 'StateEntered') path.push(ev.state.name);
  })();
  await exec.result;
  await logs;
  const ms = performance.now() - t0;
  // AWS history events by state type: Task = entered, scheduled, started, succeeded, exited; others entered+exited;
  // plus ExecutionStarted and ExecutionSucceeded.
  const history = 2 + path.reduce((n, s) => n + (states[s]?.Type === 'Task' ? 5 : 2), 0);
  return { transitions: path.length, history, ms };
}

async function runSeed(srSeconds) {
  const polls = Math.ceil(srSeconds / POLL_SECONDS);
  let n = 0;
  return run(
    seed,
    {
      instanceId: 'i-0123456789abcdef0',
      origBucket: 'in',
      origFile: 'a.mp4',
      srBucket: 'out',
      srFile: 'a_sr_2x.mp4',
    },
    {
      SendSSMCommand: async () => ({ Command: { CommandId: 'c-1' } }),
      CheckCommandStatus: async () => {
        n += 1;
        return { Status: n < polls ? 'InProgress' : 'Success' };
      },
      MediaConvert_CreateJob: async () => ({ Job: { Id: 'j-1', Status: 'COMPLETE' } }),
    },
  );
}

async function runOurs(srSeconds) {
  const sr = { width: 1280, height: 960, durationSeconds: srSeconds, hasAudio: true };
  const job = parseJobSpec({ source: 's3://vodsr-in/a.mp4' });
  const input = prepareJob(job, {
    jobId: 'j',
    outputRoot: 's3://vodsr-out/',
    instanceId: 'i-0123456789abcdef0',
    durationSeconds: srSeconds,
  });
  // The host runs as long as it needs: heartbeats are API calls, not transitions; one callback ends the task.
  return run(ours, input, {
    // However long the job waits in the queue for a free slot: one task, no transitions while it waits.
    [S.acquireHost]: async () => ({ instanceId: 'i-0123456789abcdef0', slot: 0, lease: 'lease-0001' }),
    [S.runHost]: async () => ({
      event: 'result',
      ok: true,
      jobId: 'j',
      output: input.srFile,
      source: sr,
      sr,
      encoder: 'h264_nvenc',
      elapsedSeconds: srSeconds,
    }),
    [S.planPackaging]: async () => ({
      Payload: { Role: 'arn:aws:iam::111111111111:role/mc', Settings: {}, UserMetadata: { jobId: 'j' } },
    }),
    [S.package]: async () => ({ Job: { Id: 'j-1', Status: 'COMPLETE' } }),
    [S.notifySuccess]: async () => ({}),
    [S.notifyFailure]: async () => ({}),
  });
}

const rows = [];
for (const [label, seconds] of [
  ['10-minute job', 600],
  ['10-hour job', 36_000],
]) {
  const o = await runOurs(seconds);
  const s = await runSeed(seconds);
  rows.push({ job: label, srSeconds: seconds, ours: o, seed: s });
}

if (process.argv.includes('--json')) {
  console.log(JSON.stringify(rows, null, 2));
} else {
  const usd = (t) => `$${((t * USD_PER_1000_TRANSITIONS) / 1000).toFixed(4)}`;
  const fmt = (r) =>
    `${String(r.transitions).padStart(6)} tr ${String(r.history).padStart(7)} ev ${usd(r.transitions).padStart(8)}${r.history > HISTORY_LIMIT ? '  FAILS (>25k events)' : ''}`;
  console.log(
    `State transitions per job, both executed with aws-local-stepfunctions (SR time = video duration)`,
  );
  console.log(`${'job'.padEnd(14)} | ${'ours (callback)'.padEnd(31)} | seed (poll every ${POLL_SECONDS} s)`);
  console.log(`${'-'.repeat(14)}-+-${'-'.repeat(31)}-+-${'-'.repeat(46)}`);
  for (const r of rows) console.log(`${r.job.padEnd(14)} | ${fmt(r.ours).padEnd(31)} | ${fmt(r.seed)}`);
  const ten = rows[1];
  console.log(
    `\n10-hour job: seed/ours = ${(ten.seed.transitions / ten.ours.transitions).toFixed(0)}x transitions; ` +
      `the seed passes the ${HISTORY_LIMIT.toLocaleString('en-US')}-event limit after ~${(((HISTORY_LIMIT / 9) * POLL_SECONDS) / 3600).toFixed(1)} h of SR.`,
  );
  console.log(
    `local execution time: ours ${rows.map((r) => `${r.ours.ms.toFixed(0)} ms`).join(' / ')}, seed ${rows.map((r) => `${r.seed.ms.toFixed(0)} ms`).join(' / ')}`,
  );
  console.log(
    `(tr = state transitions, ev = history events by state type, $ = Standard list price ${USD_PER_1000_TRANSITIONS}/1000 tr)`,
  );
}

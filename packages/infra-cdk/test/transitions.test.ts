import { readFileSync } from 'node:fs';
import { buildWorkflowDefinition, type MediaInfo, parseJobSpec, prepareJob } from '@vodsr/core';
import { WORKFLOW_STATES as S } from '@vodsr/core/workflow';
import { describe, expect, it } from 'vitest';
import { runLocal } from './support/localSfn.js';

// The use case's state machine (its extra `}` in SendSSMCommand removed so that it parses): it polls the SSM command
// every 5 s (Wait → GetCommandInvocation → Choice) for as long as the SR runs.
const seed = JSON.parse(readFileSync(new URL('./fixtures/seed-state-machine.json', import.meta.url), 'utf8'));
const ours = buildWorkflowDefinition({ mediaConvertRoleArn: 'arn:aws:iam::111111111111:role/mc' });

/** AWS history events per state: Task = entered, scheduled, started, succeeded, exited; others = entered, exited. */
function historyEvents(path: string[], def: Record<string, unknown>): number {
  const states = def.States as Record<string, { Type: string }>;
  return 2 + path.reduce((n, s) => n + (states[s]?.Type === 'Task' ? 5 : 2), 0);
}

async function runSeed(srSeconds: number) {
  const polls = Math.ceil(srSeconds / 5); // one GetCommandInvocation every 5 s while the SR runs
  let n = 0;
  return runLocal(
    seed,
    {
      instanceId: 'i-0123456789abcdef0',
      origBucket: 'in',
      origFile: 'a.mp4',
      srBucket: 'out',
      srFile: 'a_sr_2x.mp4',
    },
    {
      SendSSMCommand: () => ({ Command: { CommandId: 'c-1' } }),
      CheckCommandStatus: () => {
        n += 1;
        return { Status: n < polls ? 'InProgress' : 'Success' };
      },
      MediaConvert_CreateJob: () => ({ Job: { Id: 'j-1', Status: 'COMPLETE' } }),
    },
  );
}

async function runOurs(srSeconds: number) {
  const sr: MediaInfo = { width: 1280, height: 960, durationSeconds: srSeconds, hasAudio: true };
  const job = parseJobSpec({ source: 's3://vodsr-in/a.mp4' });
  const input = prepareJob(job, {
    jobId: 'j',
    outputRoot: 's3://vodsr-out/',
    instanceId: 'i-0123456789abcdef0',
    durationSeconds: srSeconds,
  });
  // The host works for as long as it needs; its heartbeats are API calls, not state transitions.
  return runLocal(ours, input, {
    // However long the job waits in the queue for a free slot: one task, no transitions while it waits.
    [S.acquireHost]: () => ({ instanceId: 'i-0123456789abcdef0', slot: 0, lease: 'lease-0001' }),
    [S.runHost]: () => ({
      event: 'result',
      ok: true,
      jobId: 'j',
      output: input.srFile,
      source: sr,
      sr,
      encoder: 'h264_nvenc',
      elapsedSeconds: srSeconds,
    }),
    [S.planPackaging]: () => ({
      Payload: { Role: 'arn:aws:iam::111111111111:role/mc', Settings: {}, UserMetadata: { jobId: 'j' } },
    }),
    [S.package]: () => ({ Job: { Id: 'j-1', Status: 'COMPLETE' } }),
    [S.notifySuccess]: () => ({}),
    [S.notifyFailure]: () => ({}),
  });
}

describe('state transitions per job', () => {
  it('stay constant with our workflow and grow with the duration with the seed polling loop', async () => {
    const rows: string[] = [];
    const counts: Record<string, number> = {};
    for (const [label, seconds] of [
      ['10-minute job', 600],
      ['10-hour job', 36_000],
    ] as const) {
      const o = await runOurs(seconds);
      const s = await runSeed(seconds);
      expect(o.status).toBe('SUCCEEDED');
      expect(s.status).toBe('SUCCEEDED');
      counts[`ours ${label}`] = o.path.length;
      counts[`seed ${label}`] = s.path.length;
      rows.push(
        `${label.padEnd(14)} ours: ${String(o.path.length).padStart(6)} transitions (${historyEvents(o.path, ours)} history events)` +
          ` | seed: ${String(s.path.length).padStart(6)} transitions (${historyEvents(s.path, seed)} history events${
            historyEvents(s.path, seed) > 25_000
              ? ', over the 25,000-event limit: the execution would FAIL'
              : ''
          })`,
      );
    }
    console.log(`State transitions (SR run time = video duration):\n${rows.join('\n')}`);
    expect(counts['ours 10-minute job']).toBe(8);
    expect(counts['ours 10-hour job']).toBe(8);
    expect(counts['seed 10-minute job']).toBe(2 + 3 * 120);
    expect(counts['seed 10-hour job']).toBe(2 + 3 * 7_200);
  });
});

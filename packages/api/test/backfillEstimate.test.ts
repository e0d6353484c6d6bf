/**
 * A backfill's plan estimate: the learned throughput of its target (the local backend's table, or on AWS the one
 * learned from the job state machine's succeeded executions — recorded SDK answers), each item's own packaging
 * path, and the quality step's seconds when the jobs measure quality.
 */
import { DescribeExecutionCommand, ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import type { JobService } from '@vodsr/api';
import { awsBackfillTarget, type BackfillTarget, runBackfill, serviceBackfillTarget } from '@vodsr/api';
import type { WorkflowInput } from '@vodsr/core';
import { EMPTY_THROUGHPUT, learnThroughput } from '@vodsr/core/cost';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, describe, expect, it } from 'vitest';

// 4 MB at the assumed 4 Mbit/s = 8 s of 720p30 = 240 frames
const OBJECTS = [
  { key: 'cat/a.mp4', size: 4_000_000, etag: '"e1"' },
  { key: 'cat/b.mp4', size: 4_000_000, etag: '"e2"' },
];
const CONFIG = { outputRoot: 's3://cat-out/', outputBucket: 'cat-out', packagingPreset: 'none' };

function target(learned?: BackfillTarget['learned']): BackfillTarget {
  return {
    startExecution: async () => 'started',
    statusOf: async () => undefined,
    ...(learned ? { learned } : {}),
  };
}

// A cell learned at 30 frames/s on the local host (two jobs of different lengths: no fixed overhead)
const LEARNED = [240, 480].reduce(
  (t, frames) =>
    learnThroughput(t, {
      model: 'A',
      instanceType: 'local',
      width: 1280,
      height: 720,
      frames,
      hostBusySeconds: frames / 30,
    }),
  EMPTY_THROUGHPUT,
);

const sfn = mockClient(SFNClient);
afterAll(() => sfn.restore());

describe('the backfill plan estimate', () => {
  it('uses the documented default without a learned table (4 GPU s a job at 60 frames/s)', async () => {
    const r = await runBackfill({
      objects: OBJECTS,
      options: { bucket: 'cat', config: CONFIG },
      target: target(),
      dryRun: true,
    });
    expect(r.estimate).toMatchObject({ jobs: 2, gpuSeconds: 8 });
    expect(r.estimate.assumptions[0]).toMatch(/not measured yet, default 60 frames\/s/);
  });

  it('uses what the local backend learned (its target’s learned(): host kind local)', async () => {
    const service = {
      backend: 'local',
      startExecution: async () => 'started',
      get: async () => {
        throw Object.assign(new Error('no'), { code: 'VODSR_JOB_NOT_FOUND' });
      },
      throughput: () => LEARNED,
    } as unknown as JobService;
    const t = serviceBackfillTarget(service);
    expect(await t.learned?.()).toEqual({ estimate: { throughputHost: 'local' }, throughput: LEARNED });
    const r = await runBackfill({
      objects: OBJECTS,
      options: { bucket: 'cat', config: CONFIG },
      target: t,
      dryRun: true,
    });
    // 240 frames at the learned 30 frames/s = 8 s a job
    expect(r.estimate).toMatchObject({ jobs: 2, gpuSeconds: 16 });
    expect(r.estimate.assumptions[0]).toMatch(
      /30 frames\/s per slot \+ 0 s per job, learned from 2 job\(s\)/,
    );
  });

  it('adds the quality step when the jobs measure quality (1 s sampled of 8 s, SR of the 640x360 copy × 2 passes)', async () => {
    const r = await runBackfill({
      objects: OBJECTS,
      options: { bucket: 'cat', config: { ...CONFIG, quality: true } },
      target: target(),
      dryRun: true,
    });
    // 4 s + 30 frames at the default 120 frames/s (≤ 480 lines) × 2 = 4.5 s a job
    expect(r.estimate).toMatchObject({ jobs: 2, gpuSeconds: 9 });
    expect(r.estimate.assumptions[0]).toContain(
      'quality step: 1 s sampled (30 frames), SR of the 640x360 copy',
    );
  });

  it('on AWS learns from the job state machine’s succeeded executions and prices MediaConvert items', async () => {
    // Prepare: two succeeded executions of model A on g6e.2xlarge: 10 s and 20 s of 720p30 in 6 s and 11 s
    const out = (seconds: number, busy: number) =>
      JSON.stringify({
        host: {
          ok: true,
          elapsedSeconds: busy,
          source: { width: 1280, height: 720, durationSeconds: seconds, fps: 30 },
        },
      });
    const SM = 'arn:aws:states:eu-west-1:111111111111:stateMachine:vodsr';
    const EX = 'arn:aws:states:eu-west-1:111111111111:execution:vodsr';
    const missing = Object.assign(new Error('ExecutionDoesNotExist'), { name: 'ExecutionDoesNotExist' });
    sfn
      .on(DescribeExecutionCommand)
      .rejects(missing)
      .on(ListExecutionsCommand)
      .resolves({
        executions: [
          {
            executionArn: `${EX}:e2`,
            stateMachineArn: SM,
            name: 'e2',
            status: 'SUCCEEDED',
            startDate: new Date(),
          },
          {
            executionArn: `${EX}:e1`,
            stateMachineArn: SM,
            name: 'e1',
            status: 'SUCCEEDED',
            startDate: new Date(),
          },
        ],
      })
      .on(DescribeExecutionCommand, { executionArn: `${EX}:e1` })
      .resolves({ input: JSON.stringify({ job: { model: 'A' } }), output: out(10, 6), status: 'SUCCEEDED' })
      .on(DescribeExecutionCommand, { executionArn: `${EX}:e2` })
      .resolves({ input: JSON.stringify({ job: { model: 'A' } }), output: out(20, 11), status: 'SUCCEEDED' });
    const t = await awsBackfillTarget(SM, {
      client: new SFNClient({ region: 'eu-west-1' }),
      learn: { instanceType: 'g6e.2xlarge', purchase: 'spot' },
    });
    // Act
    const r = await runBackfill({
      objects: OBJECTS,
      options: {
        bucket: 'cat',
        config: { ...CONFIG, packagingPreset: 'hls-single', packagingEngine: 'mediaconvert' },
      },
      target: t,
      dryRun: true,
    });
    // Assess: the line through (300, 6) and (600, 11): 1 s + 1/60 s a frame → 1 + 240/60 = 5 s a job
    expect(sfn.commandCalls(ListExecutionsCommand)).toHaveLength(1);
    expect(r.estimate.gpuSeconds).toBeCloseTo(10, 6);
    expect(r.estimate.assumptions[0]).toMatch(
      /A on g6e\.2xlarge at le720: 60 frames\/s per slot \+ 1 s per job, learned from 2 job\(s\)/,
    );
    expect(r.estimate.assumptions[0]).toContain('g6e.2xlarge spot');
    expect(r.estimate.usd.packaging).toBeGreaterThan(0); // MediaConvert bills each rendition
    expect(r.estimate.assumptions[0]).toContain('8 Step Functions transitions');
  });

  it('on AWS each started execution carries its own estimate ($.estimate), as the deployed backfill Lambda puts it', async () => {
    // Prepare: an AWS-like target that records what it starts; nothing learned (the documented default)
    const sent: WorkflowInput[] = [];
    const t: BackfillTarget = {
      backend: 'aws',
      startExecution: async (_name, input) => {
        sent.push(input);
        return 'started';
      },
      statusOf: async () => undefined,
    };
    // Act
    const r = await runBackfill({
      objects: OBJECTS,
      options: {
        bucket: 'cat',
        config: { ...CONFIG, packagingPreset: 'hls-single', packagingEngine: 'mediaconvert' },
      },
      target: t,
      wait: false,
      pollMs: 1,
    });
    // Assess: both items started, each with a size-based MediaConvert estimate that sums to the plan's
    expect(r.started).toHaveLength(2);
    expect(sent).toHaveLength(2);
    for (const input of sent) {
      expect(input.estimate?.assumptions[0]).toMatch(/^size-based guess/);
      expect(input.estimate?.assumptions[1]).toMatch(/media guessed from the object size \(4000000 bytes\)/);
      expect(input.estimate?.usd.packaging).toBeGreaterThan(0);
    }
    const total = sent.reduce((a, i) => a + (i.estimate?.gpuSeconds ?? 0), 0);
    expect(total).toBeCloseTo(r.estimate.gpuSeconds, 6);
  });
});

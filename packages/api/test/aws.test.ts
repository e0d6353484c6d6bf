import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { AwsJobService } from '@vodsr/api';
import { decodeHostJob, executionName, type WorkflowInput } from '@vodsr/core';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';

const SM = 'arn:aws:states:us-east-1:123456789012:stateMachine:vodsr';
const EXEC = 'arn:aws:states:us-east-1:123456789012:execution:vodsr';
const sfn = mockClient(SFNClient);
const s3 = mockClient(S3Client);

function service() {
  return new AwsJobService({
    stateMachineArn: SM,
    outputRoot: 's3://out-bucket/sr/',
    client: new SFNClient({ region: 'us-east-1' }),
    s3: new S3Client({ region: 'us-east-1' }),
  });
}

describe('AwsJobService', () => {
  beforeEach(() => {
    sfn.reset();
    s3.reset();
    // a 50 MB source: the size-based guess is 100 s at 1920x1080 (core's SIZE_GUESS)
    s3.on(HeadObjectCommand).resolves({ ContentLength: 50_000_000 });
  });

  it('starts an execution with the deterministic name and core workflow input; same key → same name', async () => {
    const name = executionName('in-bucket', 'movies/a b.mp4', 'upload-42');
    let input = '';
    sfn.on(StartExecutionCommand).callsFake((i: { input: string }) => {
      input = i.input;
      return { executionArn: `${EXEC}:${name}`, startDate: new Date() };
    });
    sfn.on(DescribeExecutionCommand).callsFake(() => ({
      executionArn: `${EXEC}:${name}`,
      name,
      status: 'RUNNING',
      startDate: new Date('2026-01-01T00:00:00Z'),
      input,
    }));
    sfn.on(GetExecutionHistoryCommand).resolves({
      events: [
        {
          id: 3,
          type: 'TaskStateEntered',
          timestamp: new Date(),
          stateEnteredEventDetails: { name: 'RunHost' },
        },
      ],
    });
    const jobs = service();
    const { job, created } = await jobs.submit(
      { source: 's3://in-bucket/movies/a b.mp4' },
      { idempotencyKey: 'upload-42' },
    );
    expect(created).toBe(true);
    expect(job).toMatchObject({
      id: name,
      backend: 'aws',
      status: 'upscaling',
      executionArn: `${EXEC}:${name}`,
    });
    const start = sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input;
    expect(start).toMatchObject({ stateMachineArn: SM, name });
    const wf = JSON.parse(start?.input as string) as WorkflowInput;
    expect(wf).toMatchObject({
      jobId: name,
      // no fixed host: AcquireHost places the job and RunHost reads $.placement.instanceId
      instanceId: 'local',
      srFile: 's3://out-bucket/sr/a b_sr_2x.mp4',
      packagingPreset: 'hls-single',
    });
    expect(wf.hlsDestination).toMatch(/^s3:\/\/out-bucket\/sr\/hls\/a_b_sr_2x\.mp4_[0-9a-f]{10}\/$/);
    expect(decodeHostJob(wf.hostJobB64)).toMatchObject({
      source: 's3://in-bucket/movies/a b.mp4',
      model: 'A',
    });

    await jobs.submit({ source: 's3://in-bucket/movies/a b.mp4' }, { idempotencyKey: 'upload-42' });
    expect(sfn.commandCalls(StartExecutionCommand)[1]?.args[0].input.name).toBe(name);
  });

  it('estimates the job from its source size before it runs (HeadObject), as the trigger does', async () => {
    let input = '';
    sfn.on(StartExecutionCommand).callsFake((i: { input: string }) => {
      input = i.input;
      return { executionArn: `${EXEC}:x`, startDate: new Date() };
    });
    sfn.on(DescribeExecutionCommand).callsFake(() => ({
      executionArn: `${EXEC}:x`,
      name: 'x',
      status: 'RUNNING',
      startDate: new Date(),
      input,
    }));
    sfn.on(GetExecutionHistoryCommand).resolves({ events: [] });
    const { job } = await service().submit({ source: 's3://in-bucket/movies/a b.mp4' });
    expect(s3.commandCalls(HeadObjectCommand)[0]?.args[0].input).toEqual({
      Bucket: 'in-bucket',
      Key: 'movies/a b.mp4',
    });
    const wf = JSON.parse(input) as WorkflowInput;
    // the trigger's own estimate (core's estimateInputFromSize): a size-based guess, and it says so first
    expect(wf.estimate?.assumptions[0]).toMatch(/^size-based guess/);
    expect(wf.estimate?.assumptions[1]).toMatch(/media guessed from the object size \(50000000 bytes\)/);
    expect(wf.estimate?.gpuSeconds).toBeGreaterThan(0);
    // the AWS default packages with MediaConvert: billed per output, 8 transitions on that path
    expect(wf.estimate?.usd.packaging).toBeGreaterThan(0);
    expect(wf.estimate?.assumptions.join('\n')).toMatch(/8 Step Functions transitions/);
    expect(job.cost?.estimate).toEqual(wf.estimate);

    // the host engine packages in the SR pass: $0 packaging
    await service().submit({ source: 's3://in-bucket/b.mp4', packaging: { engine: 'host' } });
    const host = JSON.parse(input) as WorkflowInput;
    expect(host.estimate?.usd.packaging).toBe(0);
    expect(host.estimate?.gpuSeconds).toBeCloseTo(wf.estimate?.gpuSeconds ?? Number.NaN, 6);
  });

  it('rejects a source object that does not exist, and starts without an estimate when HeadObject is denied', async () => {
    s3.on(HeadObjectCommand).rejects(
      Object.assign(new Error('NotFound'), { name: 'NotFound', $metadata: { httpStatusCode: 404 } }),
    );
    await expect(service().submit({ source: 's3://in-bucket/gone.mp4' })).rejects.toMatchObject({
      code: 'VODSR_VALIDATION',
      issues: [{ path: '/source', message: 'no such object: s3://in-bucket/gone.mp4' }],
    });
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);

    s3.on(HeadObjectCommand).rejects(
      Object.assign(new Error('Forbidden'), { name: '403', $metadata: { httpStatusCode: 403 } }),
    );
    let input = '';
    sfn.on(StartExecutionCommand).callsFake((i: { input: string }) => {
      input = i.input;
      return { executionArn: `${EXEC}:y`, startDate: new Date() };
    });
    sfn.on(DescribeExecutionCommand).callsFake(() => ({
      executionArn: `${EXEC}:y`,
      name: 'y',
      status: 'RUNNING',
      startDate: new Date(),
      input,
    }));
    sfn.on(GetExecutionHistoryCommand).resolves({ events: [] });
    await service().submit({ source: 's3://in-bucket/private.mp4' });
    expect((JSON.parse(input) as WorkflowInput).estimate).toBeNull();
  });

  it('maps ExecutionAlreadyExists (same key, other job) to VODSR_CONFLICT and rejects local sources', async () => {
    sfn
      .on(StartExecutionCommand)
      .rejects(Object.assign(new Error('exists'), { name: 'ExecutionAlreadyExists' }));
    const jobs = service();
    await expect(
      jobs.submit({ source: 's3://in-bucket/a.mp4', model: 'B' }, { idempotencyKey: 'k' }),
    ).rejects.toMatchObject({
      code: 'VODSR_CONFLICT',
    });
    await expect(jobs.submit({ source: '/tmp/a.mp4' })).rejects.toMatchObject({
      code: 'VODSR_VALIDATION',
      issues: [{ path: '/source', message: 'the AWS backend needs an s3:// source' }],
    });
    expect(() => new AwsJobService({ stateMachineArn: 'nope', outputRoot: 'x' })).toThrow(/stateMachineArn/);
  });

  it('maps finished executions to job records (outputs, coded errors, cancellation) and 404s', async () => {
    const wf = {
      jobId: 'a-1',
      job: { source: 's3://in/a.mp4', model: 'A', srName: 'a_sr_2x.mp4' },
      srFile: 's3://out/a_sr_2x.mp4',
      hlsDestination: 's3://out/hls/a_sr_2x.mp4/',
      packagingPreset: 'hls-single',
    };
    sfn
      .on(DescribeExecutionCommand, { executionArn: `${EXEC}:ok` })
      .resolves({
        name: 'ok',
        executionArn: `${EXEC}:ok`,
        status: 'SUCCEEDED',
        startDate: new Date('2026-01-01T00:00:00Z'),
        stopDate: new Date('2026-01-01T00:05:00Z'),
        input: JSON.stringify(wf),
        output: JSON.stringify({
          host: {
            encoder: 'h264_nvenc',
            sr: { width: 1280, height: 960, durationSeconds: 10, hasAudio: true },
          },
        }),
      })
      .on(DescribeExecutionCommand, { executionArn: `${EXEC}:bad` })
      .resolves({
        name: 'bad',
        status: 'FAILED',
        startDate: new Date(),
        stopDate: new Date(),
        input: JSON.stringify(wf),
        error: 'VODSR_HOST_MISSING_FILTER',
        cause: 'bdsr_coupang_aws is missing',
      })
      .on(DescribeExecutionCommand, { executionArn: `${EXEC}:gone` })
      .rejects(Object.assign(new Error('no'), { name: 'ExecutionDoesNotExist' }));
    const jobs = service();
    expect(await jobs.get('ok')).toMatchObject({
      status: 'succeeded',
      progress: { percent: 100 },
      finishedAt: '2026-01-01T00:05:00.000Z',
      outputs: {
        srFile: 's3://out/a_sr_2x.mp4',
        hlsDir: 's3://out/hls/a_sr_2x.mp4/',
        encoderUsed: 'h264_nvenc',
        sr: { width: 1280 },
      },
    });
    expect(await jobs.get('bad')).toMatchObject({
      status: 'failed',
      error: { code: 'VODSR_HOST_MISSING_FILTER', message: 'bdsr_coupang_aws is missing' },
    });
    await expect(jobs.get('gone')).rejects.toMatchObject({ code: 'VODSR_JOB_NOT_FOUND' });
    await expect(jobs.cancel('ok')).rejects.toMatchObject({ code: 'VODSR_ILLEGAL_TRANSITION' });
  });

  it('lists with the status filter and the cursor passed through, and cancels with StopExecution', async () => {
    const wf = JSON.stringify({
      job: { source: 's3://in/a.mp4', model: 'A' },
      srFile: 's3://o/a',
      hlsDestination: 's3://o/h/',
      packagingPreset: 'none',
    });
    sfn.on(ListExecutionsCommand).resolves({
      executions: [
        {
          name: 'r1',
          executionArn: `${EXEC}:r1`,
          stateMachineArn: SM,
          status: 'RUNNING',
          startDate: new Date(),
        },
      ],
      nextToken: 'tok-2',
    });
    sfn.on(DescribeExecutionCommand).resolves({
      name: 'r1',
      executionArn: `${EXEC}:r1`,
      status: 'RUNNING',
      startDate: new Date(),
      input: wf,
    });
    sfn.on(GetExecutionHistoryCommand).resolves({ events: [] });
    sfn.on(StopExecutionCommand).resolves({ stopDate: new Date() });
    const jobs = service();
    const page = await jobs.list({ status: ['running'], limit: 10, cursor: 'tok-1' });
    expect(page.nextCursor).toBe('tok-2');
    expect(page.jobs.map((j) => j.id)).toEqual(['r1']);
    expect(sfn.commandCalls(ListExecutionsCommand)[0]?.args[0].input).toEqual({
      stateMachineArn: SM,
      maxResults: 10,
      statusFilter: 'RUNNING',
      nextToken: 'tok-1',
    });
    await jobs.cancel('r1');
    expect(sfn.commandCalls(StopExecutionCommand)[0]?.args[0].input).toEqual({
      executionArn: `${EXEC}:r1`,
      error: 'VODSR_CANCELLED',
      cause: 'The job was cancelled',
    });
  });

  it('a succeeded execution carries cost.actual from its output, and the newest successes teach the throughput', async () => {
    // Prepare: two executions of the deployed workflow, as DescribeExecution answers them
    const input = (model: string) =>
      JSON.stringify({
        jobId: 'x',
        job: { source: 's3://in/a.mp4', model },
        srFile: 's3://out/a.mp4',
        packagingPreset: 'hls-single',
      });
    const output = (seconds: number, busy: number) =>
      JSON.stringify({
        attempt: { number: 1 },
        host: {
          ok: true,
          encoder: 'h264_nvenc',
          elapsedSeconds: busy,
          source: { width: 1920, height: 1080, durationSeconds: seconds, fps: 30, hasAudio: true },
          sr: { width: 3840, height: 2160, durationSeconds: seconds, hasAudio: true },
        },
        mediaconvert: {
          Job: {
            Status: 'COMPLETE',
            OutputGroupDetails: [
              {
                OutputDetails: [
                  { DurationInMs: seconds * 1000, VideoDetails: { WidthInPx: 3840, HeightInPx: 2160 } },
                ],
              },
            ],
          },
        },
      });
    const described = (name: string, seconds: number, busy: number, model = 'B') => ({
      name,
      executionArn: `${EXEC}:${name}`,
      status: 'SUCCEEDED' as const,
      startDate: new Date('2026-01-01T00:00:00Z'),
      stopDate: new Date('2026-01-01T00:05:00Z'),
      input: input(model),
      output: output(seconds, busy),
    });
    sfn
      .on(ListExecutionsCommand, { statusFilter: 'SUCCEEDED' })
      .resolves({
        executions: [
          {
            executionArn: `${EXEC}:e2`,
            stateMachineArn: SM,
            name: 'e2',
            status: 'SUCCEEDED',
            startDate: new Date(),
          },
          {
            executionArn: `${EXEC}:e1`,
            stateMachineArn: SM,
            name: 'e1',
            status: 'SUCCEEDED',
            startDate: new Date(),
          },
          {
            executionArn: `${EXEC}:e3`,
            stateMachineArn: SM,
            name: 'e3',
            status: 'SUCCEEDED',
            startDate: new Date(),
          },
        ],
      })
      .on(DescribeExecutionCommand, { executionArn: `${EXEC}:e1` })
      .resolves(described('e1', 60, 70)) // 5 s + 1800 frames / 27.7 fps
      .on(DescribeExecutionCommand, { executionArn: `${EXEC}:e2` })
      .resolves(described('e2', 120, 135))
      .on(DescribeExecutionCommand, { executionArn: `${EXEC}:e3` })
      .resolves({ ...described('e3', 10, 1), output: JSON.stringify({ host: { ok: true } }) });
    const jobs = new AwsJobService({
      stateMachineArn: SM,
      outputRoot: 's3://out-bucket/sr/',
      client: new SFNClient({ region: 'us-east-1' }),
      pricing: { instanceType: 'g6e.2xlarge', purchase: 'spot' },
    });
    // Act
    const rec = await jobs.get('e1');
    const learned = await jobs.throughput(10);
    // Assess: the actual by hand from core's price table
    const { DEFAULT_PRICE_TABLE, estimateJob } = await import('@vodsr/core/cost');
    const slot = (DEFAULT_PRICE_TABLE.instances['g6e.2xlarge']?.spotHourly ?? 0) / 3600;
    const uhd = DEFAULT_PRICE_TABLE.mediaconvert.perMinute.professional.uhd;
    expect(rec.cost?.actual?.gpuSeconds).toBe(70);
    expect(rec.cost?.actual?.usd.gpu).toBeCloseTo(70 * slot, 8);
    expect(rec.cost?.actual?.usd.packaging).toBeCloseTo(uhd, 8);
    expect(rec.cost?.actual?.assumptions[0]).toMatch(/host elapsedSeconds 70 s/);
    expect(learned.executions).toBe(3);
    expect(learned.observations.map((o) => o.hostBusySeconds)).toEqual([70, 135]);
    const cell = learned.table.entries['B|g6e.2xlarge|le1080'];
    expect(cell?.samples).toBe(2);
    expect(cell?.overheadSeconds).toBeCloseTo(5, 6);
    const e = estimateJob(
      { width: 1920, height: 1080, durationSeconds: 90, fps: 30 },
      'B',
      { instanceType: 'g6e.2xlarge' },
      DEFAULT_PRICE_TABLE,
      learned.table,
    );
    expect(e.throughput).toMatchObject({ basis: 'learned', samples: 2 });
    expect(e.gpuSeconds).toBeCloseTo(102.5, 3);
  });

  it('shows the estimate the entry point put in the execution input (running and succeeded), next to the actual', async () => {
    // Prepare: what the trigger starts, an execution input with its size-based estimate
    const { estimateFromSize } = await import('@vodsr/core/cost');
    const estimate = estimateFromSize(75_000_000, 'A', { packaging: 'host', transitions: 6 });
    const input = JSON.stringify({
      jobId: 'up1',
      job: { source: 's3://in/a.mp4', model: 'A' },
      srFile: 's3://out/a.mp4',
      packagingPreset: 'none',
      estimate,
    });
    const base = {
      executionArn: `${EXEC}:up1`,
      name: 'up1',
      startDate: new Date('2026-01-01T00:00:00Z'),
      input,
    };
    sfn
      .on(DescribeExecutionCommand)
      .resolvesOnce({ ...base, status: 'RUNNING' })
      .resolvesOnce({
        ...base,
        status: 'SUCCEEDED',
        stopDate: new Date('2026-01-01T00:03:00Z'),
        output: JSON.stringify({ attempt: { number: 1 }, host: { ok: true, elapsedSeconds: 80 } }),
      });
    sfn.on(GetExecutionHistoryCommand).resolves({ events: [] });
    // Act
    const running = await service().get('up1');
    const done = await service().get('up1');
    // Assess
    expect(running.status).toBe('running');
    expect(running.cost).toEqual({ estimate });
    expect(running.cost?.estimate?.assumptions[0]).toMatch(/^size-based guess/);
    expect(done.cost?.estimate).toEqual(estimate);
    expect(done.cost?.actual?.gpuSeconds).toBe(80);
  });

  it('a job started without an estimate has none on its record', async () => {
    sfn.on(DescribeExecutionCommand).resolves({
      executionArn: `${EXEC}:up2`,
      name: 'up2',
      status: 'RUNNING',
      startDate: new Date(),
      input: JSON.stringify({ jobId: 'up2', job: { source: 's3://in/b.mp4', model: 'A' }, estimate: null }),
    });
    sfn.on(GetExecutionHistoryCommand).resolves({ events: [] });
    expect((await service().get('up2')).cost).toBeUndefined();
  });
});

/**
 * The trigger and backfill Lambdas with packaging engine `host` (VODSR_PACKAGING_ENGINE): the execution input
 * carries the host's HLS plan (`HostJob.hls`), rendered by the presets' `hostHlsPlan` — the builder the local
 * backend and `vodsr dev` use — so the GPU host can package in its SR pass. Own file: each Lambda entry caches its
 * handler (and so its environment) per module instance.
 */
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { decodeHostJob, type WorkflowInput } from '@vodsr/core';
import { encodeS3EventKey } from '@vodsr/core/naming';
import { hostHlsPlan } from '@vodsr/mediaconvert-presets';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

const ARN = 'arn:aws:states:eu-west-1:111111111111:stateMachine:vodsr';
const sfn = mockClient(SFNClient);
const saved = { ...process.env };

function setEnv(engine: string | undefined): void {
  process.env.VODSR_STATE_MACHINE_ARN = ARN;
  process.env.VODSR_OUTPUT_ROOT = 's3://vodsr-out/';
  process.env.VODSR_INPUT_BUCKET = 'vodsr-in';
  process.env.VODSR_OUTPUT_BUCKET = 'vodsr-out';
  process.env.VODSR_MODEL = 'B';
  process.env.VODSR_PACKAGING_PRESET = 'hls-ladder';
  if (engine === undefined) delete process.env.VODSR_PACKAGING_ENGINE;
  else process.env.VODSR_PACKAGING_ENGINE = engine;
  process.env.AWS_REGION = 'eu-west-1';
}

const record = (key: string) => ({
  eventName: 'ObjectCreated:Put',
  s3: {
    bucket: { name: 'vodsr-in' },
    object: { key: encodeS3EventKey(key), size: 75_000_000, eTag: 'd41d8cd98f00b204e9800998ecf8427e' },
  },
});

beforeEach(() => {
  vi.resetModules();
  sfn.reset();
  sfn.on(StartExecutionCommand).resolves({ executionArn: `${ARN}:x`, startDate: new Date() });
});
afterEach(() => {
  process.env = { ...saved };
});

async function startedInput(engine: string | undefined): Promise<WorkflowInput> {
  setEnv(engine);
  const { triggerLambdaHandler } = await import('@vodsr/infra-cdk/trigger');
  const result = await triggerLambdaHandler({ Records: [record('shows/ep 1.mp4')] });
  expect(result.failed).toEqual([]);
  expect(result.started.map((s) => s.key)).toEqual(['shows/ep 1.mp4']);
  const call = sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input;
  return JSON.parse(call?.input as string) as WorkflowInput;
}

describe('the trigger Lambda with packaging engine host', () => {
  it('passes the host HLS plan the presets build, and the workflow input says host', async () => {
    const input = await startedInput('host');
    expect(input.packagingEngine).toBe('host');
    const job = decodeHostJob(input.hostJobB64);
    const srName = input.srFile.slice(input.srFile.lastIndexOf('/') + 1);
    expect(job.hls).toEqual(
      hostHlsPlan('hls-ladder', {
        destination: input.hlsDestination,
        srFileName: srName,
        segmentSeconds: 10,
      }),
    );
    expect(job.hls?.destination).toBe(input.hlsDestination);
    expect(job.hls?.preset).toBe('hls-ladder');
    expect(job.hls?.steps.length).toBeGreaterThan(1);
  });

  it('keeps MediaConvert (no plan in the host job) without the variable', async () => {
    const input = await startedInput(undefined);
    expect(input.packagingEngine).toBe('mediaconvert');
    expect(decodeHostJob(input.hostJobB64).hls).toBeUndefined();
  });

  it('refuses an unknown engine with VODSR_VALIDATION naming the setting', async () => {
    setEnv('elemental');
    const { triggerLambdaHandler } = await import('@vodsr/infra-cdk/trigger');
    await expect(triggerLambdaHandler({ Records: [record('a.mp4')] })).rejects.toMatchObject({
      code: 'VODSR_VALIDATION',
      issues: [{ path: '/packagingEngine', message: 'must be one of mediaconvert, host' }],
    });
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });
});

describe('the backfill item Lambda with packaging engine host', () => {
  it('submits the same plan as the trigger', async () => {
    setEnv('host');
    const { handler } = await import('../src/backfill/lambda.js');
    const d = await handler({
      bucket: 'vodsr-in',
      prefix: 'shows/',
      include: '',
      object: { key: 'shows/ep 1.mp4', size: 75_000_000, etag: '"d41d8cd98f00b204e9800998ecf8427e"' },
    } as never);
    expect(d.action).toBe('submit');
    const input = (d as { input: WorkflowInput }).input;
    expect(input.packagingEngine).toBe('host');
    expect(decodeHostJob(input.hostJobB64).hls?.preset).toBe('hls-ladder');
  });
});

import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { decodeHostJob, type WorkflowInput } from '@vodsr/core';
import { createTriggerHandler, type S3NotificationRecord } from '@vodsr/core/ingest';
import { encodeS3EventKey } from '@vodsr/core/naming';
import { createSfnStarter, TRIGGER_ENV, triggerLambdaHandler } from '@vodsr/infra-cdk/trigger';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const ARN = 'arn:aws:states:eu-west-1:111111111111:stateMachine:vodsr';
const CONFIG = {
  outputRoot: 's3://vodsr-out/results/',
  instanceId: 'i-0123456789abcdef0',
  inputBucket: 'vodsr-in',
  outputBucket: 'vodsr-out',
};

let seq = 0;
/** A record as S3 sends it: the key URL-encoded (`+` for space). */
function record(
  key: string,
  o: { bucket?: string; size?: number; sequencer?: string } = {},
): S3NotificationRecord {
  seq += 1;
  return {
    eventName: 'ObjectCreated:Put',
    s3: {
      bucket: { name: o.bucket ?? 'vodsr-in' },
      object: {
        key: encodeS3EventKey(key),
        size: o.size ?? 75_000_000,
        eTag: 'd41d8cd98f00b204e9800998ecf8427e',
        sequencer: o.sequencer ?? `0062E99A88DC40${String(seq).padStart(4, '0')}`,
      },
    },
  };
}

/** A mocked Step Functions that behaves like the real one about names: a second start of a name fails. */
const sfn = mockClient(SFNClient);
const executions = new Map<string, WorkflowInput>();
beforeEach(() => {
  executions.clear();
  sfn.reset();
  sfn.on(StartExecutionCommand).callsFake((i: { name: string; input: string; stateMachineArn: string }) => {
    if (executions.has(i.name)) {
      throw new ExecutionAlreadyExists({ message: `Execution Already Exists: '${i.name}'`, $metadata: {} });
    }
    executions.set(i.name, JSON.parse(i.input) as WorkflowInput);
    return {
      executionArn: `${i.stateMachineArn.replace(':stateMachine:', ':execution:')}:${i.name}`,
      startDate: new Date(),
    };
  });
});

function makeHandler(logs: Record<string, unknown>[] = []) {
  return createTriggerHandler({
    start: createSfnStarter(new SFNClient({ region: 'eu-west-1' }), ARN),
    config: CONFIG,
    log: (e) => logs.push(e),
  });
}

describe('createTriggerHandler', () => {
  it('starts one execution per record: 10 records → 10 executions', async () => {
    const records = Array.from({ length: 10 }, (_, i) => record(`batch/video-${i}.mp4`));
    const result = await makeHandler()({ Records: records });
    expect(result.started).toHaveLength(10);
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(10);
    expect(executions.size).toBe(10);
    const sources = [...executions.values()].map((i) => i.job.source).sort();
    expect(sources).toEqual(
      Array.from({ length: 10 }, (_, i) => `s3://vodsr-in/batch/video-${i}.mp4`).sort(),
    );
    for (const [name, input] of executions) {
      expect(name).toMatch(/^[A-Za-z0-9_-]{1,80}$/);
      expect(input.jobId).toBe(name);
      expect(input.instanceId).toBe('i-0123456789abcdef0');
      expect(input.srFile).toMatch(/^s3:\/\/vodsr-out\/results\/batch\/video-\d_sr_2x\.mp4$/);
    }
  });

  it('starts the same record only once, even when delivered twice (ExecutionAlreadyExists = done)', async () => {
    const r = record('movies/apink_10s.mp4');
    const handler = makeHandler();
    const first = await handler({ Records: [r] });
    const again = await handler({ Records: [r, r] });
    expect(first.started).toHaveLength(1);
    expect(again.started).toHaveLength(0);
    expect(again.existing).toHaveLength(2);
    expect(again.existing[0]?.name).toBe(first.started[0]?.name);
    expect(executions.size).toBe(1);
  });

  it('decodes keys with +, %2B, spaces and unicode exactly', async () => {
    const keys = ['my video+1.mp4', 'a+b c.MOV', '비디오/클립 1.Mp4', 'x;$(rm -rf ~)\'".mkv'];
    const result = await makeHandler()({ Records: keys.map((k) => record(k)) });
    expect(result.started.map((s) => s.key)).toEqual(keys);
    // What S3 sent for the first one: `+` for the space, %2B for the plus.
    expect(record('my video+1.mp4').s3.object.key).toBe('my+video%2B1.mp4');
    const byKey = new Map([...executions.values()].map((i) => [i.job.source, i]));
    for (const k of keys) {
      const input = byKey.get(`s3://vodsr-in/${k}`);
      expect(input, k).toBeDefined();
      expect(decodeHostJob(input?.hostJobB64 as string).source).toBe(`s3://vodsr-in/${k}`);
    }
    expect(byKey.get('s3://vodsr-in/비디오/클립 1.Mp4')?.srFile).toMatch(
      /^s3:\/\/vodsr-out\/results\/[A-Za-z0-9._-]+\/클립 1_sr_2x\.Mp4$/,
    );
  });

  it('ignores non-videos and output-bucket objects with a log line', async () => {
    const logs: Record<string, unknown>[] = [];
    const result = await makeHandler(logs)({
      Records: [
        record('notes/readme.txt'),
        record('results/apink_10s_sr_2x.mp4', { bucket: 'vodsr-out' }),
        record('hls/a/index.m3u8', { bucket: 'vodsr-out' }),
        record('other.mp4', { bucket: 'someone-else' }),
        record('ok.mp4'),
      ],
    });
    expect(result.started.map((s) => s.key)).toEqual(['ok.mp4']);
    expect(result.ignored.map((i) => [i.bucket, i.key])).toEqual([
      ['vodsr-in', 'notes/readme.txt'],
      ['vodsr-out', 'results/apink_10s_sr_2x.mp4'],
      ['vodsr-out', 'hls/a/index.m3u8'],
      ['someone-else', 'other.mp4'],
    ]);
    const msgs = logs.map((l) => l.msg);
    expect(msgs).toContain(
      'ignored s3://vodsr-in/notes/readme.txt: not a video suffix (.mp4, .m4v, .mov, .mkv, .webm, .avi, .ts, .mts, .m2ts, .mxf, .flv, .wmv, .mpg, .mpeg)',
    );
    expect(msgs).toContain(
      'ignored s3://vodsr-out/results/apink_10s_sr_2x.mp4: object is in the output bucket (results never start jobs)',
    );
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(1);
  });

  it('derives the SSM execution timeout from the object size', async () => {
    // 1.8 GB at ≥500 kbit/s is at most 28,800 s of video → 4 × 28,800 + 900 s.
    await makeHandler()({ Records: [record('long.mp4', { size: 1_800_000_000 })] });
    expect([...executions.values()][0]?.executionTimeout).toBe(String(28_800 * 4 + 900));
  });

  it('keeps going when one record fails, then fails the invocation so Lambda retries it', async () => {
    sfn.reset();
    let n = 0;
    sfn.on(StartExecutionCommand).callsFake(() => {
      n += 1;
      if (n === 1) throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
      return { executionArn: 'arn', startDate: new Date() };
    });
    const err = await makeHandler()({ Records: [record('a.mp4'), record('b.mp4')] }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'VODSR_AWS_ERROR' });
    expect((err as Error).message).toBe('1 of 2 record(s) failed: a.mp4 (VODSR_INTERNAL)');
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(2);
  });

  it('rejects a configuration whose input and output bucket are the same', () => {
    expect(() =>
      createTriggerHandler({
        start: async () => 'started',
        config: { ...CONFIG, inputBucket: 'vodsr-out', instanceId: 'bad' },
      }),
    ).toThrow(/instanceId: must be an EC2 instance id.*inputBucket: must differ from the output bucket/);
  });
});

describe('the trigger Lambda entry', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('reads its configuration from the environment and starts executions', async () => {
    process.env[TRIGGER_ENV.stateMachineArn] = ARN;
    process.env[TRIGGER_ENV.outputRoot] = 's3://vodsr-out/';
    process.env[TRIGGER_ENV.instanceId] = 'i-0123456789abcdef0';
    process.env[TRIGGER_ENV.inputBucket] = 'vodsr-in';
    process.env[TRIGGER_ENV.outputBucket] = 'vodsr-out';
    process.env[TRIGGER_ENV.model] = 'B';
    process.env[TRIGGER_ENV.videoSuffixes] = '.mp4,.mov';
    process.env.AWS_REGION = 'eu-west-1';
    const result = await triggerLambdaHandler({ Records: [record('x.MP4'), record('y.mkv')] });
    expect(result.started.map((s) => s.key)).toEqual(['x.MP4']);
    expect(result.ignored.map((s) => s.key)).toEqual(['y.mkv']);
    const call = sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input;
    expect(call?.stateMachineArn).toBe(ARN);
    const input = JSON.parse(call?.input as string) as WorkflowInput;
    expect(input.job.model).toBe('B');
    expect(decodeHostJob(input.hostJobB64).vf).toBe('bdsr_coupang_aws');
  });
});

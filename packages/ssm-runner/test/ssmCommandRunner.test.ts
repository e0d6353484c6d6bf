import {
  CancelCommandCommand,
  GetCommandInvocationCommand,
  InvocationDoesNotExist,
  SendCommandCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import {
  buildHostJob,
  decodeHostJob,
  encodeHostJob,
  type HostProgressEvent,
  parseJobSpec,
  VodsrError,
} from '@vodsr/core';
import { hostCommand } from '@vodsr/host-scripts';
import { SsmCommandRunner } from '@vodsr/ssm-runner';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';

const ssm = mockClient(SSMClient);
const INSTANCE = 'i-0123456789abcdef0';
const hostJob = buildHostJob(
  parseJobSpec({ source: "s3://in-bucket/a;$(reboot) 'x'.mp4", model: 'lanczos-x2' }),
  {
    jobId: 'job-42',
    output: 's3://out-bucket/a_sr_2x.mp4',
  },
);
const job = encodeHostJob(hostJob);
const media = { width: 160, height: 120, durationSeconds: 1, hasAudio: true };
const okResult = {
  event: 'result',
  ok: true,
  jobId: 'job-42',
  output: 's3://out-bucket/a_sr_2x.mp4',
  source: media,
  sr: { ...media, width: 320, height: 240 },
  encoder: 'h264_nvenc',
  elapsedSeconds: 3.2,
};
const progress = (percent: number) => JSON.stringify({ event: 'progress', stage: 'upscale', percent });
const stdout = (...lines: unknown[]) =>
  `${lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n')}\n`;

let sleeps: number[];
function runner(extra: Partial<ConstructorParameters<typeof SsmCommandRunner>[0]> = {}) {
  return new SsmCommandRunner({
    client: new SSMClient({ region: 'us-east-1' }),
    instanceId: INSTANCE,
    pollIntervalMs: 1000,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0.5,
    ...extra,
  });
}

async function rejection(p: Promise<unknown>): Promise<VodsrError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(VodsrError);
    return e as VodsrError;
  }
  throw new Error('expected a rejection');
}

beforeEach(() => {
  ssm.reset();
  sleeps = [];
  ssm.on(SendCommandCommand).resolves({ Command: { CommandId: 'cmd-1' } });
});

describe('SsmCommandRunner', () => {
  it('sends the job as base64 with a duration-derived executionTimeout and CloudWatch output', async () => {
    ssm
      .on(GetCommandInvocationCommand)
      .resolves({ Status: 'Success', ResponseCode: 0, StandardOutputContent: stdout(okResult) });
    await runner({ cloudWatchLogGroup: '/vodsr/host' }).run(job, { durationSeconds: 3600 });

    const send = ssm.commandCalls(SendCommandCommand)[0]?.args[0].input;
    expect(send).toMatchObject({
      DocumentName: 'AWS-RunShellScript',
      InstanceIds: [INSTANCE],
      TimeoutSeconds: 600,
      CloudWatchOutputConfig: { CloudWatchOutputEnabled: true, CloudWatchLogGroupName: '/vodsr/host' },
      Parameters: { commands: hostCommand(job), executionTimeout: ['15300'] },
    });
    const command = send?.Parameters?.commands?.[0] ?? '';
    expect(command).not.toContain('reboot');
    expect(command.split(' ')[3]).toBe(`--job-b64=${job}`);
    expect(decodeHostJob(job)).toEqual(hostJob);
  });

  it('caps executionTimeout at 48 h and defaults it to 1 h', async () => {
    ssm
      .on(GetCommandInvocationCommand)
      .resolves({ Status: 'Success', ResponseCode: 0, StandardOutputContent: stdout(okResult) });
    await runner().run(job, { durationSeconds: 200_000 });
    await runner().run(job);
    const timeouts = ssm
      .commandCalls(SendCommandCommand)
      .map((c) => c.args[0].input.Parameters?.executionTimeout);
    expect(timeouts).toEqual([['172800'], ['3600']]);
  });

  it('waits through Pending, InProgress, Delayed and Cancelling-free progress, then returns the typed result', async () => {
    ssm
      .on(GetCommandInvocationCommand)
      .resolvesOnce({ Status: 'Pending', StatusDetails: 'Pending' })
      .resolvesOnce({
        Status: 'InProgress',
        StatusDetails: 'InProgress',
        StandardOutputContent: stdout(progress(10)),
      })
      .resolvesOnce({
        Status: 'Delayed',
        StatusDetails: 'Delayed',
        StandardOutputContent: stdout(progress(10)),
      })
      .resolvesOnce({ Status: 'InProgress', StandardOutputContent: stdout(progress(10), progress(60)) })
      .resolves({
        Status: 'Success',
        StatusDetails: 'Success',
        ResponseCode: 0,
        StandardOutputContent: stdout(progress(10), progress(60), progress(100), okResult),
      });
    const seen: HostProgressEvent[] = [];
    const result = await runner().run(job, { onProgress: (p) => seen.push(p) });
    expect(result).toEqual(okResult);
    expect(seen.map((p) => p.percent)).toEqual([10, 60, 100]);
    expect(ssm.commandCalls(GetCommandInvocationCommand)).toHaveLength(5);
    expect(ssm.commandCalls(GetCommandInvocationCommand)[0]?.args[0].input).toEqual({
      CommandId: 'cmd-1',
      InstanceId: INSTANCE,
    });
    expect(sleeps).toEqual([1000, 1000, 1000, 1000, 1000]);
  });

  it('retries InvocationDoesNotExist right after SendCommand', async () => {
    const missing = new InvocationDoesNotExist({ message: 'no invocation', $metadata: {} });
    ssm
      .on(GetCommandInvocationCommand)
      .rejectsOnce(missing)
      .rejectsOnce(missing)
      .resolves({ Status: 'Success', ResponseCode: 0, StandardOutputContent: stdout(okResult) });
    expect(await runner().run(job)).toEqual(okResult);
    expect(ssm.commandCalls(GetCommandInvocationCommand)).toHaveLength(3);
  });

  it('gives up with VODSR_SSM_UNDELIVERABLE when the invocation never appears', async () => {
    ssm
      .on(GetCommandInvocationCommand)
      .rejects(new InvocationDoesNotExist({ message: 'no invocation', $metadata: {} }));
    const e = await rejection(runner({ invocationGraceMs: 5000 }).run(job));
    expect(e.code).toBe('VODSR_SSM_UNDELIVERABLE');
    expect(ssm.commandCalls(GetCommandInvocationCommand)).toHaveLength(5);
  });

  it('retries throttling with exponential backoff and jitter, on SendCommand and on polling', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), {
      name: 'ThrottlingException',
      $metadata: { httpStatusCode: 400 },
    });
    ssm
      .on(SendCommandCommand)
      .rejectsOnce(throttled)
      .rejectsOnce(throttled)
      .resolves({ Command: { CommandId: 'cmd-1' } });
    ssm
      .on(GetCommandInvocationCommand)
      .rejectsOnce(throttled)
      .resolves({ Status: 'Success', ResponseCode: 0, StandardOutputContent: stdout(okResult) });
    const r = runner({ random: () => 0.5 });
    expect(await r.run(job)).toEqual(okResult);
    // 500·2^n·0.5 + 50: 300, 550 for SendCommand; then the poll interval, then 300 before retrying the throttled poll.
    expect(sleeps).toEqual([300, 550, 1000, 300]);
  });

  it('stops retrying throttling after maxThrottleRetries with VODSR_AWS_ERROR', async () => {
    ssm
      .on(SendCommandCommand)
      .rejects(Object.assign(new Error('slow down'), { name: 'ThrottlingException' }));
    const e = await rejection(runner({ maxThrottleRetries: 2 }).run(job));
    expect(e.code).toBe('VODSR_AWS_ERROR');
    expect(ssm.commandCalls(SendCommandCommand)).toHaveLength(3);
  });

  it('Failed with a host result: rejects with the host code and exit code', async () => {
    const failure = {
      event: 'result',
      ok: false,
      jobId: 'job-42',
      code: 'VODSR_HOST_FETCH_FAILED',
      message: 'no such key',
      exitCode: 6,
    };
    ssm.on(GetCommandInvocationCommand).resolves({
      Status: 'Failed',
      StatusDetails: 'Failed',
      ResponseCode: 6,
      StandardOutputContent: stdout(failure),
    });
    const e = await rejection(runner().run(job));
    expect(e.code).toBe('VODSR_HOST_FETCH_FAILED');
    expect(e.message).toBe('no such key');
    expect(e.details).toMatchObject({ exitCode: 6, commandId: 'cmd-1', status: 'Failed' });
  });

  it('Failed without output: the exit code names the host error', async () => {
    ssm
      .on(GetCommandInvocationCommand)
      .resolves({ Status: 'Failed', StatusDetails: 'Failed', ResponseCode: 8 });
    expect((await rejection(runner().run(job))).code).toBe('VODSR_HOST_FFMPEG_FAILED');
  });

  it('Failed as Undeliverable or with no exit code: SSM codes', async () => {
    ssm
      .on(GetCommandInvocationCommand)
      .resolves({ Status: 'Failed', StatusDetails: 'Undeliverable', ResponseCode: -1 });
    expect((await rejection(runner().run(job))).code).toBe('VODSR_SSM_UNDELIVERABLE');
    ssm
      .on(GetCommandInvocationCommand)
      .resolves({ Status: 'Failed', StatusDetails: 'Terminated', ResponseCode: -1 });
    expect((await rejection(runner().run(job))).code).toBe('VODSR_SSM_COMMAND_FAILED');
  });

  it('TimedOut: VODSR_SSM_COMMAND_TIMED_OUT with StatusDetails (delivery timeouts are undeliverable)', async () => {
    ssm
      .on(GetCommandInvocationCommand)
      .resolves({ Status: 'TimedOut', StatusDetails: 'Execution Timed Out' });
    const e = await rejection(runner().run(job, { durationSeconds: 60 }));
    expect(e.code).toBe('VODSR_SSM_COMMAND_TIMED_OUT');
    expect(e.details).toMatchObject({ statusDetails: 'Execution Timed Out', executionTimeout: 3600 });
    ssm.on(GetCommandInvocationCommand).resolves({ Status: 'TimedOut', StatusDetails: 'Delivery Timed Out' });
    expect((await rejection(runner().run(job))).code).toBe('VODSR_SSM_UNDELIVERABLE');
  });

  it('Cancelling then Cancelled (by someone else): VODSR_SSM_COMMAND_CANCELLED', async () => {
    ssm
      .on(GetCommandInvocationCommand)
      .resolvesOnce({ Status: 'InProgress' })
      .resolvesOnce({ Status: 'Cancelling', StatusDetails: 'Cancelling' })
      .resolves({ Status: 'Cancelled', StatusDetails: 'Cancelled' });
    const e = await rejection(runner().run(job));
    expect(e.code).toBe('VODSR_SSM_COMMAND_CANCELLED');
    expect(ssm.commandCalls(GetCommandInvocationCommand)).toHaveLength(3);
  });

  it('Success without a result line (stdout truncated): points at CloudWatch', async () => {
    ssm.on(GetCommandInvocationCommand).resolves({
      Status: 'Success',
      ResponseCode: 0,
      StandardOutputContent: `${progress(1)}\n${'x'.repeat(100)}\n--output truncated--`,
    });
    const e = await rejection(runner({ cloudWatchLogGroup: '/vodsr/host' }).run(job));
    expect(e.code).toBe('VODSR_HOST_FAILED');
    expect(e.message).toContain('/vodsr/host');
  });

  it('cancels the command when the signal aborts, and rejects with VODSR_CANCELLED', async () => {
    const ac = new AbortController();
    let polls = 0;
    ssm.on(GetCommandInvocationCommand).callsFake(() => {
      polls += 1;
      if (polls === 2) ac.abort();
      return { Status: 'InProgress' };
    });
    ssm.on(CancelCommandCommand).resolves({});
    const e = await rejection(runner().run(job, { signal: ac.signal }));
    expect(e.code).toBe('VODSR_CANCELLED');
    expect(ssm.commandCalls(CancelCommandCommand).map((c) => c.args[0].input)).toEqual([
      { CommandId: 'cmd-1', InstanceIds: [INSTANCE] },
    ]);
  });

  it('an already aborted signal sends nothing', async () => {
    const e = await rejection(runner().run(job, { signal: AbortSignal.abort() }));
    expect(e.code).toBe('VODSR_CANCELLED');
    expect(ssm.commandCalls(SendCommandCommand)).toHaveLength(0);
  });

  it('refuses an invalid instance id', () => {
    expect(() => runner({ instanceId: 'i-1; reboot' })).toThrow(/Invalid instance id/);
  });
});

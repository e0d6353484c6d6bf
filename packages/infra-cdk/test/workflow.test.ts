import {
  buildWorkflowDefinition,
  decodeHostJob,
  type MediaInfo,
  parseJobSpec,
  prepareJob,
  type WorkflowInput,
} from '@vodsr/core';
import { estimateJob } from '@vodsr/core/cost';
import type { QualityFigures } from '@vodsr/core/job';
import { WORKFLOW_STATES as S, WORKFLOW_DETAIL_TYPES } from '@vodsr/core/workflow';
import { createCommandStatusHandler } from '@vodsr/infra-cdk';
import { createPlanPackagingHandler } from '@vodsr/mediaconvert-presets';
import aslValidator from 'asl-validator';
import { describe, expect, it } from 'vitest';
import { type Handler, runLocal, stateError } from './support/localSfn.js';

const ROLE = 'arn:aws:iam::111111111111:role/vodsr-mediaconvert';
const TOKEN = 'AAAAKgAAAAIAAAAAAAAAAfake+task/token==';
const definition = buildWorkflowDefinition({ mediaConvertRoleArn: ROLE, heartbeatSeconds: 300 });

const SOURCE: MediaInfo = { width: 640, height: 480, durationSeconds: 10, fps: 25, hasAudio: true };
const SR: MediaInfo = { ...SOURCE, width: 1280, height: 960, videoCodec: 'h264' };

function inputFor(preset = 'hls-single'): WorkflowInput {
  const job = parseJobSpec({ source: 's3://vodsr-in/movies/apink 10s.mp4', packaging: { preset } });
  return prepareJob(job, {
    jobId: 'apink_10s-0123',
    outputRoot: 's3://vodsr-out/',
    instanceId: 'i-0123456789abcdef0',
    durationSeconds: 10,
  });
}

interface Recorded {
  acquired?: Record<string, unknown>[];
  host?: Record<string, unknown>;
  packaged?: Record<string, unknown>;
  events: Record<string, unknown>[];
}

/** Local task handlers: the host answers with its result JSON, the planner is the real Lambda logic. */
function handlers(rec: Recorded, over: Partial<Record<string, Handler>> = {}, sr: MediaInfo = SR) {
  const planner = createPlanPackagingHandler();
  const place = (i: unknown) => {
    rec.acquired = [...(rec.acquired ?? []), i as Record<string, unknown>];
    return { instanceId: 'i-0123456789abcdef0', slot: 0, lease: 'lease-0001' };
  };
  const base: Record<string, Handler> = {
    [S.acquireHost]: place,
    [S.acquireBulkHost]: place,
    [S.runHost]: (i) => {
      rec.host = i as Record<string, unknown>;
      const input = i as { Parameters: { jobB64: string[] } };
      const job = decodeHostJob(input.Parameters.jobB64[0] as string);
      return {
        event: 'result',
        ok: true,
        jobId: job.jobId,
        output: job.output,
        source: SOURCE,
        sr,
        encoder: 'h264_nvenc',
        elapsedSeconds: 12,
      };
    },
    [S.planPackaging]: async (i) => ({ Payload: await planner((i as { Payload: never }).Payload) }),
    [S.package]: (i) => {
      rec.packaged = i as Record<string, unknown>;
      return { Job: { Id: '1700000000000-abcdef', Status: 'COMPLETE' } };
    },
    [S.notifySuccess]: (i) => {
      rec.events.push(i as Record<string, unknown>);
      return { Entries: [{ EventId: 'e1' }], FailedEntryCount: 0 };
    },
    [S.notifyFailure]: (i) => {
      rec.events.push(i as Record<string, unknown>);
      return { Entries: [{ EventId: 'e2' }], FailedEntryCount: 0 };
    },
  };
  return { ...base, ...over } as Record<string, Handler>;
}

function entry(rec: Recorded): { DetailType: string; Source: string; Detail: Record<string, unknown> } {
  const e = rec.events[0] as {
    Entries: { DetailType: string; Source: string; Detail: Record<string, unknown> }[];
  };
  return e.Entries[0] as never;
}

describe('the vodsr workflow definition', () => {
  it('is valid ASL (asl-validator) and has no Wait state', () => {
    const r = aslValidator(structuredClone(definition));
    expect(r.errors).toEqual([]);
    expect(r.isValid).toBe(true);
    const types = Object.values(definition.States as Record<string, { Type: string }>).map((s) => s.Type);
    expect(types).not.toContain('Wait');
  });

  it('is valid ASL with its defaults too: the definition the local backend runs unvalidated', () => {
    // The local executor skips aws-local-stepfunctions' own validation (≈0.5 s of CPU per job): this is that check.
    const r = aslValidator(structuredClone(buildWorkflowDefinition()), {
      checkArn: false,
      checkPaths: false,
    });
    expect(r.errors).toEqual([]);
    expect(r.isValid).toBe(true);
  });
});

describe('the vodsr workflow, executed with aws-local-stepfunctions', () => {
  it('succeeds: host → plan → MediaConvert → success event, with the job and token passed as data', async () => {
    const rec: Recorded = { events: [] };
    const input = inputFor();
    const run = await runLocal(definition, input, handlers(rec), { taskToken: TOKEN });

    expect(run.status).toBe('SUCCEEDED');
    expect(run.path).toEqual([
      S.queueJob,
      S.acquireHost,
      S.runHost,
      S.skipPackaging,
      S.planPackaging,
      S.package,
      S.notifySuccess,
      S.succeeded,
    ]);
    // RunHost: our document, the instance, the base64 job and the base64 task token; nothing else.
    expect(rec.host).toEqual({
      DocumentName: 'vodsr-RunHostJob',
      InstanceIds: ['i-0123456789abcdef0'],
      TimeoutSeconds: 150, // SSM delivery timeout: half the 300 s heartbeat, so SSM's own timeout reports first
      Comment: 'vodsr host job',
      Parameters: {
        jobB64: [input.hostJobB64],
        taskTokenB64: [Buffer.from(TOKEN, 'utf8').toString('base64')],
        executionTimeout: ['3600'],
        slot: ['0'],
        lease: ['lease-0001'],
      },
    });
    // AcquireHost: the interactive queue, a message with the job id, the task token and the attempt.
    expect(rec.acquired?.[0]).toEqual({
      QueueUrl: 'https://sqs.local.invalid/000000000000/vodsr-interactive',
      MessageBody: { v: 1, jobId: 'apink_10s-0123', taskToken: TOKEN, priority: 'interactive', attempt: 1 },
    });
    // Package: the planner's Settings built from the probed SR file, our role, the job id as metadata.
    const pk = rec.packaged as {
      Role: string;
      Settings: Record<string, unknown>;
      UserMetadata: Record<string, string>;
    };
    expect(pk.Role).toBe(ROLE);
    expect(pk.UserMetadata).toMatchObject({ jobId: 'apink_10s-0123', vodsrPreset: 'hls-single' });
    const settings = JSON.stringify(pk.Settings);
    expect(settings).toContain('"FileInput":"s3://vodsr-out/apink 10s_sr_2x.mp4"');
    expect(settings).toContain(`"Destination":"${input.hlsDestination}"`);
    expect(settings).toContain('AudioDescriptions');
    // The success event carries the job id, the SR file and the host's probe.
    const ev = entry(rec);
    expect(ev.Source).toBe('vodsr');
    expect(ev.DetailType).toBe(WORKFLOW_DETAIL_TYPES.succeeded);
    expect(ev.Detail).toMatchObject({
      jobId: 'apink_10s-0123',
      status: 'succeeded',
      srFile: input.srFile,
      hlsDestination: input.hlsDestination,
      host: { ok: true, sr: { width: 1280, height: 960 } },
    });
    expect(run.output).toMatchObject({
      jobId: 'apink_10s-0123',
      host: { encoder: 'h264_nvenc' },
      mediaconvert: { Job: { Id: '1700000000000-abcdef' } },
    });
  });

  it('packages a source without audio with no audio outputs', async () => {
    const rec: Recorded = { events: [] };
    const noAudio: MediaInfo = { width: 1280, height: 960, durationSeconds: 10, fps: 25, hasAudio: false };
    const run = await runLocal(definition, inputFor(), handlers(rec, {}, noAudio));
    expect(run.status).toBe('SUCCEEDED');
    const settings = JSON.stringify((rec.packaged as { Settings: unknown }).Settings);
    expect(settings).toContain('"Codec":"H_264"');
    expect(settings).not.toContain('AudioDescriptions');
    expect(settings).not.toContain('"Codec":"AAC"');
  });

  it('skips MediaConvert for the preset none', async () => {
    const rec: Recorded = { events: [] };
    const run = await runLocal(definition, inputFor('none'), handlers(rec));
    expect(run.status).toBe('SUCCEEDED');
    expect(run.path).toEqual([
      S.queueJob,
      S.acquireHost,
      S.runHost,
      S.skipPackaging,
      S.notifySuccess,
      S.succeeded,
    ]);
    expect(rec.packaged).toBeUndefined();
  });

  it('fails with the coded host error and its cause, and emits a failure event', async () => {
    const rec: Recorded = { events: [] };
    const run = await runLocal(
      definition,
      inputFor(),
      handlers(rec, {
        [S.runHost]: () => {
          throw stateError(
            'VODSR_HOST_FFMPEG_FAILED',
            'ffmpeg exited with 1: Invalid data found when processing input',
          );
        },
      }),
    );
    expect(run).toMatchObject({
      status: 'FAILED',
      error: 'VODSR_HOST_FFMPEG_FAILED',
      cause: 'ffmpeg exited with 1: Invalid data found when processing input',
    });
    expect(run.path).toEqual([S.queueJob, S.acquireHost, S.runHost, S.notifyFailure, S.failed]);
    expect(rec.packaged).toBeUndefined();
    const ev = entry(rec);
    expect(ev.DetailType).toBe(WORKFLOW_DETAIL_TYPES.failed);
    expect(ev.Detail).toEqual({
      jobId: 'apink_10s-0123',
      status: 'failed',
      error: {
        Error: 'VODSR_HOST_FFMPEG_FAILED',
        Cause: 'ffmpeg exited with 1: Invalid data found when processing input',
      },
      estimate: null, // the entry point made none
    });
  });

  it('the completion events carry the estimate, the host busy seconds and the quality figures', async () => {
    // Prepare: an input with its estimate (as the local service stores it), a host that measured quality
    const job = parseJobSpec({ source: 's3://vodsr-in/movies/apink 10s.mp4', quality: true });
    const estimate = estimateJob(SOURCE, job.model, { packaging: 'mediaconvert' });
    const input = prepareJob(job, {
      jobId: 'apink_10s-0123',
      outputRoot: 's3://vodsr-out/',
      instanceId: 'i-0123456789abcdef0',
      durationSeconds: 10,
      estimate,
    });
    const quality: QualityFigures = {
      sr: { psnr: 34.1, ssim: 0.93 },
      bicubic: { psnr: 31.8, ssim: 0.89 },
      gainDb: 2.3,
      windows: 3,
      windowSeconds: 2,
      scale: 2,
      seconds: 4.2,
    };
    const rec: Recorded = { events: [] };
    const base = handlers(rec);
    const withQuality: Handler = async (i) => ({ ...((await base[S.runHost]?.(i)) as object), quality });

    // Act
    const run = await runLocal(definition, input, { ...base, [S.runHost]: withQuality });
    const failedRec: Recorded = { events: [] };
    const failed = await runLocal(
      definition,
      input,
      handlers(failedRec, {
        [S.runHost]: () => {
          throw stateError('VODSR_HOST_FFMPEG_FAILED', 'ffmpeg exited with 1');
        },
      }),
    );

    // Assess: the success event, built by the definition's NotifySuccess state
    expect(run.status).toBe('SUCCEEDED');
    const detail = entry(rec).Detail as {
      estimate: unknown;
      host: { elapsedSeconds: number; quality: unknown };
    };
    expect(detail.estimate).toEqual(JSON.parse(JSON.stringify(estimate)));
    expect((detail.estimate as { assumptions: string[] }).assumptions.length).toBeGreaterThan(0);
    expect(detail.host.elapsedSeconds).toBe(12); // what cost.actual is computed from (the GPU slot's busy time)
    expect(detail.host.quality).toEqual(quality);
    // the failure event: what the failed job was estimated to cost, next to its error
    expect(failed.status).toBe('FAILED');
    expect(entry(failedRec).Detail).toMatchObject({
      status: 'failed',
      error: { Error: 'VODSR_HOST_FFMPEG_FAILED' },
      estimate: { gpuSeconds: estimate.gpuSeconds, pricesDate: estimate.pricesDate },
    });
  });

  it('fails with States.HeartbeatTimeout and a readable cause when the host goes silent', async () => {
    const rec: Recorded = { events: [] };
    const run = await runLocal(
      definition,
      inputFor(),
      handlers(rec, {
        [S.runHost]: () => {
          throw stateError('States.HeartbeatTimeout', '');
        },
      }),
    );
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('States.HeartbeatTimeout');
    expect(run.cause).toBe(
      'The job lost its host on all 3 attempts; the last time: The host sent no heartbeat for 300 s: the host or its SSM agent died or hangs',
    );
    // each lost host sends the job back to the queue, where another host takes it (attempts 1, 2, 3); a silent
    // host is counted in HostHeartbeatTimeout itself: the same 5 transitions as any other loss
    const lost = [S.queueJob, S.acquireHost, S.runHost, S.hostHeartbeatTimeout, S.canRetryHost];
    expect(run.path).toEqual([...lost, ...lost, ...lost, S.hostLostFailed, S.notifyFailure, S.failed]);
    expect(
      (rec.acquired ?? []).map((m) => (m as { MessageBody: { attempt: number } }).MessageBody.attempt),
    ).toEqual([1, 2, 3]);
    expect(entry(rec).Detail).toMatchObject({ error: { Error: 'States.HeartbeatTimeout' } });
  });

  it('fails with VODSR_SSM_COMMAND_TIMED_OUT when the SSM status event fires for a dead host', async () => {
    // The waiting host task is released only by SendTaskFailure, sent by the dead-host handler
    // (the EventBridge rule's Lambda) from the command's own taskTokenB64 parameter.
    const rec: Recorded = { events: [] };
    const waiting = new Map<string, (e: Error) => void>();
    let params: Record<string, string[]> | undefined;
    let hostStarted!: () => void;
    const started = new Promise<void>((r) => {
      hostStarted = r;
    });
    const deadHost = createCommandStatusHandler({
      documentName: 'vodsr-RunHostJob',
      getCommandParameters: async () => params,
      sendTaskFailure: async (token, error, cause) => {
        const reject = waiting.get(token);
        if (!reject) throw stateError('TaskDoesNotExist', 'no such task');
        reject(stateError(error, cause));
      },
      log: () => undefined,
    });
    const runP = runLocal(
      definition,
      inputFor(),
      handlers(rec, {
        [S.runHost]: (i) => {
          params = (i as { Parameters: Record<string, string[]> }).Parameters;
          return new Promise((_resolve, reject) => {
            waiting.set(TOKEN, reject);
            hostStarted();
          });
        },
      }),
      { taskToken: TOKEN },
    );
    await started;
    const outcome = await deadHost({
      'detail-type': 'EC2 Command Status-change Notification',
      detail: {
        'command-id': '0b5c8a1e-1111-2222-3333-444455556666',
        'document-name': 'vodsr-RunHostJob',
        status: 'TimedOut',
      },
    });
    const run = await runP;
    expect(outcome).toEqual({
      action: 'failed-task',
      code: 'VODSR_SSM_COMMAND_TIMED_OUT',
      commandId: '0b5c8a1e-1111-2222-3333-444455556666',
    });
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('VODSR_SSM_COMMAND_TIMED_OUT');
    expect(run.cause).toBe(
      'SSM command 0b5c8a1e-1111-2222-3333-444455556666 ended TimedOut before the host reported a result',
    );
    expect(run.path).toEqual([S.queueJob, S.acquireHost, S.runHost, S.notifyFailure, S.failed]);
  });

  it('fails with VODSR_PACKAGING_FAILED naming the MediaConvert error', async () => {
    const rec: Recorded = { events: [] };
    const run = await runLocal(
      definition,
      inputFor(),
      handlers(rec, {
        [S.package]: () => {
          throw stateError(
            'MediaConvert.JobFailed',
            '{"errorCode":1030,"errorMessage":"Video codec [unknown] is not supported"}',
          );
        },
      }),
    );
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('VODSR_PACKAGING_FAILED');
    // The cause is `States.JsonToString($.error)`; aws-local-stepfunctions does not re-escape nested JSON strings
    // (AWS does), so assert on its content rather than parse it.
    expect(run.cause).toMatch(/^MediaConvert failed: \{"Error":"MediaConvert.JobFailed","Cause":/);
    expect(run.cause).toContain('Video codec [unknown] is not supported');
    expect(run.path).toEqual([
      S.queueJob,
      S.acquireHost,
      S.runHost,
      S.skipPackaging,
      S.planPackaging,
      S.package,
      S.packagingFailed,
      S.notifyFailure,
      S.failed,
    ]);
  });

  it('fails with the planner error code for an unknown preset', async () => {
    const rec: Recorded = { events: [] };
    const run = await runLocal(definition, inputFor('hls-nope'), handlers(rec));
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('VODSR_UNKNOWN_PRESET');
    expect(run.cause).toMatch(/hls-nope/);
  });

  it('still ends in JobFailed with the job error when the failure event cannot be sent', async () => {
    const rec: Recorded = { events: [] };
    const run = await runLocal(
      definition,
      inputFor(),
      handlers(rec, {
        [S.runHost]: () => {
          throw stateError('VODSR_HOST_FETCH_FAILED', 'source not found');
        },
        [S.notifyFailure]: () => {
          throw stateError('EventBridge.AccessDeniedException', 'denied');
        },
      }),
    );
    expect(run).toMatchObject({
      status: 'FAILED',
      error: 'VODSR_HOST_FETCH_FAILED',
      cause: 'source not found',
    });
  });

  it('retries a putEvents FailedEntry: FailedEntry once, then success → the job succeeds', async () => {
    const rec: Recorded = { events: [] };
    let calls = 0;
    const run = await runLocal(
      definition,
      inputFor(),
      handlers(rec, {
        [S.notifySuccess]: (i) => {
          calls += 1;
          rec.events.push(i as Record<string, unknown>);
          // What Step Functions raises when PutEvents answers FailedEntryCount > 0 (e.g. a throttled entry).
          if (calls === 1) throw stateError('EventBridge.FailedEntry', 'ThrottlingException: Rate exceeded');
          return { Entries: [{ EventId: 'e1' }], FailedEntryCount: 0 };
        },
      }),
    );
    expect(run.status).toBe('SUCCEEDED');
    expect(calls).toBe(2);
    expect(run.path).not.toContain(S.notifyFailure);
    expect(run.path.at(-1)).toBe(S.succeeded);
    expect(entry(rec).DetailType).toBe(WORKFLOW_DETAIL_TYPES.succeeded);
  });

  it('keeps a finished job succeeded (recording notifyError) when the success event never gets through', async () => {
    const rec: Recorded = { events: [] };
    let calls = 0;
    const run = await runLocal(
      definition,
      inputFor(),
      handlers(rec, {
        [S.notifySuccess]: () => {
          calls += 1;
          throw stateError('EventBridge.FailedEntry', 'InternalFailure');
        },
      }),
    );
    expect(run.status).toBe('SUCCEEDED');
    expect(calls).toBe(6); // the first attempt + 5 retries
    expect(run.path).not.toContain(S.notifyFailure);
    expect(run.output).toMatchObject({ notifyError: { Error: 'EventBridge.FailedEntry' } });
  });

  it('does not retry an error putEvents cannot recover from (AccessDenied)', async () => {
    const rec: Recorded = { events: [] };
    let calls = 0;
    const run = await runLocal(
      definition,
      inputFor(),
      handlers(rec, {
        [S.notifySuccess]: () => {
          calls += 1;
          throw stateError('EventBridge.AccessDeniedException', 'denied');
        },
      }),
    );
    expect(calls).toBe(1);
    expect(run.status).toBe('SUCCEEDED');
  });
});

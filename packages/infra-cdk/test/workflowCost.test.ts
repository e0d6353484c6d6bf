/**
 * `cost.actual` in the success event, priced by the definition's JSONata NotifySuccess state: the definition is
 * executed locally (aws-local-stepfunctions, its JSONata Task emulated by test/support/localSfn.ts with the
 * jsonata library Step Functions implements) and the event's figures are checked against core's `actualCost` for
 * the same measured inputs — host busy seconds, MediaConvert's measured output durations, the transitions taken —
 * on both packaging paths, with a lost host, with Spot and an overridden price table.
 */
import {
  buildWorkflowDefinition,
  decodeHostJob,
  parseJobSpec,
  prepareJob,
  type WorkflowInput,
} from '@vodsr/core';
import {
  actualCost,
  type CostFigures,
  DEFAULT_PRICE_TABLE,
  executionActualCost,
  type PriceTable,
  withPrices,
} from '@vodsr/core/cost';
import { WORKFLOW_STATES as S, type WorkflowOptions } from '@vodsr/core/workflow';
import { createPlanPackagingHandler, hostHlsPlan } from '@vodsr/mediaconvert-presets';
import aslValidator from 'asl-validator';
import { describe, expect, it } from 'vitest';
import { evalJsonataTemplate, type Handler, runLocal, stateError } from './support/localSfn.js';

const ROLE = 'arn:aws:iam::111111111111:role/vodsr-mediaconvert';
const SOURCE = { width: 640, height: 360, durationSeconds: 10, fps: 25, hasAudio: true };
const SR = { ...SOURCE, width: 1280, height: 720, videoCodec: 'h264' };
const BUSY = 13.7;

/** What MediaConvert's GetJob answers for a 3-rung ladder + an audio-only rendition (durations as measured). */
const MC_JOB = {
  Job: {
    Id: '1700000000000-abcdef',
    Status: 'COMPLETE',
    OutputGroupDetails: [
      {
        OutputDetails: [
          { DurationInMs: 10_010, VideoDetails: { WidthInPx: 1280, HeightInPx: 720 } },
          { DurationInMs: 10_010, VideoDetails: { WidthInPx: 960, HeightInPx: 540 } },
          { DurationInMs: 9_990, VideoDetails: { WidthInPx: 640, HeightInPx: 360 } },
          { DurationInMs: 10_026 },
        ],
      },
    ],
  },
};

function inputFor(engine: 'mediaconvert' | 'host', preset = 'hls-ladder'): WorkflowInput {
  const job = parseJobSpec({ source: 's3://vodsr-in/movies/clip.mp4', packaging: { preset } });
  return prepareJob(job, {
    jobId: 'clip-0123',
    outputRoot: 's3://vodsr-out/',
    instanceId: 'i-0123456789abcdef0',
    durationSeconds: 10,
    packagingEngine: engine,
    hostHlsPlan,
  });
}

interface Sent {
  events: { Entries: { Detail: { cost: { estimate: unknown; actual: CostFigures | null } } }[] }[];
}

function handlers(sent: Sent, over: Record<string, Handler> = {}): Record<string, Handler> {
  const planner = createPlanPackagingHandler();
  const place = () => ({ instanceId: 'i-0123456789abcdef0', slot: 0, lease: 'lease-0001' });
  return {
    [S.acquireHost]: place,
    [S.acquireBulkHost]: place,
    [S.runHost]: (i) => {
      const job = decodeHostJob((i as { Parameters: { jobB64: string[] } }).Parameters.jobB64[0] as string);
      return { event: 'result', ok: true, jobId: job.jobId, source: SOURCE, sr: SR, elapsedSeconds: BUSY };
    },
    [S.planPackaging]: async (i) => ({ Payload: await planner((i as { Payload: never }).Payload) }),
    [S.package]: () => MC_JOB,
    [S.notifySuccess]: (i) => {
      sent.events.push(i as Sent['events'][number]);
      return { Entries: [{ EventId: 'e1' }], FailedEntryCount: 0 };
    },
    [S.notifyFailure]: () => ({ Entries: [{ EventId: 'e2' }], FailedEntryCount: 0 }),
    ...over,
  };
}

async function priced(opts: WorkflowOptions, input: WorkflowInput, over: Record<string, Handler> = {}) {
  const sent: Sent = { events: [] };
  const run = await runLocal(
    buildWorkflowDefinition({ mediaConvertRoleArn: ROLE, pricing: {}, ...opts }),
    input,
    handlers(sent, over),
  );
  expect(run.status).toBe('SUCCEEDED');
  const detail = sent.events.at(-1)?.Entries[0]?.Detail;
  return { run, cost: detail?.cost, actual: detail?.cost.actual as CostFigures };
}

const MC_OUTPUTS = [
  { width: 1280, height: 720, durationSeconds: 10.01 },
  { width: 960, height: 540, durationSeconds: 10.01 },
  { width: 640, height: 360, durationSeconds: 9.99 },
  { width: 0, height: 0, durationSeconds: 10.026 },
];

describe('the success event carries cost.actual priced by NotifySuccess (JSONata)', () => {
  it('is valid ASL with its JSONata NotifySuccess (asl-validator checks the expressions too)', () => {
    const r = aslValidator(
      structuredClone(buildWorkflowDefinition({ mediaConvertRoleArn: ROLE, pricing: {} })),
    );
    expect(r.errors).toEqual([]);
    expect(r.isValid).toBe(true);
  });

  it('on the MediaConvert path: busy seconds × slot price + every rendition (10 s minimum) + 8 transitions', async () => {
    const { run, actual, cost } = await priced({}, inputFor('mediaconvert'));

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
    const core = actualCost({ hostBusySeconds: BUSY, mediaconvertOutputs: MC_OUTPUTS, transitions: 8 });
    expect(actual.usd).toEqual(core.usd);
    expect(actual.gpuSeconds).toBe(BUSY);
    expect(actual.pricesDate).toBe(DEFAULT_PRICE_TABLE.date);
    // the figures by hand, from the price table: 13.7 s × $1.861/h; 11 + 11 + 10 + 11 s billed (SD/HD rates)
    const gpu = (BUSY * 1.861) / 3600;
    const mc = (11 / 60) * 0.03 + (11 / 60) * 0.015 + (10 / 60) * 0.015 + (11 / 60) * 0.015;
    expect(actual.usd.gpu).toBeCloseTo(gpu, 9);
    expect(actual.usd.packaging).toBeCloseTo(mc, 9);
    expect(actual.usd.transitions).toBeCloseTo((8 * 0.025) / 1000, 12);
    expect(actual.usd.total).toBeCloseTo(gpu + mc + 0.0002, 9);
    // what it assumes: the instance type, the market, the table's date, each billed rendition
    expect(actual.assumptions).toEqual(expect.arrayContaining([...core.assumptions]));
    expect(actual.assumptions.join('\n')).toContain(
      'g6e.xlarge on-demand $1.861/h (us-east-1, prices of 2026-12-01)',
    );
    expect(actual.assumptions).toContain(
      'MediaConvert professional HD output 1280x720: 11 s billed (minimum 10 s) × $0.03/min',
    );
    // the same figures AwsJobService computes when it reads the execution back
    expect(actual).toEqual(executionActualCost(run.output));
    expect(cost?.estimate).toBeNull();
  });

  it('on the host path: RunHost → SkipPackaging → NotifySuccess, $0 packaging, 6 transitions', async () => {
    const { run, actual } = await priced({}, inputFor('host'));

    expect(run.path).toEqual([
      S.queueJob,
      S.acquireHost,
      S.runHost,
      S.skipPackaging,
      S.notifySuccess,
      S.succeeded,
    ]);
    expect(actual).toEqual({
      ...actualCost({ hostBusySeconds: BUSY, transitions: 6 }),
      assumptions: expect.arrayContaining([
        ...actualCost({ hostBusySeconds: BUSY, transitions: 6 }).assumptions,
      ]),
    });
    expect(actual.usd.packaging).toBe(0);
    expect(actual.usd.transitions).toBeCloseTo(0.00015, 12);
    expect(actual).toEqual(executionActualCost(run.output));
  });

  it('prices the fleet as deployed: Spot, 4 slots per host, an overridden table (its date)', async () => {
    const prices: PriceTable = withPrices({
      date: '2027-01-05',
      instances: { 'g6e.12xlarge': { gpus: 4, onDemandHourly: 10.49264, spotHourly: 3.6 } },
      mediaconvert: {
        perMinute: {
          ...DEFAULT_PRICE_TABLE.mediaconvert.perMinute,
          professional: { sd: 0.01, hd: 0.02, uhd: 0.04 },
        },
      },
    });
    const pricing = { instanceType: 'g6e.12xlarge', purchase: 'spot', slotsPerHost: 4, prices } as const;
    const { run, actual } = await priced({ pricing }, inputFor('mediaconvert'));

    const core = actualCost(
      { hostBusySeconds: BUSY, mediaconvertOutputs: MC_OUTPUTS, transitions: 8, ...pricing },
      prices,
    );
    expect(actual.usd).toEqual(core.usd);
    expect(actual.usd.gpu).toBeCloseTo((BUSY * 3.6) / 3600 / 4, 9);
    expect(actual.pricesDate).toBe('2027-01-05');
    expect(actual.assumptions.join('\n')).toContain(
      'g6e.12xlarge spot $3.6/h (us-east-1, prices of 2027-01-05), 4 slot(s)',
    );
    expect(actual).toEqual(executionActualCost(run.output, pricing, prices));
  });

  it('counts a lost host: 5 more transitions per extra attempt (the states it entered), the attempt said', async () => {
    let calls = 0;
    const { run, actual } = await priced({}, inputFor('host'), {
      [S.runHost]: (i) => {
        calls += 1;
        if (calls === 1) throw stateError('VODSR_HOST_LOST', 'the Spot host was reclaimed');
        const job = decodeHostJob((i as { Parameters: { jobB64: string[] } }).Parameters.jobB64[0] as string);
        return { event: 'result', ok: true, jobId: job.jobId, source: SOURCE, sr: SR, elapsedSeconds: BUSY };
      },
    });

    expect(run.path.filter((p) => p === S.runHost)).toHaveLength(2);
    // the transitions billed are the states the execution entered (6 + 5 for the lost host; was billed as 6 + 4)
    expect(run.path).toHaveLength(11);
    expect(actual.usd).toEqual(actualCost({ hostBusySeconds: BUSY, transitions: 11 }).usd);
    expect(actual.assumptions).toContain('2 host attempts (the lost ones are not billed here)');
    expect(actual).toEqual(executionActualCost(run.output));
  });

  it('counts a silent host (heartbeat timeout) as any other loss: 5 more transitions, all of them priced', async () => {
    let calls = 0;
    const { run, actual } = await priced({}, inputFor('host'), {
      [S.runHost]: (i) => {
        calls += 1;
        if (calls === 1) throw stateError('States.HeartbeatTimeout', '');
        const job = decodeHostJob((i as { Parameters: { jobB64: string[] } }).Parameters.jobB64[0] as string);
        return { event: 'result', ok: true, jobId: job.jobId, source: SOURCE, sr: SR, elapsedSeconds: BUSY };
      },
    });
    expect(run.path).toContain(S.hostHeartbeatTimeout);
    // every state entered is billed: 6 + 5 (was 6 + 6 entered, priced as 11)
    expect(run.path).toHaveLength(11);
    expect(actual.usd).toEqual(actualCost({ hostBusySeconds: BUSY, transitions: 11 }).usd);
    expect(actual).toEqual(executionActualCost(run.output));
  });

  it('carries the entry point’s estimate next to the actual, and null when the host measured nothing', async () => {
    const input = inputFor('host');
    const estimate = {
      gpuSeconds: 2.5,
      usd: { gpu: 0.001, packaging: 0, transitions: 0.00015, total: 0.00115 },
      assumptions: ['size-based guess'],
      pricesDate: '2026-12-01',
    };
    const { cost } = await priced(
      {},
      { ...input, estimate },
      {
        [S.runHost]: () => ({ event: 'result', ok: true, jobId: input.jobId }),
      },
    );
    expect(cost).toEqual({ estimate, actual: null });
  });

  it('names every field of the event, null where the input lacks it (no JSONata expression is left undefined)', async () => {
    // Step Functions' JSONata may reject a field whose expression evaluates to undefined: each one is guarded
    const def = buildWorkflowDefinition({ mediaConvertRoleArn: ROLE, pricing: {} }) as {
      States: Record<string, { Arguments: { Entries: { Detail: Record<string, unknown> }[] } }>;
    };
    const args = (await evalJsonataTemplate(def.States[S.notifySuccess]?.Arguments, {
      input: { jobId: 'j-1' },
    })) as { Entries: { Detail: Record<string, unknown> }[] };
    const detail = args.Entries[0]?.Detail ?? {};
    expect(detail).toEqual({
      jobId: 'j-1',
      status: 'succeeded',
      srFile: null,
      hlsDestination: null,
      packagingPreset: null,
      packagingEngine: null,
      host: null,
      estimate: null,
      cost: { estimate: null, actual: null },
    });
  });

  it('refuses to build a definition whose fleet has no price (VODSR_UNKNOWN_PRICE), not at the first event', () => {
    expect(() => buildWorkflowDefinition({ pricing: { instanceType: 'p5.48xlarge' } })).toThrow(
      expect.objectContaining({ code: 'VODSR_UNKNOWN_PRICE' }),
    );
  });
});

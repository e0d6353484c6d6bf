/**
 * The fleet's pricing, as deployed: the `prices` prop (merged over core's table) and the fleet's instance type,
 * market and slots reach the workflow's NotifySuccess (`cost.actual`) and the trigger and backfill Lambdas
 * (`VODSR_PRICING`, their size-based `estimate`); the Lambdas' inputs carry that estimate (recorded SDK calls).
 */
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { WorkflowInput } from '@vodsr/core';
import { createBackfillItemHandler } from '@vodsr/core/backfill';
import {
  type CostFigures,
  estimateFromSize,
  executionActualCost,
  type PriceTableOverride,
} from '@vodsr/core/cost';
import { encodeS3EventKey } from '@vodsr/core/naming';
import { VodsrPipeline } from '@vodsr/infra-cdk';
import {
  estimatedDecision,
  PRICING_ENV,
  pricingEnvValue,
  pricingFromEnv,
  resolvePricing,
  TRIGGER_ENV,
  triggerLambdaHandler,
} from '@vodsr/infra-cdk/trigger';
import { hostHlsPlan } from '@vodsr/mediaconvert-presets';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { mockClient } from 'aws-sdk-client-mock';
import jsonata from 'jsonata';
import { afterEach, describe, expect, it } from 'vitest';

const PRICES: PriceTableOverride = {
  date: '2027-01-05',
  instances: { 'g6e.2xlarge': { gpus: 1, onDemandHourly: 2.24208, spotHourly: 0.81 } },
};

function synth(extra: Record<string, unknown> = {}) {
  const app = new App({ context: { 'aws:cdk:enable-path-metadata': false } });
  const stack = new Stack(app, 'S', { env: { account: '111111111111', region: 'eu-west-1' } });
  const pipeline = new VodsrPipeline(stack, 'Vodsr', {
    amiId: 'ami-0123456789abcdef0',
    availabilityZones: ['eu-west-1a'],
    instanceTypes: ['g6e.2xlarge', 'g6e.xlarge'],
    spot: true,
    prices: PRICES,
    ...extra,
  });
  return { pipeline, template: Template.fromStack(stack) };
}

describe('the deployed pricing', () => {
  it('prices cost.actual in NotifySuccess at the fleet (first type, Spot) and the overridden table', async () => {
    // Act
    const { pipeline } = synth();
    // Assess: the expression written into the definition computes core's figures for the same execution
    const states = pipeline.workflow.definition.States as Record<string, Record<string, unknown>>;
    const expr = (
      states.NotifySuccess as {
        Arguments: { Entries: { Detail: { cost: { actual: string } } }[] };
      }
    ).Arguments.Entries[0]?.Detail.cost.actual as string;
    expect(expr).toContain('g6e.2xlarge spot $0.81/h');
    expect(expr).toContain('prices of 2027-01-05');
    const output = {
      attempt: { number: 1 },
      host: { ok: true, elapsedSeconds: 42.5 },
      mediaconvert: {
        Job: {
          OutputGroupDetails: [
            {
              OutputDetails: [{ DurationInMs: 20_000, VideoDetails: { WidthInPx: 1920, HeightInPx: 1080 } }],
            },
          ],
        },
      },
    };
    const actual = (await jsonata(expr.slice(3, -3)).evaluate(
      {},
      { states: { input: output } },
    )) as CostFigures;
    const pricing = resolvePricing({ instanceTypes: ['g6e.2xlarge'], spot: true, prices: PRICES });
    expect(actual).toEqual(executionActualCost(output, pricing, pricing.prices));
    expect(actual.usd.gpu).toBeCloseTo((42.5 * 0.81) / 3600, 9);
    expect(actual.pricesDate).toBe('2027-01-05');
  });

  it('gives the trigger and the backfill Lambdas the pricing in VODSR_PRICING, well under 4 KB', () => {
    const { template } = synth();
    const fns = Object.values(template.findResources('AWS::Lambda::Function')).filter(
      (r) => r.Properties?.Environment?.Variables?.[PRICING_ENV] !== undefined,
    );
    expect(fns).toHaveLength(2); // the trigger and the backfill's per-item Lambda
    for (const f of fns) {
      const raw = f.Properties.Environment.Variables[PRICING_ENV] as string;
      expect(JSON.stringify(f.Properties.Environment.Variables).length).toBeLessThan(4096);
      const p = pricingFromEnv({ [PRICING_ENV]: raw });
      expect(p).toMatchObject({ instanceType: 'g6e.2xlarge', purchase: 'spot', slotsPerHost: 1 });
      expect(p.prices.date).toBe('2027-01-05');
      expect(p.prices.instances['g6e.2xlarge']?.spotHourly).toBe(0.81);
    }
  });

  it('refuses to synthesize a fleet its table cannot price (VODSR_UNKNOWN_PRICE names the type)', () => {
    expect(() => synth({ instanceTypes: ['g6e.8xlarge'], prices: undefined })).toThrow(
      expect.objectContaining({
        code: 'VODSR_UNKNOWN_PRICE',
        message: expect.stringContaining('g6e.8xlarge'),
      }),
    );
  });
});

const sfn = mockClient(SFNClient);

describe('size-based estimates in the execution input', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
    sfn.reset();
  });
  const pricing = resolvePricing({ instanceTypes: ['g6e.2xlarge'], spot: true, prices: PRICES });

  it('the trigger Lambda starts each upload with its estimate (size → media guess, the fleet pricing)', async () => {
    // Prepare
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:x', startDate: new Date() });
    Object.assign(process.env, {
      [TRIGGER_ENV.stateMachineArn]: 'arn:aws:states:eu-west-1:111111111111:stateMachine:vodsr',
      [TRIGGER_ENV.outputRoot]: 's3://vodsr-out/',
      [TRIGGER_ENV.inputBucket]: 'vodsr-in',
      [TRIGGER_ENV.outputBucket]: 'vodsr-out',
      [TRIGGER_ENV.packagingPreset]: 'hls-ladder',
      [PRICING_ENV]: pricingEnvValue(pricing),
      AWS_REGION: 'eu-west-1',
    });
    const rec = (key: string, size?: number) => ({
      eventName: 'ObjectCreated:Put',
      s3: {
        bucket: { name: 'vodsr-in' },
        object: { key: encodeS3EventKey(key), eTag: `e-${key}`, ...(size === undefined ? {} : { size }) },
      },
    });
    // Act
    const r = await triggerLambdaHandler({
      Records: [rec('movies/my clip+1.mp4', 75_000_000), rec('b.mov')],
    });
    // Assess
    expect(r.started).toHaveLength(2);
    const inputs = sfn
      .commandCalls(StartExecutionCommand)
      .map((c) => JSON.parse(c.args[0].input.input as string) as WorkflowInput);
    const withSize = inputs.find((i) => i.job.source.endsWith('my clip+1.mp4'));
    const expected = estimateFromSize(
      75_000_000,
      'A',
      {
        instanceType: 'g6e.2xlarge',
        purchase: 'spot',
        packaging: 'mediaconvert',
        scale: withSize?.job.scale ?? 0,
        transitions: 8,
        // hls-ladder at the guessed SR size 2560x1440: 1440p, 1080p, 720p, 540p, 360p
        renditionsFor: () => [
          { width: 2560, height: 1440 },
          { width: 1920, height: 1080 },
          { width: 1280, height: 720 },
          { width: 960, height: 540 },
          { width: 640, height: 360 },
        ],
      },
      pricing.prices,
    );
    expect(withSize?.estimate).toEqual(JSON.parse(JSON.stringify(expected)));
    expect(withSize?.estimate?.assumptions[0]).toMatch(/^size-based guess/);
    expect(withSize?.estimate?.gpuSeconds).toBe(75); // 150 s × 30 fps at the default 60 fps for ≤720p
    expect(withSize?.estimate?.assumptions.join('\n')).toContain('g6e.2xlarge spot $0.81/h');
    // an object of unknown size: no guess, the job still starts
    expect(inputs.find((i) => i.job.source.endsWith('b.mov'))?.estimate).toBeNull();
  });

  it('the backfill per-item decision carries the listed object’s estimate; a skip is unchanged', async () => {
    const plan = createBackfillItemHandler({
      config: {
        outputRoot: 's3://vodsr-out/',
        inputBucket: 'vodsr-in',
        outputBucket: 'vodsr-out',
        packagingEngine: 'host',
      },
      hostHlsPlan,
    });
    const event = (key: string) => ({
      bucket: 'vodsr-in',
      prefix: '',
      include: '',
      object: { key, size: 8_000_000, etag: '"e"' },
    });
    const d = estimatedDecision(await plan(event('a.mp4')), event('a.mp4'), pricing);
    const skip = estimatedDecision(await plan(event('notes.txt')), event('notes.txt'), pricing);
    expect(d.action).toBe('submit');
    const e = d.action === 'submit' ? d.input.estimate : undefined;
    expect(e?.usd.packaging).toBe(0); // the host packages
    expect(e?.gpuSeconds).toBe(8); // 16 s × 30 fps / 60
    expect(e?.usd.transitions).toBeCloseTo((6 * 0.025) / 1000, 12);
    expect(e?.assumptions[0]).toMatch(/^size-based guess/);
    expect(skip).toEqual(await plan(event('notes.txt')));
  });
});

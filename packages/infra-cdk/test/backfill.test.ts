import {
  BACKFILL_STATES,
  buildBackfillDefinition,
  buildBackfillItemDefinition,
  createBackfillItemHandler,
  distributedMapHandlers,
  EXECUTION_EXISTS_ERROR,
  inlineDistributedMaps,
} from '@vodsr/core/backfill';
import { objectExecutionName } from '@vodsr/core/naming';
import { VodsrBackfill } from '@vodsr/infra-cdk';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { BlockPublicAccess, Bucket, BucketEncryption } from 'aws-cdk-lib/aws-s3';
import { DefinitionBody, Pass, StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { runLocal, stateError } from './support/localSfn.js';

interface MapState {
  Type: string;
  ItemReader: { Resource: string; Parameters: unknown };
  ItemProcessor: {
    ProcessorConfig: unknown;
    States: Record<string, { Resource?: string; Catch: { ErrorEquals: string[] }[] }>;
  };
  MaxConcurrency: number;
  ToleratedFailurePercentage: number;
  ResultWriter: { Resource: string };
}

function synth() {
  const app = new App({ context: { 'aws:cdk:enable-path-metadata': false } });
  const stack = new Stack(app, 'T', { env: { account: '111111111111', region: 'eu-west-1' } });
  const bucket = (id: string) =>
    new Bucket(stack, id, {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      serverAccessLogsPrefix: 'logs/',
    });
  const jobs = new StateMachine(stack, 'Jobs', {
    definitionBody: DefinitionBody.fromChainable(new Pass(stack, 'P')),
  });
  const backfill = new VodsrBackfill(stack, 'VodsrBackfill', {
    inputBucket: bucket('In'),
    outputBucket: bucket('Out'),
    jobStateMachine: jobs,
    instanceId: 'i-0123456789abcdef0',
    maxConcurrency: 25,
    toleratedFailurePercentage: 10,
  });
  return { stack, backfill, template: Template.fromStack(stack) };
}

describe('VodsrBackfill', () => {
  it('deploys a Distributed Map over an S3 listing with MaxConcurrency, ToleratedFailurePercentage and a ResultWriter', () => {
    const { backfill } = synth();
    const map = (backfill.definition.States as Record<string, Record<string, unknown>>)[
      BACKFILL_STATES.objects
    ] as unknown as MapState;
    expect(map.Type).toBe('Map');
    expect(map.ItemReader.Resource).toBe('arn:aws:states:::s3:listObjectsV2');
    expect(map.ItemReader.Parameters).toEqual({ 'Bucket.$': '$.bucket', 'Prefix.$': '$.prefix' });
    expect(map.ItemProcessor.ProcessorConfig).toEqual({ Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' });
    expect(map.MaxConcurrency).toBe(25);
    expect(map.ToleratedFailurePercentage).toBe(10);
    expect(map.ResultWriter.Resource).toBe('arn:aws:states:::s3:putObject');
    expect(map.ItemProcessor.States[BACKFILL_STATES.startJob]?.Resource).toBe(
      'arn:aws:states:::states:startExecution.sync:2',
    );
    expect(map.ItemProcessor.States[BACKFILL_STATES.startJob]?.Catch?.[0]?.ErrorEquals).toEqual([
      EXECUTION_EXISTS_ERROR,
    ]);
  });

  it('gives the state machine only what it uses, and the Lambda the trigger environment', () => {
    const { template } = synth();
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      DefinitionString: Match.anyValue(),
      TracingConfiguration: { Enabled: true },
    });
    const sm = Object.values(template.findResources('AWS::StepFunctions::StateMachine')).find((r) =>
      JSON.stringify(r).includes('listObjectsV2'),
    );
    const def = JSON.stringify(sm);
    expect(def).toContain('\\"MaxConcurrency\\":25');
    expect(def).toContain('\\"ToleratedFailurePercentage\\":10');
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: 's3:ListBucket', Effect: 'Allow' }),
          Match.objectLike({
            Action: ['s3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
          }),
          Match.objectLike({ Action: 'states:StartExecution' }),
          Match.objectLike({ Action: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'] }),
        ]),
      },
    });
    const policies = JSON.stringify(template.findResources('AWS::IAM::Policy'));
    expect(policies).not.toMatch(/"Action":"\*"|"s3:\*"|"states:\*"/);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({ VODSR_INSTANCE_ID: 'i-0123456789abcdef0', VODSR_MODEL: 'A' }),
      },
    });
  });

  it('passes cdk-nag AwsSolutions', () => {
    const { stack } = synth();
    const report = new AwsSolutionsChecks().validateScope(stack);
    const mine = report.violations.filter((v) =>
      v.violatingResources.some((r) => r.constructPath?.includes('VodsrBackfill')),
    );
    expect(
      mine.map((v) => `${v.ruleName} ${v.violatingResources.map((r) => r.constructPath).join(',')}`),
    ).toEqual([]);
  });
});

describe('the backfill item flow, executed locally', () => {
  // The item flow alone, as its own definition, with core's per-item handler in PlanItem (the whole definition,
  // with its Distributed Map as the local twin, is the next describe).
  const config = { outputRoot: 's3://vodsr-out/', instanceId: 'i-0123456789abcdef0' };
  const plan = createBackfillItemHandler({ config });
  const item = (key: string, etag = '"e1"') => ({
    bucket: 'vodsr-in',
    prefix: '',
    include: '',
    object: { key, size: 1000, etag },
  });

  it('starts the job workflow under the trigger name with bulk priority, skips non-videos, treats an existing name as done', async () => {
    const def = buildBackfillItemDefinition();
    const started = new Map<string, { priority: string }>();
    const handlers = {
      // A local task handler receives the Task's Parameters: { FunctionName, Payload }.
      [BACKFILL_STATES.planItem]: async (input: unknown) => ({
        Payload: await plan((input as { Payload: never }).Payload),
      }),
      [BACKFILL_STATES.startJob]: async (input: unknown) => {
        const { Name, Input } = input as { Name: string; Input: { priority: string } };
        if (started.has(Name)) throw stateError(EXECUTION_EXISTS_ERROR, `Execution ${Name} already exists`);
        started.set(Name, Input);
        return { Status: 'SUCCEEDED', ExecutionArn: `arn:aws:states:eu-west-1:1:execution:jobs:${Name}` };
      },
    };
    const first = await runLocal(def, item('movies/a b;$(id).mp4'), handlers);
    expect(first.status, `${first.error}: ${first.cause}`).toBe('SUCCEEDED');
    const name = objectExecutionName('vodsr-in', 'movies/a b;$(id).mp4', 'e1');
    expect(first.output).toEqual({
      key: 'movies/a b;$(id).mp4',
      name,
      outcome: 'submitted',
      status: 'SUCCEEDED',
    });
    expect(started.get(name)?.priority).toBe('bulk');
    const again = await runLocal(def, item('movies/a b;$(id).mp4'), handlers);
    expect(again.output).toEqual({ key: 'movies/a b;$(id).mp4', name, outcome: 'exists' });
    const txt = await runLocal(def, item('notes.txt'), handlers);
    expect(txt.output).toMatchObject({ key: 'notes.txt', outcome: 'skipped', reason: 'not-video' });
    expect(started.size).toBe(1);
    expect(again.path).toEqual([
      BACKFILL_STATES.planItem,
      BACKFILL_STATES.shouldSubmit,
      BACKFILL_STATES.startJob,
      BACKFILL_STATES.exists,
    ]);
  });

  it('fills prefix and include defaults before the map (ApplyDefaults, run alone)', async () => {
    const d = buildBackfillDefinition() as { States: Record<string, Record<string, unknown>> };
    const { Next: _next, ...apply } = d.States[BACKFILL_STATES.applyDefaults] as Record<string, unknown>;
    const only = {
      StartAt: BACKFILL_STATES.applyDefaults,
      States: { [BACKFILL_STATES.applyDefaults]: { ...apply, End: true } },
    };
    const r = await runLocal(only, { bucket: 'vodsr-in' }, {});
    expect(r.output).toEqual({ bucket: 'vodsr-in', prefix: '', include: '' });
  });
});

describe('the whole backfill definition, its Distributed Map run as the local twin', () => {
  const config = { outputRoot: 's3://vodsr-out/', instanceId: 'i-0123456789abcdef0' };
  const bucket = [
    ...Array.from({ length: 9 }, (_, i) => `shows/ep${i}.mp4`),
    'shows/a b;$(id)\n%2F+🎬.mov',
    'shows/notes.txt',
    'shows/cover.jpg',
  ].map((Key, i) => ({ Key, Size: 1000 + i, ETag: `"etag${i}"`, LastModified: new Date(1_700_000_000_000) }));

  function harness(failing: ReadonlySet<string>) {
    const plan = createBackfillItemHandler({ config });
    const started = new Map<string, { priority: string }>();
    const written = new Map<string, string>();
    let running = 0;
    let maxRunning = 0;
    const { definition, maps } = inlineDistributedMaps(
      buildBackfillDefinition({
        resultBucket: 'vodsr-out',
        maxConcurrency: 3,
        toleratedFailurePercentage: 10,
      }),
    );
    const handlers = {
      ...distributedMapHandlers(maps, {
        listObjects: async ({ Bucket, Prefix }) =>
          Bucket === 'vodsr-in' ? bucket.filter((o) => o.Key.startsWith(Prefix ?? '')) : [],
        putObject: async (b, key, body) => {
          written.set(`${b}/${key}`, body);
        },
        runId: () => 'run-1',
      }),
      [BACKFILL_STATES.planItem]: async (input: unknown) => ({
        Payload: await plan((input as { Payload: never }).Payload),
      }),
      [BACKFILL_STATES.startJob]: async (input: unknown) => {
        const { Name, Input } = input as {
          Name: string;
          Input: { priority: string; job: { source: string } };
        };
        if (started.has(Name)) throw stateError(EXECUTION_EXISTS_ERROR, `Execution ${Name} already exists`);
        started.set(Name, Input);
        running += 1;
        maxRunning = Math.max(maxRunning, running);
        await new Promise((r) => setTimeout(r, 5)); // the child execution (.sync:2) takes a while
        running -= 1;
        if ([...failing].some((k) => Input.job.source.endsWith(k)))
          throw stateError('States.TaskFailed', `job ${Name} failed`);
        return { Status: 'SUCCEEDED', ExecutionArn: `arn:aws:states:eu-west-1:1:execution:jobs:${Name}` };
      },
    };
    return { definition, handlers, started, written, maxRunning: () => maxRunning };
  }

  it('lists the prefix, submits every video once under the trigger name, writes the results, tolerates 1 of 12', async () => {
    const h = harness(new Set(['ep3.mp4']));
    const r = await runLocal(h.definition, { bucket: 'vodsr-in', prefix: 'shows/' }, h.handlers);
    expect(r.status, `${r.error}: ${r.cause}`).toBe('SUCCEEDED');
    expect(r.output).toEqual({
      MapRunArn: expect.stringContaining(':mapRun:'),
      ResultWriterDetails: { Bucket: 'vodsr-out', Key: 'backfills/run-1/manifest.json' },
    });
    // 10 videos started (the hostile key among them), with bulk priority, names = the trigger's
    expect(h.started.size).toBe(10);
    const hostile = bucket[9] as { Key: string };
    expect(h.started.has(objectExecutionName('vodsr-in', hostile.Key, 'etag9'))).toBe(true);
    expect([...h.started.values()].every((i) => i.priority === 'bulk')).toBe(true);
    expect(h.maxRunning()).toBeLessThanOrEqual(3); // MaxConcurrency
    expect(h.maxRunning()).toBeGreaterThan(1);
    const manifest = JSON.parse(h.written.get('vodsr-out/backfills/run-1/manifest.json') ?? '{}');
    expect(manifest.ResultFiles.SUCCEEDED).toEqual([
      { Key: 'backfills/run-1/SUCCEEDED_0.json', Size: expect.any(Number) },
    ]);
    const ok = JSON.parse(h.written.get('vodsr-out/backfills/run-1/SUCCEEDED_0.json') ?? '[]') as {
      Output: string;
    }[];
    const outcomes = ok.map((o) => JSON.parse(o.Output) as { key: string; outcome: string; reason?: string });
    expect(outcomes.filter((o) => o.outcome === 'submitted')).toHaveLength(9);
    expect(
      outcomes
        .filter((o) => o.outcome === 'skipped')
        .map((o) => o.key)
        .sort(),
    ).toEqual(['shows/cover.jpg', 'shows/notes.txt']);
    const failed = JSON.parse(h.written.get('vodsr-out/backfills/run-1/FAILED_0.json') ?? '[]');
    expect(failed).toEqual([
      { Status: 'FAILED', Error: 'States.TaskFailed', Cause: expect.stringContaining('failed') },
    ]);

    // the same backfill again starts nothing new: every video's name exists
    const again = await runLocal(h.definition, { bucket: 'vodsr-in', prefix: 'shows/' }, h.handlers);
    expect(again.status).toBe('SUCCEEDED');
    expect(h.started.size).toBe(10);
    const second = JSON.parse(h.written.get('vodsr-out/backfills/run-1/SUCCEEDED_0.json') ?? '[]') as {
      Output: string;
    }[];
    expect(second.map((o) => (JSON.parse(o.Output) as { outcome: string }).outcome).sort()).toEqual([
      ...Array(10).fill('exists'),
      'skipped',
      'skipped',
    ]);
  });

  it('fails the run with States.ExceedToleratedFailureThreshold when more than 10 % of the items fail', async () => {
    const h = harness(new Set(['ep1.mp4', 'ep2.mp4']));
    const r = await runLocal(h.definition, { bucket: 'vodsr-in', prefix: 'shows/' }, h.handlers);
    expect(r.status).toBe('FAILED');
    expect(r.error).toBe('States.ExceedToleratedFailureThreshold');
    expect(r.cause).toMatch(/2 of 12 items failed \(16\.7 %\)/);
    // the results are still written, as ResultWriter does for a failed run
    expect(JSON.parse(h.written.get('vodsr-out/backfills/run-1/FAILED_0.json') ?? '[]')).toHaveLength(2);
  });
});

import {
  BACKFILL_STATES,
  buildBackfillDefinition,
  buildBackfillItemDefinition,
  createBackfillItemHandler,
  EXECUTION_EXISTS_ERROR,
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
  // aws-local-stepfunctions runs the item flow (and inline Maps) but not a Distributed Map's ItemReader /
  // ResultWriter: the item flow is executed as its own definition, with core's per-item handler in PlanItem.
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

import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  GetExecutionHistoryCommand,
  RedriveExecutionCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { AwsJobService } from '@vodsr/api';
import { decodeHostJob, parseJobSpec, prepareJob, type WorkflowInput } from '@vodsr/core';
import { objectExecutionName } from '@vodsr/core/naming';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';

const SM = 'arn:aws:states:us-east-1:123456789012:stateMachine:vodsr';
const EXEC = 'arn:aws:states:us-east-1:123456789012:execution:vodsr';
const sfn = mockClient(SFNClient);

/** The state machine's executions, as DescribeExecution and StartExecution see them. */
const executions = new Map<string, DescribeExecutionCommandOutput>();

function execution(name: string, status: string, extra: Partial<DescribeExecutionCommandOutput> = {}) {
  const input = prepareJob(parseJobSpec({ source: 's3://in-bucket/movies/a.mp4', model: 'A' }), {
    jobId: name,
    outputRoot: 's3://out-bucket/sr/',
  });
  executions.set(`${EXEC}:${name}`, {
    $metadata: {},
    executionArn: `${EXEC}:${name}`,
    stateMachineArn: SM,
    name,
    status: status as DescribeExecutionCommandOutput['status'],
    startDate: new Date('2026-12-01T00:00:00Z'),
    ...(status === 'RUNNING' ? {} : { stopDate: new Date('2026-12-01T00:10:00Z') }),
    input: JSON.stringify(input),
    ...extra,
  });
  return input;
}

const service = () =>
  new AwsJobService({ stateMachineArn: SM, outputRoot: 's3://out-bucket/sr/', client: new SFNClient({}) });

describe('AwsJobService.retry', () => {
  beforeEach(() => {
    sfn.reset();
    executions.clear();
    sfn.on(DescribeExecutionCommand).callsFake((i: { executionArn: string }) => {
      const d = executions.get(i.executionArn);
      if (d) return d;
      throw Object.assign(new Error('Execution Does Not Exist'), { name: 'ExecutionDoesNotExist' });
    });
    sfn.on(GetExecutionHistoryCommand).resolves({ events: [] });
    sfn.on(StartExecutionCommand).callsFake((i: { name: string; input: string }) => {
      const arn = `${EXEC}:${i.name}`;
      if (executions.has(arn))
        throw Object.assign(new Error('Execution Already Exists'), { name: 'ExecutionAlreadyExists' });
      executions.set(arn, {
        $metadata: {},
        executionArn: arn,
        stateMachineArn: SM,
        name: i.name,
        status: 'RUNNING',
        startDate: new Date(),
        input: i.input,
      });
      return { executionArn: arn, startDate: new Date() };
    });
  });

  it('starts a new execution <name>-r1 of the failed one’s input (the host job renamed too), once', async () => {
    const name = objectExecutionName('in-bucket', 'movies/a.mp4', '"abc"');
    const original = execution(name, 'FAILED', { error: 'VODSR_HOST_FETCH_FAILED', cause: 'gone' });
    const jobs = service();
    const { job, created } = await jobs.retry(name);
    expect(created).toBe(true);
    expect(job).toMatchObject({ id: `${name}-r1`, status: 'running', spec: original.job });
    const starts = sfn.commandCalls(StartExecutionCommand);
    expect(starts).toHaveLength(1);
    const sent = starts[0]?.args[0].input;
    expect(sent).toMatchObject({ stateMachineArn: SM, name: `${name}-r1` });
    const input = JSON.parse(sent?.input ?? '{}') as WorkflowInput;
    expect(input).toMatchObject({
      jobId: `${name}-r1`,
      srFile: original.srFile,
      hlsDestination: original.hlsDestination,
      attempt: { number: 1 },
    });
    expect(decodeHostJob(input.hostJobB64)).toEqual({
      ...decodeHostJob(original.hostJobB64),
      jobId: `${name}-r1`,
    });
    // the same job again: that execution, nothing started; never a redrive (it would restart in `Failed`)
    await expect(jobs.retry(name)).resolves.toMatchObject({ job: { id: `${name}-r1` }, created: false });
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(1);
    expect(sfn.commandCalls(RedriveExecutionCommand)).toHaveLength(0);
    // the original keeps its record
    await expect(jobs.get(name)).resolves.toMatchObject({
      status: 'failed',
      error: { code: 'VODSR_HOST_FETCH_FAILED' },
    });
  });

  it('retries a stopped (cancelled) or timed-out execution, and the retry of a retry is -r2', async () => {
    execution('b-0123456789abcdef0123456789abcdef', 'ABORTED');
    execution('c-0123456789abcdef0123456789abcdef-r1', 'TIMED_OUT');
    const jobs = service();
    await expect(jobs.retry('b-0123456789abcdef0123456789abcdef')).resolves.toMatchObject({
      job: { id: 'b-0123456789abcdef0123456789abcdef-r1' },
      created: true,
    });
    await expect(jobs.retry('c-0123456789abcdef0123456789abcdef-r1')).resolves.toMatchObject({
      job: { id: 'c-0123456789abcdef0123456789abcdef-r2' },
      created: true,
    });
  });

  it('refuses a running or succeeded job (409 code) and an unknown one, starting nothing', async () => {
    execution('run-0123456789abcdef0123456789abcdef', 'RUNNING');
    execution('ok-0123456789abcdef0123456789abcdef', 'SUCCEEDED', { output: '{}' });
    const jobs = service();
    for (const id of ['run-0123456789abcdef0123456789abcdef', 'ok-0123456789abcdef0123456789abcdef'])
      await expect(jobs.retry(id)).rejects.toMatchObject({
        code: 'VODSR_ILLEGAL_TRANSITION',
        message: expect.stringMatching(/only a failed or cancelled job can be retried/),
      });
    await expect(jobs.retry('nope')).rejects.toMatchObject({ code: 'VODSR_JOB_NOT_FOUND' });
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('reports the retry another caller started meanwhile as not created', async () => {
    execution('d-0123456789abcdef0123456789abcdef', 'FAILED');
    // DescribeExecution of the retry's name misses it; StartExecution then finds it exists
    sfn.on(StartExecutionCommand).callsFake((i: { name: string }) => {
      execution(i.name, 'RUNNING');
      throw Object.assign(new Error('Execution Already Exists'), { name: 'ExecutionAlreadyExists' });
    });
    await expect(service().retry('d-0123456789abcdef0123456789abcdef')).resolves.toMatchObject({
      job: { id: 'd-0123456789abcdef0123456789abcdef-r1', status: 'running' },
      created: false,
    });
  });
});

import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { awsBackfillTarget } from '@vodsr/api';
import type { WorkflowInput } from '@vodsr/core';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, describe, expect, it } from 'vitest';

const sfn = mockClient(SFNClient);
const SM = 'arn:aws:states:eu-west-1:111111111111:stateMachine:vodsr';
const err = (name: string) => Object.assign(new Error(name), { name });

describe('awsBackfillTarget', () => {
  afterAll(() => sfn.restore());

  it('starts one execution per item under its name; ExecutionAlreadyExists is "exists"', async () => {
    // Prepare
    sfn
      .on(StartExecutionCommand, { name: 'a_mp4-1' })
      .resolves({ executionArn: `${SM}:a_mp4-1`, startDate: new Date() })
      .on(StartExecutionCommand, { name: 'b_mp4-2' })
      .rejects(err('ExecutionAlreadyExists'));
    const target = await awsBackfillTarget(SM, { client: new SFNClient({ region: 'eu-west-1' }) });
    const input = { jobId: 'a_mp4-1', priority: 'bulk' } as unknown as WorkflowInput;
    // Act / Assess
    expect(await target.startExecution('a_mp4-1', input)).toBe('started');
    expect(await target.startExecution('b_mp4-2', input)).toBe('exists');
    const sent = sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input;
    expect(sent).toEqual({ stateMachineArn: SM, name: 'a_mp4-1', input: JSON.stringify(input) });
  });

  it("reads each job's status from DescribeExecution (absent = no job)", async () => {
    sfn
      .on(DescribeExecutionCommand, {
        executionArn: 'arn:aws:states:eu-west-1:111111111111:execution:vodsr:r',
      })
      .resolves({ status: 'RUNNING' })
      .on(DescribeExecutionCommand, {
        executionArn: 'arn:aws:states:eu-west-1:111111111111:execution:vodsr:s',
      })
      .resolves({ status: 'SUCCEEDED' })
      .on(DescribeExecutionCommand, {
        executionArn: 'arn:aws:states:eu-west-1:111111111111:execution:vodsr:f',
      })
      .resolves({ status: 'TIMED_OUT' })
      .on(DescribeExecutionCommand, {
        executionArn: 'arn:aws:states:eu-west-1:111111111111:execution:vodsr:n',
      })
      .rejects(err('ExecutionDoesNotExist'))
      .on(DescribeExecutionCommand, {
        executionArn: 'arn:aws:states:eu-west-1:111111111111:execution:vodsr:x',
      })
      .rejects(err('AccessDeniedException'));
    const target = await awsBackfillTarget(SM, { client: new SFNClient({ region: 'eu-west-1' }) });
    expect(await target.statusOf('r')).toBe('running');
    expect(await target.statusOf('s')).toBe('succeeded');
    expect(await target.statusOf('f')).toBe('failed');
    expect(await target.statusOf('n')).toBeUndefined();
    await expect(target.statusOf('x')).rejects.toMatchObject({ code: 'VODSR_AWS_ERROR' });
  });
});

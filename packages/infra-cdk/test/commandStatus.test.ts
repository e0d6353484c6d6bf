import { SendTaskFailureCommand, SFNClient, TaskTimedOut } from '@aws-sdk/client-sfn';
import { DescribeInstanceInformationCommand, ListCommandsCommand, SSMClient } from '@aws-sdk/client-ssm';
import { createAwsCommandStatusHandler, type SsmStatusEvent } from '@vodsr/infra-cdk';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';

const TOKEN = 'AQCEAAAAKgAAAAMAAAAAAAAAAeXample/Task+Token==';
const COMMAND_ID = '0b5c8a1e-1111-2222-3333-444455556666';
const ssm = mockClient(SSMClient);
const logs: Record<string, unknown>[] = [];
const sfn = mockClient(SFNClient);

function event(status: string, extra: Record<string, string> = {}): SsmStatusEvent {
  return {
    'detail-type': 'EC2 Command Invocation Status-change Notification',
    detail: {
      'command-id': COMMAND_ID,
      'document-name': 'vodsr-RunHostJob',
      'instance-id': 'i-0123456789abcdef0',
      status,
      ...extra,
    },
  };
}

beforeEach(() => {
  ssm.reset();
  sfn.reset();
  ssm.on(ListCommandsCommand, { CommandId: COMMAND_ID }).resolves({
    Commands: [
      {
        CommandId: COMMAND_ID,
        DocumentName: 'vodsr-RunHostJob',
        Parameters: {
          jobB64: ['eyJ2IjoxfQ=='],
          taskTokenB64: [Buffer.from(TOKEN).toString('base64')],
          executionTimeout: ['3600'],
        },
      },
    ],
  });
  sfn.on(SendTaskFailureCommand).resolves({});
  ssm.on(DescribeInstanceInformationCommand).resolves({
    InstanceInformationList: [{ InstanceId: 'i-0123456789abcdef0', PingStatus: 'Online' }],
  });
});

const handler = () =>
  createAwsCommandStatusHandler(
    new SSMClient({ region: 'eu-west-1' }),
    new SFNClient({ region: 'eu-west-1' }),
    { documentName: 'vodsr-RunHostJob', log: (e) => logs.push(e) },
  );

describe('the dead-host handler (SSM command status → SendTaskFailure)', () => {
  it.each([
    ['Failed', 'VODSR_SSM_COMMAND_FAILED'],
    ['TimedOut', 'VODSR_SSM_COMMAND_TIMED_OUT'],
    ['Cancelled', 'VODSR_SSM_COMMAND_CANCELLED'],
  ])('fails the waiting task when the command ends %s', async (status, code) => {
    const out = await handler()(event(status));
    expect(out).toEqual({ action: 'failed-task', code, commandId: COMMAND_ID });
    const calls = sfn.commandCalls(SendTaskFailureCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.args[0].input).toEqual({
      taskToken: TOKEN,
      error: code,
      cause: `SSM command ${COMMAND_ID} on i-0123456789abcdef0 ended ${status} before the host reported a result`,
    });
  });

  it.each([
    ['Failed', 'Undeliverable', 'VODSR_SSM_UNDELIVERABLE'],
    ['Failed', 'Terminated', 'VODSR_SSM_COMMAND_CANCELLED'],
    ['TimedOut', 'Delivery Timed Out', 'VODSR_SSM_UNDELIVERABLE'],
    ['TimedOut', 'DeliveryTimedOut', 'VODSR_SSM_UNDELIVERABLE'],
    ['TimedOut', 'Execution Timed Out', 'VODSR_SSM_COMMAND_TIMED_OUT'],
  ])(
    'refines status %s by its StatusDetails %s when the event carries them',
    async (status, details, code) => {
      const out = await handler()(event(status, { 'status-details': details }));
      expect(out).toEqual({ action: 'failed-task', code, commandId: COMMAND_ID });
    },
  );

  it('ignores StatusDetails values sent as a status (they never are)', async () => {
    for (const status of ['Undeliverable', 'Terminated', 'DeliveryTimedOut', 'ExecutionTimedOut'])
      expect(await handler()(event(status))).toMatchObject({ action: 'ignored' });
    expect(sfn.commandCalls(SendTaskFailureCommand)).toHaveLength(0);
  });

  it('ignores successful and in-progress commands and other documents', async () => {
    const h = handler();
    expect(await h(event('Success'))).toMatchObject({ action: 'ignored' });
    expect(await h(event('InProgress'))).toMatchObject({ action: 'ignored' });
    expect(await h(event('Failed', { 'document-name': 'AWS-RunShellScript' }))).toEqual({
      action: 'ignored',
      reason: 'document AWS-RunShellScript is not vodsr-RunHostJob',
    });
    expect(ssm.commandCalls(ListCommandsCommand)).toHaveLength(0);
    expect(sfn.commandCalls(SendTaskFailureCommand)).toHaveLength(0);
  });

  it('treats a task that already ended (the host reported first) as done', async () => {
    sfn.on(SendTaskFailureCommand).rejects(new TaskTimedOut({ message: 'Task Timed Out', $metadata: {} }));
    const out = await handler()(event('Failed'));
    expect(out).toEqual({
      action: 'already-closed',
      code: 'VODSR_SSM_COMMAND_FAILED',
      commandId: COMMAND_ID,
    });
  });

  it('rethrows other Step Functions errors so EventBridge retries', async () => {
    sfn
      .on(SendTaskFailureCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    await expect(handler()(event('Failed'))).rejects.toThrow('Rate exceeded');
  });

  it('ignores a command without a task token parameter', async () => {
    ssm
      .on(ListCommandsCommand)
      .resolves({ Commands: [{ CommandId: COMMAND_ID, Parameters: { commands: ['date'] } }] });
    expect(await handler()(event('Failed'))).toEqual({
      action: 'ignored',
      reason: `command ${COMMAND_ID} has no taskTokenB64 parameter`,
    });
    expect(sfn.commandCalls(SendTaskFailureCommand)).toHaveLength(0);
  });

  it.each([
    ['Failed', undefined],
    ['TimedOut', 'Execution Timed Out'],
    ['Cancelled', undefined],
  ])(
    'fails with VODSR_HOST_LOST (the job is placed again) when the command ended %s on an instance that is gone',
    async (status, details) => {
      ssm.on(DescribeInstanceInformationCommand).resolves({ InstanceInformationList: [] });
      const out = await handler()(event(status, details ? { 'status-details': details } : {}));
      expect(out).toEqual({ action: 'failed-task', code: 'VODSR_HOST_LOST', commandId: COMMAND_ID });
      const input = sfn.commandCalls(SendTaskFailureCommand)[0]?.args[0].input;
      expect(input?.error).toBe('VODSR_HOST_LOST');
      expect(input?.cause).toContain('the instance is gone');
      expect(ssm.commandCalls(DescribeInstanceInformationCommand)[0]?.args[0].input).toEqual({
        Filters: [{ Key: 'InstanceIds', Values: ['i-0123456789abcdef0'] }],
      });
    },
  );

  it('treats a host whose SSM agent lost its connection as gone, and an online one as the job failing', async () => {
    ssm.on(DescribeInstanceInformationCommand).resolves({
      InstanceInformationList: [{ InstanceId: 'i-0123456789abcdef0', PingStatus: 'ConnectionLost' }],
    });
    expect(await handler()(event('Failed'))).toMatchObject({ code: 'VODSR_HOST_LOST' });
    ssm.on(DescribeInstanceInformationCommand).resolves({
      InstanceInformationList: [{ InstanceId: 'i-0123456789abcdef0', PingStatus: 'Online' }],
    });
    expect(await handler()(event('Failed'))).toMatchObject({ code: 'VODSR_SSM_COMMAND_FAILED' });
  });

  it('keeps the status code when the host lookup itself fails, and does not look up undeliverable commands', async () => {
    ssm.on(DescribeInstanceInformationCommand).rejects(new Error('throttled'));
    expect(await handler()(event('Failed'))).toMatchObject({ code: 'VODSR_SSM_COMMAND_FAILED' });
    ssm.resetHistory();
    expect(await handler()(event('Failed', { 'status-details': 'Undeliverable' }))).toMatchObject({
      code: 'VODSR_SSM_UNDELIVERABLE',
    });
    expect(ssm.commandCalls(DescribeInstanceInformationCommand)).toHaveLength(0);
  });
});

import { SendTaskFailureCommand, SFNClient } from '@aws-sdk/client-sfn';
import { DescribeInstanceInformationCommand, ListCommandsCommand, SSMClient } from '@aws-sdk/client-ssm';
import {
  type CommandStatusOutcome,
  createCommandStatusHandler,
  type SsmStatusEvent,
} from './createCommandStatusHandler.js';

/** Environment variable naming the host document (set by the `VodsrPipeline` construct). */
export const COMMAND_STATUS_DOCUMENT_ENV = 'VODSR_HOST_DOCUMENT_NAME';

/** Builds the dead-host handler over real SSM and Step Functions clients. */
export function createAwsCommandStatusHandler(
  ssm: SSMClient,
  sfn: SFNClient,
  opts: { documentName?: string; log?: (entry: Record<string, unknown>) => void } = {},
): (event: SsmStatusEvent) => Promise<CommandStatusOutcome> {
  return createCommandStatusHandler({
    ...(opts.documentName ? { documentName: opts.documentName } : {}),
    ...(opts.log ? { log: opts.log } : {}),
    async getCommandParameters(commandId) {
      const out = await ssm.send(new ListCommandsCommand({ CommandId: commandId }));
      const p = out.Commands?.[0]?.Parameters;
      return p as Record<string, readonly string[]> | undefined;
    },
    async hostReachability(instanceId) {
      const out = await ssm.send(
        new DescribeInstanceInformationCommand({ Filters: [{ Key: 'InstanceIds', Values: [instanceId] }] }),
      );
      const info = out.InstanceInformationList?.[0];
      // A terminated instance leaves SSM's inventory (or stays ConnectionLost/Inactive until it does).
      return info?.PingStatus === 'Online' ? 'online' : 'gone';
    },
    async sendTaskFailure(taskToken, error, cause) {
      await sfn.send(new SendTaskFailureCommand({ taskToken, error, cause: cause.slice(0, 32_768) }));
    },
  });
}

let cached: ((event: SsmStatusEvent) => Promise<CommandStatusOutcome>) | undefined;

/** The dead-host Lambda's entry point (EventBridge rule on SSM command status). */
export async function handler(event: SsmStatusEvent): Promise<CommandStatusOutcome> {
  const documentName = process.env[COMMAND_STATUS_DOCUMENT_ENV];
  cached ??= createAwsCommandStatusHandler(
    new SSMClient({}),
    new SFNClient({}),
    documentName ? { documentName } : {},
  );
  return cached(event);
}

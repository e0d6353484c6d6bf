import { type SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { WorkflowInput } from '@vodsr/core';
import type { StartExecution } from '@vodsr/core/ingest';

/**
 * A `StartExecution` over Step Functions: `ExecutionAlreadyExists` (same deterministic name, already run) is
 * `'exists'`, i.e. done; any other error is thrown.
 *
 * @example createSfnStarter(new SFNClient({}), 'arn:aws:states:eu-west-1:111111111111:stateMachine:vodsr')
 */
export function createSfnStarter(client: SFNClient, stateMachineArn: string): StartExecution {
  return async (name: string, input: WorkflowInput) => {
    try {
      await client.send(new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }));
      return 'started';
    } catch (e) {
      if ((e as { name?: unknown }).name === 'ExecutionAlreadyExists') return 'exists';
      throw e;
    }
  };
}

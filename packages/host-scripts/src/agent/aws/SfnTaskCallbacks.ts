import { SendTaskFailureCommand, SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import type { TaskCallbacksPort } from '../types.js';

/**
 * Task callbacks on AWS Step Functions. A closed token rejects with the SDK's own error (`TaskTimedOut`,
 * `TaskDoesNotExist`, `InvalidToken`: its `name`), which the agent treats as "dropped".
 *
 * @example const callbacks = new SfnTaskCallbacks({ region: 'eu-west-1' });
 */
export class SfnTaskCallbacks implements TaskCallbacksPort {
  private readonly client: SFNClient;

  public constructor(opts: { readonly client?: SFNClient; readonly region?: string } = {}) {
    this.client = opts.client ?? new SFNClient(opts.region ? { region: opts.region } : {});
  }

  public async sendTaskSuccess(taskToken: string, output: unknown): Promise<void> {
    await this.client.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(output) }));
  }

  public async sendTaskFailure(taskToken: string, error: string, cause: string): Promise<void> {
    await this.client.send(
      new SendTaskFailureCommand({ taskToken, error: error.slice(0, 256), cause: cause.slice(0, 32_768) }),
    );
  }
}

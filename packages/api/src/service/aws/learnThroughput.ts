import type { ListExecutionsCommandOutput, SFNClient } from '@aws-sdk/client-sfn';
import { VodsrError, type WorkflowInput } from '@vodsr/core';
import {
  executionObservation,
  type ThroughputObservation,
  type ThroughputTable,
  throughputFrom,
} from '@vodsr/core/cost';

/** What `learnFromExecutions` read. */
export interface LearnedFromExecutions {
  readonly table: ThroughputTable;
  /** The observations, oldest first. */
  readonly observations: readonly ThroughputObservation[];
  /** Succeeded executions read. */
  readonly executions: number;
}

/**
 * The throughput learned on AWS, where the observations already live: in the output of each succeeded
 * execution (`$.host.elapsedSeconds`, `$.host.source`). Reads the newest `limit` succeeded executions of the
 * state machine (one ListExecutions, one DescribeExecution each, 5 at a time) and learns each as the model on
 * `instanceType` (the output names only the instance, not its type). Bounded by `limit`: Step Functions keeps
 * execution history for 90 days.
 *
 * @example const { table } = await learnFromExecutions(stateMachineArn, { instanceType: 'g6e.xlarge', region: 'us-east-1' });
 */
export async function learnFromExecutions(
  stateMachineArn: string,
  opts: {
    readonly instanceType?: string;
    readonly limit?: number;
    /** @default a new `SFNClient` for `region`, destroyed at the end */
    readonly client?: Pick<SFNClient, 'send'>;
    readonly region?: string;
  } = {},
): Promise<LearnedFromExecutions> {
  const sdk = await import('@aws-sdk/client-sfn');
  const own =
    opts.client === undefined ? new sdk.SFNClient(opts.region ? { region: opts.region } : {}) : undefined;
  try {
    return await learn(own ?? (opts.client as Pick<SFNClient, 'send'>), stateMachineArn, opts, sdk);
  } finally {
    own?.destroy();
  }
}

async function learn(
  client: Pick<SFNClient, 'send'>,
  stateMachineArn: string,
  opts: { readonly instanceType?: string; readonly limit?: number },
  sdk: typeof import('@aws-sdk/client-sfn'),
): Promise<LearnedFromExecutions> {
  const limit = Math.min(1000, Math.max(1, opts.limit ?? 50));
  let list: ListExecutionsCommandOutput;
  try {
    list = await client.send(
      new sdk.ListExecutionsCommand({ stateMachineArn, statusFilter: 'SUCCEEDED', maxResults: limit }),
    );
  } catch (e) {
    throw new VodsrError('VODSR_AWS_ERROR', `ListExecutions failed: ${(e as Error)?.message ?? String(e)}`, {
      cause: e,
    });
  }
  const arns = (list.executions ?? []).flatMap((x) => (x.executionArn ? [x.executionArn] : []));
  const observations: ThroughputObservation[] = [];
  for (let i = 0; i < arns.length; i += 5) {
    const described = await Promise.all(
      arns
        .slice(i, i + 5)
        .map((executionArn) =>
          client.send(new sdk.DescribeExecutionCommand({ executionArn })).catch(() => undefined),
        ),
    );
    for (const d of described) {
      if (!d?.output || !d.input) continue;
      let input: WorkflowInput | undefined;
      let output: unknown;
      try {
        input = JSON.parse(d.input) as WorkflowInput;
        output = JSON.parse(d.output);
      } catch {
        continue;
      }
      const model = input?.job?.model;
      if (typeof model !== 'string') continue;
      const o = executionObservation(model, output, opts.instanceType, d.stopDate?.toISOString());
      if (o) observations.push(o);
    }
  }
  // ListExecutions answers newest first: learn oldest first
  observations.reverse();
  return { table: throughputFrom(observations), observations, executions: arns.length };
}

import type { SFNClient } from '@aws-sdk/client-sfn';
import { isVodsrError, type JobStatus, VodsrError, type WorkflowInput } from '@vodsr/core';
import { LOCAL_HOST_KIND, type ThroughputTable } from '@vodsr/core/cost';
import { learnFromExecutions } from '../aws/learnThroughput.js';
import type { JobService } from '../types.js';
import type { BackfillTarget } from './runBackfill.js';

/** A job service that can run a prepared execution input under its own name (the local backend). */
export interface StartsExecutions extends JobService {
  startExecution(name: string, input: WorkflowInput): Promise<'started' | 'exists'>;
}

/**
 * Whether a job service runs prepared inputs under their names (`LocalJobService` does).
 *
 * @example if (startsExecutions(service)) await service.startExecution(name, input);
 */
export function startsExecutions(s: JobService): s is StartsExecutions {
  return typeof (s as Partial<StartsExecutions>).startExecution === 'function';
}

/**
 * The backfill target of a job service: `startExecution` as is, statuses from `get` (not found = no job).
 *
 * @example const target = serviceBackfillTarget(await LocalJobService.open({ dataDir }));
 */
export function serviceBackfillTarget(service: JobService): BackfillTarget {
  if (!startsExecutions(service)) {
    throw new VodsrError(
      'VODSR_VALIDATION',
      `The ${service.backend} backend cannot start prepared executions: backfill runs on the local backend, or on AWS with awsBackfillTarget`,
    );
  }
  const learnedTable = (service as { throughput?: () => ThroughputTable }).throughput;
  return {
    startExecution: (name, input) => service.startExecution(name, input),
    // the local backend's jobs run on this machine: its learned table, keyed by the host kind `local`
    ...(typeof learnedTable === 'function' && service.backend === 'local'
      ? {
          learned: async () => ({
            estimate: { throughputHost: LOCAL_HOST_KIND },
            throughput: learnedTable.call(service),
          }),
        }
      : {}),
    statusOf: async (name) => {
      try {
        return (await service.get(name)).status;
      } catch (e) {
        if (isVodsrError(e) && e.code === 'VODSR_JOB_NOT_FOUND') return undefined;
        throw e;
      }
    },
  };
}

const SFN_STATUS: Readonly<Record<string, JobStatus>> = {
  RUNNING: 'running',
  PENDING_REDRIVE: 'failed',
  SUCCEEDED: 'succeeded',
  FAILED: 'failed',
  TIMED_OUT: 'failed',
  ABORTED: 'cancelled',
};

/**
 * The AWS backfill target: one `StartExecution` per item on the job state machine under the item's deterministic
 * name (`ExecutionAlreadyExists` = exists: done or in flight), statuses from `DescribeExecution`. This is what the
 * CLI does on AWS; the deployed `VodsrBackfill` Distributed Map does the same per item inside Step Functions.
 *
 * @example const target = await awsBackfillTarget('arn:aws:states:…:stateMachine:vodsr', { region: 'eu-west-1' });
 */
export async function awsBackfillTarget(
  stateMachineArn: string,
  opts: {
    client?: SFNClient;
    region?: string;
    /**
     * How the plan's estimate learns the fleet's throughput: from the newest `limit` succeeded executions of the
     * job state machine (`learnFromExecutions`: one ListExecutions, one DescribeExecution each), priced and keyed
     * as `instanceType` (`purchase`); `false` = the documented default. @default { limit: 50 }, g6e.xlarge on-demand
     */
    learn?:
      | false
      | { readonly instanceType?: string; readonly purchase?: 'on-demand' | 'spot'; readonly limit?: number };
  } = {},
): Promise<BackfillTarget> {
  const sdk = await import('@aws-sdk/client-sfn');
  const client = opts.client ?? new sdk.SFNClient(opts.region ? { region: opts.region } : {});
  const arnOf = (name: string) => `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
  const errName = (e: unknown) => (e as { name?: string } | undefined)?.name;
  const awsError = (e: unknown, op: string) =>
    new VodsrError('VODSR_AWS_ERROR', `${op} failed: ${(e as Error)?.message ?? String(e)}`, { cause: e });
  const learn = opts.learn === false ? undefined : (opts.learn ?? {});
  return {
    backend: 'aws',
    ...(learn === undefined
      ? {}
      : {
          learned: async () => {
            const l = await learnFromExecutions(stateMachineArn, {
              client,
              ...(learn.limit === undefined ? {} : { limit: learn.limit }),
              ...(learn.instanceType === undefined ? {} : { instanceType: learn.instanceType }),
            });
            return {
              estimate: {
                ...(learn.instanceType === undefined ? {} : { instanceType: learn.instanceType }),
                ...(learn.purchase === undefined ? {} : { purchase: learn.purchase }),
              },
              throughput: l.table,
            };
          },
        }),
    startExecution: async (name, input) => {
      try {
        await client.send(
          new sdk.StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }),
        );
        return 'started';
      } catch (e) {
        if (errName(e) === 'ExecutionAlreadyExists') return 'exists';
        throw awsError(e, 'StartExecution');
      }
    },
    statusOf: async (name) => {
      try {
        const d = await client.send(new sdk.DescribeExecutionCommand({ executionArn: arnOf(name) }));
        return SFN_STATUS[d.status ?? ''] ?? 'running';
      } catch (e) {
        if (errName(e) === 'ExecutionDoesNotExist') return undefined;
        throw awsError(e, 'DescribeExecution');
      }
    },
  };
}

import { randomUUID } from 'node:crypto';
import type { S3Client } from '@aws-sdk/client-s3';
import type { DescribeExecutionCommandOutput, SFNClient } from '@aws-sdk/client-sfn';
import {
  executionName,
  FINAL_STATUSES,
  type JobRecord,
  type JobStatus,
  parseJobSpec,
  parseLocation,
  prepareJob,
  transition,
  ValidationError,
  VodsrError,
  type WorkflowInput,
} from '@vodsr/core';
import type { ExecutionPricing, PriceTable } from '@vodsr/core/cost';
import { assertRetryable, retryJobId, retryWorkflowInput } from '@vodsr/core/job';
import { type FleetStatus, WORKFLOW_STATES } from '@vodsr/core/workflow';
import { hostHlsPlan } from '@vodsr/mediaconvert-presets';
import { snapshotsToEvents } from '../local/events.js';
import { withIdempotencyKey } from '../submitBody.js';
import type {
  JobEvent,
  JobPage,
  JobService,
  ListOptions,
  SubmitOptions,
  SubmitResult,
  WatchOptions,
} from '../types.js';
import { type AwsFleetOptions, readAwsFleetStatus } from './awsFleetStatus.js';
import { parseJson, toJobRecord } from './executionRecord.js';
import { type LearnedFromExecutions, learnFromExecutions } from './learnThroughput.js';
import { estimateFromHead } from './submitEstimate.js';

/** Options of the AWS backend. */
export interface AwsJobServiceOptions {
  /** The vodsr state machine (infra-cdk's output). */
  readonly stateMachineArn: string;
  /** Default output root for jobs without `output`: `s3://bucket/prefix/`. */
  readonly outputRoot: string;
  /** An SFN client (tests inject a mock); default: a new `SFNClient` for `region`, imported lazily. */
  readonly client?: Pick<SFNClient, 'send'>;
  /** AWS region of the default client. */
  readonly region?: string;
  /** The deployed fleet, for `fleetStatus` (`GET /v1/fleet`). @default none: `fleetStatus` is undefined */
  readonly fleet?: Omit<AwsFleetOptions, 'region'>;
  /** How the fleet is priced for `cost.actual` (instance type, on-demand or Spot, slots). @default g6e.xlarge on-demand, 1 slot */
  readonly pricing?: ExecutionPricing;
  /** The price table. @default core's `DEFAULT_PRICE_TABLE` */
  readonly prices?: PriceTable;
  /**
   * An S3 client for the source's `HeadObject` at submit (its size → `cost.estimate`, as the trigger makes it; tests
   * inject a mock). @default a new `S3Client` for `region`, imported lazily
   */
  readonly s3?: Pick<S3Client, 'send'>;
}

type SfnStatus = NonNullable<DescribeExecutionCommandOutput['status']>;

const TO_SFN: Record<JobStatus, SfnStatus[]> = {
  queued: ['RUNNING'],
  running: ['RUNNING'],
  upscaling: ['RUNNING'],
  packaging: ['RUNNING'],
  interrupted: [],
  succeeded: ['SUCCEEDED'],
  failed: ['FAILED', 'TIMED_OUT'],
  cancelled: ['ABORTED'],
};

function errName(e: unknown): string {
  return (e as { name?: string })?.name ?? '';
}

function awsError(e: unknown, what: string): VodsrError {
  if (e instanceof VodsrError) return e;
  return new VodsrError('VODSR_AWS_ERROR', `${what} failed: ${(e as Error)?.message ?? String(e)}`, {
    cause: e,
    details: { awsError: errName(e) },
  });
}

/**
 * The AWS backend: one job = one Step Functions execution of the vodsr state machine. `submit` starts an execution
 * named with core's deterministic `executionName` (the same idempotency key → the same execution),
 * `get`/`list` map DescribeExecution/ListExecutions to `JobRecord`s, `cancel` stops the execution and `watch` polls.
 *
 * @example
 * const jobs = new AwsJobService({ stateMachineArn, outputRoot: 's3://out/' }); // hosts pull jobs from the queues
 * const { job } = await jobs.submit({ source: 's3://in/apink_10s.mp4' }, { idempotencyKey: 'upload-42' });
 */
export class AwsJobService implements JobService {
  public readonly backend = 'aws' as const;
  private client: Pick<SFNClient, 'send'> | undefined;
  private s3: Pick<S3Client, 'send'> | undefined;
  private sdk: typeof import('@aws-sdk/client-sfn') | undefined;

  public constructor(private readonly opts: AwsJobServiceOptions) {
    const issues = [];
    if (
      !/^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:[A-Za-z0-9_-]{1,80}$/.test(opts.stateMachineArn)
    )
      issues.push({ path: '/stateMachineArn', message: 'must be a Step Functions state machine ARN' });
    if (!/^s3:\/\//.test(opts.outputRoot ?? ''))
      issues.push({ path: '/outputRoot', message: 'must be an s3:// URI' });
    if (issues.length) throw new ValidationError('AWS backend options', issues);
    this.client = opts.client;
    this.s3 = opts.s3;
  }

  private async api(): Promise<{
    client: Pick<SFNClient, 'send'>;
    sdk: typeof import('@aws-sdk/client-sfn');
  }> {
    this.sdk ??= await import('@aws-sdk/client-sfn');
    this.client ??= new this.sdk.SFNClient(this.opts.region ? { region: this.opts.region } : {});
    return { client: this.client, sdk: this.sdk };
  }

  /** The fleet's hosts, slots, queues and $/h (`readAwsFleetStatus`); undefined without `fleet`. */
  public async fleetStatus(): Promise<FleetStatus | undefined> {
    const f = this.opts.fleet;
    if (!f) return undefined;
    return readAwsFleetStatus({ ...f, ...(this.opts.region ? { region: this.opts.region } : {}) });
  }

  /** The execution ARN of a job id (= execution name). */
  public executionArn(id: string): string {
    if (!/^[A-Za-z0-9_.-]{1,80}$/.test(id)) {
      throw new VodsrError('VODSR_JOB_NOT_FOUND', `No job has id "${id}"`, { details: { id } });
    }
    return `${this.opts.stateMachineArn.replace(':stateMachine:', ':execution:')}:${id}`;
  }

  public async submit(input: unknown, opts: SubmitOptions = {}): Promise<SubmitResult> {
    const body = withIdempotencyKey(input, opts.idempotencyKey);
    const spec = parseJobSpec(body);
    const src = parseLocation(spec.source);
    const issues = [];
    if (src.kind !== 's3') issues.push({ path: '/source', message: 'the AWS backend needs an s3:// source' });
    if (spec.output !== undefined && parseLocation(spec.output).kind !== 's3')
      issues.push({ path: '/output', message: 'the AWS backend needs an s3:// output' });
    if (issues.length || src.kind !== 's3') throw new ValidationError('job', issues);
    const name = executionName(src.bucket, src.key, spec.idempotencyKey ?? randomUUID());
    const wf = prepareJob(spec, {
      jobId: name,
      outputRoot: this.opts.outputRoot,
      // AWS default: MediaConvert (the use case's); a job may ask for `packaging.engine: 'host'`.
      packagingEngine: 'mediaconvert',
      hostHlsPlan,
    });
    this.s3 ??= new (await import('@aws-sdk/client-s3')).S3Client(
      this.opts.region ? { region: this.opts.region } : {},
    );
    wf.estimate =
      (await estimateFromHead(this.s3, wf, src, { pricing: this.opts.pricing, prices: this.opts.prices })) ??
      null;
    const { client, sdk } = await this.api();
    const requestedAt = Date.now();
    try {
      const out = await client.send(
        new sdk.StartExecutionCommand({
          stateMachineArn: this.opts.stateMachineArn,
          name,
          input: JSON.stringify(wf),
        }),
      );
      const started = out.startDate?.getTime() ?? requestedAt;
      return { job: await this.get(name), created: started >= requestedAt - 2000 };
    } catch (e) {
      if (errName(e) === 'ExecutionAlreadyExists') {
        throw new VodsrError('VODSR_CONFLICT', 'This idempotency key was already used for a different job', {
          details: { idempotencyKey: spec.idempotencyKey, id: name },
          cause: e,
        });
      }
      throw awsError(e, 'StartExecution');
    }
  }

  /** DescribeExecution of a job; throws `VODSR_JOB_NOT_FOUND`. */
  private async describe(id: string): Promise<DescribeExecutionCommandOutput> {
    const executionArn = this.executionArn(id);
    const { client, sdk } = await this.api();
    try {
      return await client.send(new sdk.DescribeExecutionCommand({ executionArn }));
    } catch (e) {
      if (errName(e) === 'ExecutionDoesNotExist')
        throw new VodsrError('VODSR_JOB_NOT_FOUND', `No job has id "${id}"`, { details: { id } });
      throw awsError(e, 'DescribeExecution');
    }
  }

  public async get(id: string): Promise<JobRecord> {
    const executionArn = this.executionArn(id);
    const { client, sdk } = await this.api();
    const d = await this.describe(id);
    let stage: JobStatus = 'running';
    if (d.status === 'RUNNING') {
      try {
        const h = await client.send(
          new sdk.GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: 25 }),
        );
        const entered = h.events?.find((ev) => ev.stateEnteredEventDetails?.name);
        const n = entered?.stateEnteredEventDetails?.name;
        if (n === WORKFLOW_STATES.runHost) stage = 'upscaling';
        else if (n === WORKFLOW_STATES.package || n === WORKFLOW_STATES.planPackaging) stage = 'packaging';
      } catch {
        // history is a nicety: without it the job is reported as running
      }
    }
    return toJobRecord(d, stage, this.opts);
  }

  public async list(opts: ListOptions = {}): Promise<JobPage> {
    const limit = Math.min(100, Math.max(1, opts.limit ?? 20));
    const sfnStatuses = [...new Set((opts.status ?? []).flatMap((s) => TO_SFN[s]))];
    if (opts.status?.length && sfnStatuses.length === 0) return { jobs: [] };
    const { client, sdk } = await this.api();
    const out = await client
      .send(
        new sdk.ListExecutionsCommand({
          stateMachineArn: this.opts.stateMachineArn,
          maxResults: limit,
          ...(sfnStatuses.length === 1 ? { statusFilter: sfnStatuses[0] } : {}),
          ...(opts.cursor ? { nextToken: opts.cursor } : {}),
        }),
      )
      .catch((e: unknown) => {
        throw errName(e) === 'InvalidToken'
          ? new ValidationError('list options', [{ path: '/cursor', message: 'is not a valid cursor' }])
          : awsError(e, 'ListExecutions');
      });
    const items = (out.executions ?? []).filter(
      (x) => sfnStatuses.length <= 1 || (x.status !== undefined && sfnStatuses.includes(x.status)),
    );
    const jobs: JobRecord[] = [];
    for (let i = 0; i < items.length; i += 5) {
      const chunk = items.slice(i, i + 5);
      const recs = await Promise.all(chunk.map((x) => this.get(x.name ?? '')));
      jobs.push(...recs.filter((r) => !opts.status?.length || opts.status.includes(r.status)));
    }
    return out.nextToken ? { jobs, nextCursor: out.nextToken } : { jobs };
  }

  public async cancel(id: string): Promise<JobRecord> {
    const cur = await this.get(id);
    if (FINAL_STATUSES.includes(cur.status)) transition(cur.status, 'cancelled');
    const { client, sdk } = await this.api();
    try {
      await client.send(
        new sdk.StopExecutionCommand({
          executionArn: this.executionArn(id),
          error: 'VODSR_CANCELLED',
          cause: 'The job was cancelled',
        }),
      );
    } catch (e) {
      throw awsError(e, 'StopExecution');
    }
    return this.get(id);
  }

  /**
   * Retries a failed or cancelled job: a new execution, `retryJobId(id)`, of the input the job ran with. Not
   * `RedriveExecution`: the workflow catches every failure and ends in its `Failed` state, where a redrive would
   * restart and fail again. The same job again is that execution (`created: false`), as submit's idempotency.
   */
  public async retry(id: string): Promise<SubmitResult> {
    const { client, sdk } = await this.api();
    const d = await this.describe(id);
    assertRetryable(toJobRecord(d));
    const input = parseJson<WorkflowInput>(d.input);
    if (!input?.hostJobB64) {
      throw new VodsrError('VODSR_CONFLICT', `Execution ${id} has no vodsr job input to run again`, {
        details: { id },
      });
    }
    const name = retryJobId(id);
    const exists = await this.describe(name).then(
      () => true,
      (e: unknown) => {
        if (e instanceof VodsrError && e.code === 'VODSR_JOB_NOT_FOUND') return false;
        throw e;
      },
    );
    if (!exists) {
      try {
        await client.send(
          new sdk.StartExecutionCommand({
            stateMachineArn: this.opts.stateMachineArn,
            name,
            input: JSON.stringify(retryWorkflowInput(input, name)),
          }),
        );
      } catch (e) {
        // started meanwhile by another retry of the same job
        if (errName(e) !== 'ExecutionAlreadyExists') throw awsError(e, 'StartExecution');
        return { job: await this.get(name), created: false };
      }
    }
    return { job: await this.get(name), created: !exists };
  }

  public watch(id: string, opts: WatchOptions = {}): AsyncIterable<JobEvent> {
    const pollMs = opts.pollMs ?? 5000;
    const self = this;
    return {
      async *[Symbol.asyncIterator]() {
        const first = await self.get(id);
        const next = async (): Promise<JobRecord | undefined> => {
          if (opts.signal?.aborted) return undefined;
          await new Promise<void>((r) => {
            const t = setTimeout(r, pollMs);
            opts.signal?.addEventListener(
              'abort',
              () => {
                clearTimeout(t);
                r();
              },
              { once: true },
            );
          });
          return opts.signal?.aborted ? undefined : self.get(id);
        };
        yield* snapshotsToEvents(first, next);
      },
    };
  }

  /**
   * The throughput learned from the newest `limit` succeeded executions (`learnFromExecutions`), keyed by the
   * `pricing.instanceType` the fleet runs.
   */
  public async throughput(limit = 50): Promise<LearnedFromExecutions> {
    const { client } = await this.api();
    return learnFromExecutions(this.opts.stateMachineArn, {
      client,
      limit,
      ...(this.opts.pricing?.instanceType ? { instanceType: this.opts.pricing.instanceType } : {}),
    });
  }

  public async close(): Promise<void> {
    (this.client as { destroy?: () => void } | undefined)?.destroy?.();
  }
}

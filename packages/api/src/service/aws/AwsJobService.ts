import { randomUUID } from 'node:crypto';
import type { S3Client } from '@aws-sdk/client-s3';
import type { DescribeExecutionCommandOutput, SFNClient } from '@aws-sdk/client-sfn';
import {
  executionName,
  FINAL_STATUSES,
  type JobOutputs,
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
import { type ExecutionPricing, executionActualCost, type PriceTable } from '@vodsr/core/cost';
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

  public async get(id: string): Promise<JobRecord> {
    const executionArn = this.executionArn(id);
    const { client, sdk } = await this.api();
    let d: DescribeExecutionCommandOutput;
    try {
      d = await client.send(new sdk.DescribeExecutionCommand({ executionArn }));
    } catch (e) {
      if (errName(e) === 'ExecutionDoesNotExist')
        throw new VodsrError('VODSR_JOB_NOT_FOUND', `No job has id "${id}"`, { details: { id } });
      throw awsError(e, 'DescribeExecution');
    }
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

function parseJson<T>(s: string | undefined): T | undefined {
  if (!s) return undefined;
  try {
    return JSON.parse(s) as T;
  } catch {
    return undefined;
  }
}

/**
 * Maps a DescribeExecution answer to a job record: `cost.estimate` from its input (what the entry point estimated
 * before it ran), and for a succeeded one `cost.actual` from its output (the host's measured seconds, MediaConvert's
 * output durations) at the fleet's pricing.
 */
export function toJobRecord(
  d: DescribeExecutionCommandOutput,
  runningAs: JobStatus = 'running',
  cost: { readonly pricing?: ExecutionPricing; readonly prices?: PriceTable } = {},
): JobRecord {
  const input = parseJson<WorkflowInput>(d.input);
  const output = parseJson<{ host?: Record<string, unknown> }>(d.output);
  const status: JobStatus =
    d.status === 'SUCCEEDED'
      ? 'succeeded'
      : d.status === 'ABORTED'
        ? 'cancelled'
        : d.status === 'FAILED' || d.status === 'TIMED_OUT' || d.status === 'PENDING_REDRIVE'
          ? 'failed'
          : runningAs;
  const started = (d.startDate ?? new Date(0)).toISOString();
  const rec: JobRecord = {
    id: d.name ?? d.executionArn?.split(':').pop() ?? '',
    backend: 'aws',
    spec: input?.job ?? { source: '', model: 'A' },
    status,
    progress: { percent: status === 'succeeded' ? 100 : 0, stage: status },
    createdAt: started,
    updatedAt: (d.stopDate ?? d.startDate ?? new Date(0)).toISOString(),
    startedAt: started,
    attempts: 1,
  };
  if (d.executionArn) rec.executionArn = d.executionArn;
  if (d.stopDate) rec.finishedAt = d.stopDate.toISOString();
  if (status === 'failed') {
    rec.error = {
      code: d.error && /^VODSR_[A-Z_]+$/.test(d.error) ? d.error : 'VODSR_WORKFLOW_FAILED',
      message: d.cause ?? (d.status === 'TIMED_OUT' ? 'The execution timed out' : 'The workflow failed'),
    };
    if (d.error && !/^VODSR_/.test(d.error)) rec.error.details = { stepFunctionsError: d.error };
  }
  if (status === 'cancelled')
    rec.error = { code: 'VODSR_CANCELLED', message: d.cause ?? 'The job was cancelled' };
  // the entry point's estimate (the trigger's and the backfill's: a size-based guess, said in its assumptions)
  const estimate = input?.estimate ?? undefined;
  if (estimate)
    rec.cost = {
      estimate: { ...estimate, usd: { ...estimate.usd }, assumptions: [...estimate.assumptions] },
    };
  if (status === 'succeeded' && input) {
    const host = output?.host ?? {};
    const outputs: JobOutputs = { srFile: input.srFile };
    if (input.packagingPreset !== 'none') outputs.hlsDir = input.hlsDestination;
    if (typeof host.encoder === 'string') outputs.encoderUsed = host.encoder;
    if (host.source) outputs.source = host.source as JobOutputs['source'];
    if (host.sr) outputs.sr = host.sr as JobOutputs['sr'];
    outputs.modelUsed = input.job.model;
    rec.outputs = outputs;
    const actual = executionActualCost(output, cost.pricing, cost.prices);
    if (actual !== undefined)
      rec.cost = {
        ...rec.cost,
        actual: { ...actual, usd: { ...actual.usd }, assumptions: [...actual.assumptions] },
      };
  }
  return rec;
}

import {
  type BackfillDecision,
  decideBackfillObject,
  type ListedObject,
  type ResolvedBackfillOptions,
  resolveBackfillOptions,
} from './backfill.js';
import { ValidationError, type ValidationIssue } from './errors.js';
import type { TriggerConfig } from './ingest.js';
import type { PrepareJobContext } from './prepareJob.js';

/**
 * The backfill state machine as data (deployed by infra-cdk's `VodsrBackfill`): a Distributed Map whose
 * `ItemReader` lists `s3://<bucket>/<prefix>` (`s3:listObjectsV2`), each item a small flow — the per-item Lambda
 * (core's `createBackfillItemHandler`: the trigger's rules and `prepareJob`, `priority: 'bulk'`) decides, then
 * `states:startExecution` starts the job workflow under the trigger's deterministic name. A name that exists
 * (done, or in flight from an upload) ends `StepFunctions.ExecutionAlreadyExistsException` → `exists`.
 *
 * State names (local runs key task handlers by them):
 * - `PlanItem`: Lambda invoke; its raw result is `{ Payload: BackfillDecision }`.
 * - `StartJob`: `startExecution(.sync:2)`; its raw result is `{ Status, ExecutionArn, … }`; throw an error named
 *   `StepFunctions.ExecutionAlreadyExistsException` for an existing name.
 */
export const BACKFILL_STATES = {
  applyDefaults: 'ApplyDefaults',
  objects: 'BackfillObjects',
  planItem: 'PlanItem',
  shouldSubmit: 'ShouldSubmit',
  startJob: 'StartJob',
  submitted: 'Submitted',
  exists: 'AlreadyExists',
  skipped: 'Skipped',
} as const;

/** The error Step Functions raises when `startExecution` names an existing (or closed) execution. */
export const EXECUTION_EXISTS_ERROR = 'StepFunctions.ExecutionAlreadyExistsException';

/** Options of {@link buildBackfillDefinition}; the defaults suit a local run, infra-cdk passes real ARNs. */
export interface BackfillDefinitionOptions {
  /** ARN of the per-item Lambda. @default a local placeholder */
  readonly planFunctionArn?: string;
  /** ARN of the job workflow's state machine. @default a local placeholder */
  readonly jobStateMachineArn?: string;
  /** Where the Distributed Map writes its results (`ResultWriter`). Required for the Distributed Map. */
  readonly resultBucket?: string;
  /** @default 'backfills/' */
  readonly resultPrefix?: string;
  /**
   * Child executions at a time. With `waitForJobs` each waits for its job to end, so this bounds how many jobs
   * of the backfill are queued or running at once. 1..10000. @default 100
   */
  readonly maxConcurrency?: number;
  /** Items that may fail (a job that fails, a Lambda error) before the whole backfill fails. 0..100. @default 5 */
  readonly toleratedFailurePercentage?: number;
  /**
   * Whether each item waits for its job (`startExecution.sync:2`, STANDARD child executions) — so MaxConcurrency
   * bounds the queue and a failed job counts as a failed item — or only starts it (EXPRESS children). @default true
   */
  readonly waitForJobs?: boolean;
}

const LOCAL_PLAN_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:vodsr-backfill-plan';
const LOCAL_JOB_ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:vodsr-job';

function checkOptions(o: BackfillDefinitionOptions): void {
  const issues: ValidationIssue[] = [];
  const mc = o.maxConcurrency ?? 100;
  if (!Number.isInteger(mc) || mc < 1 || mc > 10_000)
    issues.push({ path: '/maxConcurrency', message: 'must be an integer from 1 to 10000' });
  const tf = o.toleratedFailurePercentage ?? 5;
  if (!Number.isFinite(tf) || tf < 0 || tf > 100)
    issues.push({ path: '/toleratedFailurePercentage', message: 'must be a number from 0 to 100' });
  if (o.resultBucket !== undefined && o.resultBucket.length === 0)
    issues.push({ path: '/resultBucket', message: 'must be a bucket name' });
  if (issues.length) throw new ValidationError('backfill definition options', issues);
}

/**
 * The per-item flow (the Distributed Map's `ItemProcessor` states), also runnable alone — which is how it is
 * executed locally (aws-local-stepfunctions runs inline Maps, not a Distributed Map's ItemReader).
 * Input: `{ bucket, prefix, include, object: { key, size, etag } }`. Output: `{ key, outcome: 'submitted' |
 * 'exists' | 'skipped', name?, status?, reason?, detail? }`.
 *
 * @example const item = buildBackfillItemDefinition({ planFunctionArn, jobStateMachineArn });
 */
export function buildBackfillItemDefinition(options: BackfillDefinitionOptions = {}): {
  StartAt: string;
  States: Record<string, unknown>;
} {
  checkOptions(options);
  const S = BACKFILL_STATES;
  const wait = options.waitForJobs ?? true;
  return {
    StartAt: S.planItem,
    States: {
      [S.planItem]: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Parameters: { FunctionName: options.planFunctionArn ?? LOCAL_PLAN_ARN, 'Payload.$': '$' },
        ResultSelector: { 'decision.$': '$.Payload' },
        Retry: [
          {
            ErrorEquals: [
              'Lambda.ServiceException',
              'Lambda.AWSLambdaException',
              'Lambda.SdkClientException',
              'Lambda.TooManyRequestsException',
            ],
            IntervalSeconds: 2,
            MaxAttempts: 6,
            BackoffRate: 2,
            JitterStrategy: 'FULL',
          },
        ],
        Next: S.shouldSubmit,
      },
      [S.shouldSubmit]: {
        Type: 'Choice',
        Choices: [{ Variable: '$.decision.action', StringEquals: 'submit', Next: S.startJob }],
        Default: S.skipped,
      },
      [S.startJob]: {
        Type: 'Task',
        Resource: wait
          ? 'arn:aws:states:::states:startExecution.sync:2'
          : 'arn:aws:states:::states:startExecution',
        Parameters: {
          StateMachineArn: options.jobStateMachineArn ?? LOCAL_JOB_ARN,
          'Name.$': '$.decision.name',
          'Input.$': '$.decision.input',
        },
        ResultSelector: wait
          ? { 'status.$': '$.Status', 'executionArn.$': '$.ExecutionArn' }
          : { status: 'STARTED', 'executionArn.$': '$.ExecutionArn' },
        ResultPath: '$.job',
        Retry: [
          {
            ErrorEquals: ['StepFunctions.SdkClientException', 'StepFunctions.ThrottlingException'],
            IntervalSeconds: 2,
            MaxAttempts: 6,
            BackoffRate: 2,
            JitterStrategy: 'FULL',
          },
        ],
        Catch: [{ ErrorEquals: [EXECUTION_EXISTS_ERROR], ResultPath: '$.error', Next: S.exists }],
        Next: S.submitted,
      },
      [S.submitted]: {
        Type: 'Pass',
        Parameters: {
          'key.$': '$.decision.key',
          'name.$': '$.decision.name',
          outcome: 'submitted',
          'status.$': '$.job.status',
        },
        End: true,
      },
      [S.exists]: {
        Type: 'Pass',
        Parameters: { 'key.$': '$.decision.key', 'name.$': '$.decision.name', outcome: 'exists' },
        End: true,
      },
      [S.skipped]: {
        Type: 'Pass',
        Parameters: {
          'key.$': '$.decision.key',
          outcome: 'skipped',
          'reason.$': '$.decision.reason',
          'detail.$': '$.decision.detail',
        },
        End: true,
      },
    },
  };
}

/**
 * The backfill state machine (ASL as data). Execution input: `{ bucket, prefix?, include? }` (`include`: globs,
 * comma-separated or a list). `ApplyDefaults` fills `prefix: ''` and `include: ''`; the Distributed Map lists the
 * prefix, builds each item with `ItemSelector` and writes every item's result to `s3://resultBucket/resultPrefix`.
 *
 * @example
 * buildBackfillDefinition({ planFunctionArn, jobStateMachineArn, resultBucket: 'vodsr-out', maxConcurrency: 50 })
 */
export function buildBackfillDefinition(options: BackfillDefinitionOptions = {}): Record<string, unknown> {
  checkOptions(options);
  const S = BACKFILL_STATES;
  const wait = options.waitForJobs ?? true;
  const item = buildBackfillItemDefinition(options);
  return {
    Comment:
      "vodsr backfill: every object under a prefix becomes a job on the bulk queue, under the trigger's name (existing = skipped).",
    StartAt: S.applyDefaults,
    States: {
      [S.applyDefaults]: {
        Type: 'Pass',
        Parameters: {
          'args.$': 'States.JsonMerge(States.StringToJson(\'{"prefix":"","include":""}\'), $, false)',
        },
        OutputPath: '$.args',
        Next: S.objects,
      },
      [S.objects]: {
        Type: 'Map',
        ItemReader: {
          Resource: 'arn:aws:states:::s3:listObjectsV2',
          Parameters: { 'Bucket.$': '$.bucket', 'Prefix.$': '$.prefix' },
        },
        ItemSelector: {
          'bucket.$': '$.bucket',
          'prefix.$': '$.prefix',
          'include.$': '$.include',
          object: {
            'key.$': '$$.Map.Item.Value.Key',
            'size.$': '$$.Map.Item.Value.Size',
            'etag.$': '$$.Map.Item.Value.Etag',
          },
        },
        ItemProcessor: {
          ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: wait ? 'STANDARD' : 'EXPRESS' },
          ...item,
        },
        MaxConcurrency: options.maxConcurrency ?? 100,
        ToleratedFailurePercentage: options.toleratedFailurePercentage ?? 5,
        ...(options.resultBucket === undefined
          ? {}
          : {
              ResultWriter: {
                Resource: 'arn:aws:states:::s3:putObject',
                Parameters: { Bucket: options.resultBucket, Prefix: options.resultPrefix ?? 'backfills/' },
              },
            }),
        End: true,
      },
    },
  };
}

/** The per-item Lambda's event (what `ItemSelector` builds). */
export interface BackfillItemEvent {
  readonly bucket: string;
  readonly prefix?: string;
  readonly include?: string | readonly string[];
  readonly object: ListedObject;
}

/**
 * The per-item Lambda's logic: `decideBackfillObject` with the trigger's configuration — the very rules and the
 * very `prepareJob` an upload gets, so a Pass state never rebuilds a job. Options are resolved once per
 * (bucket, prefix, include) and cached.
 *
 * @example
 * const handler = createBackfillItemHandler({ config: triggerConfigFromEnv() });
 * await handler({ bucket: 'in', prefix: '', include: '*.mp4', object: { key: 'a.mp4', size: 9, etag: '"e"' } });
 */
export function createBackfillItemHandler(deps: {
  config: TriggerConfig;
  /** The presets' `hostHlsPlan`, for `packagingEngine: 'host'` (as the trigger's). */
  hostHlsPlan?: PrepareJobContext['hostHlsPlan'];
}): (event: BackfillItemEvent) => Promise<BackfillDecision> {
  const cache = new Map<string, ResolvedBackfillOptions>();
  return async (event) => {
    const include = event.include === '' ? undefined : event.include;
    const cacheKey = JSON.stringify([event.bucket, event.prefix ?? '', include ?? null]);
    let resolved = cache.get(cacheKey);
    if (resolved === undefined) {
      resolved = resolveBackfillOptions({
        bucket: event.bucket,
        prefix: event.prefix ?? '',
        ...(include === undefined ? {} : { include }),
        config: deps.config,
      });
      cache.set(cacheKey, resolved);
    }
    const o = event.object ?? ({} as ListedObject);
    return decideBackfillObject(
      resolved,
      {
        key: o.key,
        size: Number(o.size),
        etag: typeof o.etag === 'string' ? o.etag : '',
      },
      deps.hostHlsPlan,
    );
  };
}

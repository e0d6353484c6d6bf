import { ValidationError, type ValidationIssue } from './errors.js';
import {
  DEFAULT_MAX_HOST_ATTEMPTS,
  DEFAULT_REQUEUE_SECONDS,
  HOST_LOST_ERRORS,
  LEASE_PATTERN,
} from './fleet.js';

/**
 * The state names of the vodsr workflow. Local executions (aws-local-stepfunctions) key their task handlers by
 * these names; what each handler returns is the task's raw result:
 *
 * - `AcquireHost` / `AcquireBulkHost`: the agent's `HostPlacement` (`{instanceId, slot, lease}`), stored at
 *   `$.placement`; its input is `{ QueueUrl, MessageBody: AcquireHostMessage }` (a local queue stands in for SQS).
 * - `RunHost`: the host's result JSON, i.e. core's `HostResultEvent` with `ok: true`
 *   (`{ok, jobId, output, source, sr, encoder, elapsedSeconds}`), stored at `$.host`.
 *   Throw an error whose `name` is a code (`VODSR_HOST_*`, `VODSR_SSM_COMMAND_*`) to fail the job with it.
 * - `PlanPackaging`: a Lambda invoke result `{ Payload: CreateJobCommandInput }` (Payload may be
 *   `{ preset: 'none' }` for the `none` preset), stored at `$.packaging.request`.
 * - `Package`: the MediaConvert `createJob.sync` result (`{ Job: {...} }`), stored at `$.mediaconvert`.
 * - `NotifySuccess` / `NotifyFailure`: an EventBridge `putEvents` result (discarded).
 *
 * `RunHost` reads `$$.Task.Token`: a local run must pass it in the context, e.g.
 * `stateMachine.run(input, { context: { Task: { Token: 'local-token' } }, overrides: { taskResourceLocalHandlers } })`.
 */
export const WORKFLOW_STATES = {
  /** Choice: the interactive or the bulk work queue. */
  queueJob: 'QueueJob',
  /** `sqs:sendMessage.waitForTaskToken` to the interactive queue: waits, without transitions, for a free slot. */
  acquireHost: 'AcquireHost',
  /** The same on the bulk queue (backfills). */
  acquireBulkHost: 'AcquireBulkHost',
  /** Pass: the host was lost; counts the attempt. */
  hostLost: 'HostLost',
  /** Choice: another attempt, or fail. */
  canRetryHost: 'CanRetryHost',
  /** Pass: every attempt lost its host. */
  hostLostFailed: 'HostLostFailed',
  runHost: 'RunHost',
  planPackaging: 'PlanPackaging',
  skipPackaging: 'NeedsPackaging',
  package: 'Package',
  notifySuccess: 'NotifySuccess',
  notifyFailure: 'NotifyFailure',
  succeeded: 'Succeeded',
  failed: 'JobFailed',
  /** Pass state that gives a heartbeat timeout of the host a readable cause (then `HostLost`). */
  hostHeartbeatTimeout: 'HostHeartbeatTimeout',
  /** Pass state that gives an overall timeout of the host a readable cause. */
  hostTimeout: 'HostTimeout',
  /** Pass state that turns any MediaConvert failure into `VODSR_PACKAGING_FAILED`. */
  packagingFailed: 'PackagingFailed',
} as const;

/** A state name of the vodsr workflow. */
export type WorkflowStateName = (typeof WORKFLOW_STATES)[keyof typeof WORKFLOW_STATES];

/** EventBridge `Source` of the workflow's job events. */
export const WORKFLOW_EVENT_SOURCE = 'vodsr';

/** EventBridge `DetailType`s of the workflow's job events. */
export const WORKFLOW_DETAIL_TYPES = {
  succeeded: 'vodsr.job.succeeded',
  failed: 'vodsr.job.failed',
} as const;

/** Default name of the SSM Command document that runs the host runner (infra-cdk creates it). */
export const DEFAULT_HOST_DOCUMENT_NAME = 'vodsr-RunHostJob';

/**
 * Parameters of the host SSM Command document. Each value reaches the host as an environment variable
 * (`interpolationType: ENV_VAR`) and must match `HOST_DOCUMENT_PARAMETER_PATTERN`, so nothing from a job is
 * ever pasted into a shell string.
 */
export const HOST_DOCUMENT_PARAMETERS = {
  jobB64: 'jobB64',
  taskTokenB64: 'taskTokenB64',
  executionTimeout: 'executionTimeout',
  /** The GPU slot the agent reserved for this job (`$.placement.slot`). */
  slot: 'slot',
  /** The reservation's lease (`$.placement.lease`, {@link LEASE_PATTERN}). */
  lease: 'lease',
} as const;

/** `allowedPattern` of the host document's `slot` parameter. */
export const HOST_DOCUMENT_SLOT_PATTERN = '^[0-9]{1,2}$';

/** `allowedPattern` of the host document's `lease` parameter. */
export const HOST_DOCUMENT_LEASE_PATTERN = LEASE_PATTERN;

/** Queue URLs a local run uses (its queue handlers stand in for SQS). */
export const LOCAL_QUEUE_URLS = {
  interactive: 'https://sqs.local.invalid/000000000000/vodsr-interactive',
  bulk: 'https://sqs.local.invalid/000000000000/vodsr-bulk',
} as const;

/** `allowedPattern` of the base64 parameters of the host document. */
export const HOST_DOCUMENT_PARAMETER_PATTERN = '^[A-Za-z0-9+/=]+$';

/** The preset id that means "SR file only, no packaging". */
export const NO_PACKAGING_PRESET = 'none';

/** Options of `buildWorkflowDefinition`; the defaults suit a local run, infra-cdk passes real ARNs. */
export interface WorkflowOptions {
  /** Name (or ARN) of the SSM Command document that runs the host runner. @default 'vodsr-RunHostJob' */
  documentName?: string;
  /**
   * Seconds without a host heartbeat before `States.HeartbeatTimeout`, at least `MIN_HEARTBEAT_SECONDS` (60).
   * The host must heartbeat at about a quarter of it (infra-cdk sets `VODSR_HEARTBEAT_SECONDS` from it).
   * @default 300
   */
  heartbeatSeconds?: number;
  /**
   * Overall limit of the host step, in seconds: at least SSM's 48 h execution maximum + the delivery timeout + 60,
   * so a command that runs too long ends `VODSR_SSM_COMMAND_TIMED_OUT` (SSM's execution timeout) before `States.Timeout`.
   * @default 176400 (SSM's 48 h maximum + 1 h)
   */
  hostTimeoutSeconds?: number;
  /**
   * SSM delivery timeout: how long a command may wait for an unreachable instance before SSM drops it. At most
   * `heartbeatSeconds - 30`, so an undelivered command ends `VODSR_SSM_UNDELIVERABLE` (dead-host rule: the job goes to another host) before
   * the heartbeat timeout fires, and SSM never starts it after its task has closed.
   * @default half of heartbeatSeconds (150 for the default 300), at least 30 (SSM's minimum)
   */
  deliveryTimeoutSeconds?: number;
  /** Function name or ARN of the packaging planner Lambda. @default 'vodsr-plan-packaging' */
  planPackagingFunctionArn?: string;
  /** Role MediaConvert assumes; when absent, the planner's `Role` is used. */
  mediaConvertRoleArn?: string;
  /** MediaConvert queue ARN. @default the account's default queue */
  mediaConvertQueueArn?: string;
  /** Overall limit of the MediaConvert job, in seconds. @default 21600 (6 h) */
  packagingTimeoutSeconds?: number;
  /** EventBridge bus of the job events. @default 'default' */
  eventBusName?: string;
  /** CloudWatch log group for the full host output (SSM truncates stdout at 24,000 chars). @default none */
  cloudWatchLogGroupName?: string;
  /** The state machine's comment. */
  comment?: string;
  /** URL of the interactive work queue (uploads, API jobs). @default a local placeholder */
  interactiveQueueUrl?: string;
  /** URL of the bulk work queue (backfills). @default a local placeholder */
  bulkQueueUrl?: string;
  /** Attempts at placing a job before a lost host fails it. @default 3 */
  maxHostAttempts?: number;
  /** Seconds `AcquireHost` waits before re-queueing (under SQS's 14-day retention). @default 1123200 (13 days) */
  requeueSeconds?: number;
}

/**
 * The smallest `HeartbeatSeconds` a real host can meet. Before its first heartbeat the host waits for SSM to
 * deliver the command (seconds on a connected agent), for the agent to start the shell, and for one AWS CLI call
 * (cold start, instance-role credentials from IMDS, the CLI's own retries); it then heartbeats every quarter of
 * the setting. 60 s leaves 45 s for all of that and three missed heartbeats before a healthy job would fail, and
 * leaves the 30 s minimum SSM delivery timeout 30 s of margin for the dead-host rule to report first.
 */
export const MIN_HEARTBEAT_SECONDS = 60;

/** SSM's largest command execution timeout (48 h), the cap of `executionTimeoutSeconds`. */
const SSM_MAX_EXECUTION_SECONDS = 172_800;

/** Time the dead-host path (SSM status event → EventBridge → Lambda → SendTaskFailure) needs to report first. */
const DEAD_HOST_REPORT_MARGIN_SECONDS = 30;

/** The SSM delivery timeout used when none is given: half the heartbeat, at least SSM's minimum of 30 s. */
function defaultDeliveryTimeout(heartbeatSeconds: number): number {
  return Math.max(30, Math.floor(heartbeatSeconds / 2));
}

const RESOLVED_DEFAULTS = {
  documentName: DEFAULT_HOST_DOCUMENT_NAME,
  heartbeatSeconds: 300,
  hostTimeoutSeconds: 176_400,
  planPackagingFunctionArn: 'vodsr-plan-packaging',
  packagingTimeoutSeconds: 21_600,
  eventBusName: 'default',
} as const;

function checkOptions(o: WorkflowOptions): void {
  const issues: ValidationIssue[] = [];
  const int = (k: keyof WorkflowOptions, min: number, max: number): void => {
    const v = o[k];
    if (v === undefined) return;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
      issues.push({ path: `/${k}`, message: `must be an integer from ${min} to ${max}` });
  };
  int('deliveryTimeoutSeconds', 30, 2_592_000);
  const hbv = o.heartbeatSeconds;
  if (hbv !== undefined && (typeof hbv !== 'number' || !Number.isInteger(hbv) || hbv > 86_400))
    issues.push({ path: '/heartbeatSeconds', message: 'must be an integer from 60 to 86400' });
  else if (hbv !== undefined && hbv < MIN_HEARTBEAT_SECONDS)
    issues.push({
      path: '/heartbeatSeconds',
      message: `must be at least ${MIN_HEARTBEAT_SECONDS}: the host heartbeats every quarter of it, and its first heartbeat also waits for SSM delivery, the agent and one AWS CLI call`,
    });
  int('hostTimeoutSeconds', 60, 31_536_000);
  int('packagingTimeoutSeconds', 60, 31_536_000);
  int('maxHostAttempts', 1, 20);
  // SQS keeps a message at most 14 days (1,209,600 s): re-queue at least an hour before it would be dropped.
  int('requeueSeconds', 60, 1_206_000);
  const numbersOk = issues.length === 0;
  const hb = o.heartbeatSeconds ?? RESOLVED_DEFAULTS.heartbeatSeconds;
  const ht = o.hostTimeoutSeconds ?? RESOLVED_DEFAULTS.hostTimeoutSeconds;
  const dt = o.deliveryTimeoutSeconds ?? defaultDeliveryTimeout(hb);
  // The order of the timeouts, so that the most specific cause ends a job: SSM delivery < heartbeat, SSM execution < host.
  if (numbersOk && dt > hb - DEAD_HOST_REPORT_MARGIN_SECONDS)
    issues.push({
      path: '/deliveryTimeoutSeconds',
      message: `must be at most heartbeatSeconds - ${DEAD_HOST_REPORT_MARGIN_SECONDS} (${hb - DEAD_HOST_REPORT_MARGIN_SECONDS}): an undelivered command must end VODSR_SSM_UNDELIVERABLE before the heartbeat timeout, and never start after its task closed`,
    });
  const minHost = SSM_MAX_EXECUTION_SECONDS + dt + 60;
  if (numbersOk && ht < minHost)
    issues.push({
      path: '/hostTimeoutSeconds',
      message: `must be at least ${minHost} (SSM's 48 h execution maximum + the delivery timeout + 60): SSM's own timeout must end a long command first`,
    });
  for (const k of [
    'documentName',
    'planPackagingFunctionArn',
    'mediaConvertRoleArn',
    'mediaConvertQueueArn',
    'eventBusName',
    'cloudWatchLogGroupName',
    'comment',
    'interactiveQueueUrl',
    'bulkQueueUrl',
  ] as const) {
    const v = o[k];
    if (v !== undefined && (typeof v !== 'string' || v.length === 0))
      issues.push({ path: `/${k}`, message: 'must be a non-empty string' });
  }
  if (issues.length) throw new ValidationError('workflow options', issues);
}

const LAMBDA_RETRY = {
  ErrorEquals: [
    'Lambda.ClientExecutionTimeoutException',
    'Lambda.ServiceException',
    'Lambda.AWSLambdaException',
    'Lambda.SdkClientException',
    'Lambda.TooManyRequestsException',
  ],
  IntervalSeconds: 2,
  MaxAttempts: 4,
  BackoffRate: 2,
  JitterStrategy: 'FULL',
};

// The errors the optimized events:putEvents integration raises: `EventBridge.FailedEntry` when the response has a
// non-zero FailedEntryCount (a throttled or internally failed entry; Step Functions docs, connect-eventbridge) and
// `EventBridge.InternalException`, PutEvents' only modelled error (botocore events 2015-10-07). Nothing else is
// retried: a permission or validation error will not heal by itself.
const EVENTS_RETRY = {
  ErrorEquals: ['EventBridge.FailedEntry', 'EventBridge.InternalException'],
  IntervalSeconds: 1,
  MaxAttempts: 5,
  BackoffRate: 2,
  JitterStrategy: 'FULL',
};

function putEvent(
  detailType: string,
  detail: Record<string, unknown>,
  eventBusName: string,
): Record<string, unknown> {
  return {
    Type: 'Task',
    Resource: 'arn:aws:states:::events:putEvents',
    Parameters: {
      Entries: [
        { EventBusName: eventBusName, Source: WORKFLOW_EVENT_SOURCE, DetailType: detailType, Detail: detail },
      ],
    },
    TimeoutSeconds: 60,
    ResultPath: null,
    Retry: [EVENTS_RETRY],
  };
}

/**
 * Builds the vodsr workflow as an Amazon States Language object (JSONPath, no JSONata), the one definition that
 * infra-cdk deploys and the local backend executes in-process.
 *
 * `RunHost` starts the host command with `ssm:sendCommand.waitForTaskToken`: the host job and the task token travel
 * as base64 document parameters (no shell string is built), the host sends heartbeats and then
 * `SendTaskSuccess` (its `HostResultEvent`) or `SendTaskFailure` (a `VODSR_HOST_*` code). `NeedsPackaging` goes
 * straight to `NotifySuccess` for preset `none` and for `packagingEngine: 'host'` (the host wrote HLS in the SR
 * pass); otherwise `PlanPackaging` builds the MediaConvert job from the PROBED SR file (`$.host.sr`) and `Package`
 * runs `mediaconvert:createJob.sync`. Every failure is caught into `$.error`, announced by `NotifyFailure`
 * (`vodsr.job.failed`) and ends in the `JobFailed` Fail state, whose error and cause are `$.error`'s. There is no
 * Wait/poll loop: the number of state transitions does not depend on the video's duration.
 *
 * @example
 * const asl = buildWorkflowDefinition({ documentName: 'vodsr-RunHostJob', mediaConvertRoleArn: roleArn });
 * new CfnStateMachine(scope, 'Sm', { definitionString: JSON.stringify(asl), roleArn });
 */
export function buildWorkflowDefinition(o: WorkflowOptions = {}): Record<string, unknown> {
  checkOptions(o);
  const S = WORKFLOW_STATES;
  const P = HOST_DOCUMENT_PARAMETERS;
  const heartbeat = o.heartbeatSeconds ?? RESOLVED_DEFAULTS.heartbeatSeconds;
  const hostTimeout = o.hostTimeoutSeconds ?? RESOLVED_DEFAULTS.hostTimeoutSeconds;
  const bus = o.eventBusName ?? RESOLVED_DEFAULTS.eventBusName;
  const catchAll = (next: string): Record<string, unknown> => ({
    ErrorEquals: ['States.ALL'],
    ResultPath: '$.error',
    Next: next,
  });

  const sendCommand: Record<string, unknown> = {
    DocumentName: o.documentName ?? RESOLVED_DEFAULTS.documentName,
    'InstanceIds.$': 'States.Array($.placement.instanceId)',
    TimeoutSeconds: o.deliveryTimeoutSeconds ?? defaultDeliveryTimeout(heartbeat),
    Comment: 'vodsr host job',
    Parameters: {
      [`${P.jobB64}.$`]: 'States.Array($.hostJobB64)',
      [`${P.taskTokenB64}.$`]: 'States.Array(States.Base64Encode($$.Task.Token))',
      [`${P.executionTimeout}.$`]: 'States.Array($.executionTimeout)',
      [`${P.slot}.$`]: 'States.Array(States.JsonToString($.placement.slot))',
      [`${P.lease}.$`]: 'States.Array($.placement.lease)',
    },
  };
  if (o.cloudWatchLogGroupName !== undefined) {
    sendCommand.CloudWatchOutputConfig = {
      CloudWatchOutputEnabled: true,
      CloudWatchLogGroupName: o.cloudWatchLogGroupName,
    };
  }

  const planPayload: Record<string, unknown> = {
    'jobId.$': '$.jobId',
    'preset.$': '$.packagingPreset',
    'packaging.$': '$.job.packaging',
    'input.$': '$.srFile',
    'destination.$': '$.hlsDestination',
    'media.$': '$.host.sr',
  };
  if (o.mediaConvertRoleArn !== undefined) planPayload.role = o.mediaConvertRoleArn;

  const createJob: Record<string, unknown> = {
    'Settings.$': '$.packaging.request.Settings',
    'UserMetadata.$': '$.packaging.request.UserMetadata',
  };
  if (o.mediaConvertRoleArn !== undefined) createJob.Role = o.mediaConvertRoleArn;
  else createJob['Role.$'] = '$.packaging.request.Role';
  if (o.mediaConvertQueueArn !== undefined) createJob.Queue = o.mediaConvertQueueArn;

  const maxAttempts = o.maxHostAttempts ?? DEFAULT_MAX_HOST_ATTEMPTS;
  const acquire = (queueUrl: string, priority: string): Record<string, unknown> => ({
    Type: 'Task',
    Comment: `Wait on the ${priority} work queue until a host agent with a free GPU slot answers with its placement.`,
    Resource: 'arn:aws:states:::sqs:sendMessage.waitForTaskToken',
    Parameters: {
      QueueUrl: queueUrl,
      MessageBody: {
        v: 1,
        'jobId.$': '$.jobId',
        'taskToken.$': '$$.Task.Token',
        priority,
        'attempt.$': '$.attempt.number',
      },
    },
    // SQS drops a message after at most 14 days: re-queue (a fresh message and token) before that.
    TimeoutSeconds: o.requeueSeconds ?? DEFAULT_REQUEUE_SECONDS,
    ResultPath: '$.placement',
    Retry: [
      {
        ErrorEquals: ['SQS.SdkClientException', 'SQS.AmazonSQSException'],
        IntervalSeconds: 5,
        MaxAttempts: 5,
        BackoffRate: 2,
        JitterStrategy: 'FULL',
      },
    ],
    Catch: [
      { ErrorEquals: ['States.Timeout'], ResultPath: '$.requeue', Next: S.queueJob },
      catchAll(S.notifyFailure),
    ],
    Next: S.runHost,
  });

  const states: Record<string, Record<string, unknown>> = {
    [S.queueJob]: {
      Type: 'Choice',
      Choices: [{ Variable: '$.priority', StringEquals: 'bulk', Next: S.acquireBulkHost }],
      Default: S.acquireHost,
    },
    [S.acquireHost]: acquire(o.interactiveQueueUrl ?? LOCAL_QUEUE_URLS.interactive, 'interactive'),
    [S.acquireBulkHost]: acquire(o.bulkQueueUrl ?? LOCAL_QUEUE_URLS.bulk, 'bulk'),
    [S.hostLost]: {
      Type: 'Pass',
      Comment: 'The host was lost (heartbeat, undeliverable, Spot, termination): count the attempt.',
      Parameters: { 'number.$': 'States.MathAdd($.attempt.number, 1)' },
      ResultPath: '$.attempt',
      Next: S.canRetryHost,
    },
    [S.canRetryHost]: {
      Type: 'Choice',
      Choices: [{ Variable: '$.attempt.number', NumericLessThanEquals: maxAttempts, Next: S.queueJob }],
      Default: S.hostLostFailed,
    },
    [S.hostLostFailed]: {
      Type: 'Pass',
      Parameters: {
        'Error.$': '$.error.Error',
        'Cause.$': `States.Format('The job lost its host on all ${maxAttempts} attempts; the last time: {}', $.error.Cause)`,
      },
      ResultPath: '$.error',
      Next: S.notifyFailure,
    },
    [S.runHost]: {
      Type: 'Task',
      Comment: 'Run the SR job on the GPU host; the host reports back with the task token.',
      Resource: 'arn:aws:states:::aws-sdk:ssm:sendCommand.waitForTaskToken',
      Parameters: sendCommand,
      HeartbeatSeconds: heartbeat,
      TimeoutSeconds: hostTimeout,
      ResultPath: '$.host',
      Retry: [
        {
          // The instance is not (yet) registered with SSM, e.g. right after a start.
          ErrorEquals: ['Ssm.InvalidInstanceIdException'],
          IntervalSeconds: 30,
          MaxAttempts: 6,
          BackoffRate: 1.5,
        },
        {
          ErrorEquals: ['Ssm.SsmException', 'Ssm.InternalServerErrorException'],
          IntervalSeconds: 5,
          MaxAttempts: 3,
          BackoffRate: 2,
          JitterStrategy: 'FULL',
        },
        { ErrorEquals: ['VODSR_HOST_BUSY'], IntervalSeconds: 60, MaxAttempts: 3, BackoffRate: 2 },
      ],
      Catch: [
        { ErrorEquals: ['States.HeartbeatTimeout'], ResultPath: '$.error', Next: S.hostHeartbeatTimeout },
        {
          ErrorEquals: HOST_LOST_ERRORS.filter((e) => e !== 'States.HeartbeatTimeout'),
          ResultPath: '$.error',
          Next: S.hostLost,
        },
        { ErrorEquals: ['States.Timeout'], ResultPath: '$.error', Next: S.hostTimeout },
        catchAll(S.notifyFailure),
      ],
      Next: S.skipPackaging,
    },
    [S.hostHeartbeatTimeout]: {
      Type: 'Pass',
      Parameters: {
        Error: 'States.HeartbeatTimeout',
        Cause: `The host sent no heartbeat for ${heartbeat} s: the host or its SSM agent died or hangs`,
      },
      ResultPath: '$.error',
      Next: S.hostLost,
    },
    [S.hostTimeout]: {
      Type: 'Pass',
      Parameters: {
        Error: 'States.Timeout',
        Cause: `The host did not finish within ${hostTimeout} s`,
      },
      ResultPath: '$.error',
      Next: S.notifyFailure,
    },
    [S.planPackaging]: {
      Type: 'Task',
      Comment: 'Build the MediaConvert job from the preset and the probed SR file (ladder, audio or not).',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: {
        FunctionName: o.planPackagingFunctionArn ?? RESOLVED_DEFAULTS.planPackagingFunctionArn,
        Payload: planPayload,
      },
      TimeoutSeconds: 120,
      ResultSelector: { 'request.$': '$.Payload' },
      ResultPath: '$.packaging',
      Retry: [LAMBDA_RETRY],
      Catch: [catchAll(S.notifyFailure)],
      Next: S.package,
    },
    [S.skipPackaging]: {
      Type: 'Choice',
      Comment:
        'Nothing to package (preset none), or the host already packaged HLS in the SR pass (engine host).',
      Choices: [
        { Variable: '$.packagingPreset', StringEquals: NO_PACKAGING_PRESET, Next: S.notifySuccess },
        { Variable: '$.packagingEngine', StringEquals: 'host', Next: S.notifySuccess },
      ],
      Default: S.planPackaging,
    },
    [S.package]: {
      Type: 'Task',
      Comment: 'Package the SR file as HLS with MediaConvert and wait for the job.',
      Resource: 'arn:aws:states:::mediaconvert:createJob.sync',
      Parameters: createJob,
      TimeoutSeconds: o.packagingTimeoutSeconds ?? RESOLVED_DEFAULTS.packagingTimeoutSeconds,
      ResultPath: '$.mediaconvert',
      Retry: [
        {
          ErrorEquals: ['MediaConvert.TooManyRequestsException', 'MediaConvert.InternalServerErrorException'],
          IntervalSeconds: 5,
          MaxAttempts: 3,
          BackoffRate: 2,
          JitterStrategy: 'FULL',
        },
      ],
      Catch: [catchAll(S.packagingFailed)],
      Next: S.notifySuccess,
    },
    [S.packagingFailed]: {
      Type: 'Pass',
      Parameters: {
        Error: 'VODSR_PACKAGING_FAILED',
        'Cause.$': "States.Format('MediaConvert failed: {}', States.JsonToString($.error))",
      },
      ResultPath: '$.error',
      Next: S.notifyFailure,
    },
    [S.notifySuccess]: {
      ...putEvent(
        WORKFLOW_DETAIL_TYPES.succeeded,
        {
          'jobId.$': '$.jobId',
          status: 'succeeded',
          'srFile.$': '$.srFile',
          'hlsDestination.$': '$.hlsDestination',
          'packagingPreset.$': '$.packagingPreset',
          'packagingEngine.$': '$.packagingEngine',
          'host.$': '$.host',
        },
        bus,
      ),
      // The SR file (and HLS) are complete: a lost success event must not turn the job into a failure.
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.notifyError', Next: S.succeeded }],
      Next: S.succeeded,
    },
    [S.succeeded]: { Type: 'Succeed' },
    [S.notifyFailure]: {
      ...putEvent(
        WORKFLOW_DETAIL_TYPES.failed,
        { 'jobId.$': '$.jobId', status: 'failed', 'error.$': '$.error' },
        bus,
      ),
      // A lost failure event must not hide the job's own error.
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.notifyError', Next: S.failed }],
      Next: S.failed,
    },
    [S.failed]: { Type: 'Fail', ErrorPath: '$.error.Error', CausePath: '$.error.Cause' },
  };

  return {
    Comment:
      o.comment ??
      'vodsr: SR on the GPU host (SSM, task token), then HLS with MediaConvert; no polling, coded errors.',
    StartAt: S.queueJob,
    // No overall timeout: a job may wait in a deep queue for longer than any fixed bound (every state has its own).
    States: states,
  };
}

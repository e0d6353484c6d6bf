import { DEFAULT_MAX_HOST_ATTEMPTS, DEFAULT_REQUEUE_SECONDS, HOST_LOST_ERRORS } from './fleet.js';
import {
  HOST_DOCUMENT_PARAMETERS,
  LOCAL_QUEUE_URLS,
  NO_PACKAGING_PRESET,
  WORKFLOW_DETAIL_TYPES,
  WORKFLOW_EVENT_SOURCE,
  WORKFLOW_STATES,
} from './workflowNames.js';
import { notifySuccessState } from './workflowNotify.js';
import { defaultDeliveryTimeout, RESOLVED_DEFAULTS, type WorkflowOptions } from './workflowOptions.js';

/** The states of the vodsr workflow (ASL, JSONPath), built from checked `WorkflowOptions`. */

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
 * The `States` of the workflow for options already checked (`checkOptions`): queueing and acquiring a host slot,
 * running the host command, packaging with MediaConvert, the events and the end states.
 */
export function buildWorkflowStates(o: WorkflowOptions): Record<string, Record<string, unknown>> {
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
      Comment:
        'The host was lost (undeliverable, Spot, termination): count the attempt and keep why (one state per loss, as HostHeartbeatTimeout).',
      Parameters: { 'number.$': 'States.MathAdd($.attempt.number, 1)', 'error.$': '$.error' },
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
        'Error.$': '$.attempt.error.Error',
        'Cause.$': `States.Format('The job lost its host on all ${maxAttempts} attempts; the last time: {}', $.attempt.error.Cause)`,
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
      Comment:
        'The host went silent: count the attempt with why in words (HostLost for the other losses), so every lost host costs the same transitions.',
      Parameters: {
        'number.$': 'States.MathAdd($.attempt.number, 1)',
        error: {
          Error: 'States.HeartbeatTimeout',
          Cause: `The host sent no heartbeat for ${heartbeat} s: the host or its SSM agent died or hangs`,
        },
      },
      ResultPath: '$.attempt',
      Next: S.canRetryHost,
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
    // Priced (infra-cdk always prices): the JSONata state that puts cost.actual in the event. Unpriced (the local
    // backend, whose engine runs JSONPath only and which stores cost.actual itself): the JSONPath twin without it.
    [S.notifySuccess]:
      o.pricing === undefined
        ? {
            ...putEvent(
              WORKFLOW_DETAIL_TYPES.succeeded,
              {
                'jobId.$': '$.jobId',
                status: 'succeeded',
                'srFile.$': '$.srFile',
                'hlsDestination.$': '$.hlsDestination',
                'packagingPreset.$': '$.packagingPreset',
                'packagingEngine.$': '$.packagingEngine',
                // the host's result: its probes, elapsedSeconds (the GPU slot's busy time) and, with quality on,
                // the SR vs bicubic PSNR/SSIM (`host.quality`)
                'host.$': '$.host',
                'estimate.$': '$.estimate',
              },
              bus,
            ),
            // The SR file (and HLS) are complete: a lost success event must not turn the job into a failure.
            Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.notifyError', Next: S.succeeded }],
            Next: S.succeeded,
          }
        : notifySuccessState(bus, S.succeeded, EVENTS_RETRY, o.pricing),
    [S.succeeded]: { Type: 'Succeed' },
    [S.notifyFailure]: {
      ...putEvent(
        WORKFLOW_DETAIL_TYPES.failed,
        { 'jobId.$': '$.jobId', status: 'failed', 'error.$': '$.error', 'estimate.$': '$.estimate' },
        bus,
      ),
      // A lost failure event must not hide the job's own error.
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.notifyError', Next: S.failed }],
      Next: S.failed,
    },
    [S.failed]: { Type: 'Fail', ErrorPath: '$.error.Error', CausePath: '$.error.Cause' },
  };

  return states;
}

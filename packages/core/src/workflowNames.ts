import { LEASE_PATTERN } from './fleet.js';

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

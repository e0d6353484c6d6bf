import { actualCostJsonata, type WorkflowPricing } from './costWorkflow.js';
import { ValidationError, type ValidationIssue } from './errors.js';
import { DEFAULT_HOST_DOCUMENT_NAME } from './workflowNames.js';

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
  /**
   * How `NotifySuccess` prices `cost.actual` in the success event: the fleet's instance type, market (on-demand
   * or Spot) and slots per host, and the price table (written into the definition as data). Given (`{}` = core's
   * table, g6e.xlarge on-demand, 1 slot), `NotifySuccess` is a JSONata state (what Step Functions runs; infra-cdk
   * always gives it). Absent, it is the JSONPath twin without `cost` — for aws-local-stepfunctions, which runs
   * JSONPath only (the local backend stores `cost.actual` on its records itself).
   * @default absent
   */
  pricing?: WorkflowPricing;
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
export function defaultDeliveryTimeout(heartbeatSeconds: number): number {
  return Math.max(30, Math.floor(heartbeatSeconds / 2));
}

/** The values `buildWorkflowDefinition` uses for options not given. */
export const RESOLVED_DEFAULTS = {
  documentName: DEFAULT_HOST_DOCUMENT_NAME,
  heartbeatSeconds: 300,
  hostTimeoutSeconds: 176_400,
  planPackagingFunctionArn: 'vodsr-plan-packaging',
  packagingTimeoutSeconds: 21_600,
  eventBusName: 'default',
} as const;

/** Checks `WorkflowOptions` (ranges, the order of the timeouts, non-empty strings); throws `ValidationError`. */
export function checkOptions(o: WorkflowOptions): void {
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
  // an unknown price (VODSR_UNKNOWN_PRICE) or bad slots fail the build, not the first job's event
  if (o.pricing !== undefined) actualCostJsonata(o.pricing);
}

import { type ErrorCode, toErrorInfo } from '@vodsr/core';
import { HOST_DOCUMENT_PARAMETERS } from '@vodsr/core/workflow';

/**
 * The `status` values of SSM Run Command status events that end a command without the host having reported (the
 * terminal values of SSM's CommandStatus / CommandInvocationStatus enums). The dead-host rule matches these only.
 */
export const SSM_EVENT_FAILURE_STATUSES = ['Failed', 'TimedOut', 'Cancelled'] as const;

/** The code each failure status fails the job with. */
export const SSM_FAILURE_STATUSES: Readonly<Record<string, ErrorCode>> = {
  Failed: 'VODSR_SSM_COMMAND_FAILED',
  TimedOut: 'VODSR_SSM_COMMAND_TIMED_OUT',
  Cancelled: 'VODSR_SSM_COMMAND_CANCELLED',
};

/**
 * A finer code from StatusDetails when an event carries it (`status-details`; the API's StatusDetails values,
 * e.g. "Delivery Timed Out", "Undeliverable", "Terminated"); spaces and case are ignored. A command that never
 * reached its host (Delivery Timed Out, Undeliverable) is `VODSR_SSM_UNDELIVERABLE`: one of `HOST_LOST_ERRORS`,
 * so the workflow places the job on another host.
 */
const SSM_STATUS_DETAIL_CODES: Readonly<Record<string, ErrorCode>> = {
  deliverytimedout: 'VODSR_SSM_UNDELIVERABLE',
  executiontimedout: 'VODSR_SSM_COMMAND_TIMED_OUT',
  undeliverable: 'VODSR_SSM_UNDELIVERABLE',
  terminated: 'VODSR_SSM_COMMAND_CANCELLED',
};

/** Where a command's instance is, as far as SSM knows: `gone` = terminated, stopped, or its agent unreachable. */
export type HostReachability = 'online' | 'gone' | 'unknown';

/** The EventBridge detail-types of SSM Run Command status changes. */
export const SSM_STATUS_DETAIL_TYPES = [
  'EC2 Command Status-change Notification',
  'EC2 Command Invocation Status-change Notification',
] as const;

/** An EventBridge event of SSM Run Command (command or invocation status change). */
export interface SsmStatusEvent {
  readonly 'detail-type'?: string;
  readonly detail?: {
    readonly 'command-id'?: string;
    readonly 'document-name'?: string;
    readonly 'instance-id'?: string;
    readonly status?: string;
    readonly 'status-details'?: string;
  };
}

/** What the handler did. */
export type CommandStatusOutcome =
  | { readonly action: 'failed-task'; readonly code: ErrorCode; readonly commandId: string }
  | { readonly action: 'already-closed'; readonly code: ErrorCode; readonly commandId: string }
  | { readonly action: 'ignored'; readonly reason: string };

/** Task-token API errors that mean the task already ended (the host reported first, or a timeout fired). */
const CLOSED_TASK_ERRORS = new Set(['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken']);

/**
 * Creates the dead-host handler: when an SSM command of the host document ends Failed / TimedOut / Cancelled /
 * Undeliverable, it reads the command's `taskTokenB64` parameter and fails the waiting workflow task with a
 * `VODSR_SSM_*` code, so a host that dies (or never gets the command) cannot hang a job until the heartbeat fires.
 * A task that already ended (the host reported its own coded failure first) is left alone.
 *
 * @example
 * const h = createCommandStatusHandler({ getCommandParameters, sendTaskFailure });
 * await h({ 'detail-type': 'EC2 Command Status-change Notification', detail: { 'command-id': id, status: 'Failed' } });
 */
export function createCommandStatusHandler(deps: {
  /** The command's parameters (SSM ListCommands), or undefined when the command is unknown. */
  getCommandParameters(commandId: string): Promise<Record<string, readonly string[]> | undefined>;
  sendTaskFailure(taskToken: string, error: ErrorCode, cause: string): Promise<void>;
  /**
   * Whether the command's instance is still there (SSM DescribeInstanceInformation). A command that ended on a host
   * that is `gone` (a scaled-in, interrupted or terminated instance) fails the task with `VODSR_HOST_LOST`: the
   * job goes back to the queue instead of failing. @default every host `unknown` (codes from the status only)
   */
  hostReachability?(instanceId: string): Promise<HostReachability>;
  /** Only commands of this document are handled (others are ignored). */
  documentName?: string;
  log?: (entry: Record<string, unknown>) => void;
}): (event: SsmStatusEvent) => Promise<CommandStatusOutcome> {
  const log = deps.log ?? ((e: Record<string, unknown>) => console.log(JSON.stringify(e)));
  return async (event) => {
    const d = event?.detail ?? {};
    const commandId = d['command-id'];
    const status = d.status ?? '';
    const ignore = (reason: string): CommandStatusOutcome => {
      log({ level: 'info', msg: `ignored: ${reason}`, commandId, status });
      return { action: 'ignored', reason };
    };
    if (!commandId) return ignore('event has no command-id');
    const base = SSM_FAILURE_STATUSES[status];
    const detailKey = (d['status-details'] ?? '').replace(/\s+/g, '').toLowerCase();
    let code = base === undefined ? undefined : (SSM_STATUS_DETAIL_CODES[detailKey] ?? base);
    if (code === undefined) return ignore(`status ${status || '(none)'} is not a failure`);
    const doc = d['document-name'];
    if (deps.documentName !== undefined && doc !== undefined && doc !== deps.documentName)
      return ignore(`document ${doc} is not ${deps.documentName}`);
    const params = await deps.getCommandParameters(commandId);
    const tokenB64 = params?.[HOST_DOCUMENT_PARAMETERS.taskTokenB64]?.[0];
    if (!tokenB64)
      return ignore(`command ${commandId} has no ${HOST_DOCUMENT_PARAMETERS.taskTokenB64} parameter`);
    const token = Buffer.from(tokenB64, 'base64').toString('utf8');
    const instanceId = d['instance-id'];
    let gone = false;
    if (instanceId && code !== 'VODSR_SSM_UNDELIVERABLE' && deps.hostReachability) {
      try {
        gone = (await deps.hostReachability(instanceId)) === 'gone';
      } catch (e) {
        log({ level: 'warn', msg: 'host reachability unknown', commandId, instanceId, ...toErrorInfo(e) });
      }
      if (gone) code = 'VODSR_HOST_LOST';
    }
    const where = instanceId ? ` on ${instanceId}` : '';
    const details = d['status-details'] && d['status-details'] !== status ? ` (${d['status-details']})` : '';
    const cause = `SSM command ${commandId}${where} ended ${status}${details} before the host reported a result${gone ? ' (the instance is gone: terminated, stopped or unreachable)' : ''}`;
    try {
      await deps.sendTaskFailure(token, code, cause);
    } catch (e) {
      const name = (e as { name?: unknown }).name;
      if (typeof name === 'string' && CLOSED_TASK_ERRORS.has(name)) {
        log({ level: 'info', msg: `task already closed (${name})`, commandId, status, code });
        return { action: 'already-closed', code, commandId };
      }
      log({ level: 'error', msg: 'SendTaskFailure failed', commandId, ...toErrorInfo(e) });
      throw e;
    }
    log({ level: 'info', msg: `failed the task with ${code}`, commandId, status, cause });
    return { action: 'failed-task', code, commandId };
  };
}

import { readFileSync } from 'node:fs';
import { ValidationError, type ValidationIssue } from '@vodsr/core';
import { MAX_SLOTS_PER_HOST, WORK_PRIORITIES, type WorkPriority } from '@vodsr/core/workflow';

/** Where the host agent reads its configuration (written by the fleet's user data). */
export const DEFAULT_AGENT_CONFIG_PATH = '/etc/vodsr/agent.json';

/**
 * The host agent's configuration file (`/etc/vodsr/agent.json`). infra-cdk's `VodsrFleet` writes the required keys
 * from user data; the optional ones have defaults that suit a GPU host.
 */
export interface AgentConfig {
  readonly v: 1;
  /** The AWS Region of the queues, the state machine and the group. */
  readonly region: string;
  /** The work queues in polling order (interactive first). */
  readonly queues: readonly { readonly priority: WorkPriority; readonly url: string }[];
  /** GPU slots of this host (jobs at once). */
  readonly slots: number;
  /** The queues' visibility timeout (informational: the agent answers well within it). */
  readonly visibilityTimeoutSeconds?: number;
  /** The Auto Scaling group: scale-in protection and the lifecycle action. */
  readonly autoScalingGroupName: string;
  /** The termination lifecycle hook the agent completes after its runs ended. */
  readonly drainHookName: string;
  /** The launch hook (completed by the user data, not the agent). */
  readonly launchHookName?: string;
  /** The runner the SSM document starts (informational). */
  readonly runnerPath?: string;
  /** The lock folder shared with `vodsr-host` (`VODSR_LOCK_DIR`). @default '/var/lib/vodsr/locks' */
  readonly lockDir?: string;
  /** Seconds a reserved slot waits for its command. @default 300 (DEFAULT_LEASE_SECONDS) */
  readonly leaseSeconds?: number;
  /** Long-poll wait when the queues are empty (0..20). @default 10 */
  readonly pollWaitSeconds?: number;
  /** How often IMDS is asked about Spot interruptions and the lifecycle state (ms). @default 5000 */
  readonly monitorIntervalMs?: number;
  /**
   * Seconds between heartbeats of a pending termination lifecycle action, less than the drain hook's heartbeat
   * timeout (the fleet writes a quarter of it). @default 300
   */
  readonly lifecycleHeartbeatSeconds?: number;
  /** The instance metadata endpoint. @default 'http://169.254.169.254' */
  readonly imdsEndpoint?: string;
}

/**
 * Checks an agent configuration object, reporting every problem at once (`VODSR_VALIDATION`).
 *
 * @example
 * const config = parseAgentConfig(JSON.parse(readFileSync('/etc/vodsr/agent.json', 'utf8')));
 */
export function parseAgentConfig(v: unknown): AgentConfig {
  const issues: ValidationIssue[] = [];
  const o = (v ?? {}) as Record<string, unknown>;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new ValidationError('agent configuration', [{ path: '/', message: 'must be an object' }]);
  }
  const str = (k: string, optional = false) => {
    const x = o[k];
    if (x === undefined && optional) return;
    if (typeof x !== 'string' || x.length === 0)
      issues.push({ path: `/${k}`, message: 'must be a non-empty string' });
  };
  const int = (k: string, min: number, max: number, optional = true) => {
    const x = o[k];
    if (x === undefined && optional) return;
    if (typeof x !== 'number' || !Number.isInteger(x) || x < min || x > max)
      issues.push({ path: `/${k}`, message: `must be a whole number from ${min} to ${max}` });
  };
  if (o.v !== 1) issues.push({ path: '/v', message: 'must be 1' });
  str('region');
  str('autoScalingGroupName');
  str('drainHookName');
  str('launchHookName', true);
  str('runnerPath', true);
  str('lockDir', true);
  str('imdsEndpoint', true);
  int('slots', 1, MAX_SLOTS_PER_HOST, false);
  int('visibilityTimeoutSeconds', 0, 43_200);
  int('leaseSeconds', 10, 86_400);
  int('pollWaitSeconds', 0, 20);
  int('monitorIntervalMs', 100, 600_000);
  int('lifecycleHeartbeatSeconds', 1, 7200);
  const queues = o.queues;
  if (!Array.isArray(queues) || queues.length === 0) {
    issues.push({ path: '/queues', message: 'must be a non-empty array of {priority, url}' });
  } else {
    const seen = new Set<string>();
    queues.forEach((q: unknown, i) => {
      const e = (q ?? {}) as Record<string, unknown>;
      if (!WORK_PRIORITIES.includes(e.priority as WorkPriority))
        issues.push({
          path: `/queues/${i}/priority`,
          message: `must be one of ${WORK_PRIORITIES.join(', ')}`,
        });
      else if (seen.has(e.priority as string))
        issues.push({ path: `/queues/${i}/priority`, message: 'appears twice' });
      else seen.add(e.priority as string);
      if (typeof e.url !== 'string' || !/^https?:\/\//.test(e.url))
        issues.push({ path: `/queues/${i}/url`, message: 'must be an http(s) queue URL' });
    });
  }
  if (issues.length) throw new ValidationError('agent configuration', issues);
  return v as AgentConfig;
}

/**
 * Reads and checks the agent configuration file.
 *
 * @example const config = readAgentConfig(); // /etc/vodsr/agent.json
 */
export function readAgentConfig(path: string = DEFAULT_AGENT_CONFIG_PATH): AgentConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ValidationError('agent configuration', [
      { path: '/', message: `cannot read ${path}: ${(e as Error).message}` },
    ]);
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new ValidationError('agent configuration', [{ path: '/', message: `${path} is not JSON` }]);
  }
  return parseAgentConfig(v);
}

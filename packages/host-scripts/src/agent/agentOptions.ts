import type { WorkPriority } from '@vodsr/core/workflow';
import {
  type AgentLogEntry,
  CLOSED_TOKEN_ERRORS,
  type InstanceControlPort,
  type InstanceMetadataPort,
  type StatusPublisherPort,
  type TaskCallbacksPort,
  type WorkQueuePort,
} from './types.js';

/** Options of {@link HostAgent}. */
export interface HostAgentOptions {
  /** GPU slots of this host (jobs at once), 1..64. */
  readonly slots: number;
  /** The lock folder shared with `vodsr-host` (`VODSR_LOCK_DIR`). */
  readonly lockDir: string;
  /** Queues in polling order. @default WORK_PRIORITIES (interactive, then bulk) */
  readonly priorities?: readonly WorkPriority[];
  /** Seconds a reservation waits for its command before it is released. @default DEFAULT_LEASE_SECONDS (300) */
  readonly leaseSeconds?: number;
  /** Long-poll wait when every queue was empty, 0..20 s. @default 10 */
  readonly pollWaitSeconds?: number;
  /** How often the lock folder is re-read while nothing else wakes the agent. @default 1000 */
  readonly scanIntervalMs?: number;
  /** How often IMDS is asked about Spot interruptions and the lifecycle state. @default 5000 */
  readonly monitorIntervalMs?: number;
  /**
   * While a termination lifecycle action is pending, how often its heartbeat is recorded: less than the hook's
   * heartbeat timeout (the fleet writes a quarter of it). @default 300000 (5 min; the fleet's default hook: 60 min)
   */
  readonly lifecycleHeartbeatMs?: number;
  /** Publishes the agent's state when it changes (AWS: its instance tags). @default none */
  readonly publisher?: StatusPublisherPort;
  /** Pause after a failed AWS call before the loop goes on. @default 2000 */
  readonly errorDelayMs?: number;
  readonly queue: WorkQueuePort;
  readonly callbacks: TaskCallbacksPort;
  readonly control: InstanceControlPort;
  readonly metadata: InstanceMetadataPort;
  /** Where log entries go. @default JSON lines on stdout */
  readonly log?: (entry: AgentLogEntry) => void;
  /** The clock (epoch ms). @default Date.now */
  readonly now?: () => number;
}

/** Most messages one receive asks for (SQS's maximum). */
export const MAX_RECEIVE = 10;

/** JSON lines on stdout, with a timestamp. */
export function jsonLineLogger(write: (line: string) => void = (l) => process.stdout.write(l)) {
  return (e: AgentLogEntry): void => write(`${JSON.stringify({ time: new Date().toISOString(), ...e })}\n`);
}

/** Whether an error of SendTask* says the token is closed (the task timed out, ended or never existed). */
export function isClosedToken(e: unknown): boolean {
  const name = (e as { name?: unknown } | undefined)?.name;
  return typeof name === 'string' && (CLOSED_TOKEN_ERRORS as readonly string[]).includes(name);
}

/** An error in words for the log. */
export function errText(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}

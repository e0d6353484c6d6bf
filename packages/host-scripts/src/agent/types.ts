import type { HostPlacement, WorkPriority } from '@vodsr/core/workflow';

/**
 * The host agent's ports: the small interfaces that separate its logic ({@link HostAgent}) from AWS. On a GPU host
 * they are SQS, Step Functions, EC2 Auto Scaling and IMDSv2 (`@vodsr/host-scripts/agent-aws`); locally they are
 * the in-memory twins of `@vodsr/ssm-runner` (`LocalFleet`).
 */

/** One message received from a work queue. */
export interface ReceivedWorkMessage {
  readonly messageId: string;
  readonly body: string;
  /** Handle for delete / change visibility (valid for this receive only). */
  readonly receiptHandle: string;
  /** How many times the message was received, this time included (SQS `ApproximateReceiveCount`). */
  readonly receiveCount: number;
  /** When the message was sent (epoch ms, SQS `SentTimestamp`), when known. */
  readonly sentAt?: number;
}

/** The work queues (one per priority) with SQS semantics. */
export interface WorkQueuePort {
  /**
   * Receives up to `maxMessages` (1..10) messages of one priority, long polling up to `waitSeconds` (0..20).
   * Aborting `signal` ends the wait early with whatever arrived (or none).
   */
  receive(
    priority: WorkPriority,
    opts: { readonly maxMessages: number; readonly waitSeconds: number; readonly signal?: AbortSignal },
  ): Promise<ReceivedWorkMessage[]>;
  /** Deletes a received message. */
  delete(priority: WorkPriority, receiptHandle: string): Promise<void>;
  /** Sets a received message's visibility timeout (0 = visible again now). */
  changeVisibility(priority: WorkPriority, receiptHandle: string, seconds: number): Promise<void>;
}

/**
 * Names of the errors a task callback fails with when its token no longer waits (Step Functions' own names):
 * the task timed out, the execution ended, or the token is malformed.
 */
export const CLOSED_TOKEN_ERRORS = ['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken'] as const;

/** Step Functions task callbacks. A closed token rejects with an error whose `name` is in {@link CLOSED_TOKEN_ERRORS}. */
export interface TaskCallbacksPort {
  sendTaskSuccess(taskToken: string, output: unknown): Promise<void>;
  sendTaskFailure(taskToken: string, error: string, cause: string): Promise<void>;
}

/** EC2 Auto Scaling, for this instance. */
export interface InstanceControlPort {
  /** Protects the instance from scale-in (busy) or lets it go (idle). */
  setScaleInProtection(instanceId: string, protect: boolean): Promise<void>;
  /** Completes the pending termination lifecycle action (`CONTINUE`): the instance may go now. */
  completeLifecycleAction(instanceId: string): Promise<void>;
  /**
   * Restarts the termination hook's heartbeat timeout while the host drains (`RecordLifecycleActionHeartbeat`).
   * Optional: a control whose hook has no timeout (the local twin) leaves it out.
   */
  recordLifecycleActionHeartbeat?(instanceId: string): Promise<void>;
}

/**
 * Where the agent publishes its state for `vodsr fleet` / `GET /v1/fleet` (AWS: tags on its own instance, core's
 * `agentStateTags`). Display only: nothing the agent or the workflow decides reads it back.
 */
export interface StatusPublisherPort {
  publish(instanceId: string, status: AgentStatus): Promise<void>;
}

/** A Spot interruption notice (IMDS `spot/instance-action`). */
export interface SpotInterruption {
  readonly action: string;
  readonly time: string;
}

/** What the instance metadata service says about this instance. */
export interface InstanceMetadataPort {
  /** This instance's id (`i-…`; `local-…` for a local host). */
  instanceId(): Promise<string>;
  /** The Spot interruption notice, or `undefined` when there is none (IMDS answers 404). */
  spotInterruption(): Promise<SpotInterruption | undefined>;
  /** `autoscaling/target-lifecycle-state` (`InService`, `Terminated`, `Warmed:*`), `undefined` outside a group. */
  targetLifecycleState(): Promise<string | undefined>;
}

/** One JSON-lines log entry of the agent. */
export interface AgentLogEntry {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  /** A stable event name, e.g. `placed`, `dropped`, `reservation-released`, `host-lost`. */
  readonly event: string;
  readonly message: string;
  readonly [field: string]: unknown;
}

/** A slot as the agent sees it. */
export type AgentSlotStatus =
  | { readonly slot: number; readonly state: 'free' }
  | {
      readonly slot: number;
      readonly state: 'reserved';
      readonly lease: string;
      readonly jobId?: string;
      readonly leaseExpiresAt: string;
    }
  | {
      readonly slot: number;
      readonly state: 'running';
      readonly lease: string;
      readonly jobId?: string;
      readonly pid?: number;
    };

/** The agent's lifecycle. */
export type AgentState = 'starting' | 'running' | 'draining' | 'lost' | 'stopped' | 'killed';

/** What the agent reports about itself (for `vodsr fleet`, `GET /v1/fleet`, and its logs). */
export interface AgentStatus {
  readonly instanceId: string | undefined;
  readonly state: AgentState;
  /** Scale-in protection as last set. */
  readonly protected: boolean;
  /** Why the host was lost (`spot`, `lifecycle`), when it was. */
  readonly lostReason?: 'spot' | 'lifecycle';
  readonly slots: readonly AgentSlotStatus[];
  /** Counters since start. */
  readonly counts: {
    /** Placements answered (SendTaskSuccess accepted). */
    readonly placed: number;
    /** Messages whose token was already closed: slot released, message deleted. */
    readonly dropped: number;
    /** Malformed messages left to the dead-letter queue. */
    readonly malformed: number;
    /** Reservations no command claimed in time. */
    readonly expired: number;
    /** Runs told to fail `VODSR_HOST_LOST`. */
    readonly signalledLost: number;
    /** Most slots busy (reserved or running) at once. */
    readonly maxBusy: number;
  };
}

/** The placement the agent answers `AcquireHost` with. */
export type AgentPlacement = Required<HostPlacement>;

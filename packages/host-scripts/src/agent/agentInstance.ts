import { errText } from './agentOptions.js';
import type { AgentLogEntry, AgentStatus, InstanceControlPort, StatusPublisherPort } from './types.js';

type Say = (level: AgentLogEntry['level'], event: string, message: string, fields?: object) => void;

/** The fleet's default drain hook times out after 60 min: a heartbeat every 5 min keeps it well alive. */
export const DEFAULT_LIFECYCLE_HEARTBEAT_MS = 300_000;

/**
 * This host's termination lifecycle action: from the moment the group terminates the instance until the agent
 * completes the action, `RecordLifecycleActionHeartbeat` every `heartbeatMs` (shorter than the hook's heartbeat
 * timeout), so a drain that outlasts the timeout does not let the group terminate the instance under its runs;
 * then one `CompleteLifecycleAction(CONTINUE)`, after which no heartbeat is sent.
 *
 * @example
 * const action = new LifecycleAction({ control, heartbeatMs: 900_000, instanceId: () => id, say });
 * action.begin(); // Terminating:Wait seen
 * await action.complete(); // the runs ended
 */
export class LifecycleAction {
  private timer: NodeJS.Timeout | undefined;
  private begun = false;
  private completed = false;
  private beating = false;

  public constructor(
    private readonly o: {
      readonly control: InstanceControlPort;
      readonly heartbeatMs: number;
      readonly instanceId: () => string | undefined;
      readonly say: Say;
    },
  ) {}

  /** True once the group terminates this instance. */
  public get terminating(): boolean {
    return this.begun;
  }

  /** The group terminates this instance: heartbeats start (once). */
  public begin(): void {
    if (this.begun) return;
    this.begun = true;
    if (!this.o.control.recordLifecycleActionHeartbeat) return;
    this.timer = setInterval(() => void this.heartbeat(), this.o.heartbeatMs);
    this.timer.unref?.();
  }

  /** Completes the action (`CONTINUE`) once; heartbeats stop first. A failure is logged and may be retried. */
  public async complete(): Promise<void> {
    const id = this.o.instanceId();
    if (this.completed || id === undefined) return;
    this.stop();
    try {
      await this.o.control.completeLifecycleAction(id);
      this.completed = true;
      this.o.say('info', 'lifecycle-completed', 'completed the termination lifecycle action');
    } catch (e) {
      this.o.say('warn', 'lifecycle-failed', `completing the lifecycle action failed: ${errText(e)}`);
      if (this.begun && !this.timer && this.o.control.recordLifecycleActionHeartbeat) {
        this.timer = setInterval(() => void this.heartbeat(), this.o.heartbeatMs);
        this.timer.unref?.();
      }
    }
  }

  /** Stops heartbeating (the agent stops, or is killed). */
  public stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private async heartbeat(): Promise<void> {
    const id = this.o.instanceId();
    if (this.beating || this.completed || id === undefined) return;
    this.beating = true;
    try {
      await this.o.control.recordLifecycleActionHeartbeat?.(id);
      this.o.say('info', 'lifecycle-heartbeat', 'still draining: recorded a lifecycle action heartbeat');
    } catch (e) {
      this.o.say('warn', 'lifecycle-heartbeat-failed', `recording the heartbeat failed: ${errText(e)}`);
    } finally {
      this.beating = false;
    }
  }
}

/** After a failed publish, the same state is tried again no sooner than this. */
export const PUBLISH_RETRY_MS = 30_000;

/**
 * Publishes the agent's state through a {@link StatusPublisherPort} when it changed (state, slots, counters; not
 * on every loop turn), one call at a time; a failed publish is retried at the next change, or after
 * {@link PUBLISH_RETRY_MS}.
 */
export class StatusReporter {
  private last: string | undefined;
  private failed: { key: string; at: number } | undefined;
  private pending: Promise<void> = Promise.resolve();

  public constructor(
    private readonly publisher: StatusPublisherPort | undefined,
    private readonly say: Say,
    private readonly now: () => number = Date.now,
  ) {}

  /** Publishes `status` unless it equals the last one published. */
  public sync(status: AgentStatus): Promise<void> {
    const publisher = this.publisher;
    const id = status.instanceId;
    if (!publisher || id === undefined) return this.pending;
    const key = JSON.stringify({
      state: status.state,
      slots: status.slots.map((s) => [s.slot, s.state, s.state === 'free' ? '' : (s.jobId ?? '')]),
      placed: status.counts.placed,
      maxBusy: status.counts.maxBusy,
    });
    if (key === this.last) return this.pending;
    if (key === this.failed?.key && this.now() - this.failed.at < PUBLISH_RETRY_MS) return this.pending;
    this.last = key;
    this.pending = this.pending.then(async () => {
      try {
        await publisher.publish(id, status);
        this.failed = undefined;
      } catch (e) {
        this.last = undefined;
        this.failed = { key, at: this.now() };
        this.say('warn', 'publish-failed', `publishing the agent state failed: ${errText(e)}`);
      }
    });
    return this.pending;
  }
}

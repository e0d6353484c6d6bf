import { VodsrError } from '@vodsr/core';
import {
  DEFAULT_LEASE_SECONDS,
  MAX_SLOTS_PER_HOST,
  WORK_PRIORITIES,
  type WorkPriority,
} from '@vodsr/core/workflow';
import { DEFAULT_LIFECYCLE_HEARTBEAT_MS, LifecycleAction, StatusReporter } from './agentInstance.js';
import { handleWorkMessage, type MessageContext } from './agentMessages.js';
import { errText, type HostAgentOptions, jsonLineLogger, MAX_RECEIVE } from './agentOptions.js';
import { freeSlots, reconcileSlots, type SlotMem, signalRuns, slotStatuses } from './agentSlots.js';
import { SlotFiles } from './SlotFiles.js';
import type { AgentLogEntry, AgentState, AgentStatus, ReceivedWorkMessage } from './types.js';

export { type HostAgentOptions, jsonLineLogger } from './agentOptions.js';

/**
 * The host agent (DESIGN "Catalogue scale: hosts pull"): takes work only while a GPU slot is free, and answers
 * each work-queue message with a placement on a reserved slot.
 *
 * - Polls the queues in priority order (interactive first), asking for at most as many messages as slots are free.
 * - For a message: parses it (a malformed one is left alone: it becomes visible again and reaches the DLQ),
 *   reserves a free slot with a fresh lease (a file in the lock folder that `vodsr-host --slot --lease` claims),
 *   protects the instance from scale-in, answers `SendTaskSuccess(token, {instanceId, slot, lease,
 *   leaseExpiresAt})`, then deletes the message. A closed token (`TaskTimedOut`, `TaskDoesNotExist`,
 *   `InvalidToken`) releases the slot and deletes the message (dropped).
 * - A reservation no command claims within `leaseSeconds` is released; a claim whose runner died is removed.
 * - Idle (nothing reserved or running) → scale-in protection off.
 * - {@link HostAgent.stop} (SIGTERM): stop taking work, wait for the runs, exit.
 * - A Spot interruption notice or the lifecycle state `Terminated`: stop taking work, tell every run to fail
 *   `VODSR_HOST_LOST` now (SIGUSR1; the workflow re-queues it), refuse commands still to come (`host-lost`
 *   marker), then complete the lifecycle action.
 *
 * @example
 * const agent = new HostAgent({ slots: 2, lockDir: '/var/lib/vodsr/locks', queue, callbacks, control, metadata });
 * process.on('SIGTERM', () => void agent.stop());
 * await agent.run(); // resolves once stopped and drained
 */
export class HostAgent {
  private readonly o: HostAgentOptions;
  private readonly files: SlotFiles;
  private readonly priorities: readonly WorkPriority[];
  private readonly now: () => number;
  private readonly log: (e: AgentLogEntry) => void;
  private readonly mem: SlotMem[];
  private id: string | undefined;
  private state: AgentState = 'starting';
  private protectedNow = false;
  private protectionKnown = false;
  private protecting: Promise<void> = Promise.resolve();
  private lostReason: 'spot' | 'lifecycle' | undefined;
  private readonly lifecycle: LifecycleAction;
  private readonly reporter: StatusReporter;
  private receiveAbort: AbortController | undefined;
  private wakeUp: (() => void) | undefined;
  private monitorTimer: NodeJS.Timeout | undefined;
  private monitoring = false;
  private running: Promise<void> | undefined;
  private readonly counts = { placed: 0, dropped: 0, malformed: 0, expired: 0, signalledLost: 0, maxBusy: 0 };
  private readonly inFlight = new Set<Promise<void>>();
  private readonly signalled = new Set<number>();
  private readonly ctx: MessageContext;

  public constructor(opts: HostAgentOptions) {
    const issues: string[] = [];
    if (!Number.isInteger(opts.slots) || opts.slots < 1 || opts.slots > MAX_SLOTS_PER_HOST)
      issues.push(`slots must be a whole number from 1 to ${MAX_SLOTS_PER_HOST}`);
    if (!opts.lockDir) issues.push('lockDir is required');
    const wait = opts.pollWaitSeconds ?? 10;
    if (!Number.isInteger(wait) || wait < 0 || wait > 20) issues.push('pollWaitSeconds must be 0..20');
    const lease = opts.leaseSeconds ?? DEFAULT_LEASE_SECONDS;
    if (!(lease > 0)) issues.push('leaseSeconds must be positive');
    if (issues.length) {
      throw new VodsrError('VODSR_VALIDATION', `Invalid host agent options: ${issues.join('; ')}`, {
        details: { issues: issues.map((message) => ({ path: '/', message })) },
      });
    }
    this.o = opts;
    this.files = new SlotFiles(opts.lockDir);
    this.priorities = opts.priorities ?? WORK_PRIORITIES;
    this.now = opts.now ?? Date.now;
    this.log = opts.log ?? jsonLineLogger();
    this.mem = Array.from({ length: opts.slots }, () => ({ state: 'free' }) as SlotMem);
    this.ctx = {
      mem: this.mem,
      files: this.files,
      slots: opts.slots,
      now: this.now,
      counts: this.counts,
      signalled: this.signalled,
      say: (level, event, message, fields) => this.say(level, event, message, fields),
      o: opts,
      state: () => this.state,
      instanceId: () => this.id,
      syncProtection: () => this.syncProtection(),
    };
    const say = this.say.bind(this);
    this.lifecycle = new LifecycleAction({
      control: opts.control,
      heartbeatMs: opts.lifecycleHeartbeatMs ?? DEFAULT_LIFECYCLE_HEARTBEAT_MS,
      instanceId: () => this.id,
      say,
    });
    this.reporter = new StatusReporter(opts.publisher, say, this.now);
  }

  /** What the agent knows now: its slots, protection, state and counters. */
  public status(): AgentStatus {
    const slots = slotStatuses(this.mem);
    return {
      instanceId: this.id,
      state: this.state,
      protected: this.protectedNow,
      ...(this.lostReason ? { lostReason: this.lostReason } : {}),
      slots,
      counts: { ...this.counts },
    };
  }

  /**
   * Runs the agent until it is stopped (drained), lost (runs failed, lifecycle completed) or killed.
   * Calling it again returns the same promise.
   */
  public run(): Promise<void> {
    this.running ??= this.loop();
    return this.running;
  }

  /** SIGTERM: takes no more work; {@link HostAgent.run} resolves once every reserved or running slot is free. */
  public stop(): Promise<void> {
    if (this.state === 'starting' || this.state === 'running') {
      this.state = 'draining';
      this.say('info', 'draining', 'stop requested: taking no more work, waiting for the running jobs');
    }
    this.interrupt();
    return this.running ?? Promise.resolve();
  }

  /** A dead host (local twin): stops at once, answers nothing more, cleans nothing up. */
  public kill(): void {
    this.state = 'killed';
    if (this.monitorTimer) clearInterval(this.monitorTimer);
    this.lifecycle.stop();
    this.interrupt();
  }

  /** Wakes the loop now (e.g. a run just ended) instead of at the next scan. */
  public notify(): void {
    const w = this.wakeUp;
    this.wakeUp = undefined;
    w?.();
  }

  /**
   * The host is going away (`spot`: an interruption notice; `lifecycle`: the group terminates it): takes no more
   * work, makes every run fail `VODSR_HOST_LOST` at once, refuses commands still to come, and (lifecycle)
   * completes the lifecycle action once the runs ended.
   */
  public hostLost(reason: 'spot' | 'lifecycle'): void {
    if (reason === 'lifecycle' && this.state !== 'killed') this.lifecycle.begin();
    if (this.state === 'killed' || this.state === 'stopped') return;
    if (this.state === 'lost') {
      this.notify();
      return;
    }
    this.state = 'lost';
    this.lostReason = reason;
    this.say(
      'warn',
      'host-lost',
      `this host is being lost (${reason}): failing its runs with VODSR_HOST_LOST`,
      {
        reason,
      },
    );
    try {
      this.files.markLost();
    } catch (e) {
      this.say('error', 'marker-failed', `cannot write the host-lost marker: ${errText(e)}`);
    }
    this.reconcile();
    for (const [slot, m] of this.mem.entries()) {
      if (m.state === 'reserved' && this.files.unreserve(slot, m.lease)) {
        this.say('info', 'reservation-released', `released the reservation of slot ${slot} (host lost)`, {
          slot,
          jobId: m.jobId,
        });
        this.mem[slot] = { state: 'free' };
      }
    }
    this.signalRuns();
    this.interrupt();
  }

  // ------------------------------------------------------------------------------------------------ the loop

  private async loop(): Promise<void> {
    this.files.ensure();
    this.files.clearLost();
    try {
      this.id = await this.o.metadata.instanceId();
    } catch (e) {
      this.state = 'stopped';
      throw new VodsrError('VODSR_AWS_ERROR', `cannot read this instance's id: ${errText(e)}`, { cause: e });
    }
    if (this.state === 'starting') this.state = 'running';
    this.say('info', 'started', `agent started on ${this.id} with ${this.o.slots} slot(s)`, {
      instanceId: this.id,
      slots: this.o.slots,
      priorities: this.priorities,
    });
    this.monitorTimer = setInterval(() => void this.monitor(), this.o.monitorIntervalMs ?? 5000);
    this.monitorTimer.unref?.();
    void this.monitor();
    try {
      while (this.state === 'running') {
        this.reconcile();
        await this.syncProtection();
        void this.report();
        const free = this.freeSlots().length;
        if (free === 0) {
          await this.sleep(this.o.scanIntervalMs ?? 1000);
          continue;
        }
        const started = this.now();
        const took = await this.poll(free);
        if (took === undefined) await this.sleep(this.o.errorDelayMs ?? 2000);
        else if (took === 0 && this.now() - started < 50) {
          // An empty long poll that came back at once (an endpoint that does not wait): do not spin.
          await this.sleep(this.o.scanIntervalMs ?? 1000);
        } else await new Promise((r) => setImmediate(r));
      }
      if ((this.state as AgentState) === 'killed') return;
      await Promise.allSettled([...this.inFlight]);
      // Draining (SIGTERM) or lost: wait until every slot is free again.
      while (this.state === 'draining' || this.state === 'lost') {
        this.reconcile();
        void this.report();
        if (this.state === 'lost') this.signalRuns();
        if (this.mem.every((m) => m.state === 'free')) break;
        await this.sleep(this.o.scanIntervalMs ?? 1000);
      }
      if (this.state === 'lost') {
        // The lifecycle action may come after a Spot notice: wait for it (the instance goes either way).
        while (!this.lifecycle.terminating && this.state === 'lost')
          await this.sleep(this.o.monitorIntervalMs ?? 5000);
        if (this.state === 'lost') await this.lifecycle.complete();
      } else if (this.state === 'draining') {
        await this.syncProtection();
        if (this.lifecycle.terminating) await this.lifecycle.complete();
      }
    } finally {
      if (this.monitorTimer) clearInterval(this.monitorTimer);
      this.lifecycle.stop();
      if (this.state !== 'killed') {
        this.state = 'stopped';
        this.say('info', 'stopped', 'agent stopped', { counts: { ...this.counts } });
        await this.report();
      }
    }
  }

  /** One round of receives; the number of messages taken, `undefined` after an error. */
  private async poll(free: number): Promise<number | undefined> {
    const ac = new AbortController();
    this.receiveAbort = ac;
    try {
      // Short polls in priority order: work of a higher priority is always taken first.
      for (const priority of this.priorities) {
        const msgs = await this.o.queue.receive(priority, {
          maxMessages: Math.min(free, MAX_RECEIVE),
          waitSeconds: 0,
          signal: ac.signal,
        });
        if (msgs.length) {
          await this.take(priority, msgs);
          return msgs.length;
        }
        if (this.state !== 'running') return 0;
      }
      // Every queue was empty: long-poll the first one (a bulk message waits at most pollWaitSeconds).
      const first = this.priorities[0] as WorkPriority;
      const msgs = await this.o.queue.receive(first, {
        maxMessages: Math.min(free, MAX_RECEIVE),
        waitSeconds: this.o.pollWaitSeconds ?? 10,
        signal: ac.signal,
      });
      if (msgs.length) await this.take(first, msgs);
      return msgs.length;
    } catch (e) {
      if (ac.signal.aborted) return 0;
      this.say('warn', 'receive-failed', `receiving work failed: ${errText(e)}`);
      return undefined;
    } finally {
      this.receiveAbort = undefined;
    }
  }

  private async take(priority: WorkPriority, msgs: ReceivedWorkMessage[]): Promise<void> {
    const jobs = msgs.map((m) => {
      const p = handleWorkMessage(this.ctx, priority, m).finally(() => this.inFlight.delete(p));
      this.inFlight.add(p);
      return p;
    });
    await Promise.all(jobs);
  }

  // ------------------------------------------------------------------------------------------------ slots

  private freeSlots(): number[] {
    return freeSlots(this.ctx);
  }

  private reconcile(): void {
    reconcileSlots(this.ctx);
  }

  private signalRuns(): void {
    signalRuns(this.ctx);
  }

  // ------------------------------------------------------------------------------------------------ instance

  /** Protected while any slot is reserved or running; one call at a time, only on a change. */
  private syncProtection(): Promise<void> {
    this.protecting = this.protecting.then(async () => {
      if (this.state === 'killed' || this.id === undefined) return;
      const want = this.mem.some((m) => m.state !== 'free');
      if (this.protectionKnown && want === this.protectedNow) return;
      try {
        await this.o.control.setScaleInProtection(this.id, want);
        this.protectedNow = want;
        this.protectionKnown = true;
        this.say(
          'info',
          'protection',
          want ? 'protected from scale-in (busy)' : 'scale-in protection off (idle)',
          {
            protected: want,
          },
        );
      } catch (e) {
        this.say('warn', 'protection-failed', `setting scale-in protection failed: ${errText(e)}`);
      }
    });
    return this.protecting;
  }

  private async monitor(): Promise<void> {
    if (this.monitoring || this.state === 'killed' || this.state === 'stopped') return;
    this.monitoring = true;
    try {
      const [spot, lifecycle] = await Promise.all([
        this.o.metadata.spotInterruption().catch((e) => {
          this.say('debug', 'imds-failed', `spot/instance-action: ${errText(e)}`);
          return undefined;
        }),
        this.o.metadata.targetLifecycleState().catch((e) => {
          this.say('debug', 'imds-failed', `autoscaling/target-lifecycle-state: ${errText(e)}`);
          return undefined;
        }),
      ]);
      if (lifecycle === 'Terminated') this.hostLost('lifecycle');
      else if (spot) this.hostLost('spot');
    } finally {
      this.monitoring = false;
    }
  }

  // ------------------------------------------------------------------------------------------------ helpers

  /** Publishes the state when it changed (never throws: display data). */
  private report(): Promise<void> {
    return this.reporter.sync(this.status());
  }

  private interrupt(): void {
    this.receiveAbort?.abort();
    this.notify();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.wakeUp = done;
    });
  }

  private say(level: AgentLogEntry['level'], event: string, message: string, fields: object = {}): void {
    this.log({ level, event, message, ...(this.id ? { instanceId: this.id } : {}), ...fields });
  }
}

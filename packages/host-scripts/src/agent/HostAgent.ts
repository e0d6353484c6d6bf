import { randomBytes } from 'node:crypto';
import { VodsrError } from '@vodsr/core';
import {
  DEFAULT_LEASE_SECONDS,
  MAX_SLOTS_PER_HOST,
  parseAcquireHostMessage,
  WORK_PRIORITIES,
  type WorkPriority,
} from '@vodsr/core/workflow';
import { SlotFiles } from './SlotFiles.js';
import {
  type AgentLogEntry,
  type AgentPlacement,
  type AgentSlotStatus,
  type AgentState,
  type AgentStatus,
  CLOSED_TOKEN_ERRORS,
  type InstanceControlPort,
  type InstanceMetadataPort,
  type ReceivedWorkMessage,
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

type SlotMem =
  | { state: 'free' }
  | { state: 'reserved'; lease: string; jobId?: string; expiresAtMs: number }
  | { state: 'running'; lease: string; jobId?: string; pid?: number };

const MAX_RECEIVE = 10;

/** JSON lines on stdout, with a timestamp. */
export function jsonLineLogger(write: (line: string) => void = (l) => process.stdout.write(l)) {
  return (e: AgentLogEntry): void => write(`${JSON.stringify({ time: new Date().toISOString(), ...e })}\n`);
}

function isClosedToken(e: unknown): boolean {
  const name = (e as { name?: unknown } | undefined)?.name;
  return typeof name === 'string' && (CLOSED_TOKEN_ERRORS as readonly string[]).includes(name);
}

function errText(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

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
  private lifecycleTerminating = false;
  private lifecycleCompleted = false;
  private receiveAbort: AbortController | undefined;
  private wakeUp: (() => void) | undefined;
  private monitorTimer: NodeJS.Timeout | undefined;
  private monitoring = false;
  private running: Promise<void> | undefined;
  private readonly counts = { placed: 0, dropped: 0, malformed: 0, expired: 0, signalledLost: 0, maxBusy: 0 };
  private readonly inFlight = new Set<Promise<void>>();

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
  }

  /** What the agent knows now: its slots, protection, state and counters. */
  public status(): AgentStatus {
    const slots: AgentSlotStatus[] = this.mem.map((m, slot) => {
      if (m.state === 'free') return { slot, state: 'free' };
      const job = m.jobId === undefined ? {} : { jobId: m.jobId };
      if (m.state === 'reserved')
        return {
          slot,
          state: 'reserved',
          lease: m.lease,
          ...job,
          leaseExpiresAt: new Date(m.expiresAtMs).toISOString(),
        };
      return {
        slot,
        state: 'running',
        lease: m.lease,
        ...job,
        ...(m.pid === undefined ? {} : { pid: m.pid }),
      };
    });
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
    if (reason === 'lifecycle') this.lifecycleTerminating = true;
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
        if (this.state === 'lost') this.signalRuns();
        if (this.mem.every((m) => m.state === 'free')) break;
        await this.sleep(this.o.scanIntervalMs ?? 1000);
      }
      if (this.state === 'lost') {
        // The lifecycle action may come after a Spot notice: wait for it (the instance goes either way).
        while (!this.lifecycleTerminating && this.state === 'lost')
          await this.sleep(this.o.monitorIntervalMs ?? 5000);
        if (this.state === 'lost') await this.completeLifecycle();
      } else if (this.state === 'draining') {
        await this.syncProtection();
        if (this.lifecycleTerminating) await this.completeLifecycle();
      }
    } finally {
      if (this.monitorTimer) clearInterval(this.monitorTimer);
      if (this.state !== 'killed') {
        this.state = 'stopped';
        this.say('info', 'stopped', 'agent stopped', { counts: { ...this.counts } });
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
      const p = this.handle(priority, m).finally(() => this.inFlight.delete(p));
      this.inFlight.add(p);
      return p;
    });
    await Promise.all(jobs);
  }

  private async handle(priority: WorkPriority, msg: ReceivedWorkMessage): Promise<void> {
    let parsed: ReturnType<typeof parseAcquireHostMessage>;
    try {
      parsed = parseAcquireHostMessage(msg.body);
    } catch (e) {
      this.counts.malformed += 1;
      this.say('warn', 'malformed', 'a malformed work message: left to the dead-letter queue', {
        priority,
        messageId: msg.messageId,
        receiveCount: msg.receiveCount,
        error: errText(e),
      });
      return;
    }
    const { jobId, taskToken, attempt } = parsed;
    const slot = this.state === 'running' ? this.freeSlots()[0] : undefined;
    if (slot === undefined) {
      // Stopping meanwhile: hand the message back at once.
      await this.o.queue.changeVisibility(priority, msg.receiptHandle, 0).catch(() => undefined);
      return;
    }
    const lease = `l-${randomBytes(12).toString('base64url')}`;
    const expiresAtMs = this.now() + (this.o.leaseSeconds ?? DEFAULT_LEASE_SECONDS) * 1000;
    this.files.reserve(slot, lease, expiresAtMs, jobId);
    this.mem[slot] = { state: 'reserved', lease, jobId, expiresAtMs };
    this.countBusy();
    await this.syncProtection();
    const placement: AgentPlacement = {
      instanceId: this.id as string,
      slot,
      lease,
      leaseExpiresAt: new Date(expiresAtMs).toISOString(),
    };
    if ((this.state as AgentState) === 'killed') return;
    try {
      await this.o.callbacks.sendTaskSuccess(taskToken, placement);
    } catch (e) {
      if ((this.state as AgentState) === 'killed') return;
      this.releaseReservation(slot, lease);
      if (isClosedToken(e)) {
        this.counts.dropped += 1;
        this.say('info', 'dropped', `job ${jobId}: its token is closed (${errText(e)}): message dropped`, {
          jobId,
          attempt,
          priority,
          receiveCount: msg.receiveCount,
        });
        await this.deleteMessage(priority, msg, jobId);
        return;
      }
      this.say(
        'warn',
        'answer-failed',
        `job ${jobId}: SendTaskSuccess failed: ${errText(e)}; message handed back`,
        {
          jobId,
          priority,
        },
      );
      await this.o.queue.changeVisibility(priority, msg.receiptHandle, 0).catch(() => undefined);
      return;
    }
    if ((this.state as AgentState) === 'killed') return;
    this.counts.placed += 1;
    this.say('info', 'placed', `job ${jobId} placed on slot ${slot}`, {
      jobId,
      attempt,
      priority,
      slot,
      lease,
      leaseExpiresAt: placement.leaseExpiresAt,
      waitedMs: msg.sentAt === undefined ? undefined : this.now() - msg.sentAt,
    });
    await this.deleteMessage(priority, msg, jobId);
  }

  private async deleteMessage(
    priority: WorkPriority,
    msg: ReceivedWorkMessage,
    jobId: string,
  ): Promise<void> {
    try {
      await this.o.queue.delete(priority, msg.receiptHandle);
    } catch (e) {
      // It comes back after its visibility timeout; its token is answered by then, so it is dropped.
      this.say('warn', 'delete-failed', `job ${jobId}: deleting its message failed: ${errText(e)}`, {
        jobId,
      });
    }
  }

  // ------------------------------------------------------------------------------------------------ slots

  private freeSlots(): number[] {
    return this.mem.flatMap((m, i) => (m.state === 'free' ? [i] : []));
  }

  private countBusy(): void {
    const busy = this.mem.filter((m) => m.state !== 'free').length;
    if (busy > this.counts.maxBusy) this.counts.maxBusy = busy;
  }

  private releaseReservation(slot: number, lease: string): void {
    this.files.unreserve(slot, lease);
    const m = this.mem[slot];
    if (m && m.state !== 'free' && m.lease === lease) this.mem[slot] = { state: 'free' };
  }

  /** Brings the in-memory slots in line with the lock folder: claims, ended runs, expired reservations. */
  private reconcile(): void {
    let disk: ReturnType<SlotFiles['scan']>;
    try {
      disk = this.files.scan(this.o.slots);
    } catch (e) {
      this.say('error', 'scan-failed', `cannot read the lock folder: ${errText(e)}`);
      return;
    }
    const now = this.now();
    for (const listed of disk) {
      const m = this.mem[listed.slot] as SlotMem;
      // A slot the agent knows is busy is followed by its lease's exact names; a listing only discovers others.
      const d = m.state === 'free' ? listed : this.files.lookup(listed.slot, m.lease);
      const known = m.state === 'free' ? undefined : m;
      if (d.claimed) {
        const pid = d.claimed.pid;
        if ((pid !== undefined && !alive(pid)) || (d.claimed.released && pid === undefined)) {
          this.files.removeClaim(d.slot, d.claimed.lease);
          if (!d.claimed.released) {
            this.say('warn', 'run-died', `the run on slot ${d.slot} died without cleaning up: slot freed`, {
              slot: d.slot,
              pid,
            });
          }
          this.mem[d.slot] = { state: 'free' };
          continue;
        }
        const jobId = known?.lease === d.claimed.lease ? known.jobId : d.claimed.jobId;
        this.mem[d.slot] = {
          state: 'running',
          lease: d.claimed.lease,
          ...(jobId === undefined ? {} : { jobId }),
          ...(pid === undefined ? {} : { pid }),
        };
        continue;
      }
      if (d.reserved) {
        if (now >= d.reserved.expiresAtMs) {
          if (this.files.unreserve(d.slot, d.reserved.lease)) {
            this.counts.expired += 1;
            this.say('info', 'reservation-released', `no command claimed slot ${d.slot} in time: released`, {
              slot: d.slot,
              jobId: d.reserved.jobId,
            });
            this.mem[d.slot] = { state: 'free' };
          }
          continue;
        }
        this.mem[d.slot] = {
          state: 'reserved',
          lease: d.reserved.lease,
          expiresAtMs: d.reserved.expiresAtMs,
          ...(d.reserved.jobId === undefined ? {} : { jobId: d.reserved.jobId }),
        };
        continue;
      }
      // No file: free (a reservation's file is written before the slot is marked reserved; a claim renames it).
      this.mem[d.slot] = { state: 'free' };
    }
    this.countBusy();
  }

  /** SIGUSR1 to every run that has a pid (once per pid). */
  private readonly signalled = new Set<number>();
  private signalRuns(): void {
    for (const [slot, m] of this.mem.entries()) {
      if (m.state !== 'running' || m.pid === undefined || this.signalled.has(m.pid)) continue;
      try {
        process.kill(m.pid, 'SIGUSR1');
        this.signalled.add(m.pid);
        this.counts.signalledLost += 1;
        this.say(
          'warn',
          'run-lost',
          `told the run of job ${m.jobId ?? '?'} (slot ${slot}) to fail VODSR_HOST_LOST`,
          {
            slot,
            jobId: m.jobId,
            pid: m.pid,
          },
        );
      } catch (e) {
        this.say('warn', 'signal-failed', `cannot signal pid ${m.pid}: ${errText(e)}`, { slot });
      }
    }
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

  private async completeLifecycle(): Promise<void> {
    if (this.lifecycleCompleted || this.id === undefined) return;
    try {
      await this.o.control.completeLifecycleAction(this.id);
      this.lifecycleCompleted = true;
      this.say('info', 'lifecycle-completed', 'completed the termination lifecycle action');
    } catch (e) {
      this.say('warn', 'lifecycle-failed', `completing the lifecycle action failed: ${errText(e)}`);
    }
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

import { randomUUID } from 'node:crypto';
import { VodsrError } from '@vodsr/core';
import { WORK_PRIORITIES, type WorkPriority } from '@vodsr/core/workflow';
import type { ReceivedWorkMessage, WorkQueuePort } from '@vodsr/host-scripts';

/** Options of {@link LocalWorkQueue}. */
export interface LocalWorkQueueOptions {
  /** Seconds a received message stays invisible (SQS `VisibilityTimeout`). @default 30 */
  readonly visibilityTimeoutSeconds?: number;
  /** Receives before a message moves to the dead-letter queue (SQS redrive `maxReceiveCount`). @default 5 */
  readonly maxReceiveCount?: number;
}

interface Msg {
  readonly id: string;
  readonly body: string;
  readonly sentAt: number;
  receiveCount: number;
  visibleAt: number;
  handle: string | undefined;
}

/** Depth of one local work queue. */
export interface LocalQueueDepth {
  /** Messages waiting for a host. */
  readonly visible: number;
  /** Messages received and not yet deleted (a host is answering, or died answering). */
  readonly inFlight: number;
  /** Messages moved to the dead-letter queue. */
  readonly deadLetters: number;
  /** Age of the oldest message still in the queue (visible or in flight), in seconds. */
  readonly oldestAgeSeconds?: number;
}

/**
 * An in-memory twin of the two SQS work queues (interactive, bulk): long-polling receive, visibility timeout,
 * receive counts with a dead-letter queue after `maxReceiveCount`, delete and change visibility by receipt handle.
 * It is the {@link WorkQueuePort} of every local host agent.
 *
 * @example
 * const q = new LocalWorkQueue({ visibilityTimeoutSeconds: 2 });
 * q.send('interactive', JSON.stringify(message));
 * const [m] = await q.receive('interactive', { maxMessages: 1, waitSeconds: 20 });
 * await q.delete('interactive', m.receiptHandle);
 */
export class LocalWorkQueue implements WorkQueuePort {
  private readonly queues = new Map<WorkPriority, Map<string, Msg>>();
  private readonly dlq = new Map<WorkPriority, Msg[]>();
  private readonly handles = new Map<string, { priority: WorkPriority; id: string }>();
  private readonly waiters = new Map<WorkPriority, Set<() => void>>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly visibilityMs: number;
  private readonly maxReceiveCount: number;
  private closed = false;

  public constructor(opts: LocalWorkQueueOptions = {}) {
    this.visibilityMs = (opts.visibilityTimeoutSeconds ?? 30) * 1000;
    this.maxReceiveCount = opts.maxReceiveCount ?? 5;
    for (const p of WORK_PRIORITIES) {
      this.queues.set(p, new Map());
      this.dlq.set(p, []);
      this.waiters.set(p, new Set());
    }
  }

  /** Sends a message (SQS `SendMessage`); returns its id. */
  public send(priority: WorkPriority, body: string): string {
    const id = randomUUID();
    const now = Date.now();
    this.q(priority).set(id, { id, body, sentAt: now, receiveCount: 0, visibleAt: now, handle: undefined });
    this.wake(priority);
    return id;
  }

  public async receive(
    priority: WorkPriority,
    opts: { maxMessages: number; waitSeconds: number; signal?: AbortSignal },
  ): Promise<ReceivedWorkMessage[]> {
    const deadline = Date.now() + opts.waitSeconds * 1000;
    for (;;) {
      const got = this.take(priority, Math.max(1, Math.min(10, opts.maxMessages)));
      if (got.length || this.closed || opts.signal?.aborted || Date.now() >= deadline) return got;
      await this.waitFor(priority, deadline - Date.now(), opts.signal);
    }
  }

  public async delete(priority: WorkPriority, receiptHandle: string): Promise<void> {
    const h = this.handles.get(receiptHandle);
    if (!h || h.priority !== priority) throw receiptInvalid(receiptHandle);
    // Like SQS, an older handle of a message still deletes it.
    this.q(priority).delete(h.id);
    this.handles.delete(receiptHandle);
  }

  public async changeVisibility(
    priority: WorkPriority,
    receiptHandle: string,
    seconds: number,
  ): Promise<void> {
    const h = this.handles.get(receiptHandle);
    const m = h && h.priority === priority ? this.q(priority).get(h.id) : undefined;
    if (!m || m.handle !== receiptHandle || m.visibleAt <= Date.now()) {
      throw new VodsrError('VODSR_CONFLICT', 'The message is not in flight (MessageNotInflight)', {
        details: { receiptHandle },
      });
    }
    m.visibleAt = Date.now() + seconds * 1000;
    this.scheduleVisible(priority, m);
  }

  /** Queue depths per priority. */
  public depths(): Record<WorkPriority, LocalQueueDepth> {
    const now = Date.now();
    const out = {} as Record<WorkPriority, LocalQueueDepth>;
    for (const p of WORK_PRIORITIES) {
      const msgs = [...this.q(p).values()];
      const oldest = msgs.reduce((a, m) => Math.min(a, m.sentAt), Number.POSITIVE_INFINITY);
      out[p] = {
        visible: msgs.filter((m) => m.visibleAt <= now).length,
        inFlight: msgs.filter((m) => m.visibleAt > now).length,
        deadLetters: this.dlq.get(p)?.length ?? 0,
        ...(Number.isFinite(oldest) ? { oldestAgeSeconds: Math.round((now - oldest) / 100) / 10 } : {}),
      };
    }
    return out;
  }

  /** Bodies of the messages in a dead-letter queue. */
  public deadLetters(priority: WorkPriority): string[] {
    return (this.dlq.get(priority) ?? []).map((m) => m.body);
  }

  /** Ends every wait and timer. */
  public close(): void {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const p of WORK_PRIORITIES) this.wake(p);
  }

  private take(priority: WorkPriority, max: number): ReceivedWorkMessage[] {
    const now = Date.now();
    const out: ReceivedWorkMessage[] = [];
    const q = this.q(priority);
    for (const m of [...q.values()]) {
      if (out.length >= max) break;
      if (m.visibleAt > now) continue;
      if (m.receiveCount >= this.maxReceiveCount) {
        q.delete(m.id);
        this.dlq.get(priority)?.push(m);
        continue;
      }
      m.receiveCount += 1;
      m.visibleAt = now + this.visibilityMs;
      m.handle = `${m.id}#${m.receiveCount}#${randomUUID()}`;
      this.handles.set(m.handle, { priority, id: m.id });
      this.scheduleVisible(priority, m);
      out.push({
        messageId: m.id,
        body: m.body,
        receiptHandle: m.handle,
        receiveCount: m.receiveCount,
        sentAt: m.sentAt,
      });
    }
    return out;
  }

  private scheduleVisible(priority: WorkPriority, m: Msg): void {
    if (this.closed) return;
    const t = setTimeout(
      () => {
        this.timers.delete(t);
        this.wake(priority);
      },
      Math.max(0, m.visibleAt - Date.now()) + 1,
    );
    t.unref();
    this.timers.add(t);
  }

  private waitFor(priority: WorkPriority, ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const set = this.waiters.get(priority) as Set<() => void>;
      const done = () => {
        clearTimeout(t);
        set.delete(done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const t = setTimeout(done, Math.max(0, ms));
      set.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  private wake(priority: WorkPriority): void {
    for (const w of [...(this.waiters.get(priority) ?? [])]) w();
  }

  private q(priority: WorkPriority): Map<string, Msg> {
    const q = this.queues.get(priority);
    if (!q) throw new VodsrError('VODSR_VALIDATION', `no work queue for priority ${String(priority)}`);
    return q;
  }
}

function receiptInvalid(handle: string): VodsrError {
  return new VodsrError('VODSR_CONFLICT', 'The receipt handle is not valid (ReceiptHandleIsInvalid)', {
    details: { receiptHandle: handle },
  });
}

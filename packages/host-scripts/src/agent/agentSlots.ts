import { errText } from './agentOptions.js';
import type { SlotFiles } from './SlotFiles.js';
import type { AgentLogEntry, AgentSlotStatus } from './types.js';

/** Slot and lease bookkeeping of the host agent: the slots in memory, kept in line with the lock folder. */

/** A slot as the agent knows it. */
export type SlotMem =
  | { state: 'free' }
  | { state: 'reserved'; lease: string; jobId?: string; expiresAtMs: number }
  | { state: 'running'; lease: string; jobId?: string; pid?: number };

/** Whether a process is alive (EPERM: alive, not ours). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** What the slot bookkeeping works on (shared with the agent: the same array, counters and set). */
export interface SlotContext {
  readonly mem: SlotMem[];
  readonly files: SlotFiles;
  readonly slots: number;
  readonly now: () => number;
  readonly counts: {
    placed: number;
    dropped: number;
    malformed: number;
    expired: number;
    signalledLost: number;
    maxBusy: number;
  };
  readonly signalled: Set<number>;
  readonly say: (level: AgentLogEntry['level'], event: string, message: string, fields?: object) => void;
}

/** The free slots, lowest first. */
export function freeSlots(ctx: SlotContext): number[] {
  return ctx.mem.flatMap((m, i) => (m.state === 'free' ? [i] : []));
}

/** Records the most slots busy at once. */
export function countBusy(ctx: SlotContext): void {
  const busy = ctx.mem.filter((m) => m.state !== 'free').length;
  if (busy > ctx.counts.maxBusy) ctx.counts.maxBusy = busy;
}

/** Releases a reservation (its file and the slot in memory, if still this lease). */
export function releaseReservation(ctx: SlotContext, slot: number, lease: string): void {
  ctx.files.unreserve(slot, lease);
  const m = ctx.mem[slot];
  if (m && m.state !== 'free' && m.lease === lease) ctx.mem[slot] = { state: 'free' };
}

/** Brings the in-memory slots in line with the lock folder: claims, ended runs, expired reservations. */
export function reconcileSlots(ctx: SlotContext): void {
  let disk: ReturnType<SlotFiles['scan']>;
  try {
    disk = ctx.files.scan(ctx.slots);
  } catch (e) {
    ctx.say('error', 'scan-failed', `cannot read the lock folder: ${errText(e)}`);
    return;
  }
  const now = ctx.now();
  for (const listed of disk) {
    const m = ctx.mem[listed.slot] as SlotMem;
    // A slot the agent knows is busy is followed by its lease's exact names; a listing only discovers others.
    const d = m.state === 'free' ? listed : ctx.files.lookup(listed.slot, m.lease);
    const known = m.state === 'free' ? undefined : m;
    if (d.claimed) {
      const pid = d.claimed.pid;
      if ((pid !== undefined && !alive(pid)) || (d.claimed.released && pid === undefined)) {
        ctx.files.removeClaim(d.slot, d.claimed.lease);
        if (!d.claimed.released) {
          ctx.say('warn', 'run-died', `the run on slot ${d.slot} died without cleaning up: slot freed`, {
            slot: d.slot,
            pid,
          });
        }
        ctx.mem[d.slot] = { state: 'free' };
        continue;
      }
      const jobId = known?.lease === d.claimed.lease ? known.jobId : d.claimed.jobId;
      ctx.mem[d.slot] = {
        state: 'running',
        lease: d.claimed.lease,
        ...(jobId === undefined ? {} : { jobId }),
        ...(pid === undefined ? {} : { pid }),
      };
      continue;
    }
    if (d.reserved) {
      if (now >= d.reserved.expiresAtMs) {
        if (ctx.files.unreserve(d.slot, d.reserved.lease)) {
          ctx.counts.expired += 1;
          ctx.say('info', 'reservation-released', `no command claimed slot ${d.slot} in time: released`, {
            slot: d.slot,
            jobId: d.reserved.jobId,
          });
          ctx.mem[d.slot] = { state: 'free' };
        }
        continue;
      }
      ctx.mem[d.slot] = {
        state: 'reserved',
        lease: d.reserved.lease,
        expiresAtMs: d.reserved.expiresAtMs,
        ...(d.reserved.jobId === undefined ? {} : { jobId: d.reserved.jobId }),
      };
      continue;
    }
    // No file: free (a reservation's file is written before the slot is marked reserved; a claim renames it).
    ctx.mem[d.slot] = { state: 'free' };
  }
  countBusy(ctx);
}

/** SIGUSR1 to every run that has a pid (once per pid). */
export function signalRuns(ctx: SlotContext): void {
  for (const [slot, m] of ctx.mem.entries()) {
    if (m.state !== 'running' || m.pid === undefined || ctx.signalled.has(m.pid)) continue;
    try {
      process.kill(m.pid, 'SIGUSR1');
      ctx.signalled.add(m.pid);
      ctx.counts.signalledLost += 1;
      ctx.say(
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
      ctx.say('warn', 'signal-failed', `cannot signal pid ${m.pid}: ${errText(e)}`, { slot });
    }
  }
}

/** The slots as `AgentStatus` reports them. */
export function slotStatuses(mem: readonly SlotMem[]): AgentSlotStatus[] {
  return mem.map((m, slot) => {
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
}

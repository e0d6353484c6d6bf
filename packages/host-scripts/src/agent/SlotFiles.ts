import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The agent's half of the slot-lease protocol in the lock folder, shared with `vodsr-host` (its `claim_lease`):
 *
 * - `slot-N.lease-L` — a reservation, written by the agent (temp file + rename). Line 1: `expires <epoch seconds>`,
 *   line 2: `job <jobId>`.
 * - `slot-N.claimed-L` — the claim: `vodsr-host run --slot=N --lease=L` renames the reservation to it (atomic; the
 *   agent releases an expired reservation by unlinking the same name, so exactly one of the two wins), then
 *   rewrites line 1 as `pid <pid>`.
 * - `slot-N.released-L` — the claim renamed by `vodsr-host` as it exits; the agent frees the slot (removes the
 *   file) once that pid is gone, so a host never has more runner processes than slots. A claim whose pid died
 *   without a release (SIGKILL) is removed the same way.
 * - `host-lost` — this host is going away: a command that comes now fails `VODSR_HOST_LOST` (re-queued).
 */
export interface SlotFileState {
  readonly slot: number;
  readonly reserved?: { readonly lease: string; readonly expiresAtMs: number; readonly jobId?: string };
  readonly claimed?: {
    readonly lease: string;
    readonly pid?: number;
    readonly jobId?: string;
    /** Renamed `released-L`: the run ended, its process may still be exiting. */
    readonly released: boolean;
  };
}

const NAME = /^slot-(\d{1,2})\.(lease|claimed|released)-([A-Za-z0-9_-]{8,64})$/;

/** The file name of the host-lost marker. */
export const HOST_LOST_MARKER = 'host-lost';

/** Reads and writes the lease files of one lock folder. */
export class SlotFiles {
  public constructor(public readonly dir: string) {}

  /** Creates the folder. */
  public ensure(): void {
    mkdirSync(this.dir, { recursive: true });
  }

  /** Writes a reservation atomically. */
  public reserve(slot: number, lease: string, expiresAtMs: number, jobId: string): void {
    const name = join(this.dir, `slot-${slot}.lease-${lease}`);
    const tmp = `${name}.tmp`;
    writeFileSync(tmp, `expires ${Math.floor(expiresAtMs / 1000)}\njob ${jobId.replace(/\s/g, '_')}\n`);
    renameSync(tmp, name);
  }

  /** Removes a reservation; `false` when it was gone already (claimed by a command, or released before). */
  public unreserve(slot: number, lease: string): boolean {
    try {
      unlinkSync(join(this.dir, `slot-${slot}.lease-${lease}`));
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw e;
    }
  }

  /** Removes the claim (or release) file of a run whose process is gone. */
  public removeClaim(slot: number, lease: string): void {
    rmSync(join(this.dir, `slot-${slot}.claimed-${lease}`), { force: true });
    rmSync(join(this.dir, `slot-${slot}.released-${lease}`), { force: true });
  }

  /**
   * Where the reservation `lease` of `slot` is now, by exact names in the order a run moves it (lease → claimed →
   * released; only the agent deletes): a name lookup sees a rename atomically, a directory listing may not.
   */
  public lookup(slot: number, lease: string): SlotFileState {
    for (const kind of ['lease', 'claimed', 'released'] as const) {
      const lines = this.read(`slot-${slot}.${kind}-${lease}`);
      if (lines === undefined) continue;
      return this.parse(slot, kind, lease, lines);
    }
    return { slot };
  }

  /** Every slot below `slots` with its reservation and claim files (a listing: for discovery only). */
  public scan(slots: number): SlotFileState[] {
    const out = Array.from({ length: slots }, (_, slot) => ({ slot }) as SlotFileState);
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return out;
      throw e;
    }
    for (const n of names) {
      const m = NAME.exec(n);
      if (!m) continue;
      const slot = Number(m[1]);
      const lease = m[3] as string;
      if (slot >= slots) continue;
      const lines = this.read(n);
      if (lines === undefined) continue;
      out[slot] = { ...(out[slot] as SlotFileState), ...this.parse(slot, m[2] as 'lease', lease, lines) };
    }
    return out;
  }

  /** Marks the host as lost (commands that come now fail `VODSR_HOST_LOST`). */
  public markLost(): void {
    writeFileSync(join(this.dir, HOST_LOST_MARKER), `${new Date().toISOString()}\n`);
  }

  /** Removes a stale host-lost marker (at start). */
  public clearLost(): void {
    rmSync(join(this.dir, HOST_LOST_MARKER), { force: true });
  }

  private parse(
    slot: number,
    kind: 'lease' | 'claimed' | 'released',
    lease: string,
    lines: string[],
  ): SlotFileState {
    const jobId = /^job (.+)$/.exec(lines[1] ?? '')?.[1];
    const job = jobId ? { jobId } : {};
    if (kind === 'lease') {
      const exp = /^expires (\d+)$/.exec(lines[0] ?? '');
      return { slot, reserved: { lease, expiresAtMs: exp ? Number(exp[1]) * 1000 : 0, ...job } };
    }
    const pid = /^pid (\d+)$/.exec(lines[0] ?? '');
    return {
      slot,
      claimed: { lease, released: kind === 'released', ...(pid ? { pid: Number(pid[1]) } : {}), ...job },
    };
  }

  private read(name: string): string[] | undefined {
    try {
      return readFileSync(join(this.dir, name), 'utf8').split('\n');
    } catch {
      return undefined;
    }
  }
}

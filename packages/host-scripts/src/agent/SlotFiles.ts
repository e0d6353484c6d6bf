import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The agent's half of the slot-lease protocol in the lock folder, shared with `vodsr-host` (its `claim_lease`):
 *
 * - `slot-N.lease-L` — a reservation, written by the agent (temp file + rename). Line 1: `expires <epoch seconds>`,
 *   line 2: `job <jobId>`.
 * - `slot-N.claimed-L` — the claim: `vodsr-host run --slot=N --lease=L` renames the reservation to it (atomic; the
 *   agent releases an expired reservation by unlinking the same name, so exactly one of the two wins), then
 *   rewrites line 1 as `pid <pid>`. `vodsr-host` removes it when it exits; the agent removes it when that pid died.
 * - `host-lost` — this host is going away: a command that comes now fails `VODSR_HOST_LOST` (re-queued).
 */
export interface SlotFileState {
  readonly slot: number;
  readonly reserved?: { readonly lease: string; readonly expiresAtMs: number; readonly jobId?: string };
  readonly claimed?: { readonly lease: string; readonly pid?: number; readonly jobId?: string };
}

const NAME = /^slot-(\d{1,2})\.(lease|claimed)-([A-Za-z0-9_-]{8,64})$/;

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

  /** Removes the claim file of a run that died without cleaning up. */
  public removeClaim(slot: number, lease: string): void {
    rmSync(join(this.dir, `slot-${slot}.claimed-${lease}`), { force: true });
  }

  /** Every slot below `slots` with its reservation and claim files. */
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
      const cur = out[slot] as SlotFileState;
      if (m[2] === 'lease') {
        const exp = /^expires (\d+)$/.exec(lines[0] ?? '');
        const jobId = /^job (.+)$/.exec(lines[1] ?? '')?.[1];
        out[slot] = {
          ...cur,
          reserved: {
            lease,
            expiresAtMs: exp ? Number(exp[1]) * 1000 : 0,
            ...(jobId ? { jobId } : {}),
          },
        };
      } else {
        const pid = /^pid (\d+)$/.exec(lines[0] ?? '');
        const jobId = /^job (.+)$/.exec(lines[1] ?? '')?.[1];
        out[slot] = {
          ...cur,
          claimed: { lease, ...(pid ? { pid: Number(pid[1]) } : {}), ...(jobId ? { jobId } : {}) },
        };
      }
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

  private read(name: string): string[] {
    try {
      return readFileSync(join(this.dir, name), 'utf8').split('\n');
    } catch {
      return [];
    }
  }
}

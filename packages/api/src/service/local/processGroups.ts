import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The start time of a process (field 22 of `/proc/<pid>/stat`), which tells a reused pid from the original. */
function startTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function groupFile(dataDir: string, jobId: string): string {
  return join(dataDir, 'groups', jobId);
}

/**
 * Records the process group of a job's running attempt (`<dataDir>/groups/<jobId>`: pgid and its leader's start
 * time), for {@link endRecordedGroup} after a crash.
 *
 * @example recordGroup('.vodsr', job.id, child.pid)
 */
export function recordGroup(dataDir: string, jobId: string, pgid: number | undefined): void {
  if (pgid === undefined) return;
  try {
    mkdirSync(join(dataDir, 'groups'), { recursive: true });
    writeFileSync(groupFile(dataDir, jobId), `${pgid} ${startTime(pgid) ?? ''}\n`);
  } catch {
    // best effort: the watchdog is the first line of defence
  }
}

/** Forgets a job's process group (its attempt ended normally). */
export function forgetGroup(dataDir: string, jobId: string): void {
  rmSync(groupFile(dataDir, jobId), { force: true });
}

/**
 * Ends the recorded process group of a job's lost attempt, if its leader still runs (same pid AND start time, so
 * a reused pid is never hit): SIGKILL to the whole group. Returns true when a group was signalled.
 *
 * @example endRecordedGroup('.vodsr', lostJobId) // before the job's next attempt
 */
export function endRecordedGroup(dataDir: string, jobId: string): boolean {
  let text: string;
  try {
    text = readFileSync(groupFile(dataDir, jobId), 'utf8');
  } catch {
    return false;
  }
  forgetGroup(dataDir, jobId);
  const [pid, started] = text.trim().split(' ');
  const pgid = Number(pid);
  if (!Number.isInteger(pgid) || pgid <= 1) return false;
  if (started && startTime(pgid) !== started) return false;
  try {
    process.kill(-pgid, 'SIGKILL');
    return true;
  } catch {
    return false;
  }
}

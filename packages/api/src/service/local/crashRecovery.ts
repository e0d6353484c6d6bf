import { ACTIVE_STATUSES, type JobRecord } from '@vodsr/core';
import type { JobFeed } from './JobFeed.js';
import type { JobStore } from './JobStore.js';
import { now, withStatus } from './jobRecords.js';
import { endRecordedGroup } from './processGroups.js';

/** What crash recovery needs to know about the process running it. */
export interface RecoveryContext {
  readonly store: JobStore;
  readonly feed: JobFeed;
  /** This process's worker (its jobs are not lost). */
  readonly workerId: string;
  /** A worker whose lease is older than this is dead. */
  readonly leaseMs: number;
  /** Attempts before a job whose worker keeps dying is failed. */
  readonly maxAttempts: number;
  /** The data folder: where the process groups of running attempts are recorded. */
  readonly dataDir?: string;
}

/**
 * Marks the active jobs of dead workers `interrupted` (`VODSR_WORKER_LOST`), so no job is silently lost.
 *
 * @example reportLostJobs({ store, feed, workerId, leaseMs: 15_000, maxAttempts: 3 })
 */
export function reportLostJobs(ctx: RecoveryContext): void {
  const { store, feed } = ctx;
  for (const { id, owner } of store.activeJobs()) {
    if (owner === ctx.workerId || (owner && store.isWorkerAlive(owner, ctx.leaseMs))) continue;
    // the dead worker's child work (runner + FFmpeg), if its watchdog did not end it: before any next attempt
    if (ctx.dataDir) endRecordedGroup(ctx.dataDir, id);
    feed.update(id, (r) =>
      ACTIVE_STATUSES.includes(r.status)
        ? withStatus(r, 'interrupted', {
            error: {
              code: 'VODSR_WORKER_LOST',
              message: `The worker running this job (${owner ?? 'unknown'}) stopped before the job ended`,
            },
          })
        : undefined,
    );
  }
}

/**
 * Re-queues interrupted jobs (`mayRun` picks which) with a note of the lost attempt, or fails a job whose worker
 * crashed `maxAttempts` times; a clean shutdown is not the job's fault and does not count.
 *
 * @example requeueInterrupted(ctx, () => true)
 */
export function requeueInterrupted(ctx: RecoveryContext, mayRun: (id: string) => boolean): void {
  for (const id of ctx.store.idsWithStatus('interrupted')) {
    if (!mayRun(id)) continue;
    ctx.feed.update(id, (r) => {
      if (r.status !== 'interrupted') return undefined;
      const note = `Attempt ${r.attempts} was interrupted: ${r.error?.message ?? 'worker lost'} (${r.error?.code ?? 'VODSR_WORKER_LOST'})`;
      const notes = [...(r.outputs?.notes ?? []), note];
      // a clean shutdown is not the job's fault: only crashes count towards giving up
      const graceful = (r.error?.details as { graceful?: unknown } | undefined)?.graceful === true;
      if (!graceful && r.attempts >= ctx.maxAttempts) {
        return withStatus(r, 'failed', {
          finishedAt: now(),
          outputs: { ...r.outputs, notes },
          error: {
            code: 'VODSR_WORKER_LOST',
            message: `Gave up after ${r.attempts} attempts: the worker kept stopping before the job ended`,
          },
        });
      }
      const { error: _e, ...rest } = r;
      return withStatus(rest as JobRecord, 'queued', {
        outputs: { ...r.outputs, notes },
        progress: { percent: 0 },
      });
    });
  }
}

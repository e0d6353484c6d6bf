import type { JobRecord } from '@vodsr/core';
import { FINAL_STATUSES } from '@vodsr/core';
import type { JobEvent } from '../types.js';

/**
 * Turns a stream of job snapshots into events: yields `snapshot` first, then `status`/`progress` when they change,
 * and `end` once the job is final. `next` waits for the next snapshot (or returns undefined when the watch stops).
 */
export async function* snapshotsToEvents(
  first: JobRecord,
  next: () => Promise<JobRecord | undefined>,
): AsyncGenerator<JobEvent> {
  let last = first;
  yield { type: 'snapshot', job: first };
  if (FINAL_STATUSES.includes(first.status)) {
    yield { type: 'end', job: first };
    return;
  }
  for (;;) {
    const cur = await next();
    if (!cur) return;
    // a re-read of the database may be older than an event already seen (progress is persisted at most 1/s)
    if (cur.updatedAt < last.updatedAt && cur.status === last.status) continue;
    if (cur.status !== last.status) {
      last = cur;
      if (FINAL_STATUSES.includes(cur.status)) {
        yield { type: 'end', job: cur };
        return;
      }
      yield { type: 'status', job: cur };
    } else if (
      cur.progress.percent !== last.progress.percent ||
      cur.progress.stage !== last.progress.stage ||
      cur.updatedAt !== last.updatedAt
    ) {
      last = cur;
      yield { type: 'progress', job: cur };
    }
  }
}

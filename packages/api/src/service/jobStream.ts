import { isFinalStatus, type JobProgress, type JobRecord } from '@vodsr/core';
import type { JobEvent } from './types.js';

/**
 * The wire form of a job's events (`GET /v1/jobs/:id/events`, server-sent events), shared by the server and the
 * remote backend's client:
 *
 * - `job`: the whole job record — the first event, one on each status change, and the last one (final status,
 *   then the stream ends);
 * - `progress`: only what a progress update changes ({@link JobProgressDelta}), a few dozen bytes instead of the
 *   0.5–2 kB record;
 * - `error`: the watch failed (`{ code, message }`), then the stream ends.
 */
export type JobStreamEvent =
  | { readonly event: 'job'; readonly data: JobRecord }
  | { readonly event: 'progress'; readonly data: JobProgressDelta }
  | { readonly event: 'error'; readonly data: { readonly code: string; readonly message: string } };

/** A progress event's data: the job's `progress` (stage, percent, fps, speed, ETA) and its `updatedAt`. */
export interface JobProgressDelta extends JobProgress {
  readonly updatedAt: string;
}

/** The stream event of a watch event: the record for snapshot/status/end, the delta for progress. */
export function toStreamEvent(ev: JobEvent): JobStreamEvent {
  if (ev.type !== 'progress') return { event: 'job', data: ev.job };
  return { event: 'progress', data: { ...ev.job.progress, updatedAt: ev.job.updatedAt } };
}

/**
 * Rebuilds watch events from stream events (the client side of {@link toStreamEvent}): the first `job` is the
 * snapshot, a final one the end (a job final at the first event is both, as the in-process watch yields it), the
 * others status changes; a `progress` delta applies to the last record.
 *
 * @example const dec = new JobStreamDecoder(); for (const e of stream) for (const ev of dec.next(e)) yield ev;
 */
export class JobStreamDecoder {
  private last: JobRecord | undefined;

  /** The watch events of one stream event (none for an error, or a progress delta before any record). */
  public next(e: JobStreamEvent): JobEvent[] {
    if (e.event === 'job') {
      const first = this.last === undefined;
      this.last = e.data;
      const final = isFinalStatus(e.data.status);
      if (first)
        return final
          ? [
              { type: 'snapshot', job: e.data },
              { type: 'end', job: e.data },
            ]
          : [{ type: 'snapshot', job: e.data }];
      return [{ type: final ? 'end' : 'status', job: e.data }];
    }
    if (e.event !== 'progress' || this.last === undefined) return [];
    const { updatedAt, ...progress } = e.data;
    this.last = { ...this.last, progress, updatedAt };
    return [{ type: 'progress', job: this.last }];
  }
}

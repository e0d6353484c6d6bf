import { EventEmitter } from 'node:events';
import type { JobRecord } from '@vodsr/core';
import type { JobEvent, WatchOptions } from '../types.js';
import { snapshotsToEvents } from './events.js';
import type { JobStore } from './JobStore.js';

/**
 * Watch fan-out of the local backend: every change a process makes to a job is written to the store and handed to
 * the watchers of that job in this process; watchers of jobs another process runs re-read the store.
 */
export class JobFeed {
  private readonly emitter = new EventEmitter();

  public constructor(private readonly store: JobStore) {
    this.emitter.setMaxListeners(0);
  }

  /** Hands a snapshot to this job's watchers. */
  public emit(rec: JobRecord): void {
    this.emitter.emit(rec.id, rec);
  }

  /** Updates a job in the store (`fn` returns `undefined` to leave it) and hands the result to its watchers. */
  public update(id: string, fn: (r: JobRecord) => JobRecord | undefined): JobRecord | undefined {
    let out: JobRecord | undefined;
    this.store.update(id, (cur) => {
      out = fn(cur.record);
      return out;
    });
    if (out) this.emit(out);
    return out;
  }

  /**
   * The job's events until it ends, `opts.signal` fires or `closing()` turns true. `get` reads the job (with
   * lost-worker detection) first and whenever `pollMs` passes without news.
   */
  public watch(
    id: string,
    opts: WatchOptions,
    get: (id: string) => Promise<JobRecord>,
    closing: () => boolean,
  ): AsyncIterable<JobEvent> {
    const emitter = this.emitter;
    const pollMs = opts.pollMs ?? 500;
    return {
      async *[Symbol.asyncIterator]() {
        const first = await get(id);
        const queue: JobRecord[] = [];
        let wake: (() => void) | undefined;
        const onJob = (rec: JobRecord) => {
          queue.push(rec);
          wake?.();
        };
        const onAbort = () => wake?.();
        emitter.on(id, onJob);
        opts.signal?.addEventListener('abort', onAbort);
        const next = async (): Promise<JobRecord | undefined> => {
          while (queue.length === 0) {
            if (opts.signal?.aborted || closing()) return undefined;
            // not unref'd: a CLI watching a job run by another process must stay alive until the end
            await new Promise<void>((r) => {
              // woken early by an event: the poll timer goes too (a pending one would hold a finished CLI open)
              const timer = setTimeout(r, pollMs);
              wake = () => {
                clearTimeout(timer);
                r();
              };
            });
            wake = undefined;
            if (queue.length === 0 && !closing()) {
              // another process may run the job (or have died running it): re-read, with lost-worker detection
              queue.push(await get(id));
            }
          }
          return queue.shift();
        };
        try {
          yield* snapshotsToEvents(first, next);
        } finally {
          emitter.off(id, onJob);
          opts.signal?.removeEventListener('abort', onAbort);
        }
      },
    };
  }

  /** Tells listeners of `'closed'` that the service has closed. */
  public closed(): void {
    this.emitter.emit('closed');
  }
}

import { EventEmitter } from 'node:events';
import type { LocalJobService } from '@vodsr/api';
import type { JobRecord } from '@vodsr/core';
import type { TriggerLog } from '@vodsr/core/ingest';
import type { DevJobResult } from './types.js';

const ENDED = ['succeeded', 'failed', 'cancelled'];

/**
 * How a finished job of the dev pipeline ended: where its outputs are, or why there are none.
 *
 * @example jobResult(job).published?.srFile // 's3://vodsr-out/clip_sr_2x.mp4'
 */
export function jobResult(job: JobRecord): DevJobResult {
  const o = job.outputs;
  if (job.status !== 'succeeded' || !o?.srFile) {
    return { job, error: `job ${job.status}: ${job.error?.code ?? ''} ${job.error?.message ?? ''}`.trim() };
  }
  return {
    job,
    published: {
      srFile: o.srFile,
      ...(o.hlsDir !== undefined ? { hlsPrefix: o.hlsDir } : {}),
      ...(o.hlsMaster !== undefined ? { hlsMaster: o.hlsMaster } : {}),
    },
  };
}

/**
 * Follows the dev pipeline's jobs to their end and reports it (`'published'` / `'publish-failed'` on `events`, a
 * log line). Jobs write straight to the local S3 server at the keys the trigger derived (the host uploads the SR
 * file, packaging publishes the HLS tree): nothing is staged here, this only reports each job's end.
 */
export class JobFollower {
  public readonly events = new EventEmitter();
  private readonly results = new Map<string, DevJobResult>();
  private readonly watching = new Set<string>();
  private readonly following = new Set<Promise<void>>();

  public constructor(
    private readonly service: LocalJobService,
    private readonly log: TriggerLog,
  ) {
    this.events.setMaxListeners(0);
  }

  /** Starts following a job (once). */
  public follow(jobId: string): void {
    if (this.watching.has(jobId)) return;
    this.watching.add(jobId);
    const task = (async () => {
      let last: JobRecord | undefined;
      for await (const ev of this.service.watch(jobId)) last = ev.job;
      if (!last || !ENDED.includes(last.status)) return; // closing
      const r = jobResult(last);
      this.results.set(jobId, r);
      if (r.published) {
        this.log({ level: 'info', msg: `job ${jobId} done: ${r.published.srFile}`, jobId, ...r.published });
        this.events.emit('published', r);
      } else {
        this.log({ level: 'warn', msg: `job ${jobId} ${last.status}; nothing published`, error: last.error });
        this.events.emit('publish-failed', r);
      }
    })().catch((e) =>
      this.log({ level: 'error', msg: `following job ${jobId} failed: ${(e as Error).message}` }),
    );
    const tracked = task.finally(() => {
      this.following.delete(tracked);
      this.watching.delete(jobId);
    });
    this.following.add(tracked);
  }

  /** Jobs started before a restart: report them when they end. */
  public async followUnfinished(): Promise<void> {
    for (const { id } of (
      await this.service.list({
        status: ['queued', 'running', 'upscaling', 'packaging', 'interrupted'],
        limit: 100,
      })
    ).jobs)
      this.follow(id);
  }

  /** Resolves when the job has ended and, if it succeeded, its outputs are in the output bucket. */
  public async whenPublished(jobId: string): Promise<DevJobResult> {
    const done = this.results.get(jobId);
    if (done) return done;
    const now = await this.service.get(jobId);
    if (ENDED.includes(now.status)) return jobResult(now);
    return new Promise<DevJobResult>((res) => {
      const on = (r: DevJobResult) => {
        if (r.job.id !== jobId) return;
        this.events.off('published', on);
        this.events.off('publish-failed', on);
        res(r);
      };
      this.events.on('published', on);
      this.events.on('publish-failed', on);
      this.follow(jobId);
    });
  }

  /** Waits for the followers (their watches end when the service closes). */
  public async settled(): Promise<void> {
    await Promise.all([...this.following]);
  }
}

import type { JobEvent, JobService } from '@vodsr/api';
import { FINAL_STATUSES, type JobRecord } from '@vodsr/core';
import { duration } from './format.js';
import type { Io } from './io.js';

/**
 * Follows a job until it is final, showing progress: a bar with ETA on a terminal (cli-progress), plain lines
 * otherwise (a line per status change and per 10 %). Returns the final record (or the last one seen when stopped).
 */
export async function followJob(
  service: JobService,
  id: string,
  io: Io,
  opts: { signal?: AbortSignal; quiet?: boolean } = {},
): Promise<JobRecord> {
  let last: JobRecord | undefined;
  let bar: { update(v: number, p?: object): void; stop(): void } | undefined;
  if (io.interactive && !opts.quiet) {
    const { default: cliProgress } = await import('cli-progress');
    const b = new cliProgress.SingleBar(
      {
        format: ' {bar} {percentage}% | {stage} | {fps} fps | ETA {eta_h}',
        barCompleteChar: '█',
        barIncompleteChar: '░',
        hideCursor: true,
        stream: io.stderr ?? process.stderr,
        etaBuffer: 20,
      },
      cliProgress.Presets.shades_classic,
    );
    b.start(100, 0, { stage: 'queued', fps: '-', eta_h: '-' });
    bar = b;
  }
  let lastStep = -1;
  let lastStatus = '';
  try {
    for await (const ev of service.watch(
      id,
      opts.signal ? { signal: opts.signal } : {},
    ) as AsyncIterable<JobEvent>) {
      last = ev.job;
      const p = ev.job.progress;
      if (bar) {
        bar.update(Math.floor(p.percent), {
          stage: p.stage ?? ev.job.status,
          fps: p.fps !== undefined ? p.fps.toFixed(0) : '-',
          eta_h: duration(p.etaSeconds),
        });
      } else if (!opts.quiet) {
        const step = Math.floor(p.percent / 10);
        if (ev.job.status !== lastStatus) {
          lastStatus = ev.job.status;
          io.err(`${ev.job.status}${p.percent > 0 ? ` ${p.percent}%` : ''}`);
        } else if (step > lastStep) {
          io.err(
            `${ev.job.status} ${p.percent}%${p.fps !== undefined ? ` ${p.fps.toFixed(0)} fps` : ''}${p.etaSeconds !== undefined ? ` ETA ${duration(p.etaSeconds)}` : ''}`,
          );
        }
        lastStep = Math.max(lastStep, step);
      }
      if (FINAL_STATUSES.includes(ev.job.status)) break;
    }
  } finally {
    if (bar) {
      if (last?.status === 'succeeded') bar.update(100, { stage: 'done', eta_h: '0s' });
      bar.stop();
    }
  }
  return last ?? (await service.get(id));
}

import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { LocalJobService } from '@vodsr/api';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from './helpers.js';

/** Timers keeping this thread's event loop alive (unref'd ones are not listed). */
const liveTimers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

let cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

describe('watching a local job', () => {
  it('leaves no poll timer behind once the job has ended (a finished `vodsr run` exits at once)', async () => {
    const dir = tempDir();
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    // An executor that reports progress and ends at once: every wake-up of the watcher comes from an event.
    const svc = await LocalJobService.open({
      dataDir: join(dir, 'data'),
      outputRoot: join(dir, 'out'),
      workers: 'own',
      checkSource: false,
      executor: async (ctx) => {
        ctx.setStage('upscaling');
        for (const percent of [10, 50, 90]) {
          ctx.progress({ stage: 'upscale', percent });
          await new Promise((r) => setImmediate(r));
        }
        return { timings: { totalSeconds: 0 } };
      },
    });
    cleanup.push(() => svc.close());
    const before = liveTimers();
    const { job } = await svc.submit({ source: join(dir, 'clip.mp4'), model: 'lanczos-x2' });
    const types: string[] = [];
    let last: string | undefined;
    for await (const ev of svc.watch(job.id, { pollMs: 60_000 })) {
      types.push(ev.type);
      last = ev.job.status;
    }
    expect(last).toBe('succeeded');
    expect(types.at(-1)).toBe('end');
    expect(types.length).toBeGreaterThan(2);
    await new Promise((r) => setImmediate(r));
    expect(liveTimers()).toBeLessThanOrEqual(before);
  }, 60_000);
});

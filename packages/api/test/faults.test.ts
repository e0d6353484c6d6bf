import { join } from 'node:path';
import { type LocalExecutor, LocalJobService } from '@vodsr/api';
import { describe, expect, it } from 'vitest';
import { makeVideo, tempDir, untilEnded } from './helpers.js';

// Issue 13.3: an error inside a job — even one thrown from a child-process or timer callback, where it would end
// the process — becomes that job's coded error, and the worker goes on with the next job.

describe('LocalJobService workers', () => {
  it('turns an error thrown in a stage callback into the job error and runs the next job', async () => {
    const dir = tempDir();
    const source = makeVideo(dir, 'clip.mp4', { seconds: 1 });
    const executor: LocalExecutor = (ctx) =>
      new Promise((resolve, reject) => {
        ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true });
        if (ctx.job.metadata?.bad === 'yes') {
          // a stage the lifecycle does not allow from `running`, reported from an event callback
          setTimeout(() => ctx.setStage('packaging'), 10);
          return;
        }
        ctx.setStage('upscaling');
        resolve({ srFile: join(dir, 'sr.mp4'), notes: [] });
      });
    const service = await LocalJobService.open({ dataDir: join(dir, 'data'), executor, heartbeatMs: 100 });
    try {
      const bad = await service.submit({ source, model: 'lanczos-x2', metadata: { bad: 'yes' } });
      const good = await service.submit({ source, model: 'lanczos-x2' });
      const b = await untilEnded(service, bad.job.id);
      expect(b.status).toBe('failed');
      expect(b.attempts).toBe(1);
      expect(b.error).toMatchObject({
        code: 'VODSR_ILLEGAL_TRANSITION',
        message: expect.stringContaining('"running" to "packaging"'),
      });
      const g = await untilEnded(service, good.job.id);
      expect(g).toMatchObject({ status: 'succeeded', attempts: 1 });
    } finally {
      await service.close();
    }
  });
});

import { join } from 'node:path';
import { LocalJobService } from '@vodsr/api';
import { describe, expect, it } from 'vitest';
import { makeVideo, tempDir } from './helpers.js';

describe('LocalJobService (database)', () => {
  it('keeps jobs across restarts of the process (same database file)', async () => {
    const dir = tempDir();
    const source = makeVideo(dir, 'a.mp4', { seconds: 1 });
    const first = await LocalJobService.open({ dataDir: join(dir, 'data'), workers: false });
    const { job } = await first.submit({ source, model: 'lanczos-x2' }, { idempotencyKey: 'k1' });
    await first.close();

    const second = await LocalJobService.open({ dataDir: join(dir, 'data'), workers: false });
    expect(await second.get(job.id)).toEqual(job);
    const again = await second.submit({ source, model: 'lanczos-x2' }, { idempotencyKey: 'k1' });
    expect(again).toEqual({ job, created: false });
    expect((await second.list()).jobs.map((j) => j.id)).toEqual([job.id]);
    await second.close();
  });

  it('commits concurrent submissions durably in groups (one transaction per tick)', async () => {
    const dir = tempDir();
    const source = makeVideo(dir, 'a.mp4', { seconds: 1 });
    const svc = await LocalJobService.open({ dataDir: join(dir, 'data'), workers: false });
    const results = await Promise.all(
      Array.from({ length: 500 }, (_, i) =>
        svc.submit({ source, model: 'lanczos-x2', metadata: { i: String(i) } }),
      ),
    );
    expect(new Set(results.map((r) => r.job.id)).size).toBe(500);
    await svc.close();
    const reopened = await LocalJobService.open({ dataDir: join(dir, 'data'), workers: false });
    let count = 0;
    let cursor: string | undefined;
    do {
      const page = await reopened.list({ limit: 100, ...(cursor ? { cursor } : {}) });
      count += page.jobs.length;
      cursor = page.nextCursor;
    } while (cursor);
    expect(count).toBe(500);
    await reopened.close();
  });

  it('reports every problem of a bad job with its path, and writes nothing', async () => {
    const dir = tempDir();
    const svc = await LocalJobService.open({ dataDir: join(dir, 'data'), workers: false });
    await expect(svc.submit({ source: join(dir, 'missing.mp4'), model: 'lanczos-x2' })).rejects.toMatchObject(
      {
        code: 'VODSR_VALIDATION',
        issues: [{ path: '/source', message: `no such file: ${join(dir, 'missing.mp4')}` }],
      },
    );
    await expect(svc.submit({ model: 'A', scale: 9 })).rejects.toMatchObject({ code: 'VODSR_VALIDATION' });
    expect((await svc.list()).jobs).toEqual([]);
    await expect(svc.get('nope')).rejects.toMatchObject({ code: 'VODSR_JOB_NOT_FOUND' });
    await svc.close();
  });
});

import { renameSync } from 'node:fs';
import { join } from 'node:path';
import { HttpJobService, type LocalExecutor, LocalJobService, serveApi } from '@vodsr/api';
import { describe, expect, it } from 'vitest';
import { ffprobe, makeVideo, tempDir, untilEnded } from './helpers.js';

const TOKEN = 'test-token-0123456789abcdef';
const auth = { authorization: `Bearer ${TOKEN}` };

describe('retrying a job', () => {
  it('locally: a job that failed (its source gone) runs again as <id>-r1 once the source is back', async () => {
    const dir = tempDir();
    const source = makeVideo(dir, 'clip.mp4', { width: 160, height: 120, seconds: 1 });
    const opts = { dataDir: join(dir, 'data'), outputRoot: join(dir, 'out') };
    const queued = await LocalJobService.open({ ...opts, workers: false });
    const { job } = await queued.submit({
      source,
      model: 'lanczos-x2',
      encoder: { codec: 'libx264', preset: 'veryfast' },
    });
    await queued.close();
    renameSync(source, `${source}.away`);
    const svc = await LocalJobService.open(opts);
    try {
      const failed = await untilEnded(svc, job.id);
      expect(failed.status).toBe('failed');
      renameSync(`${source}.away`, source);

      const { job: retry, created } = await svc.retry(job.id);
      expect(created).toBe(true);
      expect(retry).toMatchObject({ id: `${job.id}-r1`, spec: failed.spec });
      expect(retry.outputs?.notes?.[0]).toBe(
        `Retry of job ${job.id}, which failed: ${failed.error?.message} (${failed.error?.code})`,
      );
      const done = await untilEnded(svc, retry.id);
      expect(done.status).toBe('succeeded');
      // to the original's destination: the failed run had left nothing there
      expect(done.outputs?.srFile).toBe(join(dir, 'out', job.id, 'clip_sr_2x.mp4'));
      expect(ffprobe(done.outputs?.srFile as string).streams[0]).toMatchObject({ width: 320, height: 240 });
      // the original keeps its record; retrying it again is the same retry; a succeeded job is not retried
      expect(await svc.get(job.id)).toEqual(failed);
      await expect(svc.retry(job.id)).resolves.toMatchObject({ job: { id: retry.id }, created: false });
      await expect(svc.retry(retry.id)).rejects.toMatchObject({
        code: 'VODSR_ILLEGAL_TRANSITION',
        message: `Job ${retry.id} is succeeded: only a failed or cancelled job can be retried`,
      });
      await expect(svc.retry('nope')).rejects.toMatchObject({ code: 'VODSR_JOB_NOT_FOUND' });
    } finally {
      await svc.close();
    }
  });

  it('over HTTP: 201 with the new job, 200 when already retried, 409 and 404 as problem+json; the remote client', async () => {
    const dir = tempDir();
    const source = makeVideo(dir, 'clip.mp4', { seconds: 1 });
    // jobs with metadata.fail fail at once; others succeed
    const executor: LocalExecutor = (ctx) =>
      ctx.job.metadata?.fail === 'yes'
        ? Promise.reject(new Error('the host went away'))
        : Promise.resolve({ srFile: join(dir, 'sr.mp4'), notes: [] });
    const service = await LocalJobService.open({ dataDir: join(dir, 'data'), executor, heartbeatMs: 100 });
    const { app, url } = await serveApi({ service, auth: { tokens: [TOKEN] }, port: 0, rateLimit: false });
    try {
      const bad = await service.submit({ source, model: 'lanczos-x2', metadata: { fail: 'yes' } });
      const good = await service.submit({ source, model: 'lanczos-x2' });
      expect((await untilEnded(service, bad.job.id)).status).toBe('failed');
      expect((await untilEnded(service, good.job.id)).status).toBe('succeeded');
      const retry = (id: string) =>
        app.inject({ method: 'POST', url: `/v1/jobs/${id}/retry`, headers: auth });

      const first = await retry(bad.job.id);
      expect(first.statusCode).toBe(201);
      expect(first.headers.location).toBe(`/v1/jobs/${bad.job.id}-r1`);
      expect(first.json()).toMatchObject({ id: `${bad.job.id}-r1`, spec: { metadata: { fail: 'yes' } } });
      const again = await retry(bad.job.id);
      expect([again.statusCode, again.json().id]).toEqual([200, `${bad.job.id}-r1`]);

      const conflict = await retry(good.job.id);
      expect(conflict.statusCode).toBe(409);
      expect(conflict.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(conflict.json()).toMatchObject({ code: 'VODSR_ILLEGAL_TRANSITION' });
      expect((await retry('nope')).statusCode).toBe(404);

      // the remote client (what `vodsr retry --api` uses): the retry of the retry, once it has failed too
      expect((await untilEnded(service, `${bad.job.id}-r1`)).status).toBe('failed');
      const remote = new HttpJobService({ baseUrl: url, token: TOKEN });
      await expect(remote.retry(`${bad.job.id}-r1`)).resolves.toMatchObject({
        job: { id: `${bad.job.id}-r2` },
        created: true,
      });
      await expect(remote.retry(`${bad.job.id}-r1`)).resolves.toMatchObject({ created: false });
      await expect(remote.retry(good.job.id)).rejects.toMatchObject({ code: 'VODSR_ILLEGAL_TRANSITION' });
    } finally {
      await app.close();
      await service.close();
    }
  });
});

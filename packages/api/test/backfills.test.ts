import { join } from 'node:path';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { buildApp, type LocalExecutor, LocalJobService } from '@vodsr/api';
import { mockClient } from 'aws-sdk-client-mock';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from './helpers.js';

const TOKEN = 'test-token-0123456789abcdef';
const auth = { authorization: `Bearer ${TOKEN}` };
const s3 = mockClient(S3Client);

const obj = (Key: string, i: number) => ({ Key, Size: 4_000_000, ETag: `"etag${i}"` });

describe('/v1/backfills', () => {
  let app: FastifyInstance;
  let service: LocalJobService;
  const ran: string[] = [];
  const executor: LocalExecutor = async (ctx) => {
    ran.push(ctx.jobId);
    return { srFile: ctx.input.srFile, timings: { upscaleSeconds: 0.2 } };
  };

  beforeAll(async () => {
    delete process.env.VODSR_S3_ENDPOINT_URL;
    // two pages: the listing is paginated with ContinuationToken
    s3.on(ListObjectsV2Command, { Bucket: 'cat-in', Prefix: 'cat/' })
      .resolves({
        IsTruncated: true,
        NextContinuationToken: 'p2',
        Contents: [obj('cat/a.mp4', 1), obj('cat/notes.txt', 2), obj('cat/b c+d.mov', 3)],
      })
      .on(ListObjectsV2Command, { Bucket: 'cat-in', Prefix: 'cat/', ContinuationToken: 'p2' })
      .resolves({ IsTruncated: false, Contents: [obj('cat/z.mkv', 4)] });
    service = await LocalJobService.open({ dataDir: join(tempDir(), 'data'), executor, slots: 2 });
    app = await buildApp({ service, auth: { tokens: [TOKEN] }, rateLimit: false });
  });

  afterAll(async () => {
    await app.close();
    await service.close();
    s3.restore();
  });

  it('plans a dry run: what would be submitted and skipped, with reasons and the estimate', async () => {
    // Act
    const res = await app.inject({
      method: 'POST',
      url: '/v1/backfills',
      headers: auth,
      payload: { source: 's3://cat-in/cat/', output: 's3://cat-out/', include: '*.mp4,*.mov', dryRun: true },
    });
    // Assess
    expect(res.statusCode, res.body).toBe(200);
    const b = res.json();
    expect(b).toMatchObject({ state: 'done', dryRun: true, source: 's3://cat-in/cat/' });
    expect(b.plan.counts).toEqual({
      listed: 4,
      submit: 2,
      skip: 2,
      byReason: { 'not-video': 1, 'not-included': 1 },
    });
    expect(b.plan.items.map((i: { key: string; action: string }) => `${i.action} ${i.key}`)).toEqual([
      'submit cat/a.mp4',
      'skip cat/notes.txt',
      'submit cat/b c+d.mov',
      'skip cat/z.mkv',
    ]);
    // 4 MB at the assumed 4 Mbit/s = 8 s of 720p30 = 240 frames at the default 60 frames/s: 4 GPU s a job
    expect(b.estimate).toMatchObject({ jobs: 2, gpuSeconds: 8 });
    expect(b.progress).toMatchObject({ submitted: 0, pending: 2 });
    expect(ran).toEqual([]);
  });

  it('starts the plan on the bulk queue and reports progress until done; a second backfill starts nothing', async () => {
    // Act
    const res = await app.inject({
      method: 'POST',
      url: '/v1/backfills',
      headers: auth,
      payload: {
        source: 's3://cat-in/cat/',
        output: 's3://cat-out/',
        include: '*.mp4,*.mov',
        model: 'lanczos-x2',
      },
    });
    expect(res.statusCode, res.body).toBe(201);
    const id = res.json().id as string;
    expect(res.headers.location).toBe(`/v1/backfills/${id}`);
    let b = res.json();
    for (let i = 0; i < 100 && b.state !== 'done'; i += 1) {
      await new Promise((r) => setTimeout(r, 100));
      b = (await app.inject({ method: 'GET', url: `/v1/backfills/${id}`, headers: auth })).json();
    }
    // Assess
    expect(b.state).toBe('done');
    expect(b.progress).toMatchObject({
      total: 4,
      submitted: 2,
      skipped: 2,
      succeeded: 2,
      failed: 0,
      running: 0,
    });
    const names = b.plan.items
      .filter((i: { action: string }) => i.action === 'submit')
      .map((i: { name: string }) => i.name);
    expect([...ran].sort()).toEqual([...names].sort());
    const job = await service.get(names[0]);
    expect(job.spec.source).toBe('s3://cat-in/cat/a.mp4');
    expect(job.cost?.estimate?.gpuSeconds).toBeGreaterThan(0);
    expect(job.cost?.actual?.gpuSeconds).toBe(0.2);

    const again = await app.inject({
      method: 'POST',
      url: '/v1/backfills',
      headers: auth,
      payload: {
        source: 's3://cat-in/cat/',
        output: 's3://cat-out/',
        include: '*.mp4,*.mov',
        model: 'lanczos-x2',
      },
    });
    expect(again.json().plan.counts.byReason).toMatchObject({ exists: 2 });
    expect(again.json().plan.counts.submit).toBe(0);
    expect(ran).toHaveLength(2);
  });

  it('answers problem+json: 401 without a token, 400 for a bad body, 404 for an unknown backfill', async () => {
    const none = await app.inject({ method: 'POST', url: '/v1/backfills', payload: {} });
    expect(none.statusCode).toBe(401);
    expect(none.headers['content-type']).toMatch(/^application\/problem\+json/);

    const bad = await app.inject({
      method: 'POST',
      url: '/v1/backfills',
      headers: auth,
      payload: { source: 'https://x/', output: 's3://cat-out/', concurrency: 0 },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(bad.json().code).toBe('VODSR_VALIDATION');

    const badGlob = await app.inject({
      method: 'POST',
      url: '/v1/backfills',
      headers: auth,
      payload: { source: 's3://cat-in/cat/', output: 's3://cat-in/cat/out/', include: ',' },
    });
    expect(badGlob.statusCode).toBe(400);
    expect(badGlob.json().code).toBe('VODSR_VALIDATION');

    const missing = await app.inject({ method: 'GET', url: '/v1/backfills/bf-0123abcd', headers: auth });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ code: 'VODSR_NOT_FOUND', status: 404 });
  });
});

import { join } from 'node:path';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { buildApp, type LocalExecutor, LocalJobService } from '@vodsr/api';
import { VodsrError } from '@vodsr/core';
import { mockClient } from 'aws-sdk-client-mock';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from './helpers.js';

const TOKEN = 'test-token-0123456789abcdef';
const auth = { authorization: `Bearer ${TOKEN}` };
const s3 = mockClient(S3Client);

describe('POST /v1/backfills/{id}/cancel', () => {
  let app: FastifyInstance;
  let service: LocalJobService;
  const ran: string[] = [];
  // a job runs until it is stopped, as a long video does
  const executor: LocalExecutor = (ctx) =>
    new Promise((_, reject) => {
      ran.push(ctx.jobId);
      ctx.signal.addEventListener('abort', () =>
        reject(ctx.signal.reason ?? new VodsrError('VODSR_CANCELLED', 'cancelled')),
      );
    });

  beforeAll(async () => {
    delete process.env.VODSR_S3_ENDPOINT_URL;
    s3.on(ListObjectsV2Command, { Bucket: 'cat-in', Prefix: 'big/' }).resolves({
      IsTruncated: false,
      Contents: [1, 2, 3, 4, 5].map((i) => ({ Key: `big/v${i}.mp4`, Size: 4_000_000, ETag: `"e${i}"` })),
    });
    service = await LocalJobService.open({ dataDir: join(tempDir(), 'data'), executor, slots: 2 });
    app = await buildApp({ service, auth: { tokens: [TOKEN] }, rateLimit: false });
  });

  afterAll(async () => {
    await app.close();
    await service.close();
    s3.restore();
  });

  it('starts nothing more and cancels the jobs it started; a second cancel is 409', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/backfills',
      headers: auth,
      payload: { source: 's3://cat-in/big/', output: 's3://cat-out/', model: 'lanczos-x2', concurrency: 2 },
    });
    expect(res.statusCode, res.body).toBe(201);
    const { id, plan } = res.json() as { id: string; plan: { items: { name: string }[] } };
    const names = plan.items.map((i) => i.name);
    expect(names).toHaveLength(5);
    // both slots busy with the first two jobs; the other three wait for room under the concurrency
    for (let i = 0; i < 1000 && ran.length < 2; i++) await new Promise((r) => setTimeout(r, 20));
    expect(ran.sort()).toEqual(names.slice(0, 2).sort());

    const cancel = await app.inject({ method: 'POST', url: `/v1/backfills/${id}/cancel`, headers: auth });
    expect(cancel.statusCode, cancel.body).toBe(200);
    expect(cancel.json()).toMatchObject({ id, state: 'cancelled', cancelledJobs: 2 });
    expect((await service.get(names[0] as string)).status).toBe('cancelled');
    expect((await service.get(names[1] as string)).status).toBe('cancelled');
    for (const n of names.slice(2))
      await expect(service.get(n)).rejects.toMatchObject({ code: 'VODSR_JOB_NOT_FOUND' });

    const got = await app.inject({ method: 'GET', url: `/v1/backfills/${id}`, headers: auth });
    expect(got.json()).toMatchObject({ state: 'cancelled', cancelledJobs: 2 });
    const again = await app.inject({ method: 'POST', url: `/v1/backfills/${id}/cancel`, headers: auth });
    expect(again.statusCode).toBe(409);
    expect(again.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(again.json()).toMatchObject({ code: 'VODSR_ILLEGAL_TRANSITION' });
    const unknown = await app.inject({ method: 'POST', url: '/v1/backfills/bf-0123/cancel', headers: auth });
    expect(unknown.statusCode).toBe(404);
    expect(ran).toHaveLength(2);
  });
});

import { join } from 'node:path';
import { buildApp, LocalJobService } from '@vodsr/api';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeVideo, tempDir } from './helpers.js';

// Issue 13.6: the API's edges answer coded problem+json bodies, never a 500 or plain JSON.

const TOKEN = 'edges-token-0123456789abcdef';
const auth = { authorization: `Bearer ${TOKEN}` };

describe('HTTP API edges', () => {
  let dir: string;
  let source: string;
  let service: LocalJobService;
  let app: FastifyInstance;

  beforeAll(async () => {
    dir = tempDir();
    source = makeVideo(dir, 'clip.mp4', { seconds: 1 });
    service = await LocalJobService.open({ dataDir: join(dir, 'data'), workers: false });
    app = await buildApp({ service, auth: { tokens: [TOKEN] }, rateLimit: false });
  });
  afterAll(async () => {
    await app.close();
    await service.close();
  });

  const post = (payload: string, type = 'application/json') =>
    app.inject({ method: 'POST', url: '/v1/jobs', headers: { ...auth, 'content-type': type }, payload });

  it('answers JSON nested 3,000+ deep with 400 VODSR_BAD_REQUEST', async () => {
    for (const depth of [3_000, 20_000]) {
      const deep = `{"source":"${source}","model":"lanczos-x2","metadata":${'['.repeat(depth)}${']'.repeat(depth)}}`;
      const res = await post(deep);
      expect(res.statusCode, `depth ${depth}`).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.json()).toMatchObject({
        code: 'VODSR_BAD_REQUEST',
        detail: expect.stringMatching(/nested/),
      });
    }
    const deepObject = `${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}`;
    const res = await post(deepObject);
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('VODSR_BAD_REQUEST');
  });

  it('answers a 300-character id with 414 as application/problem+json', async () => {
    for (const url of [`/v1/jobs/${'a'.repeat(300)}`, `/v1/jobs/${'a'.repeat(300)}/events`]) {
      const res = await app.inject({ method: 'GET', url, headers: auth });
      expect(res.statusCode, url).toBe(414);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.json()).toMatchObject({
        status: 414,
        code: 'VODSR_BAD_REQUEST',
        type: 'urn:vodsr:error:VODSR_BAD_REQUEST',
      });
    }
  });

  it('answers a text/plain body with 415 VODSR_BAD_REQUEST, as the README says', async () => {
    const res = await post(JSON.stringify({ source, model: 'lanczos-x2' }), 'text/plain');
    expect(res.statusCode).toBe(415);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json().code).toBe('VODSR_BAD_REQUEST');
  });

  it('reports every problem of a job at once: schema, unknown model and missing file together', async () => {
    const res = await post(
      JSON.stringify({
        source: join(dir, 'missing.mp4'),
        model: 'no-such-model',
        encoder: { cq: 99 },
        bogus: 1,
      }),
    );
    expect(res.statusCode).toBe(400);
    const paths = (res.json().issues as Array<{ path: string; message: string }>).map((i) => i.path).sort();
    expect(paths).toEqual(['/bogus', '/encoder/cq', '/model', '/source']);
    expect(res.json().issues).toEqual(
      expect.arrayContaining([
        { path: '/model', message: expect.stringContaining('Unknown SR model "no-such-model"') },
        { path: '/source', message: expect.stringContaining('no such file') },
      ]),
    );
  });
});

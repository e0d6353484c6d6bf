import { join } from 'node:path';
import { API_ROUTES, buildApp, HttpJobService, type JobEvent, LocalJobService, serveApi } from '@vodsr/api';
import type { JobRecord } from '@vodsr/core';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeVideo, parseSse, tempDir } from './helpers.js';

const TOKEN = 'test-token-0123456789abcdef';
const auth = { authorization: `Bearer ${TOKEN}` };
const PROGRESS_KEYS = ['stage', 'percent', 'fps', 'speed', 'etaSeconds', 'updatedAt'];

describe('HTTP API', () => {
  let dir: string;
  let source: string;
  let service: LocalJobService;
  let app: FastifyInstance;

  beforeAll(async () => {
    dir = tempDir();
    source = makeVideo(dir, 'clip.mp4', { seconds: 1 });
    service = await LocalJobService.open({ dataDir: join(dir, 'data'), workers: false });
    app = await buildApp({
      service,
      auth: { tokens: [TOKEN] },
      rateLimit: { max: 10_000, timeWindowMs: 60_000 },
    });
  });
  afterAll(async () => {
    await app.close();
    await service.close();
  });

  const submit = (body: unknown, headers: Record<string, string> = {}) =>
    app.inject({
      method: 'POST',
      url: '/v1/jobs',
      headers: { ...auth, ...headers },
      payload: body as object,
    });

  it('answers 401 problem+json without a token, or with a wrong one', async () => {
    const none = await app.inject({ method: 'GET', url: '/v1/jobs' });
    expect(none.statusCode).toBe(401);
    expect(none.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(none.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(none.json()).toMatchObject({ status: 401, code: 'VODSR_UNAUTHORIZED' });
    const wrong = await app.inject({
      method: 'POST',
      url: '/v1/jobs',
      headers: { authorization: 'Bearer not-the-token-at-all' },
      payload: { source },
    });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().detail).toBe('Invalid bearer token');
  });

  it('serves /healthz, /openapi.json and /docs without a token', async () => {
    const h = await app.inject({ method: 'GET', url: '/healthz' });
    expect(h.json()).toEqual({ ok: true, backend: 'local', version: '0.1.0' });
    const docs = await app.inject({ method: 'GET', url: '/docs/' });
    expect(docs.statusCode).toBe(200);
    expect(docs.body).toContain('swagger-ui');
  });

  it('rejects an invalid job with 400 and every problem with its field path', async () => {
    const res = await submit({ source: 5, model: 7, bogus: true, encoder: { cq: 99 } });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    const p = res.json() as { code: string; issues: Array<{ path: string; message: string }> };
    expect(p.code).toBe('VODSR_VALIDATION');
    const paths = p.issues.map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['/source', '/model', '/bogus', '/encoder/cq']));

    const semantic = await submit({ source, model: 'no-such-model' });
    expect(semantic.statusCode).toBe(400);
    expect(semantic.json().issues).toEqual([
      { path: '/model', message: expect.stringContaining('Unknown SR model "no-such-model"') },
    ]);

    const missing = await submit({ source: join(dir, 'nope.mp4'), model: 'lanczos-x2' });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().issues[0]).toMatchObject({
      path: '/source',
      message: expect.stringMatching(/no such file/),
    });

    const notJson = await app.inject({
      method: 'POST',
      url: '/v1/jobs',
      headers: { ...auth, 'content-type': 'application/json' },
      payload: '{"source":',
    });
    expect(notJson.statusCode).toBe(400);
    expect(notJson.json().code).toBe('VODSR_BAD_REQUEST');
  });

  it('creates a job (201, Location) and returns it by id', async () => {
    const res = await submit({ source, model: 'lanczos-x2', metadata: { title: 'clip' } });
    expect(res.statusCode).toBe(201);
    const job = res.json() as JobRecord;
    expect(res.headers.location).toBe(`/v1/jobs/${job.id}`);
    expect(job).toMatchObject({
      backend: 'local',
      status: 'queued',
      attempts: 0,
      spec: { source, model: 'lanczos-x2', srName: 'clip_sr_2x.mp4', packaging: { preset: 'hls-single' } },
    });
    const got = await app.inject({ method: 'GET', url: `/v1/jobs/${job.id}`, headers: auth });
    expect(got.json()).toEqual(job);
    const nf = await app.inject({ method: 'GET', url: '/v1/jobs/doesnotexist', headers: auth });
    expect(nf.statusCode).toBe(404);
    expect(nf.json()).toMatchObject({ code: 'VODSR_JOB_NOT_FOUND', status: 404 });
    const bad = await app.inject({ method: 'GET', url: '/v1/jobs/has%20space', headers: auth });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().issues[0].path).toBe('/id');
  });

  it('honours Idempotency-Key: same key → same job, a different job under the key → 409', async () => {
    const a = await submit({ source, model: 'lanczos-x2' }, { 'idempotency-key': 'upload-42' });
    const b = await submit({ source, model: 'lanczos-x2' }, { 'idempotency-key': 'upload-42' });
    expect(a.statusCode).toBe(201);
    expect(b.statusCode).toBe(200);
    expect(b.json().id).toBe(a.json().id);
    const inBody = await submit({ source, model: 'lanczos-x2', idempotencyKey: 'upload-42' });
    expect(inBody.statusCode).toBe(200);
    expect(inBody.json().id).toBe(a.json().id);
    const other = await submit({ source, model: 'bicubic-x2' }, { 'idempotency-key': 'upload-42' });
    expect(other.statusCode).toBe(409);
    expect(other.json().code).toBe('VODSR_CONFLICT');
    // concurrent submissions with one key (one group commit) still make one job
    const many = await Promise.all(
      Array.from({ length: 20 }, () =>
        submit({ source, model: 'lanczos-x2' }, { 'idempotency-key': 'burst-1' }),
      ),
    );
    expect(new Set(many.map((r) => r.json().id)).size).toBe(1);
    expect(many.filter((r) => r.statusCode === 201)).toHaveLength(1);
  });

  it('lists jobs newest first with cursor pagination and a status filter', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++)
      ids.push((await submit({ source, model: 'lanczos-x2', metadata: { i: `${i}` } })).json().id);
    await app.inject({ method: 'POST', url: `/v1/jobs/${ids[1]}/cancel`, headers: auth });
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const res = await app.inject({
        method: 'GET',
        url: `/v1/jobs?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        headers: auth,
      });
      expect(res.statusCode).toBe(200);
      const page = res.json() as { jobs: JobRecord[]; nextCursor?: string };
      expect(page.jobs.length).toBeLessThanOrEqual(2);
      seen.push(...page.jobs.map((j) => j.id));
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor && pages < 50);
    expect(seen.slice(0, 5)).toEqual([...ids].reverse());
    expect(new Set(seen).size).toBe(seen.length);
    const cancelled = await app.inject({ method: 'GET', url: '/v1/jobs?status=cancelled', headers: auth });
    expect(cancelled.json().jobs.map((j: JobRecord) => j.id)).toContain(ids[1]);
    expect(cancelled.json().jobs.every((j: JobRecord) => j.status === 'cancelled')).toBe(true);
    const bad = await app.inject({ method: 'GET', url: '/v1/jobs?status=done&limit=500', headers: auth });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().issues.map((i: { path: string }) => i.path)).toEqual(
      expect.arrayContaining(['/status', '/limit']),
    );
    const badCursor = await app.inject({ method: 'GET', url: '/v1/jobs?cursor=zzz', headers: auth });
    expect(badCursor.statusCode).toBe(400);
    expect(badCursor.json().issues[0].path).toBe('/cursor');
  });

  it('cancels a queued job, and answers 409 when it is already final', async () => {
    const id = (await submit({ source, model: 'lanczos-x2' })).json().id;
    const res = await app.inject({ method: 'POST', url: `/v1/jobs/${id}/cancel`, headers: auth });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id, status: 'cancelled', error: { code: 'VODSR_CANCELLED' } });
    const again = await app.inject({ method: 'POST', url: `/v1/jobs/${id}/cancel`, headers: auth });
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('VODSR_ILLEGAL_TRANSITION');
  });

  it('streams job events as server-sent events until the job is final', async () => {
    const id = (await submit({ source, model: 'lanczos-x2' })).json().id;
    const stream = app.inject({ method: 'GET', url: `/v1/jobs/${id}/events`, headers: auth });
    await new Promise((r) => setTimeout(r, 150));
    await service.cancel(id);
    const res = await stream;
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
    const events = parseSse(res.body);
    // the whole record on each status change: queued first, cancelled last (then the stream closes)
    expect(events.map((e) => e.event)).toEqual(['job', 'job']);
    expect(events[0]?.data).toMatchObject({ id, status: 'queued' });
    expect(events[1]?.data).toMatchObject({ id, status: 'cancelled' });
    expect(events.map((e) => e.id)).toEqual(['1', '2']);
    // a job already final at the start: its record once, then the end of the stream
    const again = parseSse(
      (await app.inject({ method: 'GET', url: `/v1/jobs/${id}/events`, headers: auth })).body,
    );
    expect(again.map((e) => [e.event, (e.data as JobRecord).status])).toEqual([['job', 'cancelled']]);
    const nf = await app.inject({ method: 'GET', url: '/v1/jobs/nope/events', headers: auth });
    expect(nf.statusCode).toBe(404);
  });

  it('lists models and presets', async () => {
    const m = await app.inject({ method: 'GET', url: '/v1/models', headers: auth });
    const models = m.json().models as Array<{ id: string; requiresBluewhale: boolean }>;
    expect(models.find((x) => x.id === 'A')?.requiresBluewhale).toBe(true);
    expect(models.find((x) => x.id === 'lanczos-x2')?.requiresBluewhale).toBe(false);
    const p = await app.inject({ method: 'GET', url: '/v1/presets', headers: auth });
    expect(p.json().presets.map((x: { id: string }) => x.id)).toEqual(['hls-single', 'hls-ladder', 'none']);
  });

  it('publishes an OpenAPI document that matches the routes', async () => {
    const res = await app.inject({ method: 'GET', url: '/openapi.json' });
    const doc = res.json() as {
      openapi: string;
      paths: Record<string, Record<string, { requestBody?: unknown; security?: unknown[] }>>;
      components: {
        securitySchemes: Record<string, unknown>;
        schemas: Record<string, { properties: Record<string, unknown> }>;
      };
    };
    expect(doc.openapi).toBe('3.1.0');
    const documented = Object.entries(doc.paths)
      .flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`))
      .sort();
    expect(documented).toEqual(
      [
        'GET /healthz',
        'GET /v1/fleet',
        'GET /v1/jobs',
        'POST /v1/jobs',
        'GET /v1/jobs/{id}',
        'POST /v1/jobs/{id}/cancel',
        'POST /v1/jobs/{id}/retry',
        'GET /v1/jobs/{id}/events',
        'GET /v1/models',
        'GET /v1/presets',
        'POST /v1/backfills',
        'GET /v1/backfills/{id}',
        'POST /v1/backfills/{id}/cancel',
      ].sort(),
    );
    for (const op of documented) {
      const [method, path] = op.split(' ') as [string, string];
      const url = path.replace('{id}', 'x');
      expect(app.hasRoute({ method: method as 'GET', url: path.replace('{id}', ':id') })).toBe(true);
      expect((await app.inject({ method: method as 'GET', url, headers: auth })).statusCode).not.toBe(405);
    }
    expect(API_ROUTES).toHaveLength(5);
    expect(doc.components.securitySchemes.bearer).toEqual({ type: 'http', scheme: 'bearer' });
    const post = doc.paths['/v1/jobs']?.post as {
      requestBody: { content: Record<string, { schema: { $ref: string } }> };
    };
    // The job model is a named schema (components.schemas.JobSpec), referenced by the operation.
    expect(post.requestBody.content['application/json']?.schema).toEqual({
      $ref: '#/components/schemas/JobSpec',
    });
    expect(Object.keys(doc.components.schemas.JobSpec?.properties ?? {})).toEqual(
      expect.arrayContaining(['source', 'output', 'model', 'encoder', 'packaging', 'idempotencyKey']),
    );
    expect(doc.paths['/healthz']?.get?.security).toEqual([]);
  });

  it('limits the request body size', async () => {
    const res = await submit({ source, model: 'lanczos-x2', metadata: { big: 'x'.repeat(70_000) } });
    expect(res.statusCode).toBe(413);
    expect(res.json()).toMatchObject({ status: 413, code: 'VODSR_BAD_REQUEST' });
  });
});

describe('HTTP API limits and options', () => {
  it('answers 429 problem+json with Retry-After past the rate limit', async () => {
    const dir = tempDir();
    const service = await LocalJobService.open({ dataDir: dir, workers: false });
    const app = await buildApp({
      service,
      auth: { tokens: [TOKEN] },
      rateLimit: { max: 3, timeWindowMs: 60_000 },
    });
    const codes: number[] = [];
    for (let i = 0; i < 4; i++)
      codes.push((await app.inject({ method: 'GET', url: '/v1/models', headers: auth })).statusCode);
    expect(codes).toEqual([200, 200, 200, 429]);
    const res = await app.inject({ method: 'GET', url: '/v1/models', headers: auth });
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({ status: 429, code: 'VODSR_RATE_LIMITED' });
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    await app.close();
    await service.close();
  });

  it('requires tokens unless auth is explicitly disabled', async () => {
    const service = await LocalJobService.open({ dataDir: tempDir(), workers: false });
    await expect(buildApp({ service, auth: { tokens: [] } })).rejects.toMatchObject({
      code: 'VODSR_VALIDATION',
      issues: [{ path: '/auth/tokens', message: expect.stringContaining('at least one token') }],
    });
    await expect(buildApp({ service, auth: { tokens: ['short'] } })).rejects.toMatchObject({
      code: 'VODSR_VALIDATION',
    });
    const open = await buildApp({ service, auth: 'disabled' });
    expect((await open.inject({ method: 'GET', url: '/v1/jobs' })).statusCode).toBe(200);
    await open.close();
    await service.close();
  });
});

describe('HTTP API with a running job', () => {
  it('streams real progress events over SSE while the local backend runs the job', async () => {
    const dir = tempDir();
    const payloadSource = makeVideo(dir, 'clip.mp4', { seconds: 2 });
    const service = await LocalJobService.open({ dataDir: join(dir, 'data'), outputRoot: join(dir, 'out') });
    const app = await buildApp({ service, auth: { tokens: [TOKEN] } });
    const created = await app.inject({
      method: 'POST',
      url: '/v1/jobs',
      headers: auth,
      payload: {
        source: payloadSource,
        model: 'lanczos-x2',
        encoder: { codec: 'libx264', preset: 'veryfast' },
        // the SR file, then packaging as its own stage (the host engine packages inside the upscaling stage)
        packaging: { engine: 'mediaconvert' },
      },
    });
    const id = created.json().id as string;
    const res = await app.inject({ method: 'GET', url: `/v1/jobs/${id}/events`, headers: auth });
    const stored = await service.get(id);
    await app.close();
    await service.close();
    const events = parseSse(res.body);
    const kinds = events.map((e) => e.event);
    expect(kinds[0]).toBe('job');
    expect(kinds.at(-1)).toBe('job');
    expect(kinds).toContain('progress');
    // `job` events carry the whole record, one per status change: no status twice in a row, none missing
    const records = events.filter((e) => e.event === 'job').map((e) => e.data as JobRecord);
    const statuses = records.map((r) => r.status);
    expect(statuses).toEqual(expect.arrayContaining(['upscaling', 'packaging', 'succeeded']));
    expect(statuses.filter((st, i) => st === statuses[i - 1])).toEqual([]);
    expect(records.every((r) => r.id === id && r.spec.source === payloadSource)).toBe(true);
    const final = records.at(-1) as JobRecord;
    expect(final).toMatchObject({ status: 'succeeded', progress: { percent: 100 } });
    expect(final).toEqual(stored); // the last event is the final record
    // `progress` events carry only the progress (no record): stage, percent, …, updatedAt
    const deltas = events.filter((e) => e.event === 'progress');
    for (const d of deltas) {
      expect(
        Object.keys(d.data as object).every((k) => PROGRESS_KEYS.includes(k)),
        JSON.stringify(d.data),
      ).toBe(true);
      expect(d.data).toMatchObject({ percent: expect.any(Number), updatedAt: expect.any(String) });
    }
    const percents = deltas.map((e) => (e.data as { percent: number }).percent);
    expect(percents.some((p) => p > 0 && p < 100)).toBe(true);
    expect(percents).toEqual([...percents].sort((a, b) => a - b));
    // the bytes: what the same stream cost when every progress event carried the record (its size then)
    const streamBytes = Buffer.byteLength(res.body);
    let last = records[0] as JobRecord;
    let fullRecordBytes = 0;
    let progressAsRecordBytes = 0;
    for (const e of events) {
      if (e.event === 'job') last = e.data as JobRecord;
      else {
        const { updatedAt, ...progress } = e.data as { updatedAt: string };
        last = { ...last, progress: progress as JobRecord['progress'], updatedAt };
        progressAsRecordBytes += Buffer.byteLength(JSON.stringify(last));
      }
      fullRecordBytes += Buffer.byteLength(JSON.stringify(last));
    }
    const progressBytes = deltas.reduce((n, e) => n + e.bytes, 0);
    console.log(
      `SSE: ${events.length} events (${deltas.length} progress), ${streamBytes} B on the wire; ` +
        `progress data ${progressBytes} B (${Math.round(progressBytes / Math.max(1, deltas.length))} B each); ` +
        `with the record in every event: ${fullRecordBytes} B`,
    );
    expect(progressBytes / deltas.length).toBeLessThan(200);
    expect(progressBytes * 5).toBeLessThan(progressAsRecordBytes); // each progress event: < 1/5 of a record
  });

  it('accepts a 250-byte file name with a shortened SR name, and refuses an output prefix with no room (400)', async () => {
    const dir = tempDir();
    const source = makeVideo(dir, `${'x'.repeat(246)}.mp4`, { seconds: 1 });
    const service = await LocalJobService.open({ dataDir: join(dir, 'data'), outputRoot: join(dir, 'out') });
    const app = await buildApp({ service, auth: { tokens: [TOKEN] } });
    const created = await app.inject({
      method: 'POST',
      url: '/v1/jobs',
      headers: auth,
      payload: { source, model: 'lanczos-x2', packaging: { preset: 'none' } },
    });
    expect(created.statusCode).toBe(201);
    const srName = created.json().spec.srName as string;
    expect(Buffer.byteLength(srName)).toBeLessThanOrEqual(255);
    const refused = await app.inject({
      method: 'POST',
      url: '/v1/jobs',
      headers: auth,
      payload: { source: 's3://in-bucket/a.mp4', output: `s3://out-bucket/${'p'.repeat(1010)}/` },
    });
    expect(refused.statusCode).toBe(400);
    expect(refused.json()).toMatchObject({ code: 'VODSR_VALIDATION' });
    expect(JSON.stringify(refused.json())).toContain('1024 UTF-8 bytes');
    const id = created.json().id as string;
    for (let i = 0; i < 200; i += 1) {
      const rec = (await service.get(id)) as JobRecord;
      if (rec.status === 'succeeded' || rec.status === 'failed') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect((await service.get(id)).status).toBe('succeeded');
    await app.close();
    await service.close();
  });
});

describe('the remote backend over the event stream', () => {
  it('rebuilds snapshot, status, progress and end events from records and deltas (eventsource-parser)', async () => {
    // Prepare: a real API over a local backend, and the remote client of it
    const dir = tempDir();
    const source = makeVideo(dir, 'clip.mp4', { seconds: 2 });
    const service = await LocalJobService.open({ dataDir: join(dir, 'data'), outputRoot: join(dir, 'out') });
    const { app, url } = await serveApi({ service, auth: { tokens: [TOKEN] }, port: 0, rateLimit: false });
    const remote = new HttpJobService({ baseUrl: url, token: TOKEN });
    try {
      const { job } = await remote.submit({
        source,
        model: 'lanczos-x2',
        encoder: { codec: 'libx264', preset: 'veryfast' },
        packaging: { engine: 'mediaconvert' },
      });

      // Act
      const seen: JobEvent[] = [];
      for await (const ev of remote.watch(job.id)) seen.push(ev);
      const finalSeen: JobEvent[] = [];
      for await (const ev of remote.watch(job.id)) finalSeen.push(ev);

      // Assess: the same event kinds as the in-process watch, each with a whole record
      expect(seen[0]?.type).toBe('snapshot');
      expect(seen.at(-1)?.type).toBe('end');
      expect(seen.map((e) => e.type)).toContain('progress');
      // the snapshot is the job as the watch found it (under load it may already be upscaling), then each change
      const statuses = seen
        .filter((e) => e.type === 'snapshot' || e.type === 'status')
        .map((e) => e.job.status);
      expect(statuses).toContain('packaging');
      expect(statuses.filter((st, i) => st === statuses[i - 1])).toEqual([]);
      for (const ev of seen) expect(ev.job).toMatchObject({ id: job.id, spec: { source } });
      const progress = seen.filter((e) => e.type === 'progress');
      // a delta applies to the record of the status it came in
      for (const ev of progress) {
        const before = seen[seen.indexOf(ev) - 1] as JobEvent;
        expect(ev.job.status).toBe(before.job.status);
      }
      expect(progress.some((e) => e.job.progress.percent > 0 && e.job.progress.percent < 100)).toBe(true);
      expect(seen.at(-1)?.job).toEqual(await service.get(job.id));
      // a job final at the start: snapshot and end, as the in-process watch yields them
      expect(finalSeen.map((e) => [e.type, e.job.status])).toEqual([
        ['snapshot', 'succeeded'],
        ['end', 'succeeded'],
      ]);
    } finally {
      await app.close();
      await service.close();
    }
  });
});

describe('the event stream of a queued job', () => {
  it('keeps the connection open with heartbeat comments (keepAliveMs) until the client goes', async () => {
    // Prepare: no workers, so the job stays queued and the stream stays open
    const dir = tempDir();
    const service = await LocalJobService.open({ dataDir: join(dir, 'data'), workers: false });
    const { app, url } = await serveApi({
      service,
      auth: 'disabled',
      port: 0,
      rateLimit: false,
      keepAliveMs: 50,
    });
    try {
      const { job } = await service.submit({ source: 's3://in-bucket/a.mp4', model: 'lanczos-x2' });
      const ac = new AbortController();
      const res = await fetch(`${url}/v1/jobs/${job.id}/events`, { signal: ac.signal });
      expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
      expect(res.headers.get('cache-control')).toBe('no-cache, no-transform');

      // Act: read until two heartbeats arrived
      let text = '';
      const reader = (res.body as ReadableStream<Uint8Array>).getReader();
      const dec = new TextDecoder();
      while ((text.match(/^: heartbeat$/gm) ?? []).length < 2) {
        const chunk = await reader.read();
        if (chunk.done) break;
        text += dec.decode(chunk.value, { stream: true });
      }
      ac.abort();

      // Assess: the record first (with the reconnect delay), then comments only
      const events = parseSse(text);
      expect(events.map((e) => [e.event, (e.data as JobRecord).status])).toEqual([['job', 'queued']]);
      expect(text).toMatch(/^retry: 2000$/m);
      expect((text.match(/^: heartbeat$/gm) ?? []).length).toBeGreaterThanOrEqual(2);
    } finally {
      await app.close();
      await service.close();
    }
  });
});

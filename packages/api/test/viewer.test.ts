/// <reference lib="dom" />
// (page.evaluate callbacks run in the browser)
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildApp, createViewerRoutes, LocalJobService, serveApi, VIEWER_PUBLIC_PREFIXES } from '@vodsr/api';
import type { JobRecord } from '@vodsr/core';
import type { FastifyInstance } from 'fastify';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeVideo, tempDir } from './helpers.js';

const here = dirname(fileURLToPath(import.meta.url));
const shots = join(here, '..', 'test-output', 'viewer');
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

describe('viewer', () => {
  let dir: string;
  let source: string;
  let service: LocalJobService;
  let job: JobRecord;
  let app: FastifyInstance;
  let url: string;

  beforeAll(async () => {
    dir = tempDir('vodsr-viewer-');
    source = makeVideo(dir, 'clip.mp4', { width: 320, height: 180, seconds: 3 });
    service = await LocalJobService.open({ dataDir: join(dir, 'data'), outputRoot: join(dir, 'out') });
    const { job: queued } = await service.submit({
      source,
      model: 'lanczos-x2',
      encoder: { codec: 'libx264', preset: 'veryfast' },
    });
    for await (const ev of service.watch(queued.id)) job = ev.job;
    expect(job.status, JSON.stringify(job.error)).toBe('succeeded');
    ({ app, url } = await serveApi({
      service,
      auth: 'disabled',
      port: 0,
      rateLimit: false,
      extraRoutes: [createViewerRoutes()],
    }));
  }, 90_000);
  afterAll(async () => {
    await app?.close();
    await service?.close();
  });

  it('serves its page and hls.js from this server (no CDN), with a strict CSP', async () => {
    const page = await app.inject({ method: 'GET', url: '/viewer' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.body).toContain('<script src="/viewer/assets/hls.min.js" defer></script>');
    expect(page.body).not.toMatch(/https?:\/\//);
    const hls = await app.inject({ method: 'GET', url: '/viewer/assets/hls.min.js' });
    expect(hls.statusCode).toBe(200);
    const file = createRequire(import.meta.url).resolve('hls.js/dist/hls.min.js');
    expect(hls.rawPayload.equals(readFileSync(file))).toBe(true);
    const js = await app.inject({ method: 'GET', url: '/viewer/assets/viewer.js' });
    expect(js.body).toContain('textContent');
    expect(js.body).not.toContain('innerHTML');
  });

  it('hands out signed media paths: byte ranges, playlists, refused signatures and escapes', async () => {
    const res = await app.inject({ method: 'GET', url: `/v1/jobs/${job.id}/media` });
    expect(res.statusCode).toBe(200);
    const media = res.json() as {
      source: { url: string; sizeBytes: number };
      sr: { url: string; sizeBytes: number };
      hls: { url: string; sizeBytes: number };
    };
    expect(media.source.sizeBytes).toBe(statSync(source).size);
    expect(media.sr.sizeBytes).toBe(statSync(job.outputs?.srFile as string).size);
    expect(media.hls.sizeBytes).toBeGreaterThan(0);

    const part = await app.inject({
      method: 'GET',
      url: media.source.url,
      headers: { range: 'bytes=100-199' },
    });
    expect(part.statusCode).toBe(206);
    expect(part.headers['content-range']).toBe(`bytes 100-199/${statSync(source).size}`);
    expect(part.rawPayload.equals(readFileSync(source).subarray(100, 200))).toBe(true);
    expect(part.headers['content-type']).toBe('video/mp4');

    const master = await app.inject({ method: 'GET', url: media.hls.url });
    expect(master.statusCode).toBe(200);
    expect(master.headers['content-type']).toMatch(/mpegurl/);
    expect(master.body).toMatch(/^#EXTM3U/);
    const first = master.body.split('\n').find((l) => l.endsWith('.m3u8') || l.endsWith('.ts')) as string;
    const base = media.hls.url.slice(0, media.hls.url.lastIndexOf('/') + 1);
    const next = await app.inject({ method: 'GET', url: `${base}${first}` }); // relative URLs keep the signature
    expect(next.statusCode).toBe(200);

    const unsatisfiable = await app.inject({
      method: 'GET',
      url: media.source.url,
      headers: { range: 'bytes=99999999-' },
    });
    expect(unsatisfiable.statusCode).toBe(416);
    expect(unsatisfiable.json()).toMatchObject({ status: 416, code: 'VODSR_RANGE_NOT_SATISFIABLE' });
    const forged = media.source.url.replace(
      /\/viewer\/m\/(\d+)\/([^/]+)\//,
      (_m, exp) => `/viewer/m/${exp}/${'A'.repeat(32)}/`,
    );
    expect((await app.inject({ method: 'GET', url: forged })).statusCode).toBe(403);
    // a forged or expired link has its own code from ERROR_CODES (was VODSR_BAD_REQUEST with a 403)
    const bad = await app.inject({ method: 'GET', url: forged });
    expect(bad.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(bad.json()).toMatchObject({
      status: 403,
      code: 'VODSR_MEDIA_LINK_INVALID',
      type: 'urn:vodsr:error:VODSR_MEDIA_LINK_INVALID',
      detail: 'Media link expired or invalid: reload the job page',
    });
    const climb = `${base}..%2F..%2F..%2Fdata%2Fjobs.db`;
    const esc = await app.inject({ method: 'GET', url: climb });
    expect(esc.statusCode).toBe(404);
    expect(esc.json()).toMatchObject({ code: 'VODSR_NOT_FOUND' });
    expect((await app.inject({ method: 'GET', url: '/v1/jobs/nope/media' })).json()).toMatchObject({
      code: 'VODSR_JOB_NOT_FOUND',
    });
  });

  it('answers an expired media link with 403 VODSR_MEDIA_LINK_INVALID, not VODSR_BAD_REQUEST', async () => {
    // Prepare: links that expired a second before they were handed out (a correct signature, a past expiry)
    const stale = await buildApp({
      service,
      auth: 'disabled',
      rateLimit: false,
      docs: false,
      extraRoutes: [createViewerRoutes({ secret: 'y'.repeat(32), ttlSeconds: -1 })],
    });
    try {
      const media = (await stale.inject({ method: 'GET', url: `/v1/jobs/${job.id}/media` })).json() as {
        source: { url: string };
      };
      // Act
      const res = await stale.inject({ method: 'GET', url: media.source.url });
      // Assess
      expect(res.statusCode).toBe(403);
      expect(res.json()).toMatchObject({
        status: 403,
        code: 'VODSR_MEDIA_LINK_INVALID',
        title: 'The signed media link is expired or invalid: reload the job page for a fresh one.',
      });
    } finally {
      await stale.close();
    }
  });

  it('with auth on: pages and signed media are public, job data still needs the token', async () => {
    const token = 'viewer-test-token-0123456789';
    const authed = await buildApp({
      service,
      auth: { tokens: [token] },
      rateLimit: false,
      docs: false,
      extraRoutes: [createViewerRoutes({ secret: 'x'.repeat(32) })],
      publicPrefixes: VIEWER_PUBLIC_PREFIXES,
    });
    try {
      expect((await authed.inject({ method: 'GET', url: '/viewer' })).statusCode).toBe(200);
      expect((await authed.inject({ method: 'GET', url: `/v1/jobs/${job.id}/media` })).statusCode).toBe(401);
      const media = await authed.inject({
        method: 'GET',
        url: `/v1/jobs/${job.id}/media`,
        headers: { authorization: `Bearer ${token}` },
      });
      const src = await authed.inject({
        method: 'GET',
        url: (media.json() as { source: { url: string } }).source.url,
      });
      expect(src.statusCode).toBe(200);
      expect(src.rawPayload.length).toBe(statSync(source).size);
    } finally {
      await authed.close();
    }
  });

  it('in Chromium: lists the job, plays its HLS with the before/after split, shows the figures', async () => {
    mkdirSync(shots, { recursive: true });
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
    try {
      const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`${url}/viewer`);
      const link = page.locator(`a[data-job="${job.id}"]`);
      await link.waitFor({ timeout: 10_000 });
      await expect.poll(() => page.locator('tr[data-status="succeeded"]').count()).toBe(1);
      await page.screenshot({ path: join(shots, 'jobs.png') });

      await link.click();
      await page.locator('#after').waitFor({ timeout: 10_000 });
      await expect
        .poll(() => page.locator('#player-status').textContent(), { timeout: 10_000 })
        .toMatch(/HLS ready/);
      await page.click('#play');
      await expect
        .poll(() => page.evaluate(() => (document.getElementById('after') as HTMLVideoElement).currentTime), {
          timeout: 15_000,
        })
        .toBeGreaterThan(1.2);
      const times = await page.evaluate(() => ({
        after: (document.getElementById('after') as HTMLVideoElement).currentTime,
        before: (document.getElementById('before') as HTMLVideoElement).currentTime,
        width: (document.getElementById('after') as HTMLVideoElement).videoWidth,
      }));
      expect(Math.abs(times.after - times.before)).toBeLessThan(0.5); // same timestamp on both sides
      expect(times.width).toBe(640); // the SR rendition (320x180 ×2)
      await page.fill('#split', '30');
      await page.dispatchEvent('#split', 'input');
      expect(
        await page.evaluate(() => (document.getElementById('after') as HTMLElement).style.clipPath),
      ).toBe('inset(0px 0px 0px 30%)');
      const figures = await page.locator('#figures').textContent();
      expect(figures).toContain('Upscale (host)');
      expect(figures).toContain('320×180');
      expect(figures).toContain('640×360');
      expect(await page.locator('.note').first().textContent()).toMatch(/not the Bluewhale SR/);
      await page.evaluate(() => (document.getElementById('after') as HTMLVideoElement).pause());
      await page.screenshot({ path: join(shots, 'job.png'), fullPage: true });
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
    expect(statSync(join(shots, 'job.png')).size).toBeGreaterThan(10_000);
  }, 60_000);

  it('in Chromium: a running job shows its progress live (server-sent events)', async () => {
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
    try {
      const { job: queued } = await service.submit({
        source,
        model: 'lanczos-x2',
        encoder: { codec: 'libx264', preset: 'slow' },
        srName: 'live.mp4',
      });
      const page = await browser.newPage();
      await page.goto(`${url}/viewer/jobs/${queued.id}`);
      const seen = new Set<string>();
      const percents = new Set<number>();
      const t0 = Date.now();
      while (Date.now() - t0 < 30_000) {
        const status =
          (await page
            .locator('#app .status')
            .first()
            .textContent()
            .catch(() => null)) ?? '';
        const pct = await page
          .locator('#app progress')
          .first()
          .evaluate((p) => (p as HTMLProgressElement).value)
          .catch(() => -1);
        if (status) seen.add(status);
        percents.add(pct);
        if (status === 'succeeded') break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect([...seen]).toContain('succeeded');
      expect([...seen].some((s) => s === 'upscaling' || s === 'packaging')).toBe(true);
      expect([...percents].some((p) => p > 0 && p < 100)).toBe(true);
      await page.locator('#after').waitFor({ timeout: 10_000 }); // the player appears when the job ends
    } finally {
      await browser.close();
    }
  }, 60_000);
});

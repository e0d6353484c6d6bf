/// <reference lib="dom" />
// (page.evaluate callbacks run in the browser)
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildApp, createViewerRoutes, LocalJobService, serveApi, VIEWER_PUBLIC_PREFIXES } from '@vodsr/api';
import type { JobRecord } from '@vodsr/core';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, makeVideo, parseSse, tempDir } from './helpers.js';

const here = dirname(fileURLToPath(import.meta.url));
const shots = join(here, '..', 'test-output', 'viewer');

describe('viewer', () => {
  let dir: string;
  let source: string;
  let service: LocalJobService;
  let job: JobRecord;
  let failed: JobRecord;
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
      quality: true,
    });
    for await (const ev of service.watch(queued.id)) job = ev.job;
    expect(job.status, JSON.stringify(job.error)).toBe('succeeded');
    // a job that fails: a "video" that is not one
    const notVideo = join(dir, 'not-a-video.mp4');
    writeFileSync(notVideo, 'this is not a video\n'.repeat(100));
    const { job: bad } = await service.submit({ source: notVideo, model: 'lanczos-x2' });
    for await (const ev of service.watch(bad.id)) failed = ev.job;
    expect(failed.status).toBe('failed');
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
    expect(page.body).toContain('<script type="module" src="/viewer/assets/viewer.js"></script>');
    expect(page.body).not.toMatch(/https?:\/\//);
    const hls = await app.inject({ method: 'GET', url: '/viewer/assets/hls.min.js' });
    expect(hls.statusCode).toBe(200);
    const file = createRequire(import.meta.url).resolve('hls.js/dist/hls.min.js');
    expect(hls.rawPayload.equals(readFileSync(file))).toBe(true);
    for (const file of ['viewer.js', 'dom.js', 'figures.js', 'player.js']) {
      const js = await app.inject({ method: 'GET', url: `/viewer/assets/${file}` });
      expect(js.statusCode).toBe(200);
      expect(js.headers['content-type']).toMatch(/^text\/javascript/);
      expect(js.body).not.toContain('innerHTML');
    }
    expect((await app.inject({ method: 'GET', url: '/viewer/assets/dom.js' })).body).toContain('textContent');
    // the SSE parser of the page is eventsource-parser's own module, not a hand-written one
    const parser = await app.inject({ method: 'GET', url: '/viewer/assets/eventsource-parser/parse.js' });
    const dist = dirname(createRequire(import.meta.url).resolve('eventsource-parser'));
    expect(parser.body.trim()).toBe(
      readFileSync(join(dist, 'parse.js'), 'utf8')
        .replace(/\n\/\/# sourceMappingURL=.*$/m, '')
        .trim(),
    );
    expect((await app.inject({ method: 'GET', url: '/viewer/assets/viewer.js' })).body).toContain(
      "from './eventsource-parser/index.js'",
    );
  });

  it('the completion on the event stream carries the estimate, the actual cost and the quality figures', async () => {
    // a job final at the start: its final record once (the local backend's completion)
    const res = await app.inject({ method: 'GET', url: `/v1/jobs/${job.id}/events` });
    const events = parseSse(res.body);
    expect(events.map((e) => e.event)).toEqual(['job']);
    const final = events[0]?.data as JobRecord;
    expect(final.status).toBe('succeeded');
    expect(final.cost?.estimate?.assumptions.length).toBeGreaterThan(0);
    expect(final.cost?.actual?.gpuSeconds).toBeGreaterThan(0);
    expect(final.outputs?.quality).toMatchObject({
      sr: { psnr: expect.any(Number) },
      windows: expect.any(Number),
    });
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

  const WIDTHS = [
    { name: 'desktop', width: 1100, height: 900 },
    { name: 'phone', width: 390, height: 844 },
  ] as const;

  /** Text of the page a person reads: never "undefined" or "NaN" (the failed job's page showed both). */
  async function assertNoMissingValues(page: Page): Promise<string> {
    const text = await page.evaluate(() => document.body.textContent);
    expect(text).not.toMatch(/undefined|NaN|\[object Object\]/);
    return text;
  }

  /** Each link resolves: GET answers 200 with a body. */
  async function assertLinksResolve(page: Page, selectors: string[]): Promise<void> {
    for (const sel of selectors) {
      const href = await page.locator(sel).getAttribute('href');
      expect(href, sel).toMatch(/^\/viewer\/m\//);
      const res = await fetch(new URL(href as string, url));
      expect(res.status, `${sel} ${href}`).toBe(200);
      expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(0);
    }
  }

  function overlap(a: { x: number; y: number; width: number; height: number }, b: typeof a): boolean {
    return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
  }

  async function withBrowser(fn: (browser: Browser) => Promise<void>): Promise<void> {
    mkdirSync(shots, { recursive: true });
    const browser = await launchChromium();
    try {
      await fn(browser);
    } finally {
      await browser.close();
    }
  }

  it('in Chromium: lists the job, plays its HLS with the before/after split, shows the figures', async () => {
    await withBrowser(async (browser) => {
      const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`${url}/viewer`);
      const link = page.locator(`a[data-job="${job.id}"]`);
      await link.waitFor({ timeout: 10_000 });
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
      expect(await page.locator('.note').first().textContent()).toMatch(/not the Bluewhale SR/);
      expect(errors).toEqual([]);
    });
  }, 60_000);

  for (const w of WIDTHS) {
    it(`in Chromium at ${w.width} px: jobs list, a succeeded and a failed job (figures, cost, quality, links)`, async () => {
      await withBrowser(async (browser) => {
        const page = await browser.newPage({ viewport: { width: w.width, height: w.height } });
        const errors: string[] = [];
        page.on('pageerror', (e) => errors.push(e.message));

        // the jobs list: an error column, and a failed job does not look like progress
        await page.goto(`${url}/viewer`);
        await page.locator(`tr[data-id="${failed.id}"]`).waitFor({ timeout: 10_000 });
        const failedRow = page.locator(`tr[data-id="${failed.id}"]`);
        expect(await page.locator('#jobs thead th').allTextContents()).toContain('Error');
        expect(await failedRow.locator('td.error-code').textContent()).toBe(failed.error?.code);
        expect(await failedRow.locator('progress').count()).toBe(0);
        expect(await failedRow.textContent()).toMatch(/stopped (in \w+ )?at \d/);
        expect(await page.locator(`tr[data-id="${job.id}"] td.error-code`).textContent()).toBe('');
        await assertNoMissingValues(page);
        await page.screenshot({ path: join(shots, `jobs-${w.name}.png`), fullPage: true });

        // the succeeded job
        await page.goto(`${url}/viewer/jobs/${job.id}`);
        await page.locator('#files').waitFor({ timeout: 15_000 });
        const figures = (await page.locator('#figures').textContent()) as string;
        expect(figures).toContain('320×180');
        expect(figures).toContain('640×360');
        expect(figures).toContain('Upscale (host)');
        const estimate = job.cost?.estimate;
        const actual = job.cost?.actual;
        expect(estimate && actual, 'the local backend stores both').toBeTruthy();
        const est = (await page.locator('#cost-estimate').textContent()) as string;
        expect(est).toContain(`${estimate?.gpuSeconds} GPU s`);
        expect(est).toContain(estimate?.pricesDate);
        expect(await page.locator('#cost-estimate li').allTextContents()).toEqual(estimate?.assumptions);
        expect(await page.locator('#cost-actual li').allTextContents()).toEqual(actual?.assumptions);
        expect(await page.locator('#cost-actual').textContent()).toContain(`${actual?.gpuSeconds} GPU s`);
        const q = job.outputs?.quality;
        expect(q, 'quality was measured').toBeTruthy();
        const quality = (await page.locator('#quality').textContent()) as string;
        expect(quality).toContain(`${q?.sr.psnr.toFixed(2)} dB / SSIM ${q?.sr.ssim.toFixed(3)}`);
        expect(quality).toContain(`${q?.bicubic.psnr.toFixed(2)} dB`);
        expect(await page.locator('#quality-assumes').textContent()).toContain(
          `${q?.windows} sampled window(s) of ${q?.windowSeconds} s`,
        );
        expect(await page.locator('#file-sr').textContent()).toBe(basename(job.outputs?.srFile as string));
        await assertLinksResolve(page, ['#file-source', '#file-sr', '#file-hls']);
        await assertNoMissingValues(page);
        // the before/after labels keep to their halves
        await page.locator('#label-after').waitFor();
        const before = await page.locator('#label-before').boundingBox();
        const after = await page.locator('#label-after').boundingBox();
        expect(before && after).toBeTruthy();
        expect(overlap(before as NonNullable<typeof before>, after as NonNullable<typeof after>)).toBe(false);
        await page.screenshot({ path: join(shots, `job-succeeded-${w.name}.png`), fullPage: true });

        // the failed job: its error code, what is known, no "undefined"
        await page.goto(`${url}/viewer/jobs/${failed.id}`);
        await page.locator('#files').waitFor({ timeout: 15_000 });
        expect(await page.locator('#job-error strong').textContent()).toBe(failed.error?.code);
        const failedFigures = (await page.locator('#figures').textContent()) as string;
        expect(failedFigures).toContain('lanczos-x2');
        expect(await page.locator('#figures tr[data-row="sr"]').count()).toBe(0); // no SR file: no row
        expect(await page.locator('#cost-actual').textContent()).toMatch(/once the job succeeds/);
        expect(await page.locator('#file-sr').count()).toBe(0);
        await assertLinksResolve(page, ['#file-source']);
        await assertNoMissingValues(page);
        await page.screenshot({ path: join(shots, `job-failed-${w.name}.png`), fullPage: true });
        expect(errors).toEqual([]);
      });
      expect(statSync(join(shots, `job-succeeded-${w.name}.png`)).size).toBeGreaterThan(10_000);
    }, 90_000);
  }

  it('in Chromium: the token page says where the token comes from, refuses a wrong one, takes the right one', async () => {
    const token = 'viewer-browser-token-0123456789';
    const authed = await serveApi({
      service,
      auth: { tokens: [token] },
      port: 0,
      rateLimit: false,
      extraRoutes: [createViewerRoutes()],
      publicPrefixes: VIEWER_PUBLIC_PREFIXES,
    });
    try {
      await withBrowser(async (browser) => {
        const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
        await page.goto(`${authed.url}/viewer`);
        await page.locator('#token-form').waitFor({ timeout: 10_000 });
        const help = (await page.locator('#token-help').textContent()) as string;
        expect(help).toContain('--token');
        expect(help).toContain('VODSR_TOKEN');
        expect(help).toContain('vodsr serve');
        await page.screenshot({ path: join(shots, 'token-phone.png'), fullPage: true });
        await page.fill('#token', 'wrong-token-0123456789');
        await page.click('#token-form button');
        await expect.poll(() => page.locator('#token-form').textContent()).toContain('refused');
        await page.fill('#token', token);
        await page.click('#token-form button');
        await page.locator(`a[data-job="${job.id}"]`).waitFor({ timeout: 10_000 });
      });
    } finally {
      await authed.app.close();
    }
  }, 60_000);

  it('in Chromium: a running job shows its progress live (server-sent events) at both widths', async () => {
    await withBrowser(async (browser) => {
      const long = makeVideo(dir, 'long.mp4', { width: 320, height: 180, seconds: 6 });
      const { job: queued } = await service.submit({
        source: long,
        model: 'lanczos-x2',
        encoder: { codec: 'libx264', preset: 'slow' },
        srName: 'live.mp4',
      });
      const pages = await Promise.all(
        WIDTHS.map(async (w) => {
          const page = await browser.newPage({ viewport: { width: w.width, height: w.height } });
          await page.goto(`${url}/viewer/jobs/${queued.id}`);
          return { page, w };
        }),
      );
      const [desk] = pages;
      const page = (desk as { page: Page }).page;
      const seen = new Set<string>();
      const percents = new Set<number>();
      let shot = false;
      const t0 = Date.now();
      while (Date.now() - t0 < 60_000) {
        const status =
          (await page
            .locator('#job-status .status')
            .textContent()
            .catch(() => null)) ?? '';
        const pct = await page
          .locator('#job-status progress')
          .evaluate((p) => (p as HTMLProgressElement).value)
          .catch(() => -1);
        if (status) seen.add(status);
        percents.add(pct);
        if (!shot && status === 'upscaling' && pct > 0) {
          // the running job's page at both widths: live progress, the estimate, nothing undefined
          for (const { page: p, w } of pages) {
            await p.locator('#job-status progress').waitFor();
            expect(await p.locator('#early #cost-estimate li').count()).toBeGreaterThan(0);
            await assertNoMissingValues(p);
            await p.screenshot({ path: join(shots, `job-running-${w.name}.png`), fullPage: true });
          }
          shot = true;
        }
        if (status === 'succeeded') break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(shot, 'screenshots of the running job').toBe(true);
      expect([...seen]).toContain('succeeded');
      expect([...seen]).toContain('upscaling');
      expect([...percents].some((p) => p > 0 && p < 100)).toBe(true);
      await page.locator('#after').waitFor({ timeout: 10_000 }); // the player appears when the job ends
      expect(await page.locator('#early').textContent()).toBe('');
      await assertNoMissingValues(page);
    });
  }, 120_000);
});

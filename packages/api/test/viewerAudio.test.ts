/// <reference lib="dom" />
// (page.evaluate callbacks run in the browser)
/**
 * Issue 13 item 7, end to end: a finished job of a source with two audio tracks (440 Hz English, 880 Hz French),
 * packaged by either engine (the host in the SR pass, and the MediaConvert engine's local FFmpeg twin), plays in
 * the viewer's Chromium with hls.js seeing two audio tracks, and keeps playing after switching to the second.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createViewerRoutes, LocalJobService, serveApi } from '@vodsr/api';
import type { JobRecord } from '@vodsr/core';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ffprobe, launchChromium, tempDir } from './helpers.js';

const here = dirname(fileURLToPath(import.meta.url));
const shots = join(here, '..', 'test-output', 'viewer');

/** 3 s of 320x180 testsrc2 with two AAC tracks: eng "English" 440 Hz, fra 880 Hz. */
function makeTwoAudioVideo(dir: string): string {
  const out = join(dir, 'two audio.mp4');
  execFileSync(
    'ffmpeg',
    [
      ...['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=s=320x180:r=25:d=3'],
      ...['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000:duration=3'],
      ...['-f', 'lavfi', '-i', 'sine=frequency=880:sample_rate=48000:duration=3'],
      ...['-map', '0:v', '-map', '1:a', '-map', '2:a', '-c:v', 'libx264', '-preset', 'ultrafast'],
      ...['-pix_fmt', 'yuv420p', '-c:a', 'aac', '-metadata:s:a:0', 'language=eng'],
      ...['-metadata:s:a:0', 'handler_name=English', '-metadata:s:a:1', 'language=fra', out],
    ],
    { stdio: 'pipe' },
  );
  return out;
}

describe('viewer with a two-audio-track job', () => {
  let dir: string;
  let service: LocalJobService;
  let app: FastifyInstance;
  let url: string;
  const jobs: Record<'host' | 'mediaconvert', JobRecord> = {} as never;

  beforeAll(async () => {
    dir = tempDir('vodsr-viewer-audio-');
    const source = makeTwoAudioVideo(dir);
    service = await LocalJobService.open({ dataDir: join(dir, 'data'), outputRoot: join(dir, 'out') });
    for (const engine of ['host', 'mediaconvert'] as const) {
      const { job: queued } = await service.submit({
        source,
        model: 'lanczos-x2',
        encoder: { codec: 'libx264', preset: 'veryfast' },
        packaging: { preset: 'hls-ladder', engine },
        srName: `two_${engine}.mp4`,
      });
      for await (const ev of service.watch(queued.id)) jobs[engine] = ev.job;
      expect(jobs[engine].status, JSON.stringify(jobs[engine].error)).toBe('succeeded');
    }
    ({ app, url } = await serveApi({
      service,
      auth: 'disabled',
      port: 0,
      rateLimit: false,
      extraRoutes: [createViewerRoutes()],
    }));
  }, 240_000);
  afterAll(async () => {
    await app?.close();
    await service?.close();
  });

  it('writes an SR file with both tracks and a master playlist with two audio renditions (both engines)', () => {
    for (const job of Object.values(jobs)) {
      const sr = ffprobe(job.outputs?.srFile as string);
      expect(sr.streams.filter((s) => s.codec_type === 'audio')).toHaveLength(2);
      const master = readFileSync(job.outputs?.hlsMaster as string, 'utf8');
      const media = master.split('\n').filter((l) => l.startsWith('#EXT-X-MEDIA:TYPE=AUDIO'));
      expect(media).toHaveLength(2);
      expect(media[0]).toMatch(/NAME="English",LANGUAGE="eng",DEFAULT=YES,AUTOSELECT=YES/);
      expect(media[1]).toMatch(/NAME="fra",LANGUAGE="fra",DEFAULT=NO,AUTOSELECT=YES/);
    }
  });

  for (const engine of ['host', 'mediaconvert'] as const) {
    it(`in Chromium (${engine} engine): hls.js sees two audio tracks, plays, and switches track`, async () => {
      mkdirSync(shots, { recursive: true });
      const job = jobs[engine];
      const browser = await launchChromium(['--autoplay-policy=no-user-gesture-required']);
      try {
        const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
        const errors: string[] = [];
        page.on('pageerror', (e) => errors.push(e.message));
        await page.goto(`${url}/viewer/jobs/${job.id}`);
        await expect
          .poll(() => page.locator('#player-status').textContent(), { timeout: 15_000 })
          .toMatch(/HLS ready/);
        type Track = { name: string; lang?: string; default: boolean };
        const tracks = () =>
          page.evaluate(() => {
            const hls = (window as unknown as { vodsrHls?: { audioTracks: Track[] } }).vodsrHls;
            return (hls?.audioTracks ?? []).map((t) => ({ name: t.name, lang: t.lang, default: t.default }));
          });
        await expect.poll(tracks, { timeout: 10_000 }).toHaveLength(2);
        expect(await tracks()).toEqual([
          { name: 'English', lang: 'eng', default: true },
          { name: 'fra', lang: 'fra', default: false },
        ]);
        const after = () =>
          page.evaluate(() => (document.getElementById('after') as HTMLVideoElement).currentTime);
        await page.click('#play');
        await expect.poll(after, { timeout: 20_000 }).toBeGreaterThan(0.8);
        // The second track: selected, loaded, and playback still advances.
        await page.evaluate(() => {
          (window as unknown as { vodsrHls: { audioTrack: number } }).vodsrHls.audioTrack = 1;
        });
        const t1 = await after();
        await expect
          .poll(() =>
            page.evaluate(
              () => (window as unknown as { vodsrHls: { audioTrack: number } }).vodsrHls.audioTrack,
            ),
          )
          .toBe(1);
        await expect
          .poll(
            async () =>
              (await after()) > t1 + 0.3 ||
              (await page.evaluate(() => (document.getElementById('after') as HTMLVideoElement).ended)),
            { timeout: 20_000 },
          )
          .toBe(true);
        await page.evaluate(() => (document.getElementById('after') as HTMLVideoElement).pause());
        const shot = join(shots, `two-audio-${engine}.png`);
        await page.screenshot({ path: shot, fullPage: true });
        expect(statSync(shot).size).toBeGreaterThan(10_000);
        expect(errors).toEqual([]);
      } finally {
        await browser.close();
      }
    }, 90_000);
  }
});

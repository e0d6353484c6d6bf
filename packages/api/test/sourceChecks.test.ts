import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { buildApp, LocalJobService } from '@vodsr/api';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeVideo, tempDir } from './helpers.js';

// Issue 13.8/13.9: a local source is probed at submit; a still image and an SR picture beyond the encoder limits
// are refused there with coded problem+json, before anything is queued.

const TOKEN = 'limits-token-0123456789abcdef';
const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };

describe('POST /v1/jobs checks the probed source', () => {
  let dir: string;
  let png: string;
  let uhd: string;
  let service: LocalJobService;
  let app: FastifyInstance;

  beforeAll(async () => {
    dir = tempDir();
    png = join(dir, 'still.png');
    execFileSync('ffmpeg', [
      ...['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=s=64x48:d=1'],
      ...['-frames:v', '1', png],
    ]);
    uhd = makeVideo(dir, 'uhd.mp4', { width: 3840, height: 2160, seconds: 0.08, audio: false });
    service = await LocalJobService.open({ dataDir: join(dir, 'data'), workers: false });
    app = await buildApp({ service, auth: { tokens: [TOKEN] }, rateLimit: false });
  });
  afterAll(async () => {
    await app.close();
    await service.close();
  });

  const post = (body: unknown) =>
    app.inject({ method: 'POST', url: '/v1/jobs', headers: auth, payload: JSON.stringify(body) });

  it('refuses a PNG with 400 VODSR_STILL_IMAGE (was: "output must end in one of" or a one-frame job)', async () => {
    const res = await post({ source: png, model: 'lanczos-x2' });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({
      status: 400,
      code: 'VODSR_STILL_IMAGE',
      detail: 'The source is a still image (png_pipe), not a video: vodsr upscales videos',
    });
    expect((await service.list()).jobs).toEqual([]);
  });

  it('refuses a 4K source at x2 with oversize "refuse": 400 VODSR_ENCODER_LIMIT naming size and limit', async () => {
    const res = await post({ source: uhd, model: 'lanczos-x2', encoder: { oversize: 'refuse' } });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({
      code: 'VODSR_ENCODER_LIMIT',
      detail:
        'The SR picture would be 7680x4320 (source 3840x2160 × 2): NVENC H.264 takes at most 4096x4096. Use a smaller scale or a smaller source.',
    });
  });

  it('accepts it by default (the SR file will be HEVC) and refuses 10-bit with NVENC H.264', async () => {
    const ok = await post({ source: uhd, model: 'lanczos-x2' });
    expect(ok.statusCode, ok.body).toBe(201);
    const tenBit = await post({ source: uhd, model: 'lanczos-x2', encoder: { pixelFormat: 'yuv420p10le' } });
    expect(tenBit.statusCode).toBe(400);
    expect(tenBit.json()).toMatchObject({
      code: 'VODSR_VALIDATION',
      issues: [{ path: '/encoder/pixelFormat' }],
    });
  });
});

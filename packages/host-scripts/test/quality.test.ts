import { join } from 'node:path';
import { buildHostJob, encodeHostJob, parseJobSpec } from '@vodsr/core';
import type { HostResultEvent } from '@vodsr/core/host';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeVideo, runHost, tempDir } from './helpers.js';

type Quality = NonNullable<Extract<HostResultEvent, { ok: true }>['quality']>;

describe('vodsr-host measure_quality', () => {
  const tmp = tempDir('vodsr-quality-');
  let source = '';
  const env = {
    VODSR_WORK_ROOT: join(tmp.dir, 'work'),
    VODSR_LOCK_DIR: join(tmp.dir, 'locks'),
    VODSR_MIN_FREE_MB: '1',
  };
  beforeAll(async () => {
    source = await makeVideo(join(tmp.dir, 'src.mp4'), { width: 320, height: 240, seconds: 4 });
  });
  afterAll(() => tmp.remove());

  async function run(model: string, quality: boolean | undefined) {
    const spec = parseJobSpec({
      source,
      model,
      encoder: { codec: 'libx264', preset: 'ultrafast' },
      ...(quality === undefined ? {} : { quality }),
    });
    const job = buildHostJob(spec, { jobId: `q-${model}`, output: join(tmp.dir, `${model}.mp4`) });
    const r = await runHost([`--job-b64=${encodeHostJob(job)}`], { env });
    expect(r.code, r.stderr).toBe(0);
    const result = r.result as Extract<HostResultEvent, { ok: true }>;
    return { job, result, events: r.events, stderr: r.stderr };
  }

  it('measures a sharpening open model against bicubic with real ffmpeg figures', async () => {
    const cas = await run('lanczos-cas-x2', true);
    expect(cas.job.quality).toBe(true);
    const q = cas.result.quality as Quality;
    expect(q.windows).toBeGreaterThanOrEqual(1);
    expect(q.scale).toBe(2);
    for (const m of [q.sr, q.bicubic]) {
      expect(m.psnr).toBeGreaterThan(15);
      expect(m.psnr).toBeLessThan(60);
      expect(m.ssim).toBeGreaterThan(0.5);
      expect(m.ssim).toBeLessThanOrEqual(1);
    }
    // CAS sharpening changes the picture: its figures are not bicubic's.
    expect(q.sr.psnr === q.bicubic.psnr && q.sr.ssim === q.bicubic.ssim).toBe(false);
    expect(q.gainDb).toBeCloseTo(q.sr.psnr - q.bicubic.psnr, 2);
    expect(q.seconds).toBeGreaterThan(0);
    expect(cas.events.some((e) => e.event === 'progress' && e.stage === 'quality')).toBe(true);
    expect(cas.stderr).toContain('quality: SR ');
  }, 180_000);

  it('prints a gain of about 0 for plain interpolation, as it is', async () => {
    const bic = await run('bicubic-x2', true);
    const q = bic.result.quality as Quality;
    expect(q.gainDb).toBe(0);
    expect(q.sr).toEqual(q.bicubic);
    expect(bic.stderr).toMatch(/\(\+0 dB\)/);
  }, 180_000);

  it('does not measure unless asked', async () => {
    const plain = await run('bicubic-x2', undefined);
    expect(plain.job.quality).toBeUndefined();
    expect(plain.result.quality).toBeUndefined();
    expect(plain.events.some((e) => e.event === 'progress' && e.stage === 'quality')).toBe(false);
  }, 180_000);
});

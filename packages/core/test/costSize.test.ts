import {
  DEFAULT_PRICE_TABLE,
  EMPTY_THROUGHPUT,
  estimateFromSize,
  estimateInputFromSize,
  estimateJob,
  learnThroughput,
  mediaFromSize,
  packagingPathOf,
  QUALITY_PASSES,
  qualitySampleSeconds,
  slotSecondPrice,
} from '@vodsr/core/cost';
import { CostFiguresSchema } from '@vodsr/core/job';
import { Value } from 'typebox/value';
import { describe, expect, it } from 'vitest';

describe('estimateFromSize', () => {
  it('guesses the media from the size and says first that it is a size-based guess', () => {
    // 75 MB at 4 Mbit/s = 150 s of 720p30 = 4500 frames at the default 60 frames/s = 75 GPU s
    const e = estimateFromSize(75_000_000, 'A', { packaging: 'host', transitions: 6 });
    expect(e.gpuSeconds).toBe(75);
    expect(e.assumptions[0]).toMatch(/^size-based guess/);
    expect(e.assumptions[1]).toBe(mediaFromSize(75_000_000).assumptions[0]);
    expect(e.usd.gpu).toBeCloseTo((75 * 1.861) / 3600, 9);
    expect(e.usd.transitions).toBeCloseTo((6 * 0.025) / 1000, 12);
    expect(Value.Check(CostFiguresSchema, e)).toBe(true);
  });

  it('bills the renditions a preset makes of the guessed SR size', () => {
    const seen: unknown[] = [];
    const e = estimateFromSize(75_000_000, 'A', {
      scale: 2,
      renditionsFor: (sr) => {
        seen.push(sr);
        return [sr, { width: 1280, height: 720 }];
      },
    });
    expect(seen).toEqual([{ width: 2560, height: 1440 }]);
    // 150 s each: UHD + HD
    const pm = DEFAULT_PRICE_TABLE.mediaconvert.perMinute.professional;
    expect(e.usd.packaging).toBeCloseTo((150 / 60) * pm.uhd + (150 / 60) * pm.hd, 9);
  });
});

describe('slotSecondPrice', () => {
  it('divides the hourly price by 3600 and the slots, and says so; an unknown price is VODSR_UNKNOWN_PRICE', () => {
    const p = slotSecondPrice(DEFAULT_PRICE_TABLE, 'g6e.12xlarge', 'spot', 4);
    expect(p.usd).toBe(4.2 / 3600 / 4);
    expect(p.assumption).toBe(
      'g6e.12xlarge spot $4.2/h (us-east-1, prices of 2026-12-01), 4 slot(s) per host: $0.00029167 per slot-second',
    );
    expect(() => slotSecondPrice(DEFAULT_PRICE_TABLE, 'p5.48xlarge', 'on-demand', 1)).toThrow(
      expect.objectContaining({ code: 'VODSR_UNKNOWN_PRICE' }),
    );
  });
});

describe('the quality step in an estimate', () => {
  it('samples as the host does: 5 % of the duration, at least 1 s, up to 3 windows of up to 2 s', () => {
    expect(qualitySampleSeconds(0.5)).toBe(0);
    expect(qualitySampleSeconds(8)).toBe(1);
    expect(qualitySampleSeconds(30)).toBe(1.5);
    expect(qualitySampleSeconds(50)).toBe(2);
    expect(qualitySampleSeconds(100)).toBe(4);
    expect(qualitySampleSeconds(3600)).toBe(6);
  });

  it('adds the sampled frames × the SR speed on the downscaled copy × the passes, learned when it is', () => {
    const media = { width: 1920, height: 1080, durationSeconds: 600, fps: 30 };
    const plain = estimateJob(media, 'A', { packaging: 'host' });
    const withQ = estimateJob(media, 'A', { packaging: 'host', quality: true });
    // 6 s sampled = 180 frames; the 960x540 copy is ≤ 720 lines: default 60 frames/s
    expect(withQ.gpuSeconds - plain.gpuSeconds).toBeCloseTo((180 / 60) * QUALITY_PASSES, 3);
    expect(withQ.assumptions.join('\n')).toContain(
      'quality step: 6 s sampled (180 frames), SR of the 960x540 copy',
    );
    const learned = learnThroughput(EMPTY_THROUGHPUT, {
      model: 'A',
      instanceType: 'g6e.xlarge',
      width: 960,
      height: 540,
      frames: 300,
      hostBusySeconds: 3,
    });
    const fast = estimateJob(media, 'A', { packaging: 'host', quality: true }, DEFAULT_PRICE_TABLE, learned);
    expect(fast.gpuSeconds - plain.gpuSeconds).toBeCloseTo(180 * 0.01 * QUALITY_PASSES, 3);
  });
});

describe('estimateInputFromSize: the one size-based estimate of a prepared job', () => {
  it('follows the job’s packaging path: none and host bill no packaging (6 transitions), MediaConvert its rungs (8)', () => {
    expect(packagingPathOf({ packagingPreset: 'none', packagingEngine: 'mediaconvert' })).toEqual({
      packaging: 'none',
      transitions: 6,
    });
    expect(packagingPathOf({ packagingPreset: 'hls-ladder', packagingEngine: 'host' })).toEqual({
      packaging: 'host',
      transitions: 6,
    });
    expect(packagingPathOf({ packagingPreset: 'hls-ladder', packagingEngine: 'mediaconvert' })).toEqual({
      packaging: 'mediaconvert',
      transitions: 8,
    });
    const asked: { width: number; height: number }[] = [];
    const rungs = (sr: { width: number; height: number }) => {
      asked.push(sr);
      return [sr, { width: sr.width / 2, height: sr.height / 2 }];
    };
    const job = { model: 'A', scale: 2 };
    const host = estimateInputFromSize(
      { job, packagingPreset: 'hls-ladder', packagingEngine: 'host' },
      4e6,
      rungs,
    );
    expect(asked).toEqual([]); // the host engine bills no renditions: the rungs are not asked for
    expect(host.usd.packaging).toBe(0);
    const mc = estimateInputFromSize(
      { job, packagingPreset: 'hls-ladder', packagingEngine: 'mediaconvert' },
      4e6,
      rungs,
    );
    expect(asked).toEqual([{ width: 2560, height: 1440 }]); // 720p guessed from the size, × 2
    expect(mc.usd.packaging).toBeGreaterThan(0);
    expect(mc.gpuSeconds).toBe(host.gpuSeconds);
    expect(mc.assumptions[0]).toMatch(/^size-based guess/);
    expect(mc.assumptions.join('\n')).toMatch(/8 Step Functions transitions/);
    // the quality step is the job's: its seconds are added
    const q = estimateInputFromSize({ job: { ...job, quality: true }, packagingPreset: 'none' }, 4e6, rungs);
    expect(q.gpuSeconds).toBeGreaterThan(host.gpuSeconds);
  });
});

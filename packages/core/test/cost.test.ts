import type { VodsrError } from '@vodsr/core';
import {
  actualCost,
  DEFAULT_PRICE_TABLE,
  EMPTY_THROUGHPUT,
  estimateJob,
  learnThroughput,
  RESOLUTION_BUCKETS,
  type ThroughputTable,
  withPrices,
} from '@vodsr/core/cost';
import { CostFiguresSchema } from '@vodsr/core/job';
import { describe, expect, it } from 'vitest';

describe('estimateJob', () => {
  it('prices a known clip as by hand, saying what it assumes', () => {
    // 640x480, 10 s at 30 fps = 300 frames; default ≤480 throughput 120 frames/s → 2.5 GPU s.
    const e = estimateJob({ width: 640, height: 480, durationSeconds: 10, fps: 30 }, 'A');
    const perSecond = 1.861 / 3600; // g6e.xlarge on-demand, one slot
    expect(e.gpuSeconds).toBe(2.5);
    expect(e.usd.gpu).toBeCloseTo(2.5 * perSecond, 6);
    // One 1280x960 output = HD (shorter side 960), professional $0.03/min, 10 s (the minimum) → $0.005.
    expect(e.usd.packaging).toBeCloseTo((10 / 60) * 0.03, 6);
    expect(e.usd.transitions).toBeCloseTo((8 * 0.025) / 1000, 8);
    expect(e.usd.total).toBeCloseTo(2.5 * perSecond + 0.005 + 0.0002, 6);
    expect(e.pricesDate).toBe(DEFAULT_PRICE_TABLE.date);
    expect(e.assumptions[0]).toBe('300 frames (10 s × 30 fps)');
    expect(e.assumptions.join('\n')).toContain('not measured yet');
  });

  it('bills every rendition with the 10 s minimum, by tier, and nothing when the host packages', () => {
    const media = { width: 1280, height: 720, durationSeconds: 4, fps: 60 };
    const ladder = [
      { width: 3840, height: 2160 },
      { width: 1920, height: 1080 },
      { width: 640, height: 360 },
    ];
    const mc = estimateJob(media, 'A', { renditions: ladder, purchase: 'spot', slotsPerHost: 2 });
    // 4 s → 10 s billed each; 60 fps doubles: UHD 0.06 + HD 0.03 + SD 0.015 per minute.
    expect(mc.usd.packaging).toBeCloseTo((10 / 60) * (0.06 + 0.03 + 0.015) * 2, 6);
    expect(mc.usd.gpu).toBeCloseTo(240 * (1 / 60) * (0.75 / 3600 / 2), 8);
    expect(estimateJob(media, 'A', { packaging: 'host' }).usd.packaging).toBe(0);
  });

  it('says plainly when the table has no price', () => {
    const err = (() => {
      try {
        estimateJob({ width: 1, height: 1, durationSeconds: 1 }, 'A', { instanceType: 'p5.48xlarge' });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect((err as VodsrError).code).toBe('VODSR_UNKNOWN_PRICE');
    expect(
      estimateJob(
        { width: 1, height: 1, durationSeconds: 1 },
        'A',
        { instanceType: 'x' },
        withPrices({ instances: { x: { gpus: 1, onDemandHourly: 3600 } } }),
      ).usd.gpu,
    ).toBeCloseTo(30 / 120, 6);
  });
});

describe('learnThroughput', () => {
  it('after learning from N jobs of a synthetic throughput, estimates are within ±10 % of the actual', () => {
    // The synthetic host: 45 frames/s per slot + 6 s fixed per job, ±8 % deterministic jitter.
    const busy = (frames: number, i: number) => (6 + frames / 45) * (1 + 0.08 * Math.sin(i * 2.3));
    let table: ThroughputTable = EMPTY_THROUGHPUT;
    for (let i = 0; i < 20; i += 1) {
      const frames = 30 * (8 + ((i * 37) % 120)); // 8–127 s clips at 30 fps
      table = learnThroughput(table, {
        model: 'lanczos-cas-x2',
        instanceType: 'g6e.xlarge',
        width: 640,
        height: 480,
        frames,
        hostBusySeconds: busy(frames, i),
      });
    }
    const entry = table.entries['lanczos-cas-x2|g6e.xlarge|le480'];
    expect(entry?.samples).toBe(20);
    expect(1 / (entry?.secondsPerFrame ?? 1)).toBeGreaterThan(40);
    expect(1 / (entry?.secondsPerFrame ?? 1)).toBeLessThan(50);
    for (const [seconds, i] of [
      [12, 101],
      [45, 102],
      [200, 103],
    ] as const) {
      const media = { width: 640, height: 480, durationSeconds: seconds, fps: 30 };
      const before = estimateJob(media, 'lanczos-cas-x2', {}, DEFAULT_PRICE_TABLE, EMPTY_THROUGHPUT);
      const est = estimateJob(media, 'lanczos-cas-x2', {}, DEFAULT_PRICE_TABLE, table);
      const act = actualCost({
        hostBusySeconds: busy(seconds * 30, i),
        mediaconvertOutputs: [{ width: 1280, height: 960, durationSeconds: seconds, fps: 30 }],
      });
      expect(Math.abs(est.usd.total / act.usd.total - 1)).toBeLessThan(0.1);
      expect(Math.abs(est.gpuSeconds / act.gpuSeconds - 1)).toBeLessThan(0.1);
      // The untrained default (120 frames/s, no overhead) is far off this host: learning is what gets within 10 %.
      expect(Math.abs(before.gpuSeconds / act.gpuSeconds - 1)).toBeGreaterThan(0.5);
    }
  });

  it('does not change the table it learns from', () => {
    const t = learnThroughput(EMPTY_THROUGHPUT, {
      model: 'A',
      instanceType: 'i',
      width: 1,
      height: 1,
      frames: 10,
      hostBusySeconds: 1,
    });
    expect(EMPTY_THROUGHPUT.entries).toEqual({});
    expect(t.entries['A|i|le480']?.secondsPerFrame).toBe(0.1);
  });
});

describe('the record schema of cost figures', () => {
  it("lists exactly the throughput table's resolution buckets", () => {
    const t = (
      CostFiguresSchema.properties.throughput as unknown as {
        properties: { bucket: { anyOf: { const: string }[] } };
      }
    ).properties.bucket.anyOf.map((l) => l.const);
    expect(t).toEqual([...RESOLUTION_BUCKETS]);
  });
});

import type { MediaInfo } from '@vodsr/core';
import { fitsLimit, MEDIACONVERT_LIMITS } from '@vodsr/core/models';
import { LADDER, maxBitrateFor, planRungs, type Rung } from '@vodsr/mediaconvert-presets';
import { describe, expect, it } from 'vitest';

const media = (width: number, height: number, extra: Partial<MediaInfo> = {}): MediaInfo => ({
  width,
  height,
  durationSeconds: 10,
  hasAudio: true,
  ...extra,
});
const shape = (rungs: Rung[]) => rungs.map((r) => `${r.name} ${r.width}x${r.height} ${r.maxBitrate}`);
const aspect = (r: { width: number; height: number }) => r.width / r.height;

describe('planRungs hls-ladder', () => {
  it('gives 480p and 360p for a 854x480 SR output, never above the source', () => {
    expect(shape(planRungs('hls-ladder', media(854, 480)))).toEqual([
      '480p 854x480 1550000',
      '360p 640x360 800000',
    ]);
  });

  it('gives 720p, 540p, 360p for 1280x720 at the ladder bitrates', () => {
    expect(shape(planRungs('hls-ladder', media(1280, 720)))).toEqual([
      '720p 1280x720 3500000',
      '540p 960x540 2000000',
      '360p 640x360 800000',
    ]);
  });

  it('gives 1080p down to 360p for 1920x1080 (a 960x540 source upscaled 2x)', () => {
    const rungs = planRungs('hls-ladder', media(1920, 1080));
    expect(shape(rungs)).toEqual([
      '1080p 1920x1080 6000000',
      '720p 1280x720 3500000',
      '540p 960x540 2000000',
      '360p 640x360 800000',
    ]);
    expect(rungs.map((r) => r.qvbrQuality)).toEqual([8, 7, 7, 6]);
    expect(rungs.map((r) => r.audioBitrate)).toEqual([128_000, 128_000, 96_000, 96_000]);
  });

  it('adds the 2160p and 1440p top rungs for a 2160p SR output (a 1080p source upscaled 2x)', () => {
    const rungs = planRungs('hls-ladder', media(3840, 2160));
    expect(shape(rungs)).toEqual([
      '2160p 3840x2160 16000000',
      '1440p 2560x1440 10000000',
      '1080p 1920x1080 6000000',
      '720p 1280x720 3500000',
      '540p 960x540 2000000',
      '360p 640x360 800000',
    ]);
    expect(rungs.map((r) => r.qvbrQuality)).toEqual([9, 8, 8, 7, 7, 6]);
    expect(rungs.map((r) => r.crf)).toEqual(LADDER.map((s) => s.crf));
  });

  it('keeps portrait video portrait at every rung (no letterboxing)', () => {
    const rungs = planRungs('hls-ladder', media(1080, 1920));
    expect(shape(rungs)).toEqual([
      '1080p 1080x1920 6000000',
      '720p 720x1280 3500000',
      '540p 540x960 2000000',
      '360p 360x640 800000',
    ]);
  });

  it('plans from the display size when rotation metadata turns the picture', () => {
    const rungs = planRungs('hls-ladder', media(1920, 1080, { rotation: -90 }));
    expect(rungs.map((r) => `${r.width}x${r.height}`)).toEqual([
      '1080x1920',
      '720x1280',
      '540x960',
      '360x640',
    ]);
  });

  it("keeps the use case's 4:3 SR size (1280x960) as the top rung with 4:3 rungs below and fewer bits", () => {
    const rungs = planRungs('hls-ladder', media(1280, 960));
    expect(shape(rungs)).toEqual([
      '960p 1280x960 4250000',
      '720p 960x720 2650000',
      '540p 720x540 1450000',
      '360p 480x360 650000',
    ]);
    for (const r of rungs) expect(aspect(r)).toBeCloseTo(4 / 3, 5);
  });

  it('handles odd sizes (1282x962): even dimensions, aspect within one pixel, never above the source', () => {
    const rungs = planRungs('hls-ladder', media(1282, 962));
    expect(shape(rungs)).toEqual([
      '962p 1282x962 4250000',
      '720p 960x720 2650000',
      '540p 720x540 1450000',
      '360p 480x360 650000',
    ]);
    const odd = planRungs('hls-ladder', media(1281, 721));
    expect(odd[0]).toMatchObject({ name: '720p', width: 1280, height: 720 });
    for (const [rs, w, h] of [
      [rungs, 1282, 962],
      [odd, 1281, 721],
    ] as const) {
      for (const r of rs) {
        expect(r.width % 2).toBe(0);
        expect(r.height % 2).toBe(0);
        expect(r.width).toBeLessThanOrEqual(w);
        expect(r.height).toBeLessThanOrEqual(h);
        expect(Math.abs(r.width - (r.height * w) / h)).toBeLessThanOrEqual(2);
      }
    }
  });

  it('drops a standard rung that is within 10 % of the top one (1920x1100 → no extra 1080p)', () => {
    expect(planRungs('hls-ladder', media(1920, 1100)).map((r) => r.name)).toEqual([
      '1100p',
      '720p',
      '540p',
      '360p',
    ]);
  });

  it("fits an 8K SR output into MediaConvert's AVC limit (4096x2160) and keeps the ratio", () => {
    const [top] = planRungs('hls-ladder', media(7680, 4320));
    expect(top).toMatchObject({ name: '2160p', width: 3840, height: 2160 });
  });

  it('caps a 4096x3072 SR output (and its portrait twin) at 2160 on the short side, 4:3 kept', () => {
    // Before: the top rung was 3072x2304, beyond MediaConvert's AVC maximum of 4096x2160 / 2160x4096.
    expect(planRungs('hls-ladder', media(4096, 3072))[0]).toMatchObject({ width: 2880, height: 2160 });
    expect(planRungs('hls-ladder', media(3072, 4096))[0]).toMatchObject({ width: 2160, height: 2880 });
  });

  it('gives a single rung at the source size for a tiny SR output', () => {
    expect(shape(planRungs('hls-ladder', media(320, 240)))).toEqual(['240p 320x240 350000']);
  });

  it('sets no audio bitrate on any rung when the source has no audio', () => {
    const rungs = planRungs('hls-ladder', media(1920, 1080, { hasAudio: false }));
    expect(rungs).toHaveLength(4);
    for (const r of rungs) expect(r).not.toHaveProperty('audioBitrate');
  });

  it('keeps the top and bottom rungs when maxRungs caps the ladder', () => {
    expect(planRungs('hls-ladder', media(3840, 2160), { maxRungs: 3 }).map((r) => r.name)).toEqual([
      '2160p',
      '720p',
      '360p',
    ]);
    expect(planRungs('hls-ladder', media(3840, 2160), { maxRungs: 1 }).map((r) => r.name)).toEqual(['2160p']);
  });

  it('orders rungs from highest to lowest with strictly falling bitrates', () => {
    for (const m of [media(3840, 2160), media(1080, 1920), media(1282, 962)]) {
      const rates = planRungs('hls-ladder', m).map((r) => r.maxBitrate);
      expect([...rates].sort((a, b) => b - a)).toEqual(rates);
      expect(new Set(rates).size).toBe(rates.length);
    }
  });
});

describe('planRungs hls-single and none', () => {
  it("gives the use case's one rendition at the SR size: 5 Mb/s, QVBR AUTO, AAC 96 kb/s", () => {
    expect(planRungs('hls-single', media(1280, 960))).toEqual([
      {
        name: '960p',
        width: 1280,
        height: 960,
        maxBitrate: 5_000_000,
        qvbrQuality: 0,
        crf: 21,
        audioBitrate: 96_000,
      },
    ]);
  });

  it('has no audio bitrate without audio, and none has no rungs', () => {
    expect(planRungs('hls-single', media(640, 480, { hasAudio: false }))[0]).not.toHaveProperty(
      'audioBitrate',
    );
    expect(planRungs('none', media(640, 480))).toEqual([]);
  });
});

describe('planRungs input checks', () => {
  it('reports every problem of the media and options at once', () => {
    const bad = { width: 0, height: 10.5, durationSeconds: -1 } as unknown as MediaInfo;
    expect(() => planRungs('hls-ladder', bad, { maxRungs: 0 })).toThrowError(
      expect.objectContaining({
        code: 'VODSR_VALIDATION',
        issues: [
          { path: '/media/width', message: 'must be an integer from 2 to 16384' },
          { path: '/media/height', message: 'must be an integer from 2 to 16384' },
          { path: '/media/durationSeconds', message: 'must be a finite number >= 0' },
          { path: '/media/hasAudio', message: 'must be a boolean' },
          { path: '/maxRungs', message: 'must be an integer from 1 to 8' },
        ],
      }),
    );
  });

  it('rejects an unknown preset id with the known ids', () => {
    expect(() => planRungs('dash' as 'none', media(640, 480))).toThrowError(
      expect.objectContaining({
        code: 'VODSR_UNKNOWN_PRESET',
        message: expect.stringContaining('hls-single, hls-ladder, none'),
      }),
    );
  });
});

describe('maxBitrateFor', () => {
  it('returns the ladder values at 16:9 and scales by pixel count elsewhere', () => {
    expect(maxBitrateFor(1920, 1080)).toBe(6_000_000);
    expect(maxBitrateFor(1080, 1920)).toBe(6_000_000);
    expect(maxBitrateFor(1440, 1080)).toBeLessThan(6_000_000);
    expect(maxBitrateFor(1440, 1080)).toBeGreaterThan(3_500_000);
  });
});

describe('planRungs never plans a rung beyond MediaConvert AVC', () => {
  const sizes: [number, number][] = [
    [7680, 4320],
    [4320, 7680],
    [4096, 3072],
    [3072, 4096],
    [8192, 8192],
    [4098, 2160],
    [4096, 2162],
    [5000, 600],
    [15360, 8640],
    [4096, 2160],
  ];
  for (const preset of ['hls-single', 'hls-ladder'] as const) {
    it(`${preset}: every rung of every size fits 4096x2160 / 2160x4096, aspect within 1 %`, () => {
      for (const [w, h] of sizes) {
        for (const r of planRungs(preset, media(w, h))) {
          expect(
            fitsLimit(MEDIACONVERT_LIMITS.H_264, r.width, r.height),
            `${preset} ${w}x${h} → ${r.name}`,
          ).toBe(true);
          expect(Math.abs(r.width / r.height / (w / h) - 1)).toBeLessThan(0.01);
        }
      }
    });
  }

  it('hls-single of an 8K SR output is one 3840x2160 rung; a 4K one keeps its size (the use case)', () => {
    expect(planRungs('hls-single', media(7680, 4320)).map((r) => [r.width, r.height])).toEqual([
      [3840, 2160],
    ]);
    expect(planRungs('hls-single', media(4096, 3072)).map((r) => [r.width, r.height])).toEqual([
      [2880, 2160],
    ]);
    expect(planRungs('hls-single', media(3840, 2160)).map((r) => [r.width, r.height])).toEqual([
      [3840, 2160],
    ]);
  });
});

import { fleetHourlyUsd, mediaFromSize } from '@vodsr/api';
import { DEFAULT_PRICE_TABLE } from '@vodsr/core/cost';
import { describe, expect, it } from 'vitest';

describe('fleetHourlyUsd', () => {
  it("sums the running instances' prices from the dated table and says what it assumed", () => {
    // Prepare
    const p = DEFAULT_PRICE_TABLE.instances['g6e.xlarge'];
    // Act
    const f = fleetHourlyUsd([
      { instanceType: 'g6e.xlarge' },
      { instanceType: 'g6e.xlarge' },
      ...(p?.spotHourly !== undefined ? [{ instanceType: 'g6e.xlarge', purchase: 'spot' as const }] : []),
    ]);
    // Assess
    const expected = 2 * (p?.onDemandHourly ?? Number.NaN) + (p?.spotHourly ?? 0);
    expect(f.usdPerHour).toBeCloseTo(expected, 6);
    expect(f.assumptions[0]).toBe(`2 × g6e.xlarge on-demand $${p?.onDemandHourly}/h`);
    expect(f.pricesDate).toBe(DEFAULT_PRICE_TABLE.date);
  });

  it('refuses an instance type the table has no price for (VODSR_UNKNOWN_PRICE)', () => {
    expect(() => fleetHourlyUsd([{ instanceType: 'x9.nothing' }])).toThrow(
      expect.objectContaining({ code: 'VODSR_UNKNOWN_PRICE' }),
    );
  });
});

describe('mediaFromSize', () => {
  it('guesses the duration from the size at the assumed bitrate and says so', () => {
    const g = mediaFromSize(50_000_000);
    expect(g.media).toEqual({ width: 1280, height: 720, durationSeconds: 100, fps: 30 });
    expect(g.assumptions[0]).toMatch(/guessed from the object size \(50000000 bytes\)/);
  });
});

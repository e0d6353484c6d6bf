import {
  actualCost,
  DEFAULT_PRICE_TABLE,
  EMPTY_THROUGHPUT,
  estimateJob,
  executionActualCost,
  executionMeasurements,
  executionObservation,
  framesOf,
  LOCAL_HOST_KIND,
  learnThroughput,
  observeJob,
  throughputFrom,
} from '@vodsr/core/cost';
import { describe, expect, it } from 'vitest';

const SRC = { width: 640, height: 480, durationSeconds: 10, fps: 30 };

describe('observeJob', () => {
  it('counts frames as the estimate does and leaves the quality step out of the busy seconds', () => {
    // Act
    const o = observeJob({
      model: 'A',
      host: LOCAL_HOST_KIND,
      source: SRC,
      busySeconds: 5.5,
      qualitySeconds: 0.5,
    });
    // Assess
    expect(o).toEqual({
      model: 'A',
      instanceType: 'local',
      width: 640,
      height: 480,
      frames: 300,
      hostBusySeconds: 5,
    });
    expect(framesOf({ durationSeconds: 2.04, fps: 25 })).toBe(51);
    expect(framesOf({ durationSeconds: 2 })).toBe(60);
  });

  it('returns nothing for a job that cannot teach (no probed source, no frames, no busy time)', () => {
    expect(observeJob({ model: 'A', host: 'local', busySeconds: 3 })).toBeUndefined();
    expect(
      observeJob({ model: 'A', host: 'local', source: { ...SRC, durationSeconds: 0 }, busySeconds: 3 }),
    ).toBeUndefined();
    expect(observeJob({ model: 'A', host: 'local', source: SRC, busySeconds: 0 })).toBeUndefined();
  });
});

describe('throughputFrom + estimateJob', () => {
  it('an estimate says it used the default until a cell is learned, then "learned from N jobs" on that host kind', () => {
    // Prepare: jobs measured on the local host, the estimate priced on g6e.xlarge
    const obs = [2, 4, 6, 8].map((s) =>
      observeJob({
        model: 'A',
        host: 'local',
        source: { ...SRC, durationSeconds: s },
        busySeconds: 1 + s * 0.5,
      }),
    );
    const table = throughputFrom([...obs.filter((o) => o !== undefined)]);
    // Act
    const fresh = estimateJob(
      SRC,
      'A',
      { packaging: 'host', throughputHost: 'local' },
      DEFAULT_PRICE_TABLE,
      EMPTY_THROUGHPUT,
    );
    const learned = estimateJob(
      SRC,
      'A',
      { packaging: 'host', throughputHost: 'local' },
      DEFAULT_PRICE_TABLE,
      table,
    );
    const otherModel = estimateJob(
      SRC,
      'B',
      { packaging: 'host', throughputHost: 'local' },
      DEFAULT_PRICE_TABLE,
      table,
    );
    const otherHost = estimateJob(SRC, 'A', { packaging: 'host' }, DEFAULT_PRICE_TABLE, table);
    // Assess: busy = 1 s + frames / 60 exactly, so the fitted line predicts 10 s × 30 fps as 6 s
    expect(fresh.throughput).toMatchObject({ basis: 'default', samples: 0, host: 'local', bucket: 'le480' });
    expect(learned.throughput).toMatchObject({ basis: 'learned', samples: 4, model: 'A', host: 'local' });
    expect(learned.throughput?.overheadSeconds).toBeCloseTo(1, 6);
    expect(learned.gpuSeconds).toBeCloseTo(6, 3);
    expect(learned.assumptions.join('\n')).toMatch(/learned from 4 job\(s\)/);
    expect(learned.assumptions.join('\n')).toMatch(/g6e\.xlarge on-demand/);
    expect(otherModel.throughput?.basis).toBe('default');
    expect(otherHost.throughput).toMatchObject({ basis: 'default', host: 'g6e.xlarge' });
    // the same as learning one by one
    let byHand = EMPTY_THROUGHPUT;
    for (const o of obs) if (o) byHand = learnThroughput(byHand, o);
    expect(table).toEqual(byHand);
  });
});

describe('throughputFrom', () => {
  const obs = (seconds: number, busy: number) =>
    observeJob({
      model: 'A',
      host: 'local',
      source: { ...SRC, durationSeconds: seconds },
      busySeconds: busy,
    });

  it("leaves a cold host's first job out of the line and says so", () => {
    // Prepare: a first job 4 s slow, then jobs at 2 s + frames / 100 with ±2 % noise
    const list = [obs(2, 6.6 + 4)];
    for (const [i, s] of [4, 6, 8, 3, 5, 7].entries())
      list.push(obs(s, (2 + (s * 30) / 100) * (1 + 0.02 * Math.sin(i))));
    // Act
    const table = throughputFrom(list.filter((o) => o !== undefined));
    const e = estimateJob(
      SRC,
      'A',
      { packaging: 'host', throughputHost: 'local' },
      DEFAULT_PRICE_TABLE,
      table,
    );
    // Assess: 10 s × 30 fps → 2 + 3 = 5 s
    const cell = table.entries['A|local|le480'];
    expect(cell).toMatchObject({ samples: 6, outliers: 1 });
    expect(e.gpuSeconds).toBeGreaterThan(4.85);
    expect(e.gpuSeconds).toBeLessThan(5.15);
    expect(e.throughput).toMatchObject({ basis: 'learned', samples: 6, outliers: 1 });
    expect(e.assumptions.join('\n')).toMatch(/learned from 6 job\(s\) \(1 outlier\(s\) left out\)/);
    // with the outlier kept (plain least squares), the same estimate is further off
    let plain = EMPTY_THROUGHPUT;
    for (const o of list) if (o) plain = learnThroughput(plain, o);
    const p = estimateJob(
      SRC,
      'A',
      { packaging: 'host', throughputHost: 'local' },
      DEFAULT_PRICE_TABLE,
      plain,
    );
    expect(Math.abs(p.gpuSeconds - 5)).toBeGreaterThan(Math.abs(e.gpuSeconds - 5));
  });

  it('counts only the newest `window` jobs of a cell', () => {
    // Prepare: 5 old jobs twice as slow, then 3 new ones
    const old = [2, 4, 6, 8, 3].map((s) => obs(s, 2 * (1 + s * 0.3)));
    const fresh = [2, 4, 6].map((s) => obs(s, 1 + s * 0.3));
    // Act
    const table = throughputFrom(
      [...old, ...fresh].filter((o) => o !== undefined),
      { window: 3 },
    );
    // Assess
    expect(table.entries['A|local|le480']).toMatchObject({ samples: 3 });
    expect(table.entries['A|local|le480']?.overheadSeconds).toBeCloseTo(1, 6);
  });
});

/** A DescribeExecution output of the deployed workflow after MediaConvert packaged two renditions. */
const EXECUTION_OUTPUT = {
  jobId: 'j1',
  attempt: { number: 2 },
  placement: { instanceId: 'i-0123456789abcdef0', slot: 0, lease: 'l-abcdef012345' },
  host: {
    event: 'result',
    ok: true,
    jobId: 'j1',
    output: 's3://out/j1/sr.mp4',
    source: { width: 1280, height: 720, durationSeconds: 60, fps: 30, hasAudio: true },
    sr: { width: 2560, height: 1440, durationSeconds: 60, fps: 30, hasAudio: true },
    encoder: 'h264_nvenc',
    elapsedSeconds: 40.5,
    quality: { seconds: 1.5 },
  },
  mediaconvert: {
    Job: {
      Id: 'mc-1',
      Status: 'COMPLETE',
      OutputGroupDetails: [
        {
          OutputDetails: [
            { DurationInMs: 60_040, VideoDetails: { WidthInPx: 2560, HeightInPx: 1440 } },
            { DurationInMs: 60_040, VideoDetails: { WidthInPx: 1280, HeightInPx: 720 } },
            { DurationInMs: 4_000, VideoDetails: { WidthInPx: 640, HeightInPx: 360 } },
          ],
        },
      ],
    },
  },
};

describe('executionActualCost', () => {
  it('bills the host elapsed seconds, every MediaConvert output by tier with the 10 s minimum, and the path taken', () => {
    // Act
    const a = executionActualCost(EXECUTION_OUTPUT, { instanceType: 'g6e.2xlarge', purchase: 'spot' });
    // Assess: by hand from the price table
    const slot = (DEFAULT_PRICE_TABLE.instances['g6e.2xlarge']?.spotHourly ?? 0) / 3600;
    const pm = DEFAULT_PRICE_TABLE.mediaconvert.perMinute.professional;
    const pkg = (61 / 60) * pm.uhd + (61 / 60) * pm.hd + (10 / 60) * pm.sd;
    // 8 on the MediaConvert path + 5 for the lost host (HostLost, CanRetryHost, QueueJob, AcquireHost, RunHost)
    const transitions = ((8 + 5) * DEFAULT_PRICE_TABLE.stepFunctions.perThousandTransitions) / 1000;
    expect(a?.gpuSeconds).toBe(40.5);
    expect(a?.usd.gpu).toBeCloseTo(40.5 * slot, 8);
    expect(a?.usd.packaging).toBeCloseTo(pkg, 8);
    expect(a?.usd.transitions).toBeCloseTo(transitions, 9);
    expect(a?.assumptions.join('\n')).toMatch(/2 host attempts/);
    expect(a?.assumptions.join('\n')).toMatch(/UHD output 2560x1440: 61 s billed/);
    expect(a?.assumptions.join('\n')).toMatch(/SD output 640x360: 10 s billed \(minimum 10 s\)/);
  });

  it('without MediaConvert (the host packaged) bills no packaging and 6 transitions', () => {
    const { mediaconvert: _, attempt: __, ...hostOnly } = EXECUTION_OUTPUT;
    const a = executionActualCost(hostOnly);
    const same = actualCost({ hostBusySeconds: 40.5, transitions: 6 });
    expect(a?.usd).toEqual(same.usd);
    expect(executionMeasurements(hostOnly)?.transitions).toBe(6);
  });

  it('is undefined for an output without a host result', () => {
    expect(executionActualCost({ jobId: 'x' })).toBeUndefined();
    expect(executionActualCost('not json')).toBeUndefined();
    expect(executionObservation('A', { host: { ok: true } })).toBeUndefined();
  });
});

describe('executionObservation', () => {
  it('learns the model on the fleet instance type from the host seconds minus the quality step', () => {
    const o = executionObservation('lanczos-x2', EXECUTION_OUTPUT, 'g6e.xlarge', '2026-12-01T00:00:00Z');
    expect(o).toEqual({
      model: 'lanczos-x2',
      instanceType: 'g6e.xlarge',
      width: 1280,
      height: 720,
      frames: 1800,
      hostBusySeconds: 39,
      at: '2026-12-01T00:00:00Z',
    });
  });
});

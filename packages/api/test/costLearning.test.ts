import { join } from 'node:path';
import { LocalJobService } from '@vodsr/api';
import { FINAL_STATUSES, type JobRecord } from '@vodsr/core';
import { EMPTY_THROUGHPUT, framesOf, learnThroughput } from '@vodsr/core/cost';
import { describe, expect, it } from 'vitest';
import { makeVideo, tempDir } from './helpers.js';

async function finished(svc: LocalJobService, id: string): Promise<JobRecord> {
  for (;;) {
    const r = await svc.get(id);
    if (FINAL_STATUSES.includes(r.status)) return r;
    await new Promise((res) => setTimeout(res, 200));
  }
}

describe('LocalJobService learned throughput (local fleet, host script, FFmpeg)', () => {
  it('feeds every succeeded job into the table and the next estimate uses what was learned from them', async () => {
    // Prepare: 160x120 clips of 1, 3 and 2 s at 25 fps; a fleet of one host with one slot
    const dir = tempDir('vodsr-cost-');
    const clips = [1, 3, 2].map((s) => makeVideo(dir, `c${s}.mp4`, { seconds: s }));
    const next = makeVideo(dir, 'next.mp4', { seconds: 2 });
    const open = () =>
      LocalJobService.open({
        dataDir: join(dir, 'data'),
        outputRoot: join(dir, 'out'),
        fleet: { hosts: 1, slots: 1 },
      });
    let svc = await open();
    const done: JobRecord[] = [];
    try {
      // Act: one job after the other, as a fleet finishes them
      for (const source of clips) {
        const { job } = await svc.submit({ source, model: 'lanczos-x2' });
        done.push(await finished(svc, job.id));
      }
      await svc.close();
      svc = await open(); // what was learned is in the database, not in this process
      const learned = svc.throughput();
      const { job: nextJob } = await svc.submit({ source: next, model: 'lanczos-x2' });
      const ran = await finished(svc, nextJob.id);
      // Assess: the first estimate had nothing to learn from and says so
      for (const r of done) expect(r.status, JSON.stringify(r.error)).toBe('succeeded');
      expect(done[0]?.cost?.estimate?.throughput).toMatchObject({
        basis: 'default',
        samples: 0,
        host: 'local',
      });
      expect(done[1]?.cost?.estimate?.throughput).toMatchObject({ basis: 'learned', samples: 1 });
      // the table holds one observation per job: the source the host probed, the seconds cost.actual billed
      let byHand = EMPTY_THROUGHPUT;
      for (const r of done) {
        const src = r.outputs?.source;
        expect(src).toMatchObject({ width: 160, height: 120, fps: 25 });
        byHand = learnThroughput(byHand, {
          model: 'lanczos-x2',
          instanceType: 'local',
          width: 160,
          height: 120,
          frames: framesOf(src ?? { durationSeconds: 0 }),
          hostBusySeconds: r.cost?.actual?.gpuSeconds ?? 0,
        });
      }
      expect(done.map((r) => framesOf(r.outputs?.source ?? { durationSeconds: 0 }))).toEqual([25, 75, 50]);
      const cell = learned.entries['lanczos-x2|local|le480'];
      expect(cell?.samples).toBe(3);
      expect(cell?.secondsPerFrame).toBeCloseTo(
        byHand.entries['lanczos-x2|local|le480']?.secondsPerFrame ?? 0,
        9,
      );
      // the next job's estimate used that cell: "learned from 3 job(s)", GPU seconds = overhead + 50 frames × s/frame
      const est = nextJob.cost?.estimate;
      expect(est?.throughput).toMatchObject({
        basis: 'learned',
        samples: 3,
        model: 'lanczos-x2',
        host: 'local',
      });
      expect(est?.assumptions.join('\n')).toMatch(/lanczos-x2 on local at le480: .* learned from 3 job\(s\)/);
      expect(est?.assumptions.join('\n')).toMatch(/g6e\.xlarge on-demand/);
      expect(est?.gpuSeconds).toBeCloseTo(
        (cell?.overheadSeconds ?? 0) + 50 * (cell?.secondsPerFrame ?? 0),
        2,
      );
      // and the job it estimated ran and was measured; it taught the table a fourth time
      expect(ran.status).toBe('succeeded');
      expect(ran.cost?.actual?.gpuSeconds).toBeGreaterThan(0);
      const after = svc.throughput().entries['lanczos-x2|local|le480'];
      expect((after?.samples ?? 0) + (after?.outliers ?? 0)).toBe(4);
      // (estimate vs actual within ±10 % is a timing figure: bench/cost.mjs measures it; see bench/README.md)
    } finally {
      await svc.close();
    }
  }, 600_000);
});

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { cancelCommand, EXIT, retryCommand, statusCommand } from '@vodsr/cli';
import type { JobRecord } from '@vodsr/core';
import { describe, expect, it } from 'vitest';
import { makeVideo, memoryIo, submitQueued, tempDir } from './helpers.js';

describe('vodsr retry: a job, several, or every failed job of a source prefix (a backfill)', () => {
  it('starts <id>-r1 once per job, lists with --dry-run, reports jobs retried before, names each failure', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'catalogue'));
    const g = { dataDir: join(dir, 'data'), outputDir: join(dir, 'out') };
    const submit = (path: string) => submitQueued(g, path);
    const a1 = await submit(makeVideo(join(dir, 'catalogue'), 'a1.mp4', 1));
    const a2 = await submit(makeVideo(join(dir, 'catalogue'), 'a2.mp4', 1));
    const b = await submit(makeVideo(dir, 'b.mp4', 1));
    const job = async (id: string): Promise<JobRecord> => {
      const io = memoryIo();
      expect(await statusCommand({ ...g, id, json: true }, io)).toBe(0);
      return JSON.parse(io.stdout.join('')) as JobRecord;
    };
    expect(await cancelCommand({ ...g, ids: [a1, a2] }, memoryIo())).toBe(0);
    const prefix = `${join(dir, 'catalogue')}/`;
    const shown = memoryIo();
    expect(await statusCommand({ ...g, id: a1 }, shown)).toBe(0);
    expect(shown.stdout.join('\n')).toContain(
      `  retry:    vodsr retry ${a1}   (runs the same input again, as a new job)`,
    );

    // the default selection is the failed jobs: the cancelled ones are taken only when asked for
    const none = memoryIo();
    expect(await retryCommand({ ...g, sourcePrefix: prefix, json: true }, none)).toBe(0);
    expect(JSON.parse(none.stdout.join(''))).toEqual({ retried: [], already: [], failed: [] });
    const dry = memoryIo();
    expect(await retryCommand({ ...g, sourcePrefix: prefix, status: ['cancelled'], dryRun: true }, dry)).toBe(
      0,
    );
    expect(dry.stderrLines).toEqual(['would retry 2 job(s); nothing was started (--dry-run)']);

    const sel = memoryIo();
    expect(await retryCommand({ ...g, sourcePrefix: prefix, status: ['cancelled'] }, sel)).toBe(0);
    expect(sel.stdout.sort()).toEqual(
      [`job ${a1} is retried as ${a1}-r1 (queued)`, `job ${a2} is retried as ${a2}-r1 (queued)`].sort(),
    );
    expect(sel.stderrLines).toEqual(['retried 2 of 2 job(s)']);
    const r1 = await job(`${a1}-r1`);
    expect(r1).toMatchObject({ status: 'queued', spec: (await job(a1)).spec });
    expect(r1.outputs?.notes?.[0]).toMatch(new RegExp(`^Retry of job ${a1}, which was cancelled: `));
    expect((await job(a1)).status).toBe('cancelled');

    // again: retried before, nothing new; named jobs each with their outcome, the exit code the first failure's
    const named = memoryIo();
    expect(await retryCommand({ ...g, ids: [a1, b, 'nope'], json: true }, named)).toBe(EXIT.CONFLICT);
    const res = JSON.parse(named.stdout.join('')) as {
      retried: unknown[];
      already: { id: string; as: string; status: string }[];
      failed: { id: string; error: { code: string } }[];
    };
    expect(res.retried).toEqual([]);
    expect(res.already).toEqual([{ id: a1, as: `${a1}-r1`, status: 'queued' }]);
    expect(res.failed.map((f) => [f.id, f.error.code])).toEqual([
      [b, 'VODSR_ILLEGAL_TRANSITION'],
      ['nope', 'VODSR_JOB_NOT_FOUND'],
    ]);
    const one = memoryIo();
    expect(await retryCommand({ ...g, ids: [b] }, one)).toBe(EXIT.CONFLICT);
    expect(one.stderrLines.join('\n')).toContain(
      `Job ${b} is queued: only a failed or cancelled job can be retried`,
    );
    const again = memoryIo();
    expect(await retryCommand({ ...g, id: a2 }, again)).toBe(0);
    expect(again.stdout).toEqual([`job ${a2} was retried before as ${a2}-r1 (queued)`]);

    for (const [bad, message] of [
      [{}, /name the jobs/],
      [{ status: ['succeeded'] }, /only failed or cancelled jobs can be retried, not succeeded/],
      [{ status: ['queued'] }, /not queued/],
      [{ ids: [a1], dryRun: true }, /--dry-run lists a selection/],
    ] as const) {
      const io = memoryIo();
      expect(await retryCommand({ ...g, ...bad }, io)).toBe(EXIT.USAGE);
      expect(io.stderrLines.join('\n')).toMatch(message);
    }
  });
});

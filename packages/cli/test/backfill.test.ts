import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import {
  type BackfillEstimate,
  type BackfillPlanSummary,
  type BackfillRunProgress,
  type LocalExecutor,
  LocalJobService,
  localS3Client,
} from '@vodsr/api';
import {
  type BackfillArgs,
  backfillCommand,
  estimateCommand,
  type Io,
  type LocalS3,
  startLocalS3,
  statusCommand,
} from '@vodsr/cli';
import type { JobRecord } from '@vodsr/core';
import type { CostFigures } from '@vodsr/core/cost';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeVideo, memoryIo, tempDir } from './helpers.js';

/** 30 objects: 24 included videos (3 done before, 2 hostile keys, 2 outside movies/), 1 excluded mkv, 5 non-videos. */
const DONE = ['movies/done-01.mp4', 'movies/done-02.mp4', 'movies/done-03.mp4'];
const VIDEOS = [
  ...Array.from({ length: 14 }, (_, i) => `movies/v${String(i + 1).padStart(2, '0')}.mp4`),
  'movies/v15.mov',
  'movies/v16.MOV',
  'movies/v17.mov',
  'movies/weird name +&=(1).mp4',
  'movies/ünï cødé 🎬 $(touch x); rm -rf y.mov',
  'other/o1.mp4',
  'other/o2.mp4',
];
const EXCLUDED = ['movies/extra.mkv'];
const NON_VIDEO = [
  'movies/notes.txt',
  'movies/poster.jpg',
  'movies/sub.srt',
  'movies/README',
  'other/o1.mp4.json',
];

/** A fast executor: counts finished runs per job, honours the abort signal. */
function stubExecutor(finished: Map<string, number>, ms = 40): LocalExecutor {
  return async (ctx) => {
    await new Promise<void>((res, rej) => {
      const t = setTimeout(res, ms);
      ctx.signal.addEventListener('abort', () => {
        clearTimeout(t);
        rej(ctx.signal.reason ?? new Error('aborted'));
      });
    });
    finished.set(ctx.jobId, (finished.get(ctx.jobId) ?? 0) + 1);
    return { srFile: ctx.input.srFile, modelUsed: ctx.job.model, timings: { upscaleSeconds: 0.3 } };
  };
}

type Ev = {
  type: string;
  key?: string;
  name?: string;
  outcome?: string;
  plan?: BackfillPlanSummary;
  estimate?: BackfillEstimate;
  progress?: BackfillRunProgress;
};
const events = (io: { stdout: string[] }): Ev[] => io.stdout.map((l) => JSON.parse(l) as Ev);

describe('vodsr backfill', () => {
  let dir: string;
  let s3server: LocalS3;
  let s3: S3Client;
  const finished = new Map<string, number>();
  const args = (extra: Partial<BackfillArgs> = {}): BackfillArgs => ({
    source: 's3://vodsr-in/',
    include: '*.mp4,*.mov',
    output: 's3://vodsr-out/',
    model: 'lanczos-x2',
    s3Endpoint: s3server.endpoint,
    dataDir: join(dir, 'db'),
    outputDir: join(dir, 'out'),
    concurrency: 4,
    slots: 2,
    json: true,
    ...extra,
  });
  const deps = { executor: stubExecutor(finished), pollMs: 30 };

  beforeAll(async () => {
    dir = tempDir('vodsr-backfill-');
    s3server = await startLocalS3({ directory: join(dir, 's3'), buckets: ['vodsr-in', 'vodsr-out'] });
    s3 = await localS3Client(s3server.endpoint);
    const all = [...DONE, ...VIDEOS, ...EXCLUDED, ...NON_VIDEO];
    expect(all).toHaveLength(30);
    for (const [i, Key] of all.entries())
      await s3.send(new PutObjectCommand({ Bucket: 'vodsr-in', Key, Body: `object ${i} ${Key}` }));
    // "already processed": a first backfill of the done-* objects (the names the trigger would have used)
    const io = memoryIo();
    expect(await backfillCommand(args({ include: 'done-*.mp4' }), io, deps)).toBe(0);
    expect(events(io).filter((e) => e.type === 'submitted')).toHaveLength(3);
  }, 60_000);

  afterAll(async () => {
    s3.destroy();
    await s3server.close();
  });

  it('--dry-run lists exactly what will run and what is skipped, with reasons and the estimate', async () => {
    // Act
    const io = memoryIo();
    const code = await backfillCommand(args({ dryRun: true }), io, deps);
    // Assess
    expect(code).toBe(0);
    const [plan, done] = events(io);
    expect(plan?.type).toBe('plan');
    const items = (plan?.plan?.items ?? []) as {
      key: string;
      action: string;
      reason?: string;
      name?: string;
    }[];
    expect(
      items
        .filter((i) => i.action === 'submit')
        .map((i) => i.key)
        .sort(),
    ).toEqual([...VIDEOS].sort());
    const reasons = Object.fromEntries(
      items.filter((i) => i.action === 'skip').map((i) => [i.key, i.reason]),
    );
    expect(reasons).toEqual({
      ...Object.fromEntries(DONE.map((k) => [k, 'exists'])),
      ...Object.fromEntries(EXCLUDED.map((k) => [k, 'not-included'])),
      ...Object.fromEntries(NON_VIDEO.map((k) => [k, 'not-video'])),
    });
    expect(plan?.plan?.counts).toMatchObject({ listed: 30, submit: 21, skip: 9 });
    expect(plan?.estimate?.jobs).toBe(21);
    // the stub objects are a few bytes: ~0 s of video each, but every job still pays its 8 transitions
    expect(plan?.estimate?.gpuSeconds).toBeLessThan(0.1);
    expect(plan?.estimate?.usd.transitions).toBeGreaterThan(0);
    expect(plan?.estimate?.assumptions.join(' ')).toMatch(/guessed from the object size/);
    expect(done?.progress).toMatchObject({ submitted: 0, skipped: 9, pending: 21 });
    // nothing was started by the dry run
    const text = memoryIo();
    await backfillCommand(args({ dryRun: true, json: false }), text, deps);
    const summary = text.stdout.find((l) => l.startsWith('30 listed:')) ?? '';
    expect(summary).toMatch(/^30 listed: 21 to submit, 9 skipped \(/);
    for (const r of ['exists 3', 'not-included 1', 'not-video 5']) expect(summary).toContain(r);
    expect(text.stdout.join('\n')).toMatch(/skip {4}"movies\/notes.txt" \(not-video: /);
    expect(text.stdout.join('\n')).toMatch(/estimate: 21 job\(s\)/);
  });

  it('submits only the planned objects; interrupted halfway, a re-run finishes the rest; a third run starts nothing', async () => {
    // Act 1: stop after the 8th submission
    const ac = new AbortController();
    const first = memoryIo();
    const io: Io = {
      ...first,
      out: (t) => {
        first.out(t);
        if (events(first).filter((e) => e.type === 'submitted').length === 8) ac.abort();
      },
    };
    const code1 = await backfillCommand(args(), io, { ...deps, signal: ac.signal });
    const submitted1 = events(first).filter((e) => e.type === 'submitted');
    expect(code1).toBe(7);
    expect(submitted1).toHaveLength(8);
    expect(first.stderrLines.join('\n')).toMatch(
      /backfill stopped: \d+ job\(s\) it started have not ended .*run it again to resume, or cancel them: vodsr cancel --source-prefix s3:\/\/\S+\/$/m,
    );

    // Act 2: the re-run starts only the objects without a job and waits for all of them
    const second = memoryIo();
    expect(await backfillCommand(args(), second, deps)).toBe(0);
    const ev2 = events(second);
    const submitted2 = ev2.filter((e) => e.type === 'submitted');
    expect(submitted2).toHaveLength(13);
    const keys = [...submitted1, ...submitted2].map((e) => e.key).sort();
    expect(keys).toEqual([...VIDEOS].sort());
    expect(ev2.at(-1)).toMatchObject({
      type: 'done',
      progress: { total: 30, submitted: 13, running: 0, failed: 0, succeeded: 24 },
    });

    // Act 3: nothing new
    const third = memoryIo();
    expect(await backfillCommand(args(), third, deps)).toBe(0);
    const ev3 = events(third);
    expect(ev3.filter((e) => e.type === 'submitted')).toHaveLength(0);
    expect(ev3.at(-1)).toMatchObject({ progress: { submitted: 0, skipped: 30, succeeded: 24, failed: 0 } });

    // Assess: every object's job finished exactly once, the names are the trigger's (bucket + key + ETag)
    const names = [...submitted1, ...submitted2].map((e) => e.name as string);
    expect(new Set(names).size).toBe(21);
    for (const n of names) expect(finished.get(n), n).toBe(1);
    const svc = await LocalJobService.open({ dataDir: join(dir, 'db'), workers: false });
    try {
      const jobs: JobRecord[] = [];
      for (const n of names) jobs.push(await svc.get(n));
      expect(jobs.every((j) => j.status === 'succeeded')).toBe(true);
      const hostile = jobs.find((j) => j.spec.source.includes('weird name'));
      expect(hostile?.spec.source).toBe('s3://vodsr-in/movies/weird name +&=(1).mp4');
      // the bulk queue; an estimate from the submit and an actual from the host's seconds
      expect(jobs[0]?.cost?.estimate?.gpuSeconds).toBeGreaterThan(0);
      expect(jobs[0]?.cost?.actual?.gpuSeconds).toBe(0.3);
      expect(jobs[0]?.cost?.actual?.assumptions[0]).toBe('busy seconds = host run 0.3 s');
    } finally {
      await svc.close();
    }
  }, 120_000);

  it('in a pipe (no TTY, no --json) prints the plan and plain progress lines with the counts, no bar', async () => {
    // Act
    const io = memoryIo();
    const code = await backfillCommand(
      args({ source: 's3://vodsr-in/other/', json: false, dataDir: join(dir, 'pipedb') }),
      io,
      deps,
    );
    // Assess
    expect(code).toBe(0);
    expect(io.stdout).toEqual([]);
    const lines = io.stderrLines.join('\n').split('\n');
    expect(lines).toContain('3 listed: 2 to submit, 1 skipped (not-video 1)');
    expect(lines.some((l) => /^estimate: 2 job\(s\), [\d.]+ GPU s, \$/.test(l))).toBe(true);
    expect(lines.join('\n')).toMatch(/throughput of lanczos-x2 on local at le720: not measured yet, default/);
    const progress = lines.filter((l) => l.startsWith('submitted '));
    expect(progress.length).toBeGreaterThanOrEqual(2);
    for (const l of progress)
      expect(l).toMatch(
        /^submitted \d+ · skipped \d+ · running \d+ · succeeded \d+ · failed \d+( · pending \d+)?( · ETA \S+)?$/,
      );
    expect(progress.at(-1)).toMatch(/^submitted 2 · skipped 1 · running 0 · succeeded 2 · failed 0/);
    // no terminal control sequences (a bar would redraw with \r and ESC[)
    const text = io.stderrLines.join('');
    expect(text.includes('\r') || text.includes(String.fromCharCode(27))).toBe(false);
  }, 120_000);

  it('runs a real video from the local S3 server and the job carries estimate, actual and quality', async () => {
    // Prepare
    const clip = makeVideo(dir, 'real.mp4', 2, '160x120');
    await s3.send(
      new PutObjectCommand({ Bucket: 'vodsr-in', Key: 'real/real.mp4', Body: readFileSync(clip) }),
    );
    const io = memoryIo();
    // Act (the default executor: the host script with FFmpeg)
    const code = await backfillCommand(
      args({
        source: 's3://vodsr-in/real/',
        dataDir: join(dir, 'realdb'),
        preset: 'none',
        slots: 1,
        quality: true,
      }),
      io,
      { pollMs: 200 },
    );
    // Assess
    const ev = events(io);
    expect(code, JSON.stringify(ev.at(-1))).toBe(0);
    const name = ev.find((e) => e.type === 'submitted')?.name as string;
    const st = memoryIo();
    expect(await statusCommand({ id: name, dataDir: join(dir, 'realdb'), json: true }, st)).toBe(0);
    const job = JSON.parse(st.stdout.join('\n')) as JobRecord;
    expect(job.status).toBe('succeeded');
    expect(job.spec.source).toBe('s3://vodsr-in/real/real.mp4');
    expect(job.cost?.estimate?.assumptions.join(' ')).toMatch(/S3 object/);
    expect(job.cost?.actual?.gpuSeconds).toBeGreaterThan(0);
    const q = job.outputs?.quality;
    expect(q?.sr.psnr).toBeGreaterThan(15);
    expect(q?.bicubic.psnr).toBeGreaterThan(15);
    expect(q?.gainDb).toBeCloseTo((q?.sr.psnr ?? 0) - (q?.bicubic.psnr ?? 0), 1);
    const text = memoryIo();
    await statusCommand({ id: name, dataDir: join(dir, 'realdb') }, text);
    expect(text.stdout.join('\n')).toMatch(/estimate: .* GPU s, \$.*; default throughput\)/);
    expect(text.stdout.join('\n')).toMatch(/actual: {3}.* GPU s, \$/);
    expect(text.stdout.join('\n')).toMatch(
      /quality: {2}SR: \d+\.\d dB \/ [01]\.\d\d, bicubic: \d+\.\d dB \/ [01]\.\d\d \([+-]\d+\.\d dB\)/,
    );
    // the job taught this database's throughput table: an estimate here now says it is learned
    const est = memoryIo();
    expect(
      await estimateCommand(
        { source: clip, dataDir: join(dir, 'realdb'), model: 'lanczos-x2', json: true },
        est,
      ),
    ).toBe(0);
    const e = (JSON.parse(est.stdout.join('\n')) as { sources: { estimate: CostFigures }[] }).sources[0]
      ?.estimate;
    expect(e?.throughput).toMatchObject({ basis: 'learned', samples: 1, host: 'local', model: 'lanczos-x2' });
    expect(e?.assumptions.join('\n')).toMatch(/lanczos-x2 on local at le480: .* learned from 1 job\(s\)/);
  }, 240_000);
});

describe('vodsr estimate', () => {
  it('prints GPU seconds, dollars and every assumption for a probed clip', async () => {
    // Prepare
    const dir = tempDir('vodsr-estimate-');
    const clip = makeVideo(dir, 'clip.mp4', 2, '160x120');
    // Act
    const json = memoryIo();
    const text = memoryIo();
    const dataDir = join(dir, 'no-jobs-yet');
    const c1 = await estimateCommand({ source: clip, json: true, model: 'lanczos-x2', dataDir }, json);
    const c2 = await estimateCommand({ source: clip, model: 'lanczos-x2', dataDir }, text);
    // Assess
    expect([c1, c2]).toEqual([0, 0]);
    const out = JSON.parse(json.stdout.join('\n')) as {
      sources: { media: { width: number; durationSeconds: number; fps: number }; estimate: CostFigures }[];
    };
    const s = out.sources[0];
    expect(s?.media).toMatchObject({ width: 160, height: 120, fps: 25 });
    // 2 s × 25 fps = 50 frames at the documented default of 120 frames/s (≤480 lines) on one slot
    expect(s?.estimate.gpuSeconds).toBeCloseTo(50 / 120, 2);
    expect(s?.estimate.usd.total).toBeGreaterThan(0);
    expect(s?.estimate.usd.packaging).toBe(0);
    expect(s?.estimate.throughput).toMatchObject({ basis: 'default', samples: 0, host: 'local' });
    expect(s?.estimate.assumptions).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/probed with ffprobe: 160x120/),
        expect.stringMatching(/^50 frames/),
        expect.stringMatching(/not measured yet, default 120 frames\/s/),
        expect.stringMatching(/g6e.xlarge on-demand \$[\d.]+\/h/),
        expect.stringMatching(/Step Functions transitions/),
      ]),
    );
    const t = text.stdout.join('\n');
    expect(t).toMatch(/GPU seconds: 0\.417/);
    expect(t).toMatch(/cost: \$/);
    expect(t).toMatch(/assumptions:\n {4}- media probed/);
  });
});

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LocalJobService } from '@vodsr/api';
import type { JobRecord } from '@vodsr/core';
import { afterEach, describe, expect, it } from 'vitest';
import { ffprobe, makeVideo, tempDir } from './helpers.js';

const here = dirname(fileURLToPath(import.meta.url));

async function waitFor(svc: LocalJobService, id: string, until: (j: JobRecord) => boolean, ms = 60_000) {
  const t0 = Date.now();
  for (;;) {
    const j = await svc.get(id);
    if (until(j)) return j;
    if (Date.now() - t0 > ms) throw new Error(`timed out; job is ${j.status} ${j.progress.percent}%`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('LocalJobService (running jobs)', () => {
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const c of children.splice(0)) {
      if (c.pid && c.exitCode === null && c.signalCode === null) {
        try {
          process.kill(-c.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
  });

  // The local default engine is the host (SR + HLS in one FFmpeg pass, MediaConvert's names); `mediaconvert` runs
  // the presets' FFmpeg twin after the SR file (its own names, a `packaging` stage).
  it.each([
    { engine: undefined, master: 'clip_sr_2x.m3u8', stages: ['upscaling', 'succeeded'], used: 'host' },
    {
      engine: 'mediaconvert',
      master: 'index.m3u8',
      stages: ['upscaling', 'packaging', 'succeeded'],
      used: 'mediaconvert',
    },
  ])(
    'runs a real video through the workflow (engine $used): SR file and HLS that ffprobe reads, with progress events',
    async ({ engine, master: masterName, stages, used }) => {
      const dir = tempDir();
      const source = makeVideo(dir, 'clip.mp4', { width: 160, height: 120, seconds: 2 });
      const svc = await LocalJobService.open({ dataDir: join(dir, 'data'), outputRoot: join(dir, 'out') });
      const { job } = await svc.submit({
        source,
        model: 'lanczos-x2',
        encoder: { codec: 'libx264', preset: 'veryfast' },
        ...(engine ? { packaging: { engine } } : {}),
      });
      const events = [];
      for await (const ev of svc.watch(job.id)) events.push(ev);
      await svc.close();

      const final = events.at(-1)?.job as JobRecord;
      expect(final.status, JSON.stringify(final.error)).toBe('succeeded');
      const types = events.map((e) => e.type);
      expect(types[0]).toBe('snapshot');
      expect(types.at(-1)).toBe('end');
      const statuses = [...new Set(events.map((e) => e.job.status))];
      expect(statuses).toEqual(expect.arrayContaining(stages));
      expect(final.progress.percent).toBe(100);

      const out = final.outputs ?? {};
      expect(out.srFile).toBe(join(dir, 'out', job.id, 'clip_sr_2x.mp4'));
      const sr = ffprobe(out.srFile as string);
      expect(sr.streams.find((s) => s.codec_type === 'video')).toMatchObject({ width: 320, height: 240 });
      expect(sr.streams.some((s) => s.codec_type === 'audio')).toBe(true);
      expect(out.packagingEngine).toBe(used);
      expect(out.hlsMaster).toBe(join(dir, 'out', job.id, 'hls', 'clip_sr_2x.mp4', masterName));
      const master = readFileSync(out.hlsMaster as string, 'utf8');
      expect(master).toMatch(/^#EXTM3U/);
      const hls = ffprobe(out.hlsMaster as string);
      expect(hls.streams.find((s) => s.codec_type === 'video')).toMatchObject({ width: 320, height: 240 });
      expect(Number(hls.format.duration)).toBeGreaterThan(1.5);
      expect(out.modelUsed).toBe('lanczos-x2');
      expect(out.notes).toEqual(
        expect.arrayContaining([expect.stringMatching(/Open model lanczos-x2.*not the Bluewhale SR/)]),
      );
    },
  );

  it('fails a job with the host error code and leaves no SR file', async () => {
    const dir = tempDir();
    const source = makeVideo(dir, 'clip.mp4', { seconds: 1 });
    const svc = await LocalJobService.open({ dataDir: join(dir, 'data'), outputRoot: join(dir, 'out') });
    // Bluewhale filter: absent here; no open-model fallback asked
    const { job } = await svc.submit({ source, model: 'B', modelFallback: false });
    const final = await waitFor(svc, job.id, (j) => j.status === 'failed' || j.status === 'succeeded');
    await svc.close();
    expect(final.status).toBe('failed');
    expect(final.error?.code).toBe('VODSR_HOST_MISSING_FILTER');
    expect(existsSync(join(dir, 'out', job.id, 'clip_sr_2x.mp4'))).toBe(false);
  });

  it('runs the open model for a Bluewhale model this FFmpeg lacks, and says so in the notes (issue 15.10)', async () => {
    const dir = tempDir();
    const source = makeVideo(dir, 'clip.mp4', { seconds: 1 });
    const svc = await LocalJobService.open({ dataDir: join(dir, 'data'), outputRoot: join(dir, 'out') });
    const { job } = await svc.submit({ source, model: 'B' });
    const note = 'Bluewhale filters not found: using open model lanczos-x2 — not the Bluewhale SR';
    expect(job.spec.model).toBe('lanczos-x2');
    expect(job.outputs?.notes).toEqual([note]);
    const final = await waitFor(svc, job.id, (j) => j.status === 'failed' || j.status === 'succeeded');
    await svc.close();
    expect(final.status).toBe('succeeded');
    expect(final.outputs?.modelUsed).toBe('lanczos-x2');
    expect(final.outputs?.notes?.[0]).toBe(note);
    expect(existsSync(join(dir, 'out', job.id, 'clip_sr_2x.mp4'))).toBe(true);
  });

  it('keeps a Bluewhale model when the hosts have its filters (the decision reads the hosts’ filter list)', async () => {
    const dir = tempDir();
    const source = makeVideo(dir, 'clip.mp4', { seconds: 1 });
    let listed = 0;
    const svc = await LocalJobService.open({
      dataDir: join(dir, 'data'),
      outputRoot: join(dir, 'out'),
      workers: false,
      hostFilters: async () => {
        listed += 1;
        return new Set(['bdsr_coupang_aws', 'scale']);
      },
    });
    const b = await svc.submit({ source, model: 'B' });
    const open = await svc.submit({ source, model: 'bicubic-x2' });
    await svc.close();
    expect(b.job.spec.model).toBe('B');
    expect(b.job.outputs).toBeUndefined();
    expect(open.job.spec.model).toBe('bicubic-x2');
    expect(listed).toBe(1); // an open model needs no filter list
  });

  it('reports a job whose worker was killed as interrupted (VODSR_WORKER_LOST), then re-runs it to the end', async () => {
    const dir = tempDir();
    const dataDir = join(dir, 'data');
    const outRoot = join(dir, 'out');
    const source = makeVideo(dir, 'long.mp4', { width: 320, height: 240, seconds: 8 });
    const client = await LocalJobService.open({ dataDir, outputRoot: outRoot, workers: false });
    const { job } = await client.submit({
      source,
      model: 'lanczos-x2',
      encoder: { codec: 'libx264', preset: 'medium' },
    });

    const child = spawn(process.execPath, [join(here, 'fixtures', 'worker-child.mjs'), dataDir, outRoot], {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    const running = await waitFor(client, job.id, (j) => j.status === 'upscaling' && j.progress.percent > 0);
    expect(running.attempts).toBe(1);
    process.kill(-(child.pid as number), 'SIGKILL');
    await new Promise((r) => child.once('exit', r));

    const lost = await client.get(job.id);
    expect(lost.status).toBe('interrupted');
    expect(lost.error).toMatchObject({ code: 'VODSR_WORKER_LOST' });
    await client.close();

    const restarted = await LocalJobService.open({ dataDir, outputRoot: outRoot, workers: true });
    const final = await waitFor(
      restarted,
      job.id,
      (j) => ['succeeded', 'failed', 'cancelled'].includes(j.status),
      120_000,
    );
    await restarted.close();
    expect(final.status, JSON.stringify(final.error)).toBe('succeeded');
    expect(final.attempts).toBe(2);
    expect(final.outputs?.notes).toEqual(
      expect.arrayContaining([expect.stringMatching(/^Attempt 1 was interrupted: .*VODSR_WORKER_LOST/)]),
    );
    const hls = ffprobe(final.outputs?.hlsMaster as string);
    expect(hls.streams.find((s) => s.codec_type === 'video')).toMatchObject({ width: 640, height: 480 });
  }, 120_000);

  it('cancels a running job: the host process stops and the job ends cancelled', async () => {
    const dir = tempDir();
    const source = makeVideo(dir, 'long.mp4', { width: 320, height: 240, seconds: 8 });
    const svc = await LocalJobService.open({ dataDir: join(dir, 'data'), outputRoot: join(dir, 'out') });
    const { job } = await svc.submit({
      source,
      model: 'lanczos-x2',
      encoder: { codec: 'libx264', preset: 'medium' },
    });
    await waitFor(svc, job.id, (j) => j.status === 'upscaling' && j.progress.percent > 0);
    const cancelled = await svc.cancel(job.id);
    expect(cancelled.status).toBe('cancelled');
    // The host ends by itself (its trap stops FFmpeg and cleans up; ~0.07 s here): well before the runner's KILL
    // after 10 s would end it. Not a fixed sleep: on a loaded 2-core CI machine the same stop took over 1.5 s.
    const deadline = Date.now() + 9_000;
    while (svc.activeCount > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(svc.activeCount, 'the host run had not ended 9 s after the cancel').toBe(0);
    expect((await svc.get(job.id)).status).toBe('cancelled');
    expect(existsSync(join(dir, 'out', job.id, 'long_sr_2x.mp4'))).toBe(false);
    await svc.close();
  });

  it('reports jobs running at a clean shutdown as interrupted, and re-queues them on the next start', async () => {
    const dir = tempDir();
    const dataDir = join(dir, 'data');
    const source = makeVideo(dir, 'long.mp4', { width: 320, height: 240, seconds: 8 });
    const first = await LocalJobService.open({ dataDir, outputRoot: join(dir, 'out'), maxAttempts: 1 });
    const { job } = await first.submit({
      source,
      model: 'lanczos-x2',
      encoder: { codec: 'libx264', preset: 'medium' },
    });
    await waitFor(first, job.id, (j) => j.status === 'upscaling' && j.progress.percent > 0);
    await first.close();

    const reader = await LocalJobService.open({ dataDir, workers: false });
    expect(await reader.get(job.id)).toMatchObject({
      status: 'interrupted',
      error: { code: 'VODSR_WORKER_LOST', details: { graceful: true } },
    });
    await reader.close();
    const second = await LocalJobService.open({ dataDir, outputRoot: join(dir, 'out'), maxAttempts: 1 });
    // maxAttempts 1 is already used up, but a clean shutdown does not count: the job is re-queued and started
    const again = await waitFor(second, job.id, (j) => j.attempts === 2 || j.status === 'failed');
    expect(again.status).not.toBe('failed');
    await second.cancel(job.id);
    await second.close();
  });
});

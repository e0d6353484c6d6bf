import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LocalJobService } from '@vodsr/api';
import { madeSourceProbe, probeSourceFile, startRunSourceProbe } from '@vodsr/api/source-probe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeVideo, tempDir } from './helpers.js';

// Issue 16 (fixed cost per job): the `vodsr` binary starts the source's ffprobe of `vodsr run <file>` before it loads
// the CLI (startRunSourceProbe), and the local backend's submit takes that probe instead of starting another one.
// The ffprobe starts are counted through a logging shim first on PATH.

describe('the source probe started before the CLI loads', () => {
  let dir: string;
  let log: string;
  let path0: string | undefined;
  const starts = () => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : []);

  beforeAll(() => {
    dir = tempDir('vodsr-early-probe-');
    const shims = join(dir, 'bin');
    mkdirSync(shims);
    log = join(dir, 'ffprobe.log');
    const real = execFileSync('sh', ['-c', 'command -v ffprobe'], { encoding: 'utf8' }).trim();
    writeFileSync(
      join(shims, 'ffprobe'),
      `#!/bin/sh\nprintf '%s\\n' "$*" >>${JSON.stringify(log)}\nexec ${JSON.stringify(real)} "$@"\n`,
    );
    chmodSync(join(shims, 'ffprobe'), 0o755);
    path0 = process.env.PATH;
    process.env.PATH = `${shims}:${path0 ?? ''}`;
  });
  afterAll(() => {
    process.env.PATH = path0;
  });

  it('`run <file>`: one ffprobe, which the submit of that file takes (no second one)', async () => {
    const clip = makeVideo(dir, 'clip.mp4', { width: 64, height: 48, seconds: 0.2, audio: false });
    startRunSourceProbe(['run', clip, '-m', 'lanczos-x2', '--json']);
    const early = madeSourceProbe(clip);
    expect(early).toBeDefined();
    const service = await LocalJobService.open({ dataDir: join(dir, 'data'), workers: false });
    try {
      const { job } = await service.submit({
        source: clip,
        model: 'lanczos-x2',
        output: join(dir, 'out', 'sr.mp4'),
      });
      expect(job.status).toBe('queued');
      // The estimate at submit comes from that probe: the clip's real size and length.
      expect(JSON.stringify(job.cost?.estimate)).toMatch(/probed with ffprobe: 64x48/);
    } finally {
      await service.close();
    }
    expect(starts().filter((s) => s.endsWith(`file:${clip}`))).toHaveLength(1);
    const json = JSON.parse((await early) as string) as { streams: { width?: number }[] };
    expect(json.streams[0]?.width).toBe(64);
  });

  it('starts nothing for another command, an option first, a URI, a folder or a missing file', () => {
    const clip = makeVideo(dir, 'other.mp4', { width: 64, height: 48, seconds: 0.2, audio: false });
    const before = starts().length;
    for (const argv of [
      ['submit', clip],
      ['run', '--json', clip],
      ['run', '-m', 'A', clip],
      ['run', `file://${clip}`],
      ['run', 's3://bucket/clip.mp4'],
      ['run', dir],
      ['run', join(dir, 'missing.mp4')],
      ['run'],
      [],
    ]) {
      startRunSourceProbe(argv);
    }
    expect(madeSourceProbe(clip)).toBeUndefined();
    expect(madeSourceProbe(dir)).toBeUndefined();
    expect(starts().length).toBe(before);
  });

  it('a file replaced after the early probe is probed again, and what is read is the new file', async () => {
    const clip = makeVideo(dir, 'changing.mp4', { width: 64, height: 48, seconds: 0.2, audio: false });
    startRunSourceProbe(['run', clip]);
    await madeSourceProbe(clip);
    const next = makeVideo(dir, 'next.mp4', { width: 96, height: 64, seconds: 0.4, audio: false });
    renameSync(next, clip);
    const probed = JSON.parse((await probeSourceFile(clip)) as string) as { streams: { width?: number }[] };
    expect(probed.streams[0]?.width).toBe(96);
    expect(starts().filter((s) => s.endsWith(`file:${clip}`))).toHaveLength(2);
  });
});

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import {
  cancelCommand,
  EXIT,
  jobFromArgs,
  listCommand,
  modelsCommand,
  presetsListCommand,
  presetsShowCommand,
  runCommand,
  serveCommand,
  statusCommand,
  submitCommand,
  watchCommand,
} from '@vodsr/cli';
import type { JobRecord } from '@vodsr/core';
import { describe, expect, it } from 'vitest';
import { makeVideo, memoryIo, submitQueued, tempDir, videoSize } from './helpers.js';

describe('vodsr models / presets', () => {
  it('lists the models and which ones this FFmpeg can run', async () => {
    const io = memoryIo();
    expect(await modelsCommand({ json: true }, io)).toBe(0);
    const { models } = JSON.parse(io.stdout.join('')) as {
      models: Array<{ id: string; availableHere: boolean }>;
    };
    expect(models.find((m) => m.id === 'lanczos-x2')?.availableHere).toBe(true);
    expect(models.find((m) => m.id === 'A')?.availableHere).toBe(false);
    const text = memoryIo();
    await modelsCommand({}, text);
    expect(text.stdout.join('\n')).toMatch(/lanczos-x2\s+ffmpeg\s+2,3,4\s+yes/);
    expect(text.stderrLines.join('\n')).toContain('Bluewhale filters not found');
  });

  it('shows a preset as MediaConvert Settings and as the FFmpeg twin', async () => {
    const mc = memoryIo();
    expect(await presetsShowCommand({ id: 'hls-single', format: 'mediaconvert' }, mc)).toBe(0);
    const settings = JSON.parse(mc.stdout.join('')) as {
      OutputGroups: Array<{ OutputGroupSettings: { Type: string } }>;
    };
    expect(settings.OutputGroups[0]?.OutputGroupSettings.Type).toBe('HLS_GROUP_SETTINGS');
    const ff = memoryIo();
    expect(
      await presetsShowCommand({ id: 'hls-ladder', format: 'ffmpeg', width: 1920, height: 1080 }, ff),
    ).toBe(0);
    expect(ff.stdout.join('')).toMatch(/^ffmpeg .*-f hls/);
    const list = memoryIo();
    expect(await presetsListCommand({ json: true }, list)).toBe(0);
    expect(JSON.parse(list.stdout.join('')).presets.map((p: { id: string }) => p.id)).toEqual([
      'hls-single',
      'hls-ladder',
      'none',
    ]);
    const bad = memoryIo();
    expect(await presetsShowCommand({ id: 'hls-nope' }, bad)).toBe(EXIT.USAGE);
    expect(bad.stderrLines[0]).toMatch(/^error: VODSR_UNKNOWN_PRESET/);
  });
});

describe('vodsr submit / status / list / cancel (local backend)', () => {
  it('queues, shows, lists and cancels jobs, with documented exit codes', async () => {
    const dir = tempDir();
    const source = makeVideo(dir, 'clip.mp4', 1);
    const g = { dataDir: join(dir, 'data'), outputDir: join(dir, 'out') };

    const sub = memoryIo();
    expect(
      await submitCommand({ ...g, input: source, model: 'lanczos-x2', idempotencyKey: 'k-1' }, sub),
    ).toBe(0);
    const id = sub.stdout[0] as string;
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    const again = memoryIo();
    await submitCommand({ ...g, input: source, model: 'lanczos-x2', idempotencyKey: 'k-1' }, again);
    expect(again.stdout[0]).toBe(id);
    expect(again.stderrLines[0]).toContain('already submitted');

    const st = memoryIo();
    expect(await statusCommand({ ...g, id, json: true }, st)).toBe(0);
    expect(JSON.parse(st.stdout.join(''))).toMatchObject({
      id,
      status: 'queued',
      spec: { source, model: 'lanczos-x2' },
    });

    const ls = memoryIo();
    expect(await listCommand({ ...g, status: ['queued'] }, ls)).toBe(0);
    expect(ls.stdout.join('\n')).toMatch(new RegExp(`${id}\\s+queued\\s+0%\\s+lanczos-x2`));

    const c = memoryIo();
    expect(await cancelCommand({ ...g, id }, c)).toBe(0);
    expect(c.stdout[0]).toBe(`job ${id} is cancelled`);
    const c2 = memoryIo();
    expect(await cancelCommand({ ...g, id }, c2)).toBe(EXIT.CONFLICT);
    expect(c2.stderrLines[0]).toMatch(/^error: VODSR_ILLEGAL_TRANSITION/);

    const nf = memoryIo();
    expect(await statusCommand({ ...g, id: 'nope', json: true }, nf)).toBe(EXIT.NOT_FOUND);
    expect(JSON.parse(nf.stdout.join('')).error.code).toBe('VODSR_JOB_NOT_FOUND');

    const bad = memoryIo();
    expect(
      await submitCommand({ ...g, input: join(dir, 'missing.mp4'), model: 'lanczos-x2', scale: 9 }, bad),
    ).toBe(EXIT.USAGE);
    expect(bad.stderrLines.join('\n')).toMatch(/\/scale: must be <= 4/);

    const badStatus = memoryIo();
    expect(await listCommand({ ...g, status: ['done'] }, badStatus)).toBe(EXIT.USAGE);
  });
});

describe('vodsr cancel: several jobs, or every job of a source prefix (a backfill)', () => {
  it('cancels exactly the selected jobs, lists them with --dry-run, and names each failure', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'catalogue'));
    mkdirSync(join(dir, 'other'));
    const g = { dataDir: join(dir, 'data'), outputDir: join(dir, 'out') };
    const submit = (path: string) => submitQueued(g, path);
    const a1 = await submit(makeVideo(join(dir, 'catalogue'), 'a1.mp4', 1));
    const a2 = await submit(makeVideo(join(dir, 'catalogue'), 'a2.mp4', 1));
    const b = await submit(makeVideo(join(dir, 'other'), 'b.mp4', 1));
    const status = async (id: string): Promise<string> => {
      const io = memoryIo();
      await statusCommand({ ...g, id, json: true }, io);
      return (JSON.parse(io.stdout.join('')) as JobRecord).status;
    };
    const prefix = `${join(dir, 'catalogue')}/`;

    const dry = memoryIo();
    expect(await cancelCommand({ ...g, sourcePrefix: prefix, dryRun: true, json: true }, dry)).toBe(0);
    expect((JSON.parse(dry.stdout.join('')) as { wouldCancel: string[] }).wouldCancel.sort()).toEqual(
      [a1, a2].sort(),
    );
    expect([await status(a1), await status(a2), await status(b)]).toEqual(['queued', 'queued', 'queued']);

    // a local prefix is taken as submit takes a source: relative to the current folder
    const sel = memoryIo();
    expect(await cancelCommand({ ...g, sourcePrefix: `${relative(process.cwd(), prefix)}/` }, sel)).toBe(0);
    expect(sel.stdout.sort()).toEqual([`job ${a1} is cancelled`, `job ${a2} is cancelled`].sort());
    expect(sel.stderrLines).toEqual(['cancelled 2 of 2 job(s)']);
    expect([await status(a1), await status(a2), await status(b)]).toEqual([
      'cancelled',
      'cancelled',
      'queued',
    ]);
    const none = memoryIo();
    expect(await cancelCommand({ ...g, sourcePrefix: prefix, status: ['queued'], json: true }, none)).toBe(0);
    expect(JSON.parse(none.stdout.join(''))).toEqual({ cancelled: [], ended: [], failed: [] });

    // named jobs: each one's failure is reported, the others are cancelled, the exit code is the failure's
    const named = memoryIo();
    expect(await cancelCommand({ ...g, ids: [b, a1, 'nope'], json: true }, named)).toBe(EXIT.CONFLICT);
    const res = JSON.parse(named.stdout.join('')) as {
      cancelled: string[];
      failed: { id: string; error: { code: string } }[];
    };
    expect(res.cancelled).toEqual([b]);
    expect(res.failed.map((f) => [f.id, f.error.code]).sort()).toEqual(
      [
        [a1, 'VODSR_ILLEGAL_TRANSITION'],
        ['nope', 'VODSR_JOB_NOT_FOUND'],
      ].sort(),
    );
    expect(await status(b)).toBe('cancelled');

    for (const [bad, message] of [
      [{}, /name the jobs/],
      [{ ids: [a1], status: ['queued'] }, /not both/],
      [{ status: ['succeeded'] }, /succeeded is final/],
      [{ status: ['done'] }, /unknown status done/],
      [{ ids: [a1], dryRun: true }, /--dry-run lists a selection/],
    ] as const) {
      const io = memoryIo();
      expect(await cancelCommand({ ...g, ...bad }, io)).toBe(EXIT.USAGE);
      expect(io.stderrLines.join('\n')).toMatch(message);
    }
  });
});

describe('vodsr run', () => {
  it("builds the job body its flags mean (jobFromArgs, also what a caller submits to run `vodsr run`'s job)", () => {
    expect(
      jobFromArgs({ input: 'in.mp4', model: 'lanczos-x2', preset: 'hls-ladder', output: 'out/' }),
    ).toEqual({
      source: 'in.mp4',
      model: 'lanczos-x2',
      output: 'out/',
      packaging: { preset: 'hls-ladder' },
    });
    expect(
      jobFromArgs({
        input: 's3://b/k.mov',
        srFile: false,
        fallback: false,
        engine: 'mediaconvert',
        scale: 2,
      }),
    ).toEqual({
      source: 's3://b/k.mov',
      model: 'A',
      modelFallback: false,
      scale: 2,
      srFile: false,
      packaging: { engine: 'mediaconvert' },
    });
  });

  it('runs a real video here, switches to the open model and says so, prints the SR file and master playlist', async () => {
    const dir = tempDir();
    const source = makeVideo(dir, 'clip.mp4', 2);
    const io = memoryIo();
    const code = await runCommand(
      { input: source, model: 'A', dataDir: join(dir, 'data'), outputDir: join(dir, 'out'), fallback: true },
      io,
    );
    expect(code, io.stderrLines.join('\n')).toBe(0);
    const err = io.stderrLines.join('\n');
    expect(err).toContain('Bluewhale filters not found: using open model lanczos-x2 — not the Bluewhale SR');
    expect(err).toMatch(/upscaling/);
    const srLine = io.stdout.find((l) => l.startsWith('SR file:')) as string;
    const hlsLine = io.stdout.find((l) => l.startsWith('HLS master playlist:')) as string;
    const srFile = srLine.replace(/^SR file:\s+/, '').replace(/ \(.*\)$/, '');
    const master = hlsLine.replace(/^HLS master playlist:\s+/, '');
    expect(videoSize(srFile)).toEqual({ width: 320, height: 240 });
    expect(readFileSync(master, 'utf8')).toMatch(/^#EXTM3U/);
    expect(videoSize(master)).toEqual({ width: 320, height: 240 });

    const strict = memoryIo();
    const failed = await runCommand(
      {
        input: source,
        model: 'B',
        fallback: false,
        dataDir: join(dir, 'data'),
        outputDir: join(dir, 'out'),
        preset: 'none',
      },
      strict,
    );
    expect(failed).toBe(EXIT.FAILED);
    expect(strict.stderrLines.join('\n')).toContain('VODSR_HOST_MISSING_FILTER');
  });
});

describe('vodsr serve + --api', () => {
  it('serves the API; submit, watch and status go through it over HTTP', async () => {
    const dir = tempDir();
    const source = makeVideo(dir, 'clip.mp4', 1);
    const token = 'cli-test-token-0123456789';
    const ac = new AbortController();
    const serveIo = memoryIo();
    let url = '';
    const listening = new Promise<void>((resolve) => {
      void serveCommand(
        {
          dataDir: join(dir, 'data'),
          outputDir: join(dir, 'out'),
          inputRoot: [dir], // served jobs read only under their roots (default: the current folder)
          token,
          port: 0,
          host: '127.0.0.1',
        },
        serveIo,
        ac.signal,
        (u) => {
          url = u;
          resolve();
        },
      ).then((code) => expect(code).toBe(0));
    });
    await listening;
    expect(serveIo.stderrLines[0]).toMatch(/listening on http:\/\/127\.0\.0\.1:\d+/);
    const g = { api: url, token };
    // The viewer is served with the API; its pages need no token (job data still does).
    const viewer = await fetch(`${url}/viewer`);
    expect(viewer.status).toBe(200);
    expect(viewer.headers.get('content-type')).toMatch(/text\/html/);
    expect(await viewer.text()).toMatch(/<script[^>]+\/viewer\/assets\/viewer\.js/);
    expect((await fetch(`${url}/v1/jobs`)).status).toBe(401);

    const noToken = memoryIo();
    expect(await listCommand({ api: url }, noToken)).toBe(EXIT.UNAVAILABLE);
    expect(noToken.stderrLines[0]).toMatch(/^error: VODSR_UNAUTHORIZED/);

    const sub = memoryIo();
    expect(await submitCommand({ ...g, input: source, model: 'lanczos-x2', preset: 'none' }, sub)).toBe(0);
    const id = sub.stdout[0] as string;
    const w = memoryIo();
    expect(await watchCommand({ ...g, id, json: true }, w)).toBe(0);
    const final = JSON.parse(w.stdout.join('')) as JobRecord;
    expect(final.status).toBe('succeeded');
    expect(existsSync(final.outputs?.srFile as string)).toBe(true);
    const bad = memoryIo();
    expect(await submitCommand({ ...g, input: source, model: 'nope' }, bad)).toBe(EXIT.USAGE);
    expect(bad.stderrLines.join('\n')).toMatch(/\/model: Unknown SR model "nope"/);
    ac.abort();
  });

  it('refuses to serve without a token unless --no-auth', async () => {
    const io = memoryIo();
    const code = await serveCommand({ dataDir: tempDir() }, io, AbortSignal.abort());
    expect(code).toBe(EXIT.USAGE);
    expect(io.stderrLines.join('\n')).toMatch(/\/token: set a bearer token/);
    const remote = memoryIo();
    expect(
      await serveCommand(
        { dataDir: tempDir(), auth: false, host: '0.0.0.0', port: 0 },
        remote,
        AbortSignal.abort(),
      ),
    ).toBe(EXIT.USAGE);
    expect(remote.stderrLines.join('\n')).toMatch(/loopback/);
  });
});

describe('vodsr host-command', () => {
  it('prints the SSM commands for a job file, with the job as base64 (no shell string from the key)', async () => {
    const dir = tempDir();
    const jobFile = join(dir, 'job.json');
    writeFileSync(
      jobFile,
      JSON.stringify({
        source: "s3://in-bucket/it's $(rm -rf) a.mp4",
        output: 's3://out-bucket/',
        model: 'A',
      }),
    );
    const { hostCommandCommand } = await import('@vodsr/cli');
    const io = memoryIo();
    expect(await hostCommandCommand({ job: jobFile, json: true }, io)).toBe(0);
    const out = JSON.parse(io.stdout.join('')) as {
      hostJob: { output: string; vf: string };
      commands: string[];
    };
    expect(out.hostJob.output).toBe("s3://out-bucket/it's $(rm -rf) a_sr_2x.mp4");
    expect(out.commands).toHaveLength(1);
    expect(out.commands[0]).toMatch(/^exec '\/opt\/vodsr\/bin\/vodsr-host' run --job-b64=[A-Za-z0-9+/=]+$/);
    expect(out.hostJob.vf).toBe('bdnvx_aws,bdsr_coupang_aws,noise=c0s=8:allf=t+u');
    expect(out.commands.join('\n')).not.toContain('$(rm -rf)');
    const missing = memoryIo();
    writeFileSync(jobFile, JSON.stringify({ source: 's3://in-bucket/a.mp4' }));
    expect(await hostCommandCommand({ job: jobFile }, missing)).toBe(EXIT.USAGE);
  });
});

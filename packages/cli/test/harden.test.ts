import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { makeVideo, tempDir, until } from './helpers.js';

// Issue 13 (items 1, 3, 4, 5): the compiled CLI, over real HTTP and real signals; assertions on HTTP bodies,
// files and /proc. Generous timeouts, no timed assertions: the machine is shared and loaded.

const bin = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'bundle', 'vodsr.js');
const TOKEN = 'harden-test-token-0123456789';
const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
const children: ChildProcess[] = [];
const QUIET_RUNNER = { VODSR_PROGRESS_STEP: '100' };

/** The parts of a job record and problem body these tests read. */
interface JobJson {
  id: string;
  status: string;
  attempts: number;
  code?: string;
  issues?: Array<{ path: string; message: string }>;
  spec?: { source: string };
  error?: { code: string };
  outputs?: { notes?: string[] };
}

afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

/** Starts `vodsr serve` (compiled) in `dir`; resolves once it listens. */
async function serve(
  dir: string,
  args: string[] = [],
  env: Record<string, string> = {},
): Promise<{ url: string; proc: ChildProcess; err: () => string }> {
  let err = '';
  const proc = spawn(
    process.execPath,
    [
      bin,
      'serve',
      '--port',
      '0',
      '--data-dir',
      join(dir, 'state'),
      '--output-dir',
      join(dir, 'out'),
      ...args,
    ],
    { cwd: dir, env: { ...process.env, VODSR_TOKEN: TOKEN, ...env }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  children.push(proc);
  proc.stderr?.setEncoding('utf8');
  proc.stderr?.on('data', (d: string) => {
    err += d;
  });
  const url = await until(
    'vodsr serve to listen',
    () => /listening on (http:\/\/\S+)/.exec(err)?.[1],
    60_000,
  );
  return { url, proc, err: () => err };
}

async function submit(url: string, body: unknown): Promise<{ status: number; type: string; json: JobJson }> {
  const res = await fetch(`${url}/v1/jobs`, { method: 'POST', headers: auth, body: JSON.stringify(body) });
  return {
    status: res.status,
    type: res.headers.get('content-type') ?? '',
    json: (await res.json()) as JobJson,
  };
}

async function getJob(url: string, id: string): Promise<JobJson> {
  return (await (await fetch(`${url}/v1/jobs/${id}`, { headers: auth })).json()) as JobJson;
}

/** Processes (pid → cmdline) whose environment names this test's folder: the job's runner and its ffmpeg. */
function jobProcesses(dir: string): Map<number, string> {
  const found = new Map<number, string>();
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const env = readFileSync(`/proc/${e}/environ`, 'latin1');
      if (!env.includes(`VODSR_WORK_ROOT=${dir}`)) continue;
      found.set(Number(e), readFileSync(`/proc/${e}/cmdline`, 'latin1').replace(/\0/g, ' '));
    } catch {
      // gone, or not ours
    }
  }
  return found;
}

/** Every file and folder below `root` (relative paths). */
function walk(root: string): string[] {
  if (!existsSync(root)) return [];
  const out: string[] = [];
  const go = (d: string, rel: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      out.push(r);
      if (e.isDirectory()) go(join(d, e.name), r);
    }
  };
  go(root, '');
  return out;
}

describe('vodsr serve: input and output roots (issue 13.1)', () => {
  it('refuses sources outside the roots, special files and escaping symlinks with 400 naming the rule', async () => {
    const dir = tempDir();
    const media = join(dir, 'media');
    const outside = join(dir, 'outside');
    mkdirSync(media);
    mkdirSync(outside);
    const inside = makeVideo(media, 'clip.mp4');
    const secret = makeVideo(outside, 'secret.mp4');
    symlinkSync('/etc/passwd', join(media, 'passwd.mp4'));
    symlinkSync(secret, join(media, 'escape.mp4'));
    execFileSync('mkfifo', [join(media, 'fifo.mp4')]);
    const { url, err } = await serve(dir, ['--input-root', media, '--slots', '0']);
    expect(err()).toContain(`jobs read local sources only under: ${media}`);

    const cases: Array<[unknown, RegExp]> = [
      ['/etc/passwd', /outside the input roots/],
      ['file:///etc/hostname', /outside the input roots/],
      ['/proc/self/environ', /special file system/],
      [join(media, 'passwd.mp4'), /symlink that leaves the input roots/],
      [join(media, 'escape.mp4'), /symlink that leaves the input roots/],
      [join(media, 'fifo.mp4'), /is a FIFO/],
    ];
    for (const [source, rule] of cases) {
      const res = await submit(url, { source, model: 'lanczos-x2' });
      expect(res.status, String(source)).toBe(400);
      expect(res.type).toMatch(/^application\/problem\+json/);
      expect(res.json.code).toBe('VODSR_VALIDATION');
      expect(res.json.issues).toEqual([{ path: '/source', message: expect.stringMatching(rule) }]);
    }
    const elsewhere = await submit(url, {
      source: inside,
      model: 'lanczos-x2',
      output: join(dir, 'elsewhere/'),
    });
    expect(elsewhere.status).toBe(400);
    expect(elsewhere.json.issues).toEqual([
      { path: '/output', message: expect.stringMatching(/outside the output root/) },
    ]);

    const ok = await submit(url, { source: inside, model: 'lanczos-x2' });
    expect(ok.status).toBe(201);
    expect(ok.json.spec?.source).toBe(inside);
  }, 180_000);

  it('serves signed media only for validated media', async () => {
    const dir = tempDir();
    const media = join(dir, 'media');
    mkdirSync(media);
    const inside = makeVideo(media, 'clip.mp4');
    const { url } = await serve(dir, ['--input-root', media, '--slots', '0']);
    const { json } = await submit(url, { source: inside, model: 'lanczos-x2' });
    const mediaRes = await fetch(`${url}/v1/jobs/${json.id}/media`, { headers: auth });
    const links = (await mediaRes.json()) as { source: { url: string } };
    const res = await fetch(`${url}${links.source.url}`);
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).equals(readFileSync(inside))).toBe(true);
    // the file swapped for a symlink out of the root after submit: the same signed link serves nothing
    rmSync(inside);
    symlinkSync('/etc/passwd', inside);
    const swapped = await fetch(`${url}${links.source.url}`);
    expect(swapped.status).toBe(404);
    expect(await swapped.text()).not.toContain('root:');
  }, 180_000);
});

describe('vodsr serve: one bad job (issue 13.3)', () => {
  it('fails a job that fails inside the executor with its real code and runs the next one', async () => {
    const dir = tempDir();
    const bad = join(dir, 'not-a-video.mp4');
    writeFileSync(bad, 'this is no video\n'.repeat(100));
    const long = makeVideo(dir, `${'n'.repeat(240)}.mp4`);
    const good = makeVideo(dir, 'good.mp4');
    const { url, proc } = await serve(dir);
    const a = await submit(url, { source: bad, model: 'lanczos-x2' });
    const b = await submit(url, { source: long, model: 'lanczos-x2', packaging: { preset: 'none' } });
    const c = await submit(url, { source: good, model: 'lanczos-x2', packaging: { preset: 'none' } });
    expect([a.status, b.status, c.status]).toEqual([201, 201, 201]);
    const final = async (id: string) =>
      until(`job ${id} to end`, async () => {
        const j = await getJob(url, id);
        return ['succeeded', 'failed', 'cancelled'].includes(j.status) ? j : undefined;
      });
    const ja = await final(a.json.id);
    expect(ja).toMatchObject({ status: 'failed', attempts: 1, error: { code: 'VODSR_HOST_PROBE_FAILED' } });
    const jb = await final(b.json.id);
    expect(jb).toMatchObject({ status: 'succeeded', attempts: 1 });
    const jc = await final(c.json.id);
    expect(jc).toMatchObject({ status: 'succeeded', attempts: 1 });
    expect(proc.exitCode).toBeNull();
  }, 400_000);
});

describe('vodsr serve: no orphans after a crash (issue 13.4)', () => {
  it('ends attempt 1 runner and ffmpeg when the server is killed -9; the job resumes at attempt 2', async () => {
    const dir = tempDir();
    // a job of minutes (720p → 1440p): attempt 1 cannot simply finish while the test watches
    const source = makeVideo(dir, 'long.mp4', 120, '1280x720');
    // progress only at 100 %: the runner writes nothing while upscaling, so the dead owner's closed pipe never
    // reaches it (SIGPIPE) — what the issue saw: only the process group's watchdog or the recovery can end it
    const first = await serve(dir, [], QUIET_RUNNER);
    const { json } = await submit(first.url, { source, model: 'lanczos-x2', packaging: { preset: 'none' } });
    const running = await until('the runner and its ffmpeg', () => {
      const p = jobProcesses(dir);
      const cmds = [...p.values()];
      // the upscaling FFmpeg (with -progress), not the runner's quick `ffmpeg -filters` check at start
      return cmds.some((c) => c.includes('vodsr-host')) && cmds.some(isUpscaler) ? p : undefined;
    });
    first.proc.kill('SIGKILL');
    const alive = () => [...running.keys()].filter((pid) => existsSync(`/proc/${pid}`) && !isZombie(pid));
    await until('attempt 1 processes to end', () => (alive().length === 0 ? true : undefined));
    expect(alive()).toEqual([]);

    const second = await serve(dir);
    const resumed = await until('attempt 2', async () => {
      const j = await getJob(second.url, json.id);
      return j.attempts >= 2 ? j : undefined;
    });
    expect(resumed.attempts).toBe(2);
    expect(resumed.outputs?.notes?.join(' ')).toMatch(/Attempt 1 was interrupted/);
  }, 400_000);
});

describe('vodsr serve: crash recovery ends a lost attempt (issue 13.4)', () => {
  it('kills the recorded process group of attempt 1 before attempt 2 when its watchdog is gone too', async () => {
    const dir = tempDir();
    // a job of minutes (720p → 1440p): attempt 1 cannot simply finish while the test watches
    const source = makeVideo(dir, 'long.mp4', 120, '1280x720');
    // progress only at 100 %: the runner writes nothing while upscaling, so the dead owner's closed pipe never
    // reaches it (SIGPIPE) — what the issue saw: only the process group's watchdog or the recovery can end it
    const first = await serve(dir, [], QUIET_RUNNER);
    const { json } = await submit(first.url, { source, model: 'lanczos-x2', packaging: { preset: 'none' } });
    const running = await until('the runner and its ffmpeg', () => {
      const p = jobProcesses(dir);
      return [...p.values()].some(isUpscaler) ? p : undefined;
    });
    const runnerPid = [...running].find(([, c]) => c.includes('vodsr-host'))?.[0] as number;
    // the watchdog of that runner's group: killed together with the server (the worst case)
    const watchdogs = readdirSync('/proc').filter((e) => {
      try {
        const cmd = readFileSync(`/proc/${e}/cmdline`, 'latin1');
        return /^\d+$/.test(e) && cmd.includes('\0vodsr-watchdog\0') && cmd.endsWith(`\0${runnerPid}\0`);
      } catch {
        return false;
      }
    });
    expect(watchdogs).toHaveLength(1);
    process.kill(Number(watchdogs[0]), 'SIGKILL'); // first, or it sees the server die and ends the group
    first.proc.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 1500));
    expect(existsSync(`/proc/${runnerPid}`)).toBe(true); // nobody ended it yet

    const second = await serve(dir);
    await until('attempt 1 processes to end', () =>
      [...running.keys()].every((pid) => !existsSync(`/proc/${pid}`) || isZombie(pid)) ? true : undefined,
    );
    const resumed = await until('attempt 2', async () => {
      const j = await getJob(second.url, json.id);
      return j.attempts >= 2 ? j : undefined;
    });
    expect(resumed.attempts).toBe(2);
  }, 400_000);
});

/** The upscaling FFmpeg of a runner (it reports through -progress). */
function isUpscaler(cmdline: string): boolean {
  return cmdline.startsWith('ffmpeg') && cmdline.includes(' -progress ');
}

function isZombie(pid: number): boolean {
  try {
    return / Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\)/, ')'));
  } catch {
    return true;
  }
}

describe('vodsr run: Ctrl-C leaves no files (issue 13.5)', () => {
  const runUntil = async (
    dir: string,
    source: string,
    ready: () => boolean,
    preset: string,
    extra: readonly string[] = [],
  ) => {
    const proc = spawn(
      process.execPath,
      [
        bin,
        'run',
        source,
        '--preset',
        preset,
        ...extra,
        '--data-dir',
        join(dir, 'state'),
        '--output-dir',
        join(dir, 'out'),
      ],
      { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    children.push(proc);
    const exit = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)));
    await until('the stage to start', () => (ready() ? true : undefined), 300_000);
    proc.kill('SIGINT');
    return exit;
  };

  it('while upscaling: exits 130 and leaves no work dir and no output', async () => {
    const dir = tempDir();
    const source = makeVideo(dir, 'long.mp4', 60, '320x240');
    const work = join(dir, 'state', 'work');
    const code = await runUntil(
      dir,
      source,
      () => walk(work).filter((p) => p.split('/').length >= 3).length > 0,
      'hls-single',
    );
    expect(code).toBe(130);
    expect(walk(work)).toEqual([]);
    expect(walk(join(dir, 'out', 'jobs'))).toEqual([]);
  }, 400_000);

  it('while packaging: exits 130 and leaves no SR file and no hls/ folder', async () => {
    const dir = tempDir();
    const source = makeVideo(dir, 'clip.mp4', 40, '320x240');
    const out = join(dir, 'out', 'jobs');
    const code = await runUntil(
      dir,
      source,
      () => walk(out).some((p) => /\/hls\/.+\.ts$/.test(p)),
      'hls-ladder',
      // packaging as its own stage after the SR file (the host engine packages inside the SR pass)
      ['--engine', 'mediaconvert'],
    );
    expect(code).toBe(130);
    expect(walk(out)).toEqual([]);
    expect(walk(join(dir, 'state', 'work'))).toEqual([]);
  }, 400_000);
});

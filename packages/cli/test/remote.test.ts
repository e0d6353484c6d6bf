import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { makeVideo, tempDir, until, videoSize } from './helpers.js';

// Issue 15 item 10 and issue 11 (`vodsr fleet`): the compiled CLI as a client of a real `vodsr serve` that runs
// in ANOTHER folder, over real HTTP. Generous timeouts, no timed assertions: the machine is shared and loaded.

const exec = promisify(execFile);
const bin = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'bundle', 'vodsr.js');
const TOKEN = 'remote-test-token-0123456789';
const auth = { authorization: `Bearer ${TOKEN}` };
const children: ChildProcess[] = [];
/** The environment without the caller's VODSR_* variables. */
const baseEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VODSR_')));

interface JobJson {
  id: string;
  status: string;
  spec: { source: string; model: string; modelFallback?: boolean };
  outputs?: { notes?: string[]; srFile?: string; modelUsed?: string };
  error?: { code: string; message: string };
}

interface FleetJson {
  hosts: Array<{
    instanceId: string;
    state: string;
    slots: Array<{ slot: number; state: string; jobId?: string }>;
  }>;
  queues: Record<string, { visible: number; inFlight: number; deadLetters: number }>;
  waitingJobs: number;
}

afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

/** Starts the compiled `vodsr serve` with `cwd` as its working folder; resolves with its URL once it listens. */
async function serve(cwd: string, args: string[]): Promise<string> {
  let err = '';
  const proc = spawn(
    process.execPath,
    [
      bin,
      'serve',
      '--port',
      '0',
      '--data-dir',
      join(cwd, 'state'),
      '--output-dir',
      join(cwd, 'out'),
      ...args,
    ],
    { cwd, env: { ...baseEnv, VODSR_TOKEN: TOKEN }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  children.push(proc);
  proc.stderr?.setEncoding('utf8');
  proc.stderr?.on('data', (d: string) => {
    err += d;
  });
  return until('vodsr serve to listen', () => /listening on (http:\/\/\S+)/.exec(err)?.[1], 90_000);
}

/** Runs the compiled CLI in `cwd` (a client folder, not the server's). */
async function vodsr(cwd: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return exec(process.execPath, [bin, ...args], { cwd, env: { ...baseEnv, VODSR_TOKEN: TOKEN } }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => ({
      code: e.code,
      stdout: e.stdout,
      stderr: e.stderr,
    }),
  );
}

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url, { headers: auth });
  return (await res.json()) as T;
}

async function finalJob(url: string, id: string): Promise<JobJson> {
  return until(`job ${id} to finish`, async () => {
    const j = await getJson<JobJson>(`${url}/v1/jobs/${id}`);
    return ['succeeded', 'failed', 'cancelled'].includes(j.status) ? j : undefined;
  });
}

describe('vodsr submit --api: local paths and the open-model fallback (issue 15.10)', () => {
  it('sends a relative path as the absolute path of the caller, and the server falls back to the open model', async () => {
    const root = tempDir('vodsr-remote-');
    const server = join(root, 'server');
    const client = join(root, 'client');
    mkdirSync(server);
    mkdirSync(client);
    makeVideo(client, 'clip.mp4', 2, '160x120');
    const url = await serve(server, ['--input-root', client]);

    // `clip.mp4` is in the client's folder, not the server's: before, the server looked in its own folder (400)
    const r = await vodsr(client, ['submit', 'clip.mp4', '--api', url]);
    expect(r.stderr).not.toContain('VODSR_VALIDATION');
    expect(r.code).toBe(0);
    const id = r.stdout.trim();
    // the server's fallback decision, reported by the client as the in-process CLI does
    expect(r.stderr).toContain(
      'Bluewhale filters not found: using open model lanczos-x2 — not the Bluewhale SR',
    );

    const job = await finalJob(url, id);
    expect(job.spec.source).toBe(join(client, 'clip.mp4'));
    expect(job.spec.model).toBe('lanczos-x2');
    expect(job.status).toBe('succeeded');
    expect(job.outputs?.notes).toContain(
      'Bluewhale filters not found: using open model lanczos-x2 — not the Bluewhale SR',
    );
    expect(job.outputs?.srFile).toBeDefined();
    expect(videoSize(job.outputs?.srFile as string)).toEqual({ width: 320, height: 240 });
  }, 300_000);

  it('refuses a relative path that is no file here (exit 2, coded), before anything reaches the server', async () => {
    const root = tempDir('vodsr-remote-');
    const client = join(root, 'client');
    mkdirSync(client);
    // the file exists in the SERVER's folder only: the old client sent `clip.mp4` and the server took its own
    makeVideo(root, 'clip.mp4', 1, '160x120');
    const url = await serve(root, ['--input-root', root, '--slots', '0']);
    const r = await vodsr(client, ['submit', 'clip.mp4', '--api', url, '--json']);
    expect(r.code).toBe(2);
    const body = JSON.parse(r.stdout) as {
      error: { code: string; issues: Array<{ path: string; message: string }> };
    };
    expect(body.error.code).toBe('VODSR_VALIDATION');
    expect(body.error.issues[0]).toEqual({
      path: '/source',
      message: `no such file here: ${join(client, 'clip.mp4')} (a relative path is resolved in this directory, then sent to the API as an absolute path)`,
    });
    const page = await getJson<{ jobs: JobJson[] }>(`${url}/v1/jobs`);
    expect(page.jobs).toEqual([]);
  }, 180_000);

  it('--no-fallback reaches the server: model A stays A and fails with the missing-filter code', async () => {
    const root = tempDir('vodsr-remote-');
    makeVideo(root, 'clip.mp4', 1, '160x120');
    const url = await serve(root, ['--input-root', root]);
    const r = await vodsr(root, ['submit', 'clip.mp4', '--api', url, '--no-fallback']);
    expect(r.code).toBe(0);
    expect(r.stderr).not.toContain('Bluewhale filters not found');
    const job = await finalJob(url, r.stdout.trim());
    expect(job.spec).toMatchObject({ model: 'A', modelFallback: false });
    expect(job.status).toBe('failed');
    expect(job.error?.code).toBe('VODSR_HOST_MISSING_FILTER');
  }, 300_000);
});

describe('vodsr fleet (compiled) against `vodsr serve --hosts 2 --slots 2`', () => {
  it('shows both hosts with their slots, a running job on its slot, and the queues; --json is core’s shape', async () => {
    const root = tempDir('vodsr-fleet-');
    // long enough to be seen running: 20 s at 640x480 upscaled ×2
    makeVideo(root, 'long.mp4', 20, '640x480');
    const url = await serve(root, ['--hosts', '2', '--slots', '2', '--input-root', root]);

    const idle = await vodsr(root, ['fleet', '--api', url, '--json']);
    expect(idle.code).toBe(0);
    const f0 = JSON.parse(idle.stdout) as FleetJson;
    expect(f0.hosts).toHaveLength(2);
    for (const h of f0.hosts)
      expect(h.slots.map((s) => [s.slot, s.state])).toEqual([
        [0, 'free'],
        [1, 'free'],
      ]);
    expect(Object.keys(f0.queues).sort()).toEqual(['bulk', 'interactive']);
    expect(f0.queues.interactive).toMatchObject({ visible: 0, inFlight: 0, deadLetters: 0 });
    expect(f0.waitingJobs).toBe(0);

    const sub = await vodsr(root, ['submit', 'long.mp4', '--api', url, '-m', 'lanczos-x2', '-p', 'none']);
    expect(sub.code).toBe(0);
    const id = sub.stdout.trim();
    // poll the API (cheap) until the job holds a slot, then ask the binary: it must name the job on that slot
    await until('the job to run on a slot', async () => {
      const f = await getJson<FleetJson>(`${url}/v1/fleet`);
      return f.hosts.some((h) => h.slots.some((s) => s.state === 'running' && s.jobId === id))
        ? true
        : undefined;
    });
    const busy = await vodsr(root, ['fleet', '--api', url, '--json']);
    const f1 = JSON.parse(busy.stdout) as FleetJson;
    const slots = f1.hosts.flatMap((h) => h.slots);
    expect(slots.filter((s) => s.jobId === id)).toHaveLength(1);
    expect(slots.filter((s) => s.state === 'free')).toHaveLength(3);

    const text = await vodsr(root, ['fleet', '--api', url]);
    expect(text.code).toBe(0);
    const lines = text.stdout.trim().split('\n');
    expect(lines.filter((l) => /^\S+: \w+/.test(l))).toHaveLength(2);
    expect(lines.filter((l) => /^ {2}slot \d: /.test(l))).toHaveLength(4);
    expect(lines.some((l) => l === `  slot ${slots.find((s) => s.jobId === id)?.slot}: running ${id}`)).toBe(
      true,
    );
    expect(lines).toContain('queue interactive: 0 waiting, 0 being answered, 0 dead letters');
    expect(lines).toContain('jobs waiting for a host: 0');

    expect((await vodsr(root, ['cancel', id, '--api', url])).code).toBe(0);
  }, 300_000);

  it('says there is no fleet (exit 1) on a server without one', async () => {
    const root = tempDir('vodsr-fleet-');
    const url = await serve(root, ['--slots', '0']);
    const r = await vodsr(root, ['fleet', '--api', url]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no fleet here');
  }, 120_000);
});

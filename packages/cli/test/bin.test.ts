import { execFile } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { makeVideo, tempDir, videoSize } from './helpers.js';

const run = promisify(execFile);
const bin = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'bin', 'vodsr.js');

describe('the compiled vodsr binary', () => {
  it('prints --help with every command, examples and the exit codes', async () => {
    expect(existsSync(bin), `build the cli first (npx nx run cli:build): ${bin}`).toBe(true);
    const { stdout } = await run(process.execPath, [bin, '--help']);
    for (const c of [
      'run <input>',
      'submit [input]',
      'status <id>',
      'list',
      'watch <id>',
      'cancel <id>',
      'models',
      'presets <command>',
      'host-command <job>',
      'serve',
    ]) {
      expect(stdout).toContain(`vodsr ${c}`);
    }
    expect(stdout).toContain('Exit codes: 0 ok');
    expect(stdout).toContain('Examples:');
    const bad = await run(process.execPath, [bin, 'frobnicate']).catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect(bad).toMatchObject({ code: 2 });
    expect((bad as { stderr: string }).stderr).toMatch(/Unknown argument: frobnicate/);
  });

  it('reads ./vodsr.config.json, with flags winning over it', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'vodsr.config.json'), JSON.stringify({ dataDir: 'from-config' }));
    const { stdout } = await run(process.execPath, [bin, 'list', '--json'], { cwd: dir });
    expect(JSON.parse(stdout)).toEqual({ jobs: [] });
    expect(existsSync(join(dir, 'from-config', 'jobs.db'))).toBe(true);
    await run(process.execPath, [bin, 'list', '--data-dir', 'from-flag'], { cwd: dir });
    expect(existsSync(join(dir, 'from-flag', 'jobs.db'))).toBe(true);
  });

  it('runs a job end to end (vodsr run) with config from the environment', async () => {
    const dir = tempDir();
    const source = makeVideo(dir, 'clip.mp4', 2);
    const { stdout, stderr } = await run(process.execPath, [bin, 'run', source, '--preset', 'hls-single'], {
      cwd: dir,
      env: { ...process.env, VODSR_DATA_DIR: join(dir, 'state'), VODSR_OUTPUT_DIR: join(dir, 'results') },
    });
    expect(stderr).toContain('Bluewhale filters not found: using open model lanczos-x2');
    const master = /HLS master playlist: (.+)/.exec(stdout)?.[1] as string;
    expect(master.startsWith(join(dir, 'results', 'jobs'))).toBe(true);
    expect(videoSize(master)).toEqual({ width: 320, height: 240 });
    expect(existsSync(join(dir, 'state', 'jobs.db'))).toBe(true);
  });

  it('runs a source with a 250-byte file name: the SR name is shortened, never an uncaught error', async () => {
    const dir = tempDir();
    const name = `${'n'.repeat(246)}.mp4`; // 250 bytes: the default SR name would be 256
    const source = makeVideo(dir, name, 1);
    const { stdout } = await run(process.execPath, [bin, 'run', source, '--preset', 'none', '--json'], {
      cwd: dir,
      env: { ...process.env, VODSR_DATA_DIR: join(dir, 'state'), VODSR_OUTPUT_DIR: join(dir, 'results') },
    });
    const job = JSON.parse(stdout) as {
      status: string;
      spec: { srName: string };
      outputs: { srFile: string };
    };
    expect(job.status).toBe('succeeded');
    expect(Buffer.byteLength(job.spec.srName)).toBeLessThanOrEqual(255);
    expect(job.spec.srName).toMatch(/^n+~[0-9a-f]{10}\.mp4$/);
    expect(videoSize(job.outputs.srFile)).toEqual({ width: 320, height: 240 });
  });
});

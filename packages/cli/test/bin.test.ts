import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { makeVideo, tempDir, videoSize } from './helpers.js';

const run = promisify(execFile);
const bin = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'bundle', 'vodsr.js');

/**
 * The module files a command resolves (ESM `resolve` hook, registered with `--import`): how much the binary reads
 * before it does anything. Unbundled, `vodsr run` resolved ~860 (typebox alone 683).
 */
async function modulesResolved(args: string[], cwd: string): Promise<{ files: string[]; code: number }> {
  const dir = tempDir('vodsr-hook-');
  const log = join(dir, 'resolved.txt');
  writeFileSync(
    join(dir, 'hooks.mjs'),
    `import { appendFileSync } from 'node:fs';\nexport async function resolve(s, c, next) {\n` +
      `  const r = await next(s, c);\n  appendFileSync(${JSON.stringify(log)}, r.url + '\\n');\n  return r;\n}\n`,
  );
  writeFileSync(
    join(dir, 'register.mjs'),
    `import { register } from 'node:module';\nregister(${JSON.stringify(`file://${join(dir, 'hooks.mjs')}`)});\n`,
  );
  const r = await run(process.execPath, ['--import', join(dir, 'register.mjs'), bin, ...args], {
    cwd,
    env: { ...process.env, VODSR_DATA_DIR: join(cwd, '.vodsr') },
  }).then(
    () => 0,
    (e: { code: number }) => e.code,
  );
  const files = existsSync(log)
    ? [...new Set(readFileSync(log, 'utf8').split('\n'))].filter((u) => u.startsWith('file:'))
    : [];
  return { files, code: r };
}

describe('the compiled vodsr binary', () => {
  it('starts from its bundle: a handful of module files, not the packages they were built from', async () => {
    const dir = tempDir();
    const version = await modulesResolved(['--version'], dir);
    expect(version.code).toBe(0);
    expect(version.files.length).toBeLessThanOrEqual(5);
    // A local `run` loads the local backend (database, in-process workflow) and fails at submit: no such file.
    const runs = await modulesResolved(['run', 'missing.mp4', '--json'], dir);
    expect(runs.code).toBe(2);
    expect(runs.files.length).toBeGreaterThan(version.files.length);
    expect(runs.files.length).toBeLessThanOrEqual(40);
    const unbundled = runs.files.filter((u) =>
      /\/(typebox|yargs|@vodsr)\/|\/packages\/(?!cli\/dist\/bundle\/)/.test(u),
    );
    expect(unbundled).toEqual([]);
    // Neither the HTTP server nor the AWS SDK is loaded by a local run.
    expect(runs.files.filter((u) => /\/(fastify|@fastify|@aws-sdk)\//.test(u))).toEqual([]);
  });

  it('builds string-width’s Intl.Segmenter only when a width is asked for (help), not on every start', async () => {
    // A preload that counts Intl.Segmenter constructions (string-width makes one, and \p{RGI_Emoji} regular
    // expressions, in its module body: ~30 ms of every start before the bundle made it lazy).
    const dir = tempDir();
    const hook = join(dir, 'count-segmenters.mjs');
    writeFileSync(
      hook,
      'const S = Intl.Segmenter;\n' +
        'Intl.Segmenter = class extends S { constructor(...a) { super(...a); process.stderr.write("[segmenter]\\n"); } };\n',
    );
    const segmenters = async (args: string[]) => {
      const r = await run(process.execPath, ['--import', hook, bin, ...args], {
        cwd: dir,
        env: { ...process.env, VODSR_DATA_DIR: join(dir, '.vodsr') },
      });
      return { out: r.stdout, made: r.stderr.split('\n').filter((l) => l === '[segmenter]').length };
    };
    const version = await segmenters(['--version']);
    expect(version.out.trim()).toMatch(/^\d+\.\d+\.\d+/);
    expect(version.made).toBe(0);
    const help = await segmenters(['run', '--help']);
    expect(help.out).toContain('vodsr run <input>');
    expect(help.made).toBeGreaterThan(0);
  });

  it('leaves asl-validator (and ajv) out of the bundle; a StateMachine that asks to validate gets a coded error', async () => {
    const dir = dirname(bin);
    const code = readdirSync(dir).filter((f) => f.endsWith('.js'));
    const text = code.map((f) => readFileSync(join(dir, f), 'utf8')).join('\n');
    // The in-process workflow runs with noValidate: the validator's modules are not loaded on every `vodsr run`.
    expect(text).toContain('aws-local-stepfunctions');
    expect(text).not.toMatch(/asl-validator\/dist\/src\/validator|node_modules\/ajv\/dist\/ajv\.js/);
    const shimUrl = new URL('../scripts/noAslValidator.mjs', import.meta.url).href;
    const shim = (await import(shimUrl)) as { default: () => unknown };
    expect(() => shim.default()).toThrow(expect.objectContaining({ code: 'VODSR_INTERNAL' }));
    expect(() => shim.default()).toThrow(/noValidate/);
  });

  it('prints --help with every command, examples and the exit codes', async () => {
    expect(existsSync(bin), `build the cli first (npx nx run cli:build): ${bin}`).toBe(true);
    const { stdout } = await run(process.execPath, [bin, '--help']);
    for (const c of [
      'run <input>',
      'submit [input]',
      'status <id>',
      'list',
      'watch <id>',
      'cancel [ids..]',
      'retry [ids..]',
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

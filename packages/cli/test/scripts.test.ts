import { execFile } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { tempDir } from './helpers.js';

const run = promisify(execFile);
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** A PATH holding only the basic tools a script needs, without ffmpeg, ffprobe and jq. */
function barePath(dir: string): string {
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  for (const tool of ['bash', 'env', 'id', 'uname', 'cat', 'printf']) {
    for (const d of ['/usr/bin', '/bin']) {
      try {
        symlinkSync(join(d, tool), join(bin, tool));
        break;
      } catch {
        // not in this directory (or already linked)
      }
    }
  }
  return bin;
}

describe('the set-up scripts (README commands)', () => {
  it('ensure-deps names the missing tools and the exact install command, and fails, when it may not install', async () => {
    const dir = tempDir();
    const err = await run('/bin/bash', [join(root, 'scripts', 'ensure-deps.sh'), '--no-browser'], {
      env: { PATH: barePath(dir), VODSR_NO_INSTALL: '1' },
    }).catch((e: { code: number; stderr: string }) => e);
    expect('code' in err ? err.code : 0).toBe(1);
    const stderr = 'stderr' in err ? err.stderr : '';
    expect(stderr).toMatch(/^vodsr: missing system tools: .*\bffmpeg\b/m);
    expect(stderr).toMatch(/\bjq\b/);
    const install =
      stderr.match(/install them first, e\.g\.: sudo apt-get install -y (.+)$/m)?.[1]?.split(' ') ?? [];
    expect(install).toEqual(expect.arrayContaining(['ffmpeg', 'jq', 'shellcheck']));
    expect(install).not.toContain('chromium'); // --no-browser
  });

  it('ensure-deps succeeds silently when everything is installed', async () => {
    const { stdout, stderr } = await run('/bin/bash', [join(root, 'scripts', 'ensure-deps.sh')], {
      env: { ...process.env, VODSR_NO_INSTALL: '1' },
    });
    expect(stdout).toBe('');
    expect(stderr).toBe('');
  });

  it("ci-summary gives CI's verdict with each Node's test counts and the Nx tasks that failed", async () => {
    const dir = tempDir();
    const log = (name: string, text: string) => {
      const path = join(dir, name);
      writeFileSync(path, text);
      return path;
    };
    // What vitest and Nx print (colours included): every test passed, but a typecheck failed.
    const c = (code: number, text: string) => `\x1b[${code}m${text}\x1b[39m`;
    const node20 = log(
      'node20.log',
      [
        `      ${c(2, 'Tests')}  ${c(32, '5 passed')} (5)`,
        `      Tests  ${c(31, '1 failed')} | 3 passed (4)`,
        ' NX   Running targets lint, typecheck, build, test for 7 projects failed',
        '',
        'Failed tasks:',
        '',
        '- cli:typecheck',
        '- api:lint',
        '',
        '  Run duration:      6m 20s',
      ].join('\n'),
    );
    const node22 = log('node22.log', '      Tests  9 passed (9)\n');
    const summary = (status: string) =>
      run('/bin/bash', [join(root, 'scripts', 'ci-summary.sh'), status, node20, node22, '22.23.5']);
    expect((await summary('1')).stdout).toBe(
      `ci: FAILED (exit 1). Node ${process.version}: 8 passed, 1 failed; Node 22.23.5: 9 passed, 0 failed; ` +
        'failed Nx tasks: cli:typecheck, api:lint\n',
    );
    const clean = log('clean.log', '      Tests  4 passed (4)\n NX   Successfully ran targets\n');
    const { stdout } = await run('/bin/bash', [
      join(root, 'scripts', 'ci-summary.sh'),
      '0',
      clean,
      node22,
      '22.23.5',
    ]);
    expect(stdout).toBe(
      `ci: passed. Node ${process.version}: 4 passed, 0 failed; Node 22.23.5: 9 passed, 0 failed\n`,
    );
    const usage = await run('/bin/bash', [join(root, 'scripts', 'ci-summary.sh'), '0']).catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect(usage).toMatchObject({ code: 2, stderr: expect.stringMatching(/^usage: ci-summary\.sh STATUS/) });
  });

  it('every repository shell script is shellcheck-clean', async () => {
    const scripts = [
      join(root, 'scripts', 'ensure-deps.sh'),
      join(root, 'scripts', 'demo.sh'),
      join(root, 'scripts', 'ci-summary.sh'),
      join(root, '.ci', 'run'),
    ];
    const { stdout } = await run('shellcheck', ['--format=gcc', ...scripts]).catch(
      (e: { stdout: string }) => e,
    );
    expect(stdout).toBe('');
  });
});

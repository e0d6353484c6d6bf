import { execFile } from 'node:child_process';
import { mkdirSync, symlinkSync } from 'node:fs';
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

  it('every repository shell script is shellcheck-clean', async () => {
    const scripts = [
      join(root, 'scripts', 'ensure-deps.sh'),
      join(root, 'scripts', 'demo.sh'),
      join(root, '.ci', 'run'),
    ];
    const { stdout } = await run('shellcheck', ['--format=gcc', ...scripts]).catch(
      (e: { stdout: string }) => e,
    );
    expect(stdout).toBe('');
  });
});

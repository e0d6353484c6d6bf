import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { tempDir } from './helpers.js';

const exec = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const bin = join(here, '..', 'dist', 'bundle', 'vodsr.js');
const version = (JSON.parse(readFileSync(join(here, '..', 'package.json'), 'utf8')) as { version: string })
  .version;

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the compiled binary in an empty folder, with only these VODSR_* variables. */
async function vodsr(args: string[], env: Record<string, string> = {}): Promise<Result> {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VODSR_')));
  const opts = { cwd: tempDir(), env: { ...base, ...env } };
  return exec(process.execPath, [bin, ...args], opts).then(
    (r) => ({ code: 0, ...r }),
    (e: Result) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );
}

describe('the compiled vodsr binary (CLI habits)', () => {
  it('prints its version with --version and -v', async () => {
    for (const flag of ['--version', '-v']) {
      const r = await vodsr([flag]);
      expect(r).toMatchObject({ code: 0, stdout: `${version}\n` });
    }
  });

  it('prints yargs completion script with `vodsr completion`', async () => {
    const r = await vodsr(['completion']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('###-begin-vodsr-completions-###');
    expect(r.stdout).toContain('--get-yargs-completions');
  });

  it('treats what follows -- as positional, and never reads --help.mp4 as --help', async () => {
    const after = await vodsr(['run', '--json', '--', '-i.mp4']);
    expect(after.code).toBe(2);
    expect(after.stdout).toContain('no such file');
    expect(after.stdout).toContain('-i.mp4');
    const help = await vodsr(['run', '--help.mp4']);
    expect(help.code).toBe(2);
    expect(help.stdout).not.toContain('Options:');
    expect(help.stderr).toContain('vodsr run -- --help.mp4');
  });

  it('ignores unknown VODSR_* variables and maps known ones to options', async () => {
    const r = await vodsr(['models', '--json'], { VODSR_API_TOKEN: 'secret', VODSR_NO_INSTALL: '1' });
    expect(r.stderr).not.toContain('Unknown argument');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toHaveProperty('models');
    const bad = await vodsr(['list'], { VODSR_BACKEND: 'nowhere' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/backend.*nowhere/s);
  });

  it('refuses an unknown preset at submit and a --limit outside 1..100 with exit 2', async () => {
    const preset = await vodsr(['submit', 'clip.mp4', '-p', 'nosuchpreset', '--json']);
    expect(preset.code, JSON.stringify(preset)).toBe(2);
    expect(preset.stdout + preset.stderr).toContain('VODSR_UNKNOWN_PRESET');
    const limit = await vodsr(['list', '-n', '1000']);
    expect(limit.code).toBe(2);
    expect(limit.stderr).toContain('--limit must be an integer from 1 to 100');
  });

  it('keeps each --help example command whole on its own line at the terminal width', async () => {
    for (const cmd of [['cancel'], ['models'], ['presets'], ['presets', 'list']]) {
      const r = await vodsr([...cmd, '--help'], { COLUMNS: '100' });
      expect(r.stdout).toContain('Examples:');
      expect(r.stdout).toMatch(new RegExp(`^ {2}vodsr ${cmd.join(' ')}`, 'm'));
    }
    const run = await vodsr(['run', '--help'], { COLUMNS: '100' });
    const lines = run.stdout.split('\n');
    expect(lines).toContain('  vodsr run clip.mp4 -p hls-ladder -m lanczos-cas-x2');
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(100);
  });
});

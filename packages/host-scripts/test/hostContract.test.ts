/**
 * The host contract, bash side: the real `bin/vodsr-host` run over core's shared case table
 * (`@vodsr/core/host-job-cases`), started with the argv core builds, and its exit table and rule constants
 * compared with core's.
 */
import { mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import {
  HOST_ENCODER_OPTION_PATTERN,
  HOST_EXIT_CODES,
  HOST_FORBIDDEN_FILTERS,
  HOST_OUTPUT_EXTENSIONS,
  hostCommandArgv,
  validateHostJob,
} from '@vodsr/core';
import { HOST_JOB_CASES } from '@vodsr/core/host-job-cases';
import { HOST_SCRIPT_PATH } from '@vodsr/host-scripts';
import { afterAll, describe, expect, it } from 'vitest';
import { runHost, tempDir } from './helpers.js';

const script = readFileSync(HOST_SCRIPT_PATH, 'utf8');

// A PATH with only what validation needs: an accepted job then stops at the tool check (no ffmpeg), after `start`.
const tmp = tempDir('vodsr-contract-');
const bin = join(tmp.dir, 'bin');
mkdirSync(bin);
for (const tool of ['bash', 'jq', 'base64', 'cat', 'hostname']) {
  const found = (process.env.PATH ?? '/usr/bin:/bin')
    .split(':')
    .map((d) => join(d, tool))
    .find((p) => {
      try {
        readFileSync(p);
        return true;
      } catch {
        return false;
      }
    });
  if (found) symlinkSync(found, join(bin, tool));
}
afterAll(() => tmp.remove());

describe('vodsr-host against the shared HostJob cases', () => {
  for (const c of HOST_JOB_CASES) {
    it(`${c.paths.length ? 'refuses' : 'accepts'} ${c.name}`, async () => {
      const jobB64 = Buffer.from(JSON.stringify(c.job), 'utf8').toString('base64');
      const [runner, ...args] = hostCommandArgv({ runnerPath: HOST_SCRIPT_PATH, jobB64 });
      const run = await runHost(args, { script: runner, env: { PATH: bin } });
      const started = run.events.some((e) => e.event === 'start');
      const result = run.result as { code?: string; message?: string; issues?: { path: string }[] };
      if (c.paths.length === 0) {
        expect(started, run.stderr).toBe(true);
        expect(result.code).toBe('VODSR_HOST_MISSING_TOOL');
        return;
      }
      expect(run.code, run.stderr).toBe(2);
      expect(started).toBe(false);
      expect(result.code).toBe('VODSR_HOST_USAGE');
      expect([...new Set(result.issues?.map((i) => i.path))].sort()).toEqual([...c.paths].sort());
      for (const p of c.paths) expect(result.message).toContain(`${p}: `);
      // In the same order as core reports them.
      expect(result.issues?.map((i) => i.path)).toEqual(validateHostJob(c.job).map((i) => i.path));
    });
  }
});

describe('vodsr-host exit numbers and rules', () => {
  it('has one exit table, equal to HOST_EXIT_CODES of core', () => {
    const block = /declare -rA HOST_EXIT_CODES=\(\n([\s\S]*?)\n\)/.exec(script)?.[1] ?? '';
    const table = Object.fromEntries(
      [...block.matchAll(/^\s*\[(\d+)\]=(\w+)$/gm)].map((m) => [m[1] as string, m[2] as string]),
    );
    expect(table).toEqual(Object.fromEntries(Object.entries(HOST_EXIT_CODES)));
  });

  it('fails only with codes of that table, never with a hand-written number', () => {
    const codes = new Set(Object.values(HOST_EXIT_CODES));
    const used = [...script.matchAll(/\bfail (VODSR_\w+)/g)].map((m) => m[1]);
    expect(used.length).toBeGreaterThan(30);
    expect(used.filter((c) => !codes.has(c as never))).toEqual([]);
    expect(script).not.toMatch(/\bfail VODSR_\w+ \d/);
    expect(script).not.toMatch(/\bexit [1-9]/);
  });

  it("checks with core's allow-lists", () => {
    const constant = (name: string) => new RegExp(`readonly ${name}='([^']*)'`).exec(script)?.[1];
    expect(constant('ENCODER_OPTION_RE')).toBe(HOST_ENCODER_OPTION_PATTERN);
    expect(constant('OUTPUT_EXTS')).toBe(HOST_OUTPUT_EXTENSIONS.join(' '));
    expect(constant('FORBIDDEN_FILTERS')).toBe(HOST_FORBIDDEN_FILTERS.join(' '));
  });

  it('takes the run subcommand and refuses another', async () => {
    const unknown = await runHost(['agent'], { env: { PATH: bin } });
    expect(unknown.code).toBe(2);
    expect(unknown.result).toMatchObject({
      code: 'VODSR_HOST_USAGE',
      message: 'unknown command (expected: run)',
    });
    const noJob = await runHost(['run'], { env: { PATH: bin } });
    expect(noJob.result).toMatchObject({
      code: 'VODSR_HOST_USAGE',
      message: 'no job given (--job-b64 or --job-file)',
    });
  });
});

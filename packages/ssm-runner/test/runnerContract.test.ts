/**
 * One contract, two runners: the same tests run the real `vodsr-host` through LocalCommandRunner (child process)
 * and through SsmCommandRunner (with an SSM client fake that executes the AWS-RunShellScript `commands` on this
 * machine with `sh`, as the SSM agent would, and reports its status the way GetCommandInvocation does).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CancelCommandCommand,
  GetCommandInvocationCommand,
  InvocationDoesNotExist,
  SendCommandCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { VodsrError } from '@vodsr/core';
import { encodeHostJob, type HostProgressEvent } from '@vodsr/core/host';
import { HOST_SCRIPT_PATH } from '@vodsr/host-scripts';
import { type CommandRunner, LocalCommandRunner, SsmCommandRunner } from '@vodsr/ssm-runner';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AWS_BIN,
  getObject,
  lanczosJob,
  makeVideo,
  probeVideo,
  putObject,
  startS3,
  tempDir,
} from '../../host-scripts/test/helpers.js';

const REAL_FFMPEG = execFileSync('bash', ['-c', 'command -v ffmpeg'], { encoding: 'utf8' }).trim();
let tmp: { dir: string; remove: () => void };
let src: string;
let slowBin: string;
let n = 0;

beforeAll(async () => {
  tmp = tempDir('vodsr-runner-');
  src = await makeVideo(join(tmp.dir, 'clip.mp4'), { seconds: 1 });
  await makeVideo(join(tmp.dir, 'long.mp4'), { seconds: 8, audio: false });
  slowBin = join(tmp.dir, 'slow-bin');
  mkdirSync(slowBin);
  writeFileSync(
    join(slowBin, 'ffmpeg'),
    `#!/usr/bin/env bash\nfor a in "$@"; do [[ "$a" == -progress ]] && exec "${REAL_FFMPEG}" -re "$@"; done\nexec "${REAL_FFMPEG}" "$@"\n`,
  );
  chmodSync(join(slowBin, 'ffmpeg'), 0o755);
});

afterAll(() => tmp?.remove());

interface Harness {
  runner: CommandRunner;
  workRoot: string;
  /** Resolves when every host process the harness started has ended. */
  settled: () => Promise<void>;
}

/** The environment the host runner gets in both harnesses. */
function hostEnv(slow: boolean): { env: Record<string, string>; workRoot: string; lockDir: string } {
  n += 1;
  const workRoot = join(tmp.dir, `work-${n}`);
  const lockDir = join(tmp.dir, `locks-${n}`);
  return {
    workRoot,
    lockDir,
    env: {
      VODSR_WORK_ROOT: workRoot,
      VODSR_LOCK_DIR: lockDir,
      VODSR_AWS: AWS_BIN,
      ...(slow ? { PATH: `${slowBin}:${process.env.PATH}` } : {}),
    },
  };
}

function localHarness(slow = false): Harness {
  const { env, workRoot, lockDir } = hostEnv(slow);
  return {
    runner: new LocalCommandRunner({ env, workRoot, lockDir, killGraceMs: 5000 }),
    workRoot,
    settled: async () => {},
  };
}

/** SsmCommandRunner over an SSM fake that really runs the command on this machine. */
function ssmHarness(slow = false): Harness {
  const { env, workRoot } = hostEnv(slow);
  const ssm = mockClient(SSMClient);
  const commands = new Map<
    string,
    {
      child: ChildProcess;
      stdout: string;
      stderr: string;
      code?: number | null;
      cancelled: boolean;
      ended: Promise<void>;
    }
  >();
  let polls = 0;
  ssm.on(SendCommandCommand).callsFake((input: { Parameters: { commands: string[] } }) => {
    const id = `cmd-${commands.size + 1}`;
    const child = spawn('sh', ['-c', input.Parameters.commands.join('\n')], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const c = {
      child,
      stdout: '',
      stderr: '',
      code: undefined as number | null | undefined,
      cancelled: false,
      ended: Promise.resolve(),
    };
    child.stdout?.on('data', (d: Buffer) => {
      c.stdout += d.toString('utf8');
    });
    child.stderr?.on('data', (d: Buffer) => {
      c.stderr += d.toString('utf8');
    });
    c.ended = new Promise((r) =>
      child.on('close', (code) => {
        c.code = code;
        r();
      }),
    );
    commands.set(id, c);
    return { Command: { CommandId: id } };
  });
  ssm.on(GetCommandInvocationCommand).callsFake((input: { CommandId: string }) => {
    polls += 1;
    // The race right after SendCommand: the first poll does not find the invocation yet.
    if (polls === 1) throw new InvocationDoesNotExist({ message: 'not yet', $metadata: {} });
    const c = commands.get(input.CommandId);
    if (!c) throw new InvocationDoesNotExist({ message: 'unknown', $metadata: {} });
    const out = {
      StandardOutputContent: c.stdout.slice(0, 24_000),
      StandardErrorContent: c.stderr.slice(0, 8000),
    };
    if (c.code === undefined) return { Status: c.cancelled ? 'Cancelling' : 'InProgress', ...out };
    if (c.cancelled) return { Status: 'Cancelled', StatusDetails: 'Cancelled', ResponseCode: -1, ...out };
    return c.code === 0
      ? { Status: 'Success', StatusDetails: 'Success', ResponseCode: 0, ...out }
      : { Status: 'Failed', StatusDetails: 'Failed', ResponseCode: c.code ?? -1, ...out };
  });
  ssm.on(CancelCommandCommand).callsFake((input: { CommandId: string }) => {
    const c = commands.get(input.CommandId);
    if (c) {
      c.cancelled = true;
      c.child.kill('SIGTERM');
    }
    return {};
  });
  return {
    runner: new SsmCommandRunner({
      client: new SSMClient({ region: 'us-east-1' }),
      instanceId: 'i-0123456789abcdef0',
      runnerPath: HOST_SCRIPT_PATH,
      pollIntervalMs: 100,
    }),
    workRoot,
    settled: async () => {
      await Promise.all([...commands.values()].map((c) => c.ended));
      ssm.restore();
    },
  };
}

const harnesses: [string, (slow?: boolean) => Harness][] = [
  ['LocalCommandRunner', localHarness],
  ['SsmCommandRunner', ssmHarness],
];

async function rejection(p: Promise<unknown>): Promise<VodsrError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(VodsrError);
    return e as VodsrError;
  }
  throw new Error('expected a rejection');
}

describe.each(harnesses)('%s (shared contract, real host script)', (name, make) => {
  it('runs a job to a verified 2x file and returns the typed result with progress', async () => {
    const h = make();
    const out = join(tmp.dir, `${name}-out`, 'clip_sr_2x.mp4');
    const progress: HostProgressEvent[] = [];
    const result = await h.runner.run(encodeHostJob(lanczosJob(src, out, { jobId: `ok-${name}` })), {
      onProgress: (p) => progress.push(p),
      durationSeconds: 1,
    });
    await h.settled();
    expect(result).toMatchObject({
      event: 'result',
      ok: true,
      jobId: `ok-${name}`,
      output: out,
      encoder: 'libx264',
      sr: { width: 320, height: 240 },
    });
    expect(await probeVideo(out)).toMatchObject({ width: 320, height: 240 });
    expect(progress.filter((p) => p.stage === 'upscale').at(-1)?.percent).toBe(100);
    expect(readdirSync(h.workRoot).filter((n) => n !== '.caps')).toEqual([]); // the capability cache stays, by design
  });

  it('rejects with the host code when the job fails, leaving no output', async () => {
    const h = make();
    const out = join(tmp.dir, `${name}-missing`, 'x_sr_2x.mp4');
    const e = await rejection(h.runner.run(encodeHostJob(lanczosJob(join(tmp.dir, 'nope.mp4'), out))));
    await h.settled();
    expect(e.code).toBe('VODSR_HOST_FETCH_FAILED');
    expect(e.details).toMatchObject({ exitCode: 6 });
    expect(existsSync(out)).toBe(false);
  });

  it('stops the job on abort: VODSR_CANCELLED, no output, no work directory', async () => {
    const h = make(true);
    const out = join(tmp.dir, `${name}-abort`, 'long_sr_2x.mp4');
    const ac = new AbortController();
    const p = h.runner.run(encodeHostJob(lanczosJob(join(tmp.dir, 'long.mp4'), out, { cpuOnly: true })), {
      signal: ac.signal,
      onProgress: (e) => {
        if (e.stage === 'upscale') ac.abort();
      },
    });
    // Over SSM, progress only arrives with polls: abort after a moment if it has not happened yet.
    const timer = setTimeout(() => ac.abort(), 2500);
    const e = await rejection(p);
    clearTimeout(timer);
    await h.settled();
    expect(e.code).toBe('VODSR_CANCELLED');
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(h.workRoot).filter((n) => n !== '.caps')).toEqual([]); // the capability cache stays, by design
  });
});

describe('LocalCommandRunner with a local S3 server', () => {
  it('fetches from and uploads to S3 through s3EndpointUrl', async () => {
    const s3 = await startS3(['runner-in', 'runner-out']);
    try {
      await putObject(s3, 'runner-in', 'dir/a b+c.mp4', readFileSync(src));
      const { workRoot, lockDir } = hostEnv(false);
      const runner = new LocalCommandRunner({
        s3EndpointUrl: s3.endpoint,
        workRoot,
        lockDir,
        slots: 2,
        env: { ...s3.env, VODSR_AWS: AWS_BIN },
      });
      const result = await runner.run(
        encodeHostJob(lanczosJob('s3://runner-in/dir/a b+c.mp4', 's3://runner-out/a b+c_sr_2x.mp4')),
      );
      expect(result.sr).toMatchObject({ width: 320, height: 240 });
      const file = join(tmp.dir, 's3-result.mp4');
      writeFileSync(file, await getObject(s3, 'runner-out', 'a b+c_sr_2x.mp4'));
      expect(await probeVideo(file)).toMatchObject({ width: 320, height: 240 });
    } finally {
      await s3.stop();
    }
  });
});

describe('LocalCommandRunner', () => {
  it('passes the encoded job to `<runner> run` unchanged, as --opt=value words', async () => {
    const fake = join(tmp.dir, 'fake-host');
    const argsFile = join(tmp.dir, 'fake-host.args');
    writeFileSync(
      fake,
      `#!/usr/bin/env bash\nprintf '%s\\n' "$@" > '${argsFile}'\necho '{"event":"result","ok":true,"jobId":"j","output":"o","source":{},"sr":{},"encoder":"x","elapsedSeconds":0}'\n`,
    );
    chmodSync(fake, 0o755);
    // Keys in a different order than encodeHostJob writes them: the runner must not re-encode.
    const { v, ...rest } = lanczosJob('/in/a.mp4', '/out/a_sr_2x.mp4');
    const b64 = Buffer.from(JSON.stringify({ ...rest, v })).toString('base64');
    expect(b64).not.toBe(encodeHostJob(lanczosJob('/in/a.mp4', '/out/a_sr_2x.mp4')));
    await new LocalCommandRunner({ scriptPath: fake }).run(b64, { taskTokenB64: 'dG9rZW4=' });
    expect(readFileSync(argsFile, 'utf8').split('\n')).toEqual([
      'run',
      `--job-b64=${b64}`,
      '--task-token-b64=dG9rZW4=',
      '',
    ]);
  });

  it('refuses a malformed job before starting anything', async () => {
    const b64 = encodeHostJob({ ...lanczosJob('/in/a.mp4', '/in/a.mp4'), scale: 9 });
    const e = await rejection(new LocalCommandRunner({ scriptPath: '/nonexistent' }).run(b64));
    expect(e.code).toBe('VODSR_VALIDATION');
    expect((e as unknown as { issues: { path: string }[] }).issues.map((i) => i.path)).toEqual([
      '/output',
      '/scale',
    ]);
  });
});

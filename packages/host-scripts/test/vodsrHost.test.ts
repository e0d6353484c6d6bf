import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeHostJob, type HostJob } from '@vodsr/core';
import { HOST_EXIT_CODES } from '@vodsr/core/host';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  AWS_BIN,
  getObject,
  type HostRun,
  type LocalS3,
  lanczosJob,
  listKeys,
  makeVideo,
  probeVideo,
  putObject,
  runHost,
  startHost,
  startS3,
  tempDir,
} from './helpers.js';

const REAL_FFMPEG = execFileSync('bash', ['-c', 'command -v ffmpeg'], { encoding: 'utf8' }).trim();

let s3: LocalS3;
let tmp: { dir: string; remove: () => void };
let video: Uint8Array;
let videoPath: string;
let n = 0;

beforeAll(async () => {
  s3 = await startS3(['vin', 'vout']);
  tmp = tempDir();
  videoPath = await makeVideo(join(tmp.dir, 'src.mp4'), { seconds: 1 });
  video = readFileSync(videoPath);
  await putObject(s3, 'vin', 'videos/clip.mp4', video);
});

afterEach(async () => {
  await emptyOut();
});

afterAll(async () => {
  await s3?.stop();
  tmp?.remove();
});

/** A fresh work root + lock dir and the runner's environment pointed at the local S3. */
function hostEnv(extra: Record<string, string> = {}): { env: Record<string, string>; workRoot: string } {
  n += 1;
  const workRoot = join(tmp.dir, `work-${n}`);
  return {
    workRoot,
    env: {
      ...s3.env,
      VODSR_WORK_ROOT: workRoot,
      VODSR_LOCK_DIR: join(tmp.dir, `locks-${n}`),
      VODSR_S3_ENDPOINT_URL: s3.endpoint,
      VODSR_AWS: AWS_BIN,
      ...extra,
    },
  };
}

/** What a work root holds besides the host's capability cache (`.caps`, kept across jobs by design). */
function jobDirs(workRoot: string): string[] {
  return existsSync(workRoot) ? readdirSync(workRoot).filter((f) => f !== '.caps') : [];
}

function jobArgs(job: HostJob): string[] {
  return ['--job-b64', encodeHostJob(job)];
}

/** A failed run: the documented exit code, one coded result line, nothing uploaded, no work directory left. */
async function expectCleanFailure(
  run: HostRun,
  workRoot: string,
  code: keyof typeof CODE_EXIT,
): Promise<void> {
  expect(run.code, run.stderr).toBe(CODE_EXIT[code]);
  expect(run.result).toMatchObject({ event: 'result', ok: false, code, exitCode: CODE_EXIT[code] });
  expect(run.stdout.trim().split('\n').at(-1)).toBe(JSON.stringify(run.result));
  expect(await listKeys(s3, 'vout')).toEqual([]);
  expect(jobDirs(workRoot)).toEqual([]);
}

const CODE_EXIT = Object.fromEntries(
  Object.entries(HOST_EXIT_CODES)
    .filter(([k]) => k !== '130')
    .map(([k, v]) => [v, Number(k)]),
) as Record<(typeof HOST_EXIT_CODES)[keyof typeof HOST_EXIT_CODES], number>;

describe('vodsr-host', () => {
  it('upscales an S3 source 2x into the output bucket and reports progress and a typed result', async () => {
    const { env, workRoot } = hostEnv();
    const run = await runHost(
      jobArgs(lanczosJob('s3://vin/videos/clip.mp4', 's3://vout/sr/clip_sr_2x.mp4')),
      { env },
    );

    expect(run.code, run.stderr).toBe(0);
    expect(run.events[0]).toMatchObject({ event: 'start', jobId: 'job-1', model: 'lanczos-x2', scale: 2 });
    // No GPU here: the NVENC job falls back to libx264 and says so.
    expect(run.events).toContainEqual(
      expect.objectContaining({
        event: 'log',
        level: 'warn',
        message: expect.stringContaining('h264_nvenc'),
      }),
    );
    const upscale = run.events.filter((e) => e.event === 'progress' && e.stage === 'upscale');
    expect(upscale.at(-1)).toMatchObject({ percent: 100 });
    expect(run.result).toMatchObject({
      ok: true,
      jobId: 'job-1',
      output: 's3://vout/sr/clip_sr_2x.mp4',
      encoder: 'libx264',
      source: { width: 160, height: 120, hasAudio: true },
      sr: { width: 320, height: 240, hasAudio: true },
    });
    // Only JSON lines on stdout.
    for (const line of run.stdout.trim().split('\n')) expect(() => JSON.parse(line)).not.toThrow();

    const out = join(tmp.dir, 'clip_sr_2x.mp4');
    writeFileSync(out, await getObject(s3, 'vout', 'sr/clip_sr_2x.mp4'));
    const info = await probeVideo(out);
    expect(info).toMatchObject({ width: 320, height: 240, hasAudio: true });
    expect(info.durationSeconds).toBeCloseTo(1, 0);
    expect(jobDirs(workRoot)).toEqual([]);
    await emptyOut();
  });

  it('processes hostile object keys as data: each key upscaled, nothing executed', async () => {
    const canary = join(tmp.dir, 'CANARY');
    const long = `long/${`${'a'.repeat(199)}/`.repeat(4)}${'b'.repeat(200)}.mp4`;
    const keys = [
      `semi;touch ${canary};x.mp4`,
      `dollar $(touch ${canary}).mp4`,
      `back \`touch ${canary}\`.mp4`,
      `quotes ' " \\ mixed.mp4`,
      'spaces  and   more.mp4',
      'plus+sign+%2B.mp4',
      'new\nline.mp4',
      'ünïcødé/映像 🎬.mp4',
      '-leading-dash.mp4',
      '--job-b64=x.mp4',
      long,
    ];
    expect(Buffer.byteLength(long)).toBeGreaterThan(1000);
    // Two slots, two jobs at a time: the slot locks keep them apart.
    const { env, workRoot } = hostEnv({ VODSR_SLOTS: '2' });
    const one = async (key: string, i: number) => {
      await putObject(s3, 'vin', key, video);
      const outKey = key.replace(/\.mp4$/, '_sr_2x.mp4');
      const run = await runHost(
        jobArgs(lanczosJob(`s3://vin/${key}`, `s3://vout/${outKey}`, { cpuOnly: true })),
        {
          env,
          cwd: tmp.dir,
        },
      );
      expect(run.code, `${JSON.stringify(key)}: ${run.stderr}`).toBe(0);
      expect(run.result).toMatchObject({
        ok: true,
        output: `s3://vout/${outKey}`,
        sr: { width: 320, height: 240 },
      });
      const file = join(tmp.dir, `hostile_out_${i}.mp4`);
      writeFileSync(file, await getObject(s3, 'vout', outKey));
      expect(await probeVideo(file)).toMatchObject({ width: 320, height: 240 });
    };
    for (let i = 0; i < keys.length; i += 2) {
      await Promise.all(keys.slice(i, i + 2).map((k, j) => one(k, i + j)));
    }
    expect((await listKeys(s3, 'vout')).sort()).toEqual(
      keys.map((k) => k.replace(/\.mp4$/, '_sr_2x.mp4')).sort(),
    );
    expect(existsSync(canary)).toBe(false);
    expect(jobDirs(workRoot)).toEqual([]);

    // A hostile local path too (source and output).
    const dir = join(tmp.dir, 'x;touch CANARY;$(touch CANARY)`touch CANARY`');
    mkdirSync(dir);
    const src = join(dir, "-a 'b' `c`.mp4");
    writeFileSync(src, video);
    const run = await runHost(
      jobArgs(lanczosJob(src, join(dir, 'out dir', '-o_sr_2x.mp4'), { cpuOnly: true })),
      {
        env,
        cwd: tmp.dir,
      },
    );
    expect(run.code, run.stderr).toBe(0);
    expect(await probeVideo(join(dir, 'out dir', '-o_sr_2x.mp4'))).toMatchObject({ width: 320, height: 240 });
    expect(existsSync(canary)).toBe(false);
    await emptyOut();
  }, 300_000); // 12 real encodes: room for a loaded shared machine (a guard, not a timing assertion)

  it('checks the 2x size against the displayed size of a rotated source', async () => {
    const { env } = hostEnv();
    const src = await makeVideo(join(tmp.dir, 'rotated.mp4'), {
      width: 64,
      height: 48,
      rotate: 90,
      audio: false,
    });
    const out = join(tmp.dir, 'rotated_sr_2x.mp4');
    const jobFile = join(tmp.dir, 'rotated.job.json');
    writeFileSync(jobFile, JSON.stringify(lanczosJob(src, out, { cpuOnly: true })));
    const run = await runHost(['--job-file', jobFile], { env });
    expect(run.code, run.stderr).toBe(0);
    expect(run.result).toMatchObject({
      ok: true,
      source: { width: 64, height: 48 },
      sr: { width: 96, height: 128 },
    });
    expect(await probeVideo(out)).toMatchObject({ width: 96, height: 128, hasAudio: false });
  });

  describe('failures', () => {
    it('a corrupt or truncated source: VODSR_HOST_PROBE_FAILED', async () => {
      const { env, workRoot } = hostEnv();
      await putObject(
        s3,
        'vin',
        'corrupt.mp4',
        new Uint8Array(50_000).map((_, i) => (i * 7919) % 251),
      );
      await putObject(s3, 'vin', 'truncated.mp4', video.slice(0, Math.floor(video.length / 3)));
      for (const key of ['corrupt.mp4', 'truncated.mp4']) {
        const run = await runHost(jobArgs(lanczosJob(`s3://vin/${key}`, 's3://vout/c_sr_2x.mp4')), { env });
        await expectCleanFailure(run, workRoot, 'VODSR_HOST_PROBE_FAILED');
      }
    });

    it('removes work directories left by dead runners, keeps those of live ones', async () => {
      const { env, workRoot } = hostEnv();
      mkdirSync(join(workRoot, 'job.deadrun1'), { recursive: true });
      writeFileSync(join(workRoot, 'job.deadrun1', 'owner.pid'), '2147483646\n');
      writeFileSync(join(workRoot, 'job.deadrun1', 'source.mp4'), video);
      mkdirSync(join(workRoot, 'job.liverun1'));
      writeFileSync(join(workRoot, 'job.liverun1', 'owner.pid'), `${process.pid}\n`);
      const run = await runHost(
        jobArgs(lanczosJob(join(tmp.dir, 'absent.mp4'), join(tmp.dir, 'absent_sr_2x.mp4'))),
        {
          env,
        },
      );
      expect(run.result).toMatchObject({ ok: false, code: 'VODSR_HOST_FETCH_FAILED' });
      expect(jobDirs(workRoot)).toEqual(['job.liverun1']);
    });

    it('a missing source: VODSR_HOST_FETCH_FAILED', async () => {
      const { env, workRoot } = hostEnv();
      const run = await runHost(jobArgs(lanczosJob('s3://vin/no/such.mp4', 's3://vout/x_sr_2x.mp4')), {
        env,
      });
      await expectCleanFailure(run, workRoot, 'VODSR_HOST_FETCH_FAILED');
      expect(run.result).toMatchObject({ message: expect.stringContaining('404') });
    });

    it('FFmpeg failing mid-way: VODSR_HOST_FFMPEG_FAILED and the partial output is not uploaded', async () => {
      const bin = join(tmp.dir, 'fake-ffmpeg-bin');
      mkdirSync(bin, { recursive: true });
      // Encodes 0.3 s of the job for real, then fails like a crashed encoder would.
      writeFileSync(
        join(bin, 'ffmpeg'),
        `#!/usr/bin/env bash
set -euo pipefail
for a in "$@"; do
  if [[ "$a" == -progress ]]; then
    "${REAL_FFMPEG}" "\${@:1:$#-1}" -t 0.3 "\${@: -1}" || true
    echo 'simulated encoder crash mid-way' >&2
    exit 1
  fi
done
exec "${REAL_FFMPEG}" "$@"
`,
      );
      chmodSync(join(bin, 'ffmpeg'), 0o755);
      const { env, workRoot } = hostEnv({ PATH: `${bin}:${process.env.PATH}` });
      await putObject(s3, 'vin', 'mid.mp4', video);
      const run = await runHost(jobArgs(lanczosJob('s3://vin/mid.mp4', 's3://vout/mid_sr_2x.mp4')), { env });
      await expectCleanFailure(run, workRoot, 'VODSR_HOST_FFMPEG_FAILED');
      expect(run.result).toMatchObject({ message: expect.stringContaining('simulated encoder crash') });
    });

    it('a filter missing from this FFmpeg: VODSR_HOST_MISSING_FILTER naming it', async () => {
      const { env, workRoot } = hostEnv();
      const job: HostJob = {
        ...lanczosJob('s3://vin/videos/clip.mp4', 's3://vout/b_sr_2x.mp4'),
        model: 'B',
        vf: 'bdsr_coupang_aws',
        requiredFilters: ['bdsr_coupang_aws'],
      };
      const run = await runHost(jobArgs(job), { env });
      await expectCleanFailure(run, workRoot, 'VODSR_HOST_MISSING_FILTER');
      expect(run.result).toMatchObject({ message: expect.stringContaining('bdsr_coupang_aws') });
    });

    it('low disk: VODSR_HOST_LOW_DISK', async () => {
      const { env, workRoot } = hostEnv({ VODSR_MIN_FREE_MB: '900000000' });
      const run = await runHost(jobArgs(lanczosJob('s3://vin/videos/clip.mp4', 's3://vout/d_sr_2x.mp4')), {
        env,
      });
      await expectCleanFailure(run, workRoot, 'VODSR_HOST_LOW_DISK');
      expect(run.result).toMatchObject({ message: expect.stringMatching(/\d+ MB free, \d+ MB needed/) });
    });

    it('an upload failure (missing bucket): VODSR_HOST_UPLOAD_FAILED', async () => {
      const { env, workRoot } = hostEnv();
      const run = await runHost(
        jobArgs(lanczosJob('s3://vin/videos/clip.mp4', 's3://no-such-bucket/u_sr_2x.mp4')),
        {
          env,
        },
      );
      await expectCleanFailure(run, workRoot, 'VODSR_HOST_UPLOAD_FAILED');
      expect(run.result).toMatchObject({ message: expect.stringContaining('NoSuchBucket') });
    });

    it('SIGTERM while fetching: the transfer stops at once and the result line still reaches stdout', async () => {
      // Bash runs a trap only after a foreground command ends (the runner waits for transfers in the background),
      // and with that command's redirections (`aws s3 cp ... >/dev/null 2>file`) still in place (the runner
      // writes its result through saved descriptors).
      const dir = join(tmp.dir, `slow-aws-${Date.now()}`);
      mkdirSync(dir, { recursive: true });
      const marker = join(dir, 'cp-started');
      const wrapper = join(dir, 'aws');
      writeFileSync(
        wrapper,
        [
          '#!/usr/bin/env bash',
          'set -euo pipefail',
          // A transfer that would take a minute: the runner must stop it at once, not wait (test timeout 30 s).
          'if [[ " $* " == *" s3 cp "* ]]; then touch "$SLOW_AWS_MARKER"; exec sleep 60; fi',
          'exec "$SLOW_AWS_REAL" "$@"',
          '',
        ].join('\n'),
      );
      chmodSync(wrapper, 0o755);
      const { env, workRoot } = hostEnv({
        VODSR_AWS: wrapper,
        SLOW_AWS_MARKER: marker,
        SLOW_AWS_REAL: AWS_BIN,
      });
      const { child, done } = startHost(
        jobArgs(lanczosJob('s3://vin/videos/clip.mp4', 's3://vout/f_sr_2x.mp4')),
        {
          env,
        },
      );
      const deadline = Date.now() + 20_000;
      while (!existsSync(marker) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(existsSync(marker)).toBe(true);
      child.kill('SIGTERM');
      const run = await done;
      await expectCleanFailure(run, workRoot, 'VODSR_HOST_INTERRUPTED');
    });

    /**
     * An 8 s video upscaled and the runner sent SIGTERM at its first upscale progress: it must end with exit 143,
     * VODSR_HOST_INTERRUPTED, its work dir gone and no process of it left.
     */
    async function termWhileUpscaling(name: string, host: ReturnType<typeof hostEnv>, dir = tmp.dir) {
      await putObject(s3, 'vin', name, readFileSync(await makeVideo(join(dir, name), { seconds: 8 })));
      let sent = false;
      const { child, done } = startHost(jobArgs(lanczosJob(`s3://vin/${name}`, 's3://vout/l_sr_2x.mp4')), {
        env: host.env,
        onEvent: (e) => {
          if (!sent && e.event === 'progress' && e.stage === 'upscale') {
            sent = true;
            child.kill('SIGTERM');
          }
        },
      });
      const run = await done;
      expect(sent).toBe(true);
      await expectCleanFailure(run, host.workRoot, 'VODSR_HOST_INTERRUPTED');
      expect(run.code).toBe(143);
      expect(execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })).not.toContain(host.workRoot);
    }

    it('SIGTERM while upscaling: exit 143, VODSR_HOST_INTERRUPTED, FFmpeg stopped, nothing left', async () => {
      await termWhileUpscaling('long.mp4', hostEnv({ PATH: `${slowFfmpegBin()}:${process.env.PATH}` }));
    });

    it('SIGTERM while upscaling: FFmpeg is not given time to finish a file that is thrown away', async () => {
      // A stand-in FFmpeg whose finish on TERM takes long (as a large file's +faststart rewrite does): it notes the
      // TERM and then holds on. The runner KILLs FFmpeg instead; the real FFmpeg below dies with its parent.
      const dir = join(tmp.dir, `slow-finish-${++n}`);
      mkdirSync(dir, { recursive: true });
      const marker = join(dir, 'ffmpeg-got-term');
      writeFileSync(
        join(dir, 'ffmpeg'),
        [
          '#!/usr/bin/env bash',
          'set -euo pipefail',
          'sr=0; for a in "$@"; do if [[ "$a" == -progress ]]; then sr=1; fi; done',
          'if ((sr == 0)); then exec "$REAL_FFMPEG" "$@"; fi',
          `trap 'touch "$TERM_MARKER"; exec sleep 30 >/dev/null 2>&1' TERM`,
          'setpriv --pdeathsig KILL "$REAL_FFMPEG" -re "$@" &',
          'wait "$!"',
          '',
        ].join('\n'),
      );
      chmodSync(join(dir, 'ffmpeg'), 0o755);
      const host = hostEnv({ PATH: `${dir}:${process.env.PATH}`, REAL_FFMPEG, TERM_MARKER: marker });
      await termWhileUpscaling('finish.mp4', host, dir);
      expect(existsSync(marker), 'FFmpeg was sent TERM (and waited for) instead of KILL').toBe(false);
    });

    it('a malformed job: VODSR_HOST_USAGE listing every problem, before touching anything', async () => {
      const { env, workRoot } = hostEnv();
      const bad = Buffer.from(
        JSON.stringify({
          v: 2,
          jobId: '',
          source: 's3://BAD/x',
          output: 'o.avi',
          vf: 'movie=/etc/passwd',
          scale: 0,
        }),
      ).toString('base64');
      const run = await runHost(['--job-b64', bad], { env });
      await expectCleanFailure(run, workRoot, 'VODSR_HOST_USAGE');
      const msg = (run.result as { message: string }).message;
      for (const part of [
        '/v',
        '/jobId',
        '/source',
        '/encoderArgs',
        '/requiredFilters',
        '/model',
        '/scale',
      ]) {
        expect(msg).toContain(part);
      }
      // A job smuggling an extra output or a file-reading filter is refused too.
      const base = lanczosJob('s3://vin/videos/clip.mp4', 's3://vout/x_sr_2x.mp4');
      for (const job of [
        { ...base, encoderArgs: ['-c:v', 'libx264', '-y', '/tmp/evil.mp4'] },
        { ...base, vf: 'movie=/etc/passwd,scale=w=iw*2:h=ih*2', requiredFilters: ['movie', 'scale'] },
        { ...base, vf: 'scale=w=iw*2:h=ih*2,drawtext=textfile=/etc/passwd' },
        { ...base, source: `s3://vin/${'k'.repeat(1025)}` },
        { ...base, output: 's3://vout/x_sr_2x.exe' },
      ]) {
        const r = await runHost(jobArgs(job as HostJob), { env });
        await expectCleanFailure(r, workRoot, 'VODSR_HOST_USAGE');
      }
      expect((await runHost(['--job-b64', 'not base64!'], { env })).code).toBe(2);
    });

    it('all GPU slots busy past the wait: VODSR_HOST_BUSY', async () => {
      const { env, workRoot } = hostEnv({ VODSR_LOCK_WAIT_SECONDS: '1' });
      mkdirSync(env.VODSR_LOCK_DIR as string, { recursive: true });
      // bash takes the lock on fd 9 and execs sleep, so the lock lives exactly as long as the holder process
      const holder = startHost(
        [
          '-c',
          'exec 9>"$1"; flock -x 9; exec sleep 120',
          'holder',
          join(env.VODSR_LOCK_DIR as string, 'slot-0.lock'),
        ],
        { script: 'bash' },
      );
      // until the holder has the lock (`flock -n` fails), not a fixed wait: on a loaded machine 0.3 s was not enough
      const lock = join(env.VODSR_LOCK_DIR as string, 'slot-0.lock');
      const held = () => spawnSync('flock', ['-n', lock, 'true']).status === 1;
      const deadline = Date.now() + 20_000;
      while (!held() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(held(), 'the stand-in holder never took the slot lock').toBe(true);
      const run = await runHost(jobArgs(lanczosJob('s3://vin/videos/clip.mp4', 's3://vout/busy_sr_2x.mp4')), {
        env,
      });
      holder.child.kill('SIGTERM');
      await holder.done;
      await expectCleanFailure(run, workRoot, 'VODSR_HOST_BUSY');
    });

    it('NVENC unusable and no CPU fallback in the job: VODSR_HOST_MISSING_TOOL', async () => {
      const { env, workRoot } = hostEnv();
      const { cpuEncoderArgs: _drop, ...job } = lanczosJob(
        's3://vin/videos/clip.mp4',
        's3://vout/n_sr_2x.mp4',
      );
      const run = await runHost(jobArgs(job), { env });
      await expectCleanFailure(run, workRoot, 'VODSR_HOST_MISSING_TOOL');
      expect(run.result).toMatchObject({ message: expect.stringContaining('h264_nvenc') });
    });
  });

  describe('Step Functions callbacks', () => {
    /**
     * An aws CLI stand-in: records stepfunctions calls (one argv per line, each word base64), forwards the rest.
     * `errors` maps a stepfunctions command (`send-task-heartbeat`, ...) to the error it answers: an AWS error code
     * (as the CLI prints it, exit 254), or `connect` for an endpoint it cannot reach (exit 255).
     */
    function recordingAws(errors: Record<string, string> = {}): { bin: string; log: string } {
      const dir = join(tmp.dir, `aws-rec-${++n}`);
      mkdirSync(dir);
      const log = join(dir, 'calls.jsonl');
      const bin = join(dir, 'aws');
      const answers = Object.entries(errors).map(([cmd, code]) =>
        code === 'connect'
          ? `  if [[ " $* " == *" ${cmd} "* ]]; then echo 'Could not connect to the endpoint URL: "https://states.eu-west-1.amazonaws.com/"' >&2; exit 255; fi`
          : `  if [[ " $* " == *" ${cmd} "* ]]; then echo 'An error occurred (${code}) when calling the ${cmd} operation: closed' >&2; exit 254; fi`,
      );
      writeFileSync(
        bin,
        [
          '#!/usr/bin/env bash',
          'set -euo pipefail',
          'if [[ " $* " == *" stepfunctions "* ]]; then',
          `  { for a in "$@"; do printf '%s' "$a" | base64 -w0; printf ' '; done; echo; } >>"${log}"`,
          ...answers,
          '  exit 0',
          'fi',
          `exec "${AWS_BIN}" "$@"`,
          '',
        ].join('\n'),
      );
      chmodSync(bin, 0o755);
      return { bin, log };
    }
    const calls = (log: string): string[][] =>
      existsSync(log)
        ? readFileSync(log, 'utf8')
            .trim()
            .split('\n')
            .map((l) =>
              l
                .trim()
                .split(' ')
                .map((a) => Buffer.from(a, 'base64').toString('utf8')),
            )
        : [];
    const token = 'AQB8AAAAKgAAAAMAAAAA+token/with=chars';
    const tokenB64 = Buffer.from(token).toString('base64');

    it('sends heartbeats while running and send-task-success with the result', async () => {
      const aws = recordingAws();
      const bin = slowFfmpegBin();
      const { env } = hostEnv({
        VODSR_AWS: aws.bin,
        VODSR_HEARTBEAT_SECONDS: '1',
        PATH: `${bin}:${process.env.PATH}`,
      });
      await putObject(
        s3,
        'vin',
        'hb.mp4',
        readFileSync(await makeVideo(join(tmp.dir, 'hb.mp4'), { seconds: 3 })),
      );
      const run = await runHost(
        [...jobArgs(lanczosJob('s3://vin/hb.mp4', 's3://vout/hb_sr_2x.mp4')), '--task-token-b64', tokenB64],
        {
          env,
        },
      );
      expect(run.code, run.stderr).toBe(0);
      const sfn = calls(aws.log);
      expect(sfn.filter((c) => c.includes('send-task-heartbeat')).length).toBeGreaterThanOrEqual(1);
      const success = sfn.filter((c) => c.includes('send-task-success'));
      expect(success).toHaveLength(1);
      expect(success[0]).toContain(`--task-token=${token}`);
      const output = success[0]?.find((a) => a.startsWith('--task-output='))?.slice('--task-output='.length);
      expect(JSON.parse(output ?? '{}')).toEqual(run.result);
      expect(success[0]).toContain(`--endpoint-url`);
      await emptyOut();
    });

    it('stops the job when Step Functions no longer waits for it (TaskTimedOut on heartbeat)', async () => {
      // A closed task (the execution was stopped: `vodsr cancel` on AWS) refuses every callback of its token.
      const aws = recordingAws({
        'send-task-heartbeat': 'TaskTimedOut',
        'send-task-failure': 'TaskTimedOut',
      });
      const { env, workRoot } = hostEnv({
        VODSR_AWS: aws.bin,
        VODSR_HEARTBEAT_SECONDS: '1',
        PATH: `${slowFfmpegBin()}:${process.env.PATH}`,
      });
      await putObject(
        s3,
        'vin',
        'tt.mp4',
        readFileSync(await makeVideo(join(tmp.dir, 'tt.mp4'), { seconds: 8 })),
      );
      const run = await runHost(
        [...jobArgs(lanczosJob('s3://vin/tt.mp4', 's3://vout/tt_sr_2x.mp4')), '--task-token-b64', tokenB64],
        { env },
      );
      await expectCleanFailure(run, workRoot, 'VODSR_HOST_INTERRUPTED');
      expect(run.stderr).toContain('the workflow no longer waits for this job');
      expect(calls(aws.log).filter((c) => c.includes('send-task-heartbeat'))).toHaveLength(1);
      // its failure report is refused the same way: not retried (no retry can reopen the task)
      expect(calls(aws.log).filter((c) => c.includes('send-task-failure'))).toHaveLength(1);
    });

    it('retries a callback that did not reach Step Functions, and still ends with the coded result', async () => {
      const aws = recordingAws({ 'send-task-failure': 'connect' });
      const { env } = hostEnv({ VODSR_AWS: aws.bin });
      const run = await runHost(
        [
          ...jobArgs(lanczosJob('s3://vin/missing.mp4', 's3://vout/r_sr_2x.mp4')),
          '--task-token-b64',
          tokenB64,
        ],
        { env },
      );
      expect(run.code).toBe(6);
      expect(run.result).toMatchObject({ ok: false, code: 'VODSR_HOST_FETCH_FAILED' });
      expect(calls(aws.log).filter((c) => c.includes('send-task-failure'))).toHaveLength(3);
      expect(run.stderr).toContain('could not report the failure to Step Functions');
    });

    it('sends send-task-failure with the coded error and cause', async () => {
      const aws = recordingAws();
      const { env } = hostEnv({ VODSR_AWS: aws.bin });
      const run = await runHost(
        [
          ...jobArgs(lanczosJob('s3://vin/missing.mp4', 's3://vout/f_sr_2x.mp4')),
          '--task-token-b64',
          tokenB64,
        ],
        { env },
      );
      expect(run.code).toBe(6);
      const failure = calls(aws.log).filter((c) => c.includes('send-task-failure'));
      expect(failure).toHaveLength(1);
      expect(failure[0]).toContain('--error=VODSR_HOST_FETCH_FAILED');
      expect(failure[0]?.find((a) => a.startsWith('--cause='))).toContain('cannot read the source object');
    });
  });
});

/** A directory with an \`ffmpeg\` that reads the job's input at native speed (the upscale lasts as long as the video). */
function slowFfmpegBin(): string {
  const bin = join(tmp.dir, 'slow-ffmpeg-bin');
  if (!existsSync(bin)) {
    mkdirSync(bin, { recursive: true });
    writeFileSync(
      join(bin, 'ffmpeg'),
      `#!/usr/bin/env bash\nfor a in "$@"; do [[ "$a" == -progress ]] && exec "${REAL_FFMPEG}" -re "$@"; done\nexec "${REAL_FFMPEG}" "$@"\n`,
    );
    chmodSync(join(bin, 'ffmpeg'), 0o755);
  }
  return bin;
}

async function emptyOut(): Promise<void> {
  const { DeleteObjectCommand } = await import('@aws-sdk/client-s3');
  for (const Key of await listKeys(s3, 'vout'))
    await s3.client.send(new DeleteObjectCommand({ Bucket: 'vout', Key }));
}

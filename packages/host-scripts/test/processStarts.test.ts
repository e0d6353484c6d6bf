/**
 * vodsr-host's fixed cost per job (issue 16): the processes a job starts, counted through a PATH of logging shims,
 * pinned as upper bounds so they cannot silently grow back (jq costs ~40 ms a start). And the bash JSON writers
 * that replace jq on the job path (log events, the result's time) checked byte for byte against jq.
 */
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { encodeHostJob, type HostJob } from '@vodsr/core';
import { BASE_HOST_HLS } from '@vodsr/core/host-job-cases';
import { HOST_SCRIPT_PATH } from '@vodsr/host-scripts';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { lanczosJob, makeVideo, runHost, tempDir } from './helpers.js';

// Real encodes on a shared 2-core machine: generous limits (nothing here asserts on time).
vi.setConfig({ testTimeout: 240_000, hookTimeout: 120_000 });

const SCRIPT = readFileSync(HOST_SCRIPT_PATH, 'utf8');
/** Every program vodsr-host may start on a job's path (a shim logs its name, then execs the real one). */
const TOOLS = [
  'jq',
  'ffprobe',
  'ffmpeg',
  'base64',
  'cat',
  'mv',
  'cp',
  'mkdir',
  'mktemp',
  'stat',
  'readlink',
  'sha256sum',
  'rm',
  'rmdir',
  'realpath',
  'mkfifo',
  'flock',
  'dirname',
  'df',
  'chmod',
  'awk',
  'grep',
  'tail',
  'tr',
  'head',
  'sleep',
  'date',
  'hostname',
];

/** All programs of a steady-state job, as counted when issue 16 was done (upper bounds, not targets). */
const MAX_HLS_STARTS = 36;
const MAX_SR_STARTS = 23;

let tmp: { dir: string; remove: () => void };
let shims: string;
let log: string;
let wide: string;
let small: string;
let n = 0;
const WORK = () => ({ VODSR_WORK_ROOT: join(tmp.dir, 'work'), VODSR_LOCK_DIR: join(tmp.dir, 'locks') });

beforeAll(async () => {
  tmp = tempDir('vodsr-starts-');
  shims = join(tmp.dir, 'shims');
  log = join(tmp.dir, 'exec.log');
  mkdirSync(shims);
  const path = process.env.PATH ?? '/usr/bin:/bin';
  for (const tool of TOOLS) {
    const real = path
      .split(':')
      .map((d) => join(d, tool))
      .find((p) => existsSync(p));
    if (!real) continue;
    writeFileSync(join(shims, tool), `#!/bin/sh\necho ${tool} >>'${log}'\nexec '${real}' "$@"\n`);
    chmodSync(join(shims, tool), 0o755);
  }
  // The typical job of issue 16: 640x360, 1 s, one audio track → SR 1280x720 and 3 rungs.
  wide = await makeVideo(join(tmp.dir, 'wide.mp4'), { width: 640, height: 360, seconds: 1 });
  small = await makeVideo(join(tmp.dir, 'small.mp4'), { width: 160, height: 120, seconds: 1 });
  // One job first, so the capability cache is warm (filters, NVENC, libx264): a host's steady state.
  const warm = await runHost(
    ['run', `--job-b64=${encodeHostJob(lanczosJob(small, join(tmp.dir, 'warm.mp4')))}`],
    {
      env: { ...WORK(), PATH: `${shims}:${process.env.PATH}` },
    },
  );
  expect(warm.code, warm.stderr).toBe(0);
});

afterAll(() => tmp?.remove());

/** One run through the shims, with the argv SSM gives it; the programs it started. */
async function counted(
  job: HostJob,
  extraEnv: Record<string, string> = {},
): Promise<{ run: Awaited<ReturnType<typeof runHost>>; starts: string[] }> {
  const env = { ...WORK(), PATH: `${shims}:${process.env.PATH}`, ...extraEnv };
  writeFileSync(log, '');
  const run = await runHost(['run', `--job-b64=${encodeHostJob(job)}`], { env });
  const starts = readFileSync(log, 'utf8').trim().split('\n').filter(Boolean);
  return { run, starts };
}

/** The ffprobe JSON the local backend writes at submit (VODSR_SOURCE_PROBE_FILE), for VIDEO. */
function writeProbe(file: string, video: string): void {
  const args = ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', video];
  writeFileSync(file, execFileSync('ffprobe', args, { encoding: 'utf8' }));
}

function tally(starts: string[]): Record<string, number> {
  const t: Record<string, number> = {};
  for (const s of starts) t[s] = (t[s] ?? 0) + 1;
  return t;
}

function hlsJob(source: string, dir: string): HostJob {
  n += 1;
  return {
    ...lanczosJob(source, join(dir, `clip-${n}_sr_2x.mp4`)),
    hls: {
      ...BASE_HOST_HLS,
      destination: join(dir, `hls-${n}/`),
      segmentSeconds: 1,
      gopSeconds: 1,
      steps: [
        { shortSide: 720, maxBitrate: 3_500_000, qvbrQuality: 7, crf: 22, audioBitrate: 128_000 },
        { shortSide: 540, maxBitrate: 2_000_000, qvbrQuality: 7, crf: 23, audioBitrate: 96_000 },
        { shortSide: 360, maxBitrate: 800_000, qvbrQuality: 6, crf: 24, audioBitrate: 96_000 },
      ],
    },
  } as HostJob;
}

describe('process starts per job', () => {
  it('an SR file + a 3-rung HLS ladder: 3 jq, 1 source ffprobe + 2 verify ffprobes, one base64', async () => {
    const out = join(tmp.dir, 'out-hls');
    const job = hlsJob(wide, out);
    const { run, starts } = await counted(job);
    expect(run.code, run.stderr).toBe(0);
    expect(run.result).toMatchObject({
      ok: true,
      srFile: true,
      sr: { width: 1280, height: 720, hasAudio: true },
      hls: { variants: [{ name: '720p' }, { name: '540p' }, { name: '360p' }] },
    });
    expect(existsSync(job.output)).toBe(true);
    expect(readFileSync(join(job.hls?.destination ?? '', 'index.m3u8'), 'utf8')).toContain('index_540p.m3u8');
    const t = tally(starts);
    // Before issue 16: 18 jq, 22 base64 (one per field) and 76 programs in all.
    expect(t.jq ?? 0).toBeLessThanOrEqual(3);
    expect(t.ffprobe ?? 0).toBeLessThanOrEqual(3);
    expect(t.ffmpeg ?? 0).toBeLessThanOrEqual(1);
    expect(t.base64 ?? 0).toBeLessThanOrEqual(1);
    expect(starts.length, JSON.stringify(t)).toBeLessThanOrEqual(MAX_HLS_STARTS);
  });

  it('as many mv processes for 6 HLS segments as for one: FFmpeg names them after their variant', async () => {
    const long = await makeVideo(join(tmp.dir, 'long.mp4'), { width: 160, height: 120, seconds: 6 });
    const job = hlsJob(long, join(tmp.dir, 'out-long'));
    const { run, starts } = await counted(job);
    expect(run.code, run.stderr).toBe(0);
    const dest = job.hls?.destination ?? '';
    expect(readdirSync(dest).filter((f) => f.endsWith('.ts'))).toHaveLength(6);
    expect(readFileSync(join(dest, 'index_240p.m3u8'), 'utf8')).toContain('\nindex_240p_00006.ts\n');
    // The work folder, the segments (one mv for all), each of the 3 publish groups and the SR file moved into a
    // partial folder/file and renamed into place (2 each): was 5 + one per segment.
    expect(tally(starts).mv).toBeLessThanOrEqual(10);
    // Published locally by moving (a rename on one filesystem), not by copying the SR file and every segment.
    expect(tally(starts).cp ?? 0).toBe(0);
  });

  it('starts the verdict jq while FFmpeg runs, so the job’s end waits on no jq start', async () => {
    const job = hlsJob(wide, join(tmp.dir, 'out-verdict'));
    const { run, starts } = await counted(job);
    expect(run.code, run.stderr).toBe(0);
    expect(run.result).toMatchObject({ ok: true, srFile: true, sr: { width: 1280, height: 720 } });
    // After FFmpeg: its verdict's jq, then the two probes of the outputs (they start once FFmpeg has exited).
    const after = starts.slice(starts.indexOf('ffmpeg') + 1);
    expect(after.filter((s) => s === 'ffprobe')).toHaveLength(2);
    expect(after.lastIndexOf('jq'), after.join(' ')).toBeLessThan(after.indexOf('ffprobe'));
  });

  it('an SR file only: 3 jq, 2 ffprobe (source, SR file), one base64', async () => {
    const job = lanczosJob(wide, join(tmp.dir, 'out-sr', 'clip_sr_2x.mp4'));
    const { run, starts } = await counted(job);
    expect(run.code, run.stderr).toBe(0);
    expect(run.result).toMatchObject({ ok: true, sr: { width: 1280, height: 720, hasAudio: true } });
    expect(existsSync(job.output)).toBe(true);
    const t = tally(starts);
    expect(t.jq ?? 0).toBeLessThanOrEqual(3);
    expect(t.ffprobe ?? 0).toBeLessThanOrEqual(2);
    expect(t.ffmpeg ?? 0).toBeLessThanOrEqual(1);
    expect(t.base64 ?? 0).toBeLessThanOrEqual(1);
    expect(starts.length, JSON.stringify(t)).toBeLessThanOrEqual(MAX_SR_STARTS);
  });

  it('reuses the local backend’s submit-time probe (VODSR_SOURCE_PROBE_FILE): 1 ffprobe fewer, same result', async () => {
    const probeFile = join(tmp.dir, 'handed.ffprobe.json');
    writeProbe(probeFile, wide);
    const own = await counted(lanczosJob(wide, join(tmp.dir, 'out-own', 'clip_sr_2x.mp4')));
    const handed = await counted(lanczosJob(wide, join(tmp.dir, 'out-handed', 'clip_sr_2x.mp4')), {
      VODSR_SOURCE_PROBE_FILE: probeFile,
    });
    expect(own.run.code, own.run.stderr).toBe(0);
    expect(handed.run.code, handed.run.stderr).toBe(0);
    expect(tally(handed.starts).ffprobe).toBe((tally(own.starts).ffprobe ?? 0) - 1);
    const { elapsedSeconds: _a, timings: _b, ...ownResult } = own.run.result as Record<string, unknown>;
    const { elapsedSeconds: _c, timings: _d, ...handedResult } = handed.run.result as Record<string, unknown>;
    expect({ ...handedResult, output: '' }).toEqual({ ...ownResult, output: '' });

    // A source modified after the probe was written is probed again; so is any source given a missing file.
    const later = new Date(Date.now() + 5_000);
    utimesSync(wide, later, later);
    const stale = await counted(lanczosJob(wide, join(tmp.dir, 'out-stale', 'clip_sr_2x.mp4')), {
      VODSR_SOURCE_PROBE_FILE: probeFile,
    });
    expect(stale.run.code, stale.run.stderr).toBe(0);
    expect(tally(stale.starts).ffprobe).toBe(tally(own.starts).ffprobe);
    const missing = await counted(lanczosJob(wide, join(tmp.dir, 'out-missing', 'clip_sr_2x.mp4')), {
      VODSR_SOURCE_PROBE_FILE: join(tmp.dir, 'no-such.json'),
    });
    expect(missing.run.code, missing.run.stderr).toBe(0);
    expect(tally(missing.starts).ffprobe).toBe(tally(own.starts).ffprobe);
  });

  it('works out the source plan from a handed probe while the job is read: two jq at once, same result', async () => {
    const probeFile = join(tmp.dir, 'handed-early.ffprobe.json');
    writeProbe(probeFile, wide);
    // Written after the source's last change (an earlier test moves the source's mtime ahead).
    const after = new Date(statSync(wide).mtimeMs + 10_000);
    utimesSync(probeFile, after, after);
    // A jq that logs when each program starts and ends: "start plan", "end job", ... (the plan reads the probe).
    const timed = join(tmp.dir, 'timed-jq');
    const events = join(tmp.dir, 'jq-events.log');
    mkdirSync(timed, { recursive: true });
    const realJq = execFileSync('bash', ['-c', 'command -v jq'], { encoding: 'utf8' }).trim();
    writeFileSync(
      join(timed, 'jq'),
      `#!/usr/bin/env bash
kind=other
case " $* " in *" --rawfile probe "*) kind=plan ;; *" --arg exts "*) kind=job ;; esac
echo "start $kind" >>'${events}'
'${realJq}' "$@"
rc=$?
echo "end $kind" >>'${events}'
exit $rc
`,
    );
    chmodSync(join(timed, 'jq'), 0o755);
    writeFileSync(events, '');
    const job = hlsJob(wide, join(tmp.dir, 'out-early'));
    const run = await runHost(['run', `--job-b64=${encodeHostJob(job)}`], {
      env: { ...WORK(), PATH: `${timed}:${process.env.PATH}`, VODSR_SOURCE_PROBE_FILE: probeFile },
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.result).toMatchObject({
      ok: true,
      sr: { width: 1280, height: 720, hasAudio: true },
      hls: { variants: [{ name: '720p' }, { name: '540p' }, { name: '360p' }] },
    });
    const log = readFileSync(events, 'utf8').trim().split('\n');
    // One plan, started before the job's read ended (before: only after it, and after the slot and the fetch).
    expect(log.filter((l) => l === 'start plan')).toHaveLength(1);
    expect(log.indexOf('start plan')).toBeLessThan(log.indexOf('end job'));
    expect(readFileSync(join(job.hls?.destination ?? '', 'index.m3u8'), 'utf8')).toContain('index_720p.m3u8');
  });

  it('writes a hostile ASCII log message without jq, byte for byte as jq does; other text through jq', async () => {
    for (const [name, jqStarts] of [
      [`nv"enc\\ \t\n\r\b\f\u0001\u001f\u007f & \\& $(id) \`id\` %s`, 3],
      ['énc 🎬 \u2028', 4],
    ] as const) {
      n += 1;
      const job = { ...lanczosJob(small, join(tmp.dir, 'out-log', `l${n}_sr_2x.mp4`)) };
      job.encoderArgs = ['-c:v', name, '-c:a', 'copy'];
      const { run, starts } = await counted(job);
      expect(run.code, run.stderr).toBe(0);
      const message = `encoder ${name} is not usable here (no NVIDIA GPU/driver?): using the CPU fallback libx264`;
      const want = execFileSync(
        'jq',
        ['-nc', '--arg', 'm', message, '{event:"log",level:"warn",message:$m}'],
        {
          encoding: 'utf8',
        },
      );
      expect(run.stdout.split('\n')).toContain(want.trimEnd());
      expect(tally(starts).jq).toBe(jqStarts);
    }
  });
});

/** A function of vodsr-host, to run on its own. */
function fn(name: string): string {
  const m = new RegExp(`^${name}\\(\\) \\{\\n[\\s\\S]*?\\n\\}\\n`, 'm').exec(SCRIPT);
  if (!m) throw new Error(`no ${name}() in vodsr-host`);
  return m[0];
}

describe('the bash JSON writers', () => {
  it('json_string writes every ASCII text as jq does, and leaves any other byte to jq', () => {
    const inputs: number[][] = [];
    for (let b = 1; b < 256; b++) inputs.push([0x61, b, 0x62]);
    inputs.push(Array.from({ length: 127 }, (_, i) => i + 1));
    inputs.push([0x5c, 0x5c, 0x22, 0x26, 0x5c, 0x26, 0x24, 0x28, 0x29, 0x60]); // \\"&\&$()`
    inputs.push([0xc3, 0xa9], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82]);
    inputs.push([0x22, 0x0a, 0xff, 0x0a]);
    const hex = inputs.map((bytes) => bytes.map((b) => `\\x${b.toString(16).padStart(2, '0')}`).join(''));
    // Each input through json_string (in a UTF-8 locale too); then all of them through ONE jq, in the same order.
    const script = `set -euo pipefail
${fn('json_string')}
inputs=()
for h in "$@"; do printf -v s '%b' "$h"; inputs+=("$s"); done
for s in "\${inputs[@]}"; do
  if json_string "$s" out; then printf 'ok %s\\n' "$out"; else printf 'jq\\n'; fi
done
jq -nc --args '$ARGS.positional[]' "\${inputs[@]}"
`;
    for (const LC_ALL of ['C', 'C.UTF-8']) {
      const lines = execFileSync('bash', ['-c', script, 'json-string', ...hex], {
        encoding: 'utf8',
        env: { PATH: process.env.PATH, LC_ALL },
        stdio: ['ignore', 'pipe', 'pipe'], // not a socket: bash would read ~/.bashrc
      }).split('\n');
      const mine = lines.slice(0, inputs.length);
      const jq = lines.slice(inputs.length, 2 * inputs.length);
      inputs.forEach((bytes, i) => {
        const ascii = bytes.every((b) => b < 0x80);
        expect(mine[i], `${LC_ALL} ${hex[i]}`).toBe(ascii ? `ok ${jq[i]}` : 'jq');
      });
    }
  });

  it('json_decimal writes a plain decimal as jq writes the number, and leaves anything else to jq', () => {
    const values: string[] = [];
    for (const i of ['0', '1', '9', '10', '99', '100', '1234', '100000000', '999999999'])
      for (const f of ['', '.0', '.000', '.001', '.010', '.100', '.5', '.50', '.120', '.999'])
        values.push(`${i}${f}`);
    const others = ['-0.001', '1e3', '1000000000', '0.0001', '01.5', '.5', '1.', ''];
    const script = `set -euo pipefail
${fn('json_decimal')}
for v in "$@"; do if json_decimal "$v" out; then printf '%s\\n' "$out"; else printf 'jq\\n'; fi; done
`;
    const lines = execFileSync('bash', ['-c', script, 'json-decimal', ...values, ...others], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH },
      stdio: ['ignore', 'pipe', 'pipe'],
    }).split('\n');
    const jq = execFileSync('jq', ['-c', '.'], { input: values.join('\n'), encoding: 'utf8' }).split('\n');
    expect(lines.slice(0, values.length)).toEqual(jq.slice(0, values.length));
    expect(lines.slice(values.length, values.length + others.length)).toEqual(others.map(() => 'jq'));
  });
});

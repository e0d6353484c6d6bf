/**
 * vodsr-host's checks of what FFmpeg wrote (verify_output, verify_hls and VERIFY_RESULT_JQ): an FFmpeg wrapper spoils
 * one output after a real encode, and the job fails with VODSR_HOST_VERIFY_FAILED, its message, and nothing
 * published. An ffprobe that crashes (a broken build) is named as such, not taken for an unreadable file.
 */
import { chmodSync, existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeHostJob, type HostJob } from '@vodsr/core';
import { BASE_HOST_HLS } from '@vodsr/core/host-job-cases';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { lanczosJob, makeVideo, runHost, tempDir } from './helpers.js';

// Real encodes on a shared 2-core machine: generous limits (nothing here asserts on time).
vi.setConfig({ testTimeout: 240_000, hookTimeout: 120_000 });

let tmp: { dir: string; remove: () => void };
let wide: string;
let n = 0;

/** Where TOOL is on PATH (the real one the wrappers below call). */
const onPath = (tool: string) =>
  (process.env.PATH ?? '')
    .split(':')
    .map((d) => join(d, tool))
    .find((p) => existsSync(p));

beforeAll(async () => {
  tmp = tempDir('vodsr-verify-');
  const real = onPath('ffmpeg');
  // The job's FFmpeg (the one with -progress) runs for real, then SPOIL spoils what it wrote.
  writeFileSync(
    join(tmp.dir, 'ffmpeg'),
    `#!/usr/bin/env bash
'${real}' "$@"
rc=$?
case " $* " in *" -progress "*) ;; *) exit $rc ;; esac
last="\${*: -1}" out="\${last#file:}" hls=''
for a in "$@"; do case "$a" in *'/%v.m3u8') hls="\${a#file:}" hls="\${hls%/%v.m3u8}" ;; esac; done
case "$SPOIL" in
  junk) echo junk >"$out" ;;
  noaudio) '${real}' -y -loglevel error -i "$out" -map 0:v -c copy "$out.v.mp4" && mv "$out.v.mp4" "$out" ;;
  short) '${real}' -y -loglevel error -i "$out" -t 0.3 -c copy "$out.s.mp4" && mv "$out.s.mp4" "$out" ;;
  master) sed -i '/^#EXT-X-STREAM-INF/{N;/\\(v1\\|_360p\\)\\.m3u8/d}' "$hls/master.m3u8" ;;
esac
exit $rc
`,
  );
  chmodSync(join(tmp.dir, 'ffmpeg'), 0o755);
  // SPOIL=verdict: the jq of the verdict (started while FFmpeg runs, fed the probes on stdin) dies at once.
  const jq = onPath('jq');
  writeFileSync(
    join(tmp.dir, 'jq'),
    `#!/usr/bin/env bash
if [[ "$SPOIL" == verdict && " $* " == *" -R -s "* ]]; then exit 3; fi
exec '${jq}' "$@"
`,
  );
  chmodSync(join(tmp.dir, 'jq'), 0o755);
  // CRASH=source|sr|master: ffprobe dies of SIGSEGV reading that file (as a broken ffprobe build does), no core file.
  const ffprobe = onPath('ffprobe');
  writeFileSync(
    join(tmp.dir, 'ffprobe'),
    `#!/usr/bin/env bash
case "$CRASH:$*" in
  source:*/wide.mp4* | sr:*/output.mp4* | master:*/master.m3u8*) ulimit -c 0; kill -SEGV $$ ;;
esac
exec '${ffprobe}' "$@"
`,
  );
  chmodSync(join(tmp.dir, 'ffprobe'), 0o755);
  wide = await makeVideo(join(tmp.dir, 'wide.mp4'), { width: 640, height: 360, seconds: 1 });
});

afterAll(() => tmp?.remove());

/** JOB run with SPOIL spoiling an output and ffprobe crashing on CRASH: fails with CODE (EXITCODE), leaves nothing. */
async function spoiled(
  spoil: string,
  job: HostJob,
  crash = '',
  code = 'VODSR_HOST_VERIFY_FAILED',
  exitCode = 9,
) {
  n += 1;
  const run = await runHost(['run', `--job-b64=${encodeHostJob(job)}`], {
    env: {
      PATH: `${tmp.dir}:${process.env.PATH}`,
      SPOIL: spoil,
      CRASH: crash,
      VODSR_WORK_ROOT: join(tmp.dir, `work-${n}`),
      VODSR_LOCK_DIR: join(tmp.dir, `locks-${n}`),
    },
  });
  expect(run.code, run.stderr).toBe(exitCode);
  expect(run.result).toMatchObject({ ok: false, code, exitCode });
  expect(readdirSync(join(tmp.dir, `work-${n}`)).filter((f) => f !== '.caps')).toEqual([]);
  return (run.result as { message: string }).message;
}

function job(out: string, hls = false): HostJob {
  const base = lanczosJob(wide, join(tmp.dir, out, 'clip_sr_2x.mp4'), { cpuOnly: true });
  if (!hls) return base;
  return {
    ...base,
    hls: {
      ...BASE_HOST_HLS,
      destination: join(tmp.dir, out, 'hls/'),
      segmentSeconds: 1,
      gopSeconds: 1,
      steps: [...BASE_HOST_HLS.steps],
    },
  } as HostJob;
}

describe('vodsr-host refuses what FFmpeg did not write right', () => {
  it('an SR file that is not a video', async () => {
    expect(await spoiled('junk', job('junk'))).toBe('the SR output is not a readable video');
    expect(existsSync(join(tmp.dir, 'junk'))).toBe(false);
  });

  it('an SR file shorter than the source', async () => {
    expect(await spoiled('short', job('short'))).toMatch(/^the SR output lasts 0\.[0-9]+ s, the source 1 s$/);
  });

  it('an SR file without the audio of the source, next to the HLS ladder', async () => {
    expect(await spoiled('noaudio', job('noaudio', true))).toBe(
      'the source has audio but the SR output has none',
    );
    expect(existsSync(join(tmp.dir, 'noaudio'))).toBe(false);
  });

  it('a verdict jq that died before the outputs were handed to it (a write to a closed pipe ends nothing)', async () => {
    expect(await spoiled('verdict', job('verdict', true))).toBe('checking the outputs failed');
    expect(existsSync(join(tmp.dir, 'verdict'))).toBe(false);
  });

  it('an ffprobe that crashes on the SR output: named as a crash, not as an unreadable file', async () => {
    expect(await spoiled('', job('crash-sr', true), 'sr')).toBe(
      "the SR output could not be checked: ffprobe was killed by SIGSEGV reading it (the host's ffprobe may be broken)",
    );
    expect(existsSync(join(tmp.dir, 'crash-sr'))).toBe(false);
  });

  it('an ffprobe that crashes on the HLS master playlist', async () => {
    expect(await spoiled('', job('crash-master', true), 'master')).toBe(
      "the HLS tree could not be checked: ffprobe was killed by SIGSEGV reading the HLS master playlist (the host's ffprobe may be broken)",
    );
    expect(existsSync(join(tmp.dir, 'crash-master'))).toBe(false);
  });

  it('an ffprobe that crashes on the source: VODSR_HOST_PROBE_FAILED, saying so', async () => {
    expect(await spoiled('', job('crash-source'), 'source', 'VODSR_HOST_PROBE_FAILED', 7)).toBe(
      'the source is not a readable video (corrupt, truncated or without a video stream): ffprobe was killed by SIGSEGV reading it',
    );
    expect(existsSync(join(tmp.dir, 'crash-source'))).toBe(false);
  });

  it('a master playlist without one of the planned rungs', async () => {
    expect(await spoiled('master', job('master', true))).toBe(
      'the HLS renditions are ["1280x720"], planned ["1280x720","640x360"]',
    );
    expect(existsSync(join(tmp.dir, 'master'))).toBe(false);
  });
});

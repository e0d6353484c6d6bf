/**
 * The workflow definition with packaging engine `host`, executed locally (aws-local-stepfunctions) with the REAL
 * host script behind RunHost: RunHost → NeedsPackaging → NotifySuccess (no PlanPackaging, no MediaConvert, the same
 * transitions for any video length), and an output tree named as the MediaConvert engine names it for the same
 * job, checked with ffprobe.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  buildWorkflowDefinition,
  decodeHostJob,
  type MediaInfo,
  parseJobSpec,
  prepareJob,
} from '@vodsr/core';
import type { HostResultEvent } from '@vodsr/core/host';
import { WORKFLOW_STATES as S } from '@vodsr/core/workflow';
import { HOST_SCRIPT_PATH } from '@vodsr/host-scripts';
import { hostHlsPlan, mediaConvertPlaylists, planRungs } from '@vodsr/mediaconvert-presets';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Handler, runLocal } from './support/localSfn.js';

// Real encodes on a shared 2-core machine: generous limits (nothing here asserts on time).
vi.setConfig({ testTimeout: 300_000, hookTimeout: 120_000 });

const run = promisify(execFile);
const definition = buildWorkflowDefinition({ mediaConvertRoleArn: 'arn:aws:iam::111111111111:role/mc' });
let dir: string;
let source: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vodsr-hostwf-'));
  source = join(dir, 'in', 'my clip.mp4');
  execFileSync('mkdir', ['-p', join(dir, 'in')]);
  await run('ffmpeg', [
    ...['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=s=480x270:r=25:d=2'],
    ...['-f', 'lavfi', '-i', 'sine=frequency=440:duration=2', '-c:v', 'libx264', '-preset', 'ultrafast'],
    ...['-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', source],
  ]);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** RunHost: the host script itself, given the base64 job exactly as the workflow passes it to SSM. */
const runHost: Handler = async (i) => {
  const jobB64 = (i as { Parameters: { jobB64: string[] } }).Parameters.jobB64[0] as string;
  decodeHostJob(jobB64);
  const r = await run(HOST_SCRIPT_PATH, ['run', `--job-b64=${jobB64}`], {
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      VODSR_WORK_ROOT: join(dir, 'work'),
      VODSR_LOCK_DIR: join(dir, 'locks'),
    },
    maxBuffer: 16 * 1024 * 1024,
  });
  return JSON.parse(r.stdout.trim().split('\n').at(-1) as string);
};

function ffprobe(file: string): { codec_type: string; width?: number; height?: number }[] {
  const out = execFileSync(
    'ffprobe',
    ['-v', 'error', '-print_format', 'json', '-show_entries', 'stream=codec_type,width,height', file],
    { encoding: 'utf8' },
  );
  return (JSON.parse(out) as { streams: { codec_type: string; width?: number; height?: number }[] }).streams;
}

describe('the workflow with host packaging, executed locally with the real host script', () => {
  it('goes RunHost → NeedsPackaging → NotifySuccess and writes the tree MediaConvert would, verified with ffprobe', async () => {
    const job = parseJobSpec({
      source,
      model: 'lanczos-x2',
      encoder: { codec: 'libx264', preset: 'ultrafast' },
      packaging: { preset: 'hls-ladder', engine: 'host', segmentSeconds: 1 },
    });
    // The AWS default stays MediaConvert; the job asks for the host.
    const input = prepareJob(job, {
      jobId: 'hostwf-1',
      outputRoot: join(dir, 'out'),
      packagingEngine: 'mediaconvert',
      hostHlsPlan,
    });
    expect(input.packagingEngine).toBe('host');
    const never: Handler = () => {
      throw new Error('MediaConvert must not run for a host-packaged job');
    };
    const place = () => ({ instanceId: 'i-0123456789abcdef0', slot: 0, lease: 'lease-0001' });
    const events: unknown[] = [];
    const result = await runLocal(definition, input, {
      [S.acquireHost]: place,
      [S.acquireBulkHost]: place,
      [S.runHost]: runHost,
      [S.planPackaging]: never,
      [S.package]: never,
      [S.notifySuccess]: (e) => {
        events.push(e);
        return { Entries: [{ EventId: 'e1' }], FailedEntryCount: 0 };
      },
      [S.notifyFailure]: () => ({ Entries: [{ EventId: 'e2' }], FailedEntryCount: 0 }),
    });

    expect(result.status, result.cause).toBe('SUCCEEDED');
    // Constant: 6 states, whatever the video's length (no polling, no packaging states).
    expect(result.path).toEqual([
      S.queueJob,
      S.acquireHost,
      S.runHost,
      S.skipPackaging,
      S.notifySuccess,
      S.succeeded,
    ]);
    const host = (result.output as { host: Extract<HostResultEvent, { ok: true }> }).host;
    expect(host).toMatchObject({ ok: true, srFile: true, sr: { width: 960, height: 540 } });

    // The MediaConvert engine's names for the same job and the same probed SR file.
    const sr: MediaInfo = host.sr;
    const srName = job.srName;
    const mc = mediaConvertPlaylists('hls-ladder', {
      media: sr,
      input: `s3://bkt/${srName}`,
      destination: 's3://bkt/hls/',
    });
    const rel = (s3: string) => s3.slice('s3://bkt/hls/'.length);
    const hlsDir = input.hlsDestination;
    const files = readdirSync(hlsDir).sort();
    expect(files).toContain(rel(mc.master));
    const rungs = planRungs('hls-ladder', sr);
    expect(mc.variants.map((v) => v.name)).toEqual(rungs.map((r) => r.name));
    for (const v of mc.variants) expect(files).toContain(rel(v.playlist));
    // Nothing else than the master, the variants and their segments (MediaConvert's `<variant>_00001.ts`).
    const variantStems = mc.variants.map((v) => rel(v.playlist).replace(/\.m3u8$/, ''));
    for (const f of files) {
      if (f === rel(mc.master) || f.endsWith('.m3u8')) continue;
      expect(
        variantStems.some((s) => new RegExp(`^${s}_\\d{5}\\.ts$`).test(f)),
        f,
      ).toBe(true);
    }
    expect(files.filter((f) => f.endsWith('_00001.ts'))).toHaveLength(rungs.length);

    // The master lists every rung with its resolution, in the variants' names.
    const master = readFileSync(join(hlsDir, rel(mc.master)), 'utf8');
    for (const [k, r] of rungs.entries()) {
      expect(master).toContain(`RESOLUTION=${r.width}x${r.height}`);
      expect(master.split('\n')).toContain(rel(mc.variants[k]?.playlist as string));
    }
    // Each rendition, through its own playlist: the planned size, with audio.
    for (const [k, r] of rungs.entries()) {
      const streams = ffprobe(join(hlsDir, rel(mc.variants[k]?.playlist as string)));
      expect(streams.find((s) => s.codec_type === 'video')).toMatchObject({
        width: r.width,
        height: r.height,
      });
      expect(streams.some((s) => s.codec_type === 'audio')).toBe(true);
    }
    // The SR file next to it, and the success event names the engine.
    const srStreams = ffprobe(input.srFile);
    expect(srStreams.find((s) => s.codec_type === 'video')).toMatchObject({ width: 960, height: 540 });
    expect(JSON.stringify(events[0])).toContain('"packagingEngine":"host"');
  });
});

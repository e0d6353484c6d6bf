import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { MediaInfo } from '@vodsr/core';

const run = promisify(execFile);

/** A scratch folder; `cleanup()` removes it. */
export async function scratchDir(
  prefix = 'vodsr-presets-',
): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Options of a synthetic test video. */
export interface TestVideo {
  width: number;
  height: number;
  seconds: number;
  fps?: number;
  audio: boolean;
}

/**
 * Writes a short synthetic H.264 (+ AAC) MP4 with FFmpeg's lavfi sources (testsrc2 + sine) and returns its path.
 * Tiny and fast on purpose: tests stay well under a few seconds each.
 */
export async function makeTestVideo(dir: string, v: TestVideo, name = 'src.mp4'): Promise<string> {
  const out = join(dir, name);
  const fps = v.fps ?? 25;
  const args = ['-y', '-hide_banner', '-loglevel', 'error', '-f', 'lavfi'];
  args.push('-i', `testsrc2=s=${v.width}x${v.height}:r=${fps}:d=${v.seconds}`);
  if (v.audio) args.push('-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=44100:d=${v.seconds}`);
  args.push('-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p');
  if (v.audio) args.push('-c:a', 'aac', '-b:a', '96k');
  args.push(out);
  await run('ffmpeg', args);
  return out;
}

interface ProbeStream {
  codec_type: string;
  codec_name: string;
  width?: number;
  height?: number;
  sample_rate?: string;
  channels?: number;
  avg_frame_rate?: string;
  side_data_list?: { rotation?: number }[];
}

/** ffprobe's streams and format of a file or playlist. */
export async function ffprobe(
  path: string,
): Promise<{ streams: ProbeStream[]; format: { duration?: string } }> {
  const { stdout } = await run('ffprobe', [
    '-v',
    'error',
    '-print_format',
    'json',
    '-show_streams',
    '-show_format',
    path,
  ]);
  return JSON.parse(stdout) as { streams: ProbeStream[]; format: { duration?: string } };
}

/** The MediaInfo of a file, as a caller would pass it to the presets. */
export async function probeMedia(path: string): Promise<MediaInfo> {
  const p = await ffprobe(path);
  const v = p.streams.find((s) => s.codec_type === 'video');
  if (!v?.width || !v.height) throw new Error(`no video stream in ${path}`);
  const rotation = v.side_data_list?.find((d) => typeof d.rotation === 'number')?.rotation;
  const [num, den] = (v.avg_frame_rate ?? '0/1').split('/').map(Number);
  return {
    width: v.width,
    height: v.height,
    durationSeconds: Number(p.format.duration ?? 0),
    ...(num && den ? { fps: num / den } : {}),
    ...(rotation ? { rotation } : {}),
    hasAudio: p.streams.some((s) => s.codec_type === 'audio'),
  };
}

/** True when the first video packet of a file is a keyframe (a segment a player can start on). */
export async function firstFrameIsKey(path: string): Promise<boolean> {
  const { stdout } = await run('ffprobe', [
    '-v',
    'error',
    '-select_streams',
    'v:0',
    '-read_intervals',
    '%+#1',
    '-show_entries',
    'packet=flags',
    '-of',
    'csv=p=0',
    path,
  ]);
  return stdout.trim().startsWith('K');
}

/** One `#EXT-X-STREAM-INF` of a master playlist, attributes parsed. */
export interface MasterVariant {
  attrs: Record<string, string>;
  uri: string;
}

/** Parses a master playlist's variants (attribute values unquoted). */
export function parseMaster(text: string): MasterVariant[] {
  const lines = text.split('\n').map((l) => l.trim());
  const out: MasterVariant[] = [];
  lines.forEach((line, i) => {
    if (!line.startsWith('#EXT-X-STREAM-INF:')) return;
    const attrs: Record<string, string> = {};
    for (const m of line.slice('#EXT-X-STREAM-INF:'.length).matchAll(/([A-Z0-9-]+)=("[^"]*"|[^,]*)/g)) {
      attrs[m[1]!] = m[2]!.replace(/^"|"$/g, '');
    }
    const uri = lines.slice(i + 1).find((l) => l !== '' && !l.startsWith('#')) ?? '';
    out.push({ attrs, uri });
  });
  return out;
}

/** Parses a media playlist: target duration, segments with their EXTINF durations, ENDLIST. */
export function parseMediaPlaylist(text: string): {
  targetDuration: number;
  segments: { uri: string; duration: number }[];
  ended: boolean;
} {
  const lines = text.split('\n').map((l) => l.trim());
  const target = Number(/^#EXT-X-TARGETDURATION:(\d+)/m.exec(text)?.[1] ?? Number.NaN);
  const segments: { uri: string; duration: number }[] = [];
  lines.forEach((line, i) => {
    const m = /^#EXTINF:([\d.]+)/.exec(line);
    if (m) segments.push({ duration: Number(m[1]), uri: lines[i + 1] ?? '' });
  });
  return { targetDuration: target, segments, ended: lines.includes('#EXT-X-ENDLIST') };
}

/**
 * Resolves the Step Functions `States.Format('…{}…', $.a, $.b)` fields (`"Key.$"`) of the use case's state
 * against an execution input, the way Step Functions does for these simple templates.
 */
export function resolveStatesFormat(value: unknown, input: Record<string, string>): unknown {
  if (Array.isArray(value)) return value.map((v) => resolveStatesFormat(v, input));
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (k.endsWith('.$') && typeof v === 'string') {
      const m = /^States\.Format\('([^']*)',\s*(.+)\)$/.exec(v.trim());
      if (!m) throw new Error(`unsupported intrinsic: ${v}`);
      const params = m[2]!.split(',').map((p) => {
        const path = p.trim();
        if (!path.startsWith('$.')) throw new Error(`unsupported path: ${path}`);
        const val = input[path.slice(2)];
        if (val === undefined) throw new Error(`missing input ${path}`);
        return val;
      });
      let i = 0;
      out[k.slice(0, -2)] = m[1]!.replace(/\{\}/g, () => params[i++] ?? '');
    } else out[k] = resolveStatesFormat(v, input);
  }
  return out;
}

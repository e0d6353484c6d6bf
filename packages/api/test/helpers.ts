import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JobRecord } from '@vodsr/core';
import { createParser } from 'eventsource-parser';
import { type Browser, chromium } from 'playwright-core';

/** The job once final (succeeded, failed or cancelled), read every 50 ms; throws after 60 s. */
export async function untilEnded(
  service: { get(id: string): Promise<JobRecord> },
  id: string,
): Promise<JobRecord> {
  const end = Date.now() + 60_000;
  for (;;) {
    const j = await service.get(id);
    if (['succeeded', 'failed', 'cancelled'].includes(j.status)) return j;
    if (Date.now() > end) throw new Error(`job ${id} never ended (status ${j.status})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A fresh temp folder. */
export function tempDir(prefix = 'vodsr-api-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Writes a short test video (testsrc2 + sine audio) with FFmpeg and returns its path. */
export function makeVideo(
  dir: string,
  name = 'clip.mp4',
  o: { width?: number; height?: number; seconds?: number; audio?: boolean } = {},
): string {
  const out = join(dir, name);
  const w = o.width ?? 160;
  const h = o.height ?? 120;
  const d = o.seconds ?? 2;
  const args = [
    '-hide_banner',
    '-loglevel',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    `testsrc2=s=${w}x${h}:r=25:d=${d}`,
  ];
  if (o.audio !== false) args.push('-f', 'lavfi', '-i', `sine=frequency=440:d=${d}`);
  args.push('-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p');
  if (o.audio !== false) args.push('-c:a', 'aac', '-b:a', '64k', '-shortest');
  args.push(out);
  execFileSync('ffmpeg', args, { stdio: 'pipe' });
  return out;
}

/** ffprobe's JSON for a file or playlist. */
export function ffprobe(path: string): {
  streams: Array<{ codec_type: string; width?: number; height?: number; codec_name?: string }>;
  format: { duration?: string; format_name?: string };
} {
  const out = execFileSync('ffprobe', ['-v', 'error', '-show_streams', '-show_format', '-of', 'json', path], {
    encoding: 'utf8',
  });
  return JSON.parse(out);
}

/** Parses a text/event-stream body into events (with the parser the remote client uses). */
export function parseSse(body: string): Array<{ event: string; id?: string; data: unknown; bytes: number }> {
  const out: Array<{ event: string; id?: string; data: unknown; bytes: number }> = [];
  const parser = createParser({
    onEvent: (e) =>
      out.push({
        event: e.event ?? 'message',
        ...(e.id !== undefined ? { id: e.id } : {}),
        data: JSON.parse(e.data) as unknown,
        bytes: Buffer.byteLength(e.data),
      }),
  });
  parser.feed(body);
  return out;
}

/** Headless Chromium (the system's `/usr/bin/chromium`) for the viewer's browser tests; `extraArgs` add flags. */
export function launchChromium(extraArgs: readonly string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...extraArgs,
    ],
  });
}

import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type GlobalOptions, type Io, submitCommand } from '@vodsr/cli';

/** A fresh temp folder. */
export function tempDir(prefix = 'vodsr-cli-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A short test video (testsrc2 + sine). */
export function makeVideo(dir: string, name = 'clip.mp4', seconds = 2, size = '160x120'): string {
  const out = join(dir, name);
  execFileSync(
    'ffmpeg',
    [
      '-hide_banner',
      '-loglevel',
      'error',
      '-y',
      '-f',
      'lavfi',
      '-i',
      `testsrc2=s=${size}:r=25:d=${seconds}`,
      '-f',
      'lavfi',
      '-i',
      `sine=frequency=440:d=${seconds}`,
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-pix_fmt',
      'yuv420p',
      '-c:a',
      'aac',
      '-shortest',
      out,
    ],
    { stdio: 'pipe' },
  );
  return out;
}

/** Width/height of the first video stream. */
export function videoSize(path: string): { width: number; height: number } {
  const out = execFileSync(
    'ffprobe',
    ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=width,height', '-of', 'json', path],
    { encoding: 'utf8' },
  );
  const s = (JSON.parse(out) as { streams: Array<{ width: number; height: number }> }).streams[0];
  if (!s) throw new Error(`no video stream in ${path}`);
  return s;
}

/** An Io that records everything: what the command functions of `@vodsr/cli` take. */
export function memoryIo(): Io & { stdout: string[]; stderrLines: string[] } {
  const stdout: string[] = [];
  const stderrLines: string[] = [];
  return {
    stdout,
    stderrLines,
    out: (t) => {
      stdout.push(t);
    },
    err: (t) => {
      stderrLines.push(t);
    },
    interactive: false,
  };
}

/** Polls `fn` every 200 ms until it gives a value (not `undefined`/`false`); fails after `ms` (a guard, not a timing). */
export async function until<T>(
  what: string,
  fn: () => T | undefined | false | Promise<T | undefined | false>,
  ms = 180_000,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Submits a local video with the open model (`vodsr submit`, no worker runs it: it stays queued); its job id. */
export async function submitQueued(g: GlobalOptions, path: string): Promise<string> {
  const io = memoryIo();
  const code = await submitCommand({ ...g, input: path, model: 'lanczos-x2' }, io);
  if (code !== 0) throw new Error(`vodsr submit ${path} exited ${code}: ${io.stderrLines.join(' ')}`);
  return io.stdout[0] as string;
}

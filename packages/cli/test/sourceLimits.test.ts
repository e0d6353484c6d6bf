import { execFile, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { tempDir } from './helpers.js';

// Issue 13.8/13.9 through the compiled CLI: a still image is refused as one (exit 2, coded), and a 4K source at
// x2 gives an HEVC SR file with the HLS rung inside MediaConvert's AVC limit. Real encodes: generous timeouts.

const run = promisify(execFile);
const bin = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'bundle', 'vodsr.js');

function ffmpeg(args: string[]): void {
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args]);
}

function probe(file: string): Record<string, unknown> {
  const out = execFileSync(
    'ffprobe',
    ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream', '-of', 'json', file],
    { encoding: 'utf8' },
  );
  return (JSON.parse(out) as { streams: Record<string, unknown>[] }).streams[0] ?? {};
}

describe('vodsr run and the source limits', () => {
  it('refuses a PNG: exit 2, VODSR_STILL_IMAGE, nothing queued', async () => {
    const dir = tempDir();
    ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=s=64x48:d=1', '-frames:v', '1', join(dir, 'x.png')]);
    const env = { ...process.env, VODSR_DATA_DIR: join(dir, 'state'), VODSR_OUTPUT_DIR: join(dir, 'out') };
    const res = await run(process.execPath, [bin, 'run', 'x.png', '--model', 'lanczos-x2'], {
      cwd: dir,
      env,
    }).catch((e: { code: number; stdout: string; stderr: string }) => e);
    expect(res).toMatchObject({ code: 2 });
    expect(res.stderr).toContain(
      'VODSR_STILL_IMAGE: The source is a still image (png_pipe), not a video: vodsr upscales videos',
    );
    expect(res.stderr).not.toContain('must end in one of');
    const { stdout } = await run(process.execPath, [bin, 'list', '--json'], { cwd: dir, env });
    expect(JSON.parse(stdout)).toEqual({ jobs: [] });
  }, 120_000);

  it('upscales a 4K source x2 to a 7680x4320 HEVC SR file and a 3840x2160 H.264 HLS rung', async () => {
    const dir = tempDir();
    const src = join(dir, 'uhd.mp4');
    ffmpeg([
      '-f',
      'lavfi',
      '-i',
      'testsrc2=s=3840x2160:r=25:d=0.12',
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      src,
    ]);
    const env = { ...process.env, VODSR_DATA_DIR: join(dir, 'state'), VODSR_OUTPUT_DIR: join(dir, 'out') };
    const { stdout } = await run(process.execPath, [bin, 'run', src, '--model', 'lanczos-x2'], {
      cwd: dir,
      env,
    });
    const sr = /SR file: +(.+) \(7680x4320, libx265\)/.exec(stdout)?.[1] as string;
    expect(sr, stdout).toBeDefined();
    const v = probe(sr);
    expect([v.codec_name, v.width, v.height, v.pix_fmt]).toEqual(['hevc', 7680, 4320, 'yuv420p']);
    const master = /HLS master playlist: (.+)/.exec(stdout)?.[1] as string;
    const playlist = readFileSync(master, 'utf8');
    expect(playlist).toMatch(/RESOLUTION=3840x2160,CODECS="avc1\.64/);
    expect(playlist).not.toContain('7680x4320');
  }, 600_000);
});

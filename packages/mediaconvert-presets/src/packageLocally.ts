import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { VodsrError } from '@vodsr/core';
import { audioRenditions, rewriteAudioGroup } from './audioTracks.js';
import { buildFfmpegHlsArgs, checkFfmpegHlsOptions } from './buildFfmpegHlsArgs.js';
import type { FfmpegHlsPlan, PackageLocallyOptions, PresetId } from './types.js';

const STDERR_TAIL_CHARS = 4000;

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

/** Runs FFmpeg, reporting progress; resolves with its exit code and the tail of its stderr. */
function runFfmpeg(
  bin: string,
  args: string[],
  opts: { durationSeconds: number; signal?: AbortSignal; onProgress?: (p: number) => void },
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderrTail: string; spawnError?: Error }> {
  return new Promise((done) => {
    let stderr = '';
    let stdoutBuf = '';
    let last = -1;
    let spawnError: Error | undefined;
    const child = spawn(bin, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    child.on('error', (e) => {
      spawnError = e;
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => {
      stderr = (stderr + d).slice(-STDERR_TAIL_CHARS * 2);
    });
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => {
      stdoutBuf += d;
      const lines = stdoutBuf.split('\n');
      stdoutBuf = lines.pop() ?? '';
      for (const line of lines) {
        const m = /^out_time_(?:us|ms)=(\d+)/.exec(line.trim());
        if (!m || !opts.onProgress || !(opts.durationSeconds > 0)) continue;
        const pct = Math.min(99.9, Math.floor((Number(m[1]) / (opts.durationSeconds * 1e6)) * 1000) / 10);
        if (pct > last) {
          last = pct;
          opts.onProgress(pct);
        }
      }
    });
    child.on('close', (code, signal) => {
      const result = { code, signal, stderrTail: stderr.slice(-STDERR_TAIL_CHARS) };
      done(spawnError ? { ...result, spawnError } : result);
    });
  });
}

/** Checks that FFmpeg wrote every playlist of the plan, complete (`#EXT-X-ENDLIST`). */
async function verifyOutput(dir: string, plan: FfmpegHlsPlan): Promise<string[]> {
  const problems: string[] = [];
  const master = await readFile(join(dir, plan.masterPlaylist), 'utf8').catch(() => undefined);
  if (master === undefined) problems.push(`${plan.masterPlaylist} is missing`);
  for (const a of plan.audio ?? []) {
    const text = await readFile(join(dir, a.playlist), 'utf8').catch(() => undefined);
    if (text === undefined || !text.includes('#EXT-X-ENDLIST'))
      problems.push(`${a.playlist} is missing or incomplete (no #EXT-X-ENDLIST)`);
    if (master !== undefined && !master.includes(`URI="${a.playlist}"`))
      problems.push(`${plan.masterPlaylist} does not list the audio rendition ${a.playlist}`);
  }
  for (const r of plan.renditions) {
    const text = await readFile(join(dir, r.playlist), 'utf8').catch(() => undefined);
    if (text === undefined) problems.push(`${r.playlist} is missing`);
    else if (!text.includes('#EXT-X-ENDLIST'))
      problems.push(`${r.playlist} is incomplete (no #EXT-X-ENDLIST)`);
    if (master !== undefined && !master.split('\n').includes(r.playlist))
      problems.push(`${plan.masterPlaylist} does not list ${r.playlist}`);
  }
  return problems;
}

/**
 * Packages a video locally with the preset's FFmpeg twin (`buildFfmpegHlsArgs`) in one FFmpeg process.
 * FFmpeg writes into a staging folder next to `outDir` (and a staging file next to `srOutput.path`); only when it
 * succeeded and every playlist is complete are they renamed into place (an existing `outDir` is replaced), so a
 * failed or cancelled run leaves nothing half-written.
 *
 * Errors: `VODSR_VALIDATION` (bad options, `none`), `VODSR_PACKAGING_FAILED` (FFmpeg missing or failed; `details`
 * has the exit code and FFmpeg's stderr tail), `VODSR_CANCELLED` (the signal fired).
 *
 * @example
 * const plan = await packageLocally('hls-ladder', { media, input: 'a_sr_2x.mp4', outDir: 'out/hls/a_sr_2x.mp4',
 *   onProgress: (p) => console.log(p) });
 * // out/hls/a_sr_2x.mp4/index.m3u8, 720p.m3u8, 720p_00000.ts, …
 */
export async function packageLocally(id: PresetId, o: PackageLocallyOptions): Promise<FfmpegHlsPlan> {
  checkFfmpegHlsOptions(id, o);
  const finalPlan = buildFfmpegHlsArgs(id, o);
  if (o.signal?.aborted) throw new VodsrError('VODSR_CANCELLED', 'Packaging was cancelled before it started');

  const outDir = resolve(o.outDir);
  await mkdir(dirname(outDir), { recursive: true });
  const staging = await mkdtemp(join(dirname(outDir), `.${basename(outDir)}.partial-`));
  let srStaging: string | undefined;
  let srFinal: string | undefined;
  if (o.srOutput) {
    srFinal = resolve(o.srOutput.path);
    await mkdir(dirname(srFinal), { recursive: true });
    const ext = extname(srFinal);
    srStaging = join(
      dirname(srFinal),
      `.${basename(srFinal, ext)}.partial-${randomBytes(6).toString('hex')}${ext}`,
    );
  }
  const cleanup = async (): Promise<void> => {
    await rm(staging, { recursive: true, force: true });
    if (srStaging) await rm(srStaging, { force: true });
  };

  try {
    const stagedPlan = buildFfmpegHlsArgs(id, {
      ...o,
      outDir: staging,
      ...(o.srOutput && srStaging ? { srOutput: { ...o.srOutput, path: srStaging } } : {}),
    });
    const bin = o.ffmpeg ?? process.env.FFMPEG_PATH ?? 'ffmpeg';
    const args = ['-nostats', '-progress', 'pipe:1', ...stagedPlan.args];
    const run = await runFfmpeg(bin, args, {
      durationSeconds: o.media.durationSeconds,
      ...(o.signal ? { signal: o.signal } : {}),
      ...(o.onProgress ? { onProgress: o.onProgress } : {}),
    });
    if (o.signal?.aborted)
      throw new VodsrError('VODSR_CANCELLED', 'Packaging was cancelled; nothing was written');
    if (run.spawnError) {
      throw new VodsrError(
        'VODSR_PACKAGING_FAILED',
        `Could not start FFmpeg (${bin}): ${run.spawnError.message}`,
        {
          cause: run.spawnError,
          details: { ffmpeg: bin },
        },
      );
    }
    if (run.code !== 0) {
      const lastLine = run.stderrTail.trim().split('\n').at(-1) ?? '';
      throw new VodsrError(
        'VODSR_PACKAGING_FAILED',
        `FFmpeg HLS packaging failed (${run.signal ? `signal ${run.signal}` : `exit code ${run.code}`}): ${lastLine}`,
        { details: { exitCode: run.code, signal: run.signal, stderrTail: run.stderrTail } },
      );
    }
    const group = audioRenditions(o.media);
    if (group.length) {
      // FFmpeg names the renditions audio_<i> and writes no AUTOSELECT: MediaConvert's master lines instead.
      const masterPath = join(staging, stagedPlan.masterPlaylist);
      const master = await readFile(masterPath, 'utf8').catch(() => undefined);
      if (master !== undefined) await writeFile(masterPath, rewriteAudioGroup(master, group));
    }
    const problems = await verifyOutput(staging, stagedPlan);
    if (srStaging && !(await exists(srStaging))) problems.push('the SR output file is missing');
    if (problems.length) {
      throw new VodsrError(
        'VODSR_PACKAGING_FAILED',
        `FFmpeg HLS output is incomplete: ${problems.join('; ')}`,
        {
          details: { problems, stderrTail: run.stderrTail },
        },
      );
    }

    await chmod(staging, 0o755);
    if (await exists(outDir)) {
      const old = `${staging}.old`;
      await rename(outDir, old);
      await rename(staging, outDir);
      await rm(old, { recursive: true, force: true });
    } else {
      await rename(staging, outDir);
    }
    if (srStaging && srFinal) await rename(srStaging, srFinal);
    o.onProgress?.(100);
    return finalPlan;
  } catch (e) {
    await cleanup();
    throw e;
  }
}

import type { JobService } from '@vodsr/api';
import { EXIT, exitCodeForStatus } from '../exitCodes.js';
import { describeCost, describeJob, describeQuality } from '../format.js';
import type { Io } from '../io.js';
import type { GlobalOptions } from '../options.js';
import { followJob } from '../progress.js';
import { openService } from '../services.js';
import { guarded } from './common.js';

/** Arguments of `vodsr run`. */
export interface RunArgs extends GlobalOptions {
  input: string;
  /** Measure PSNR/SSIM of the SR vs bicubic on sampled windows (`quality: true`). */
  quality?: boolean;
  model?: string;
  scale?: number;
  preset?: string;
  output?: string;
  srName?: string;
  segmentSeconds?: number;
  /** Who packages: `host` (the local default: SR and HLS in one FFmpeg pass) or `mediaconvert`. */
  engine?: string;
  /** false (`--no-sr-file`): HLS only, no mezzanine SR file. */
  srFile?: boolean;
  /** Fail instead of switching to the open model when the requested model's filters are missing. */
  fallback?: boolean;
  slots?: number;
}

/**
 * Builds the job body of `run`/`submit` from command-line arguments. Whether the model runs as asked or as the open
 * model is the backend's decision (`runnableModel` of @vodsr/api, where the hosts' FFmpeg is known); `--no-fallback`
 * asks it never to switch.
 */
export function jobFromArgs(a: Omit<RunArgs, keyof GlobalOptions>): Record<string, unknown> {
  const job: Record<string, unknown> = { source: a.input, model: a.model ?? 'A' };
  if (a.fallback === false) job.modelFallback = false;
  if (a.scale !== undefined) job.scale = a.scale;
  if (a.output !== undefined) job.output = a.output;
  if (a.srName !== undefined) job.srName = a.srName;
  if (a.srFile === false) job.srFile = false;
  if (a.quality === true) job.quality = true;
  if (a.preset !== undefined || a.segmentSeconds !== undefined || a.engine !== undefined) {
    job.packaging = {
      ...(a.preset !== undefined ? { preset: a.preset } : {}),
      ...(a.segmentSeconds !== undefined ? { segmentSeconds: a.segmentSeconds } : {}),
      ...(a.engine !== undefined ? { engine: a.engine } : {}),
    };
  }
  return job;
}

/**
 * `vodsr run <input>`: runs one job in this process on the local backend (embedded DB, in-process workflow, system
 * FFmpeg), shows progress, and prints where the SR file and the HLS master playlist are.
 */
export async function runCommand(args: RunArgs, io: Io, signal?: AbortSignal): Promise<number> {
  return guarded(io, args.json, async () => {
    const service: JobService = await openService(
      { ...args, backend: 'local', api: undefined } as GlobalOptions,
      { workers: 'own', slots: args.slots ?? 1 },
    );
    try {
      const { job } = await service.submit(jobFromArgs(args));
      const told = job.outputs?.notes ?? [];
      for (const n of told) io.err(n);
      if (!args.json)
        io.err(
          `job ${job.id} queued (model ${job.spec.model}, preset ${job.spec.packaging?.preset ?? 'hls-single'})`,
        );
      const ac = new AbortController();
      const onAbort = () => ac.abort();
      signal?.addEventListener('abort', onAbort, { once: true });
      let final = await followJob(service, job.id, io, { signal: ac.signal, quiet: args.json === true });
      signal?.removeEventListener('abort', onAbort);
      if (signal?.aborted) {
        final = await service.cancel(job.id).catch(() => final);
        io.err(`cancelled job ${job.id}`);
        if (args.json) io.out(JSON.stringify(final, null, 2));
        return EXIT.SIGINT;
      }
      if (args.json) {
        io.out(JSON.stringify(final, null, 2));
        return exitCodeForStatus(final.status);
      }
      if (final.status === 'succeeded') {
        const o = final.outputs ?? {};
        for (const n of o.notes ?? []) if (!told.includes(n)) io.err(`note: ${n}`);
        const sr = o.sr ? ` (${o.sr.width}x${o.sr.height}, ${o.encoderUsed ?? 'unknown encoder'})` : '';
        io.out(`SR file:             ${o.srFile ?? '-'}${sr}`);
        if (o.hlsMaster) io.out(`HLS master playlist: ${o.hlsMaster}`);
        else io.out('HLS:                 none (packaging preset "none")');
        if (o.quality) io.out(`Quality:             ${describeQuality(o.quality)}`);
        if (final.cost?.actual) io.out(`Cost:                ${describeCost(final.cost.actual)}`);
        return EXIT.OK;
      }
      io.err(describeJob(final));
      return exitCodeForStatus(final.status);
    } finally {
      await service.close();
    }
  });
}

import { readFile } from 'node:fs/promises';
import { VodsrError } from '@vodsr/core';
import { getPreset } from '@vodsr/mediaconvert-presets';
import type { Io } from '../io.js';
import type { GlobalOptions } from '../options.js';
import { backendOf, openService } from '../services.js';
import { guarded } from './common.js';
import { remoteJobBody } from './remotePaths.js';
import { jobFromArgs, type RunArgs } from './run.js';

/** Arguments of `vodsr submit`. */
export interface SubmitArgs extends Omit<RunArgs, 'input'> {
  input?: string;
  /** A job file (JSON, core's job spec) instead of flags. */
  job?: string;
  idempotencyKey?: string;
}

/** `vodsr submit`: queues a job on the selected backend and prints it (the id on stdout in text mode). */
export async function submitCommand(args: SubmitArgs, io: Io): Promise<number> {
  return guarded(io, args.json, async () => {
    let body: Record<string, unknown>;
    if (args.job) {
      try {
        body = JSON.parse(await readFile(args.job, 'utf8')) as Record<string, unknown>;
      } catch (e) {
        throw new VodsrError(
          'VODSR_VALIDATION',
          `Cannot read job file ${args.job}: ${(e as Error).message}`,
          {
            details: { issues: [{ path: '/job', message: 'must be a readable JSON file' }] },
          },
        );
      }
    } else if (args.input) {
      body = jobFromArgs({ ...args, input: args.input });
    } else {
      throw new VodsrError('VODSR_VALIDATION', 'Give an input video or --job <file>', {
        details: { issues: [{ path: '/input', message: 'missing (or use --job)' }] },
      });
    }
    // Refused here (exit 2), not queued to fail later: the preset ids are the presets package's own list.
    const preset = (body.packaging as { preset?: unknown } | undefined)?.preset;
    if (typeof preset === 'string') getPreset(preset);
    if (backendOf(args) === 'api') body = remoteJobBody(body);
    const service = await openService(args as GlobalOptions, { workers: false });
    try {
      const { job, created } = await service.submit(
        body,
        args.idempotencyKey ? { idempotencyKey: args.idempotencyKey } : {},
      );
      if (args.json) io.out(JSON.stringify({ ...job, created }, null, 2));
      else {
        io.out(job.id);
        for (const n of job.outputs?.notes ?? []) io.err(n);
        io.err(
          `${created ? 'submitted' : 'already submitted (same idempotency key)'}: job ${job.id} is ${job.status}`,
        );
        if (service.backend === 'local' && job.status === 'queued')
          io.err(
            'local jobs run in a process with workers: `vodsr serve` (or use `vodsr run <input>` to run one now)',
          );
      }
      return 0;
    } finally {
      await service.close();
    }
  });
}

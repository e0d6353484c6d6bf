import { readFile } from 'node:fs/promises';
import { buildHostJob, parseJobSpec, ValidationError, VodsrError } from '@vodsr/core';
import { srFileLocation } from '@vodsr/core/host';
import { deterministicId } from '@vodsr/core/naming';
import type { Io } from '../io.js';
import { guarded } from './common.js';
import { shellQuote } from './presets.js';

/** Arguments of `vodsr host-command`. */
export interface HostCommandArgs {
  job: string;
  output?: string;
  jobId?: string;
  runnerPath?: string;
  json?: boolean;
}

/**
 * `vodsr host-command <job.json>`: the commands SSM Run Command sends to the GPU host for a job (the job travels
 * as base64 JSON, never pasted into a shell string).
 */
export async function hostCommandCommand(args: HostCommandArgs, io: Io): Promise<number> {
  return guarded(io, args.json, async () => {
    let raw: unknown;
    try {
      raw = JSON.parse(await readFile(args.job, 'utf8'));
    } catch (e) {
      throw new VodsrError('VODSR_VALIDATION', `Cannot read job file ${args.job}: ${(e as Error).message}`, {
        details: { issues: [{ path: '/job', message: 'must be a readable JSON file' }] },
      });
    }
    const spec = parseJobSpec(raw);
    const root = args.output ?? spec.output;
    if (!root) {
      throw new ValidationError('job', [
        { path: '/output', message: 'the job has no output: add one or pass --output' },
      ]);
    }
    const jobId = args.jobId ?? deterministicId('host-command', JSON.stringify(spec));
    const hostJob = buildHostJob(spec, { jobId, output: srFileLocation(spec, root) });
    const { hostCommand } = await import('@vodsr/host-scripts');
    const commands = hostCommand(hostJob, args.runnerPath ? { runnerPath: args.runnerPath } : {});
    if (args.json) io.out(JSON.stringify({ jobId, hostJob, commands }, null, 2));
    else {
      io.err(
        `# job ${jobId}: ${spec.source} -> ${hostJob.output} (model ${hostJob.model}, vf ${shellQuote(hostJob.vf)})`,
      );
      for (const c of commands) io.out(c);
    }
    return 0;
  });
}

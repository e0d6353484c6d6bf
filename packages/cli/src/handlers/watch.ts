import { EXIT, exitCodeForStatus } from '../exitCodes.js';
import { describeJob } from '../format.js';
import type { Io } from '../io.js';
import type { GlobalOptions } from '../options.js';
import { followJob } from '../progress.js';
import { openService } from '../services.js';
import { guarded } from './common.js';

/** `vodsr watch <id>`: progress until the job is final; the exit code tells how it ended. */
export async function watchCommand(
  args: GlobalOptions & { id: string },
  io: Io,
  signal?: AbortSignal,
): Promise<number> {
  return guarded(io, args.json, async () => {
    const service = await openService(args);
    try {
      const job = await followJob(service, args.id, io, {
        ...(signal ? { signal } : {}),
        quiet: args.json === true,
      });
      io.out(args.json ? JSON.stringify(job, null, 2) : describeJob(job));
      if (signal?.aborted) return EXIT.SIGINT;
      return exitCodeForStatus(job.status);
    } finally {
      await service.close();
    }
  });
}

import type { Io } from '../io.js';
import type { GlobalOptions } from '../options.js';
import { openService } from '../services.js';
import { guarded } from './common.js';

/** `vodsr cancel <id>`. */
export async function cancelCommand(args: GlobalOptions & { id: string }, io: Io): Promise<number> {
  return guarded(io, args.json, async () => {
    const service = await openService(args);
    try {
      const job = await service.cancel(args.id);
      io.out(args.json ? JSON.stringify(job, null, 2) : `job ${job.id} is ${job.status}`);
      return 0;
    } finally {
      await service.close();
    }
  });
}

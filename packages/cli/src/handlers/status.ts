import { describeJob } from '../format.js';
import type { Io } from '../io.js';
import type { GlobalOptions } from '../options.js';
import { openService } from '../services.js';
import { guarded } from './common.js';

/** `vodsr status <id>`: one job. */
export async function statusCommand(args: GlobalOptions & { id: string }, io: Io): Promise<number> {
  return guarded(io, args.json, async () => {
    const service = await openService(args);
    try {
      const job = await service.get(args.id);
      io.out(args.json ? JSON.stringify(job, null, 2) : describeJob(job));
      return 0;
    } finally {
      await service.close();
    }
  });
}

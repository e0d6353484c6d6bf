import { JOB_STATUSES, type JobStatus, ValidationError } from '@vodsr/core';
import { jobTable } from '../format.js';
import type { Io } from '../io.js';
import type { GlobalOptions } from '../options.js';
import { openService } from '../services.js';
import { guarded } from './common.js';

/** Arguments of `vodsr list`. */
export interface ListArgs extends GlobalOptions {
  status?: string[];
  limit?: number;
  cursor?: string;
}

/** `vodsr list`: jobs newest first; prints the next cursor when there are more. */
export async function listCommand(args: ListArgs, io: Io): Promise<number> {
  return guarded(io, args.json, async () => {
    const status = (args.status ?? []).flatMap((s) => s.split(',')).filter(Boolean);
    const bad = status.filter((s) => !(JOB_STATUSES as readonly string[]).includes(s));
    if (bad.length) {
      throw new ValidationError('list options', [
        { path: '/status', message: `unknown status ${bad.join(', ')} (known: ${JOB_STATUSES.join(', ')})` },
      ]);
    }
    const service = await openService(args);
    try {
      const page = await service.list({
        ...(status.length ? { status: status as JobStatus[] } : {}),
        ...(args.limit !== undefined ? { limit: args.limit } : {}),
        ...(args.cursor ? { cursor: args.cursor } : {}),
      });
      if (args.json) io.out(JSON.stringify(page, null, 2));
      else {
        io.out(page.jobs.length ? jobTable(page.jobs) : 'no jobs');
        if (page.nextCursor) io.err(`more: vodsr list --cursor ${page.nextCursor}`);
      }
      return 0;
    } finally {
      await service.close();
    }
  });
}

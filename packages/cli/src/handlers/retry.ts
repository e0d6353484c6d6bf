import type { JobRecord } from '@vodsr/core';
import { RETRYABLE_STATUSES } from '@vodsr/core/job';
import { exitCodeForError } from '../exitCodes.js';
import type { Io } from '../io.js';
import { openService } from '../services.js';
import { guarded } from './common.js';
import { eachJob, type FailedJob, readSelection, type SelectionArgs, targetIds } from './selection.js';

/** Arguments of `vodsr retry`: job ids, or a selection (`--status failed|cancelled`, `--source-prefix`). */
export type RetryArgs = SelectionArgs;

/** A retried job and its retry. */
interface Retried {
  readonly id: string;
  readonly as: string;
  readonly status: JobRecord['status'];
}

/**
 * `vodsr retry <id> [id ...]`, or `vodsr retry --source-prefix s3://in/catalogue/` (every failed job of a backfill;
 * `-s failed,cancelled` takes the cancelled too). Each becomes a new job, `<id>-r1` (`-r2` for a retry's retry),
 * running the input it ran with; a job retried before is reported with its retry, nothing new started.
 */
export async function retryCommand(args: RetryArgs, io: Io): Promise<number> {
  return guarded(io, args.json, async () => {
    const selection = readSelection(
      args,
      'retry',
      RETRYABLE_STATUSES,
      (s) => `only failed or cancelled jobs can be retried, not ${s}`,
    );
    const { ids, selects } = selection;
    const service = await openService(args);
    try {
      if (!selects && ids.length === 1) {
        const { job, created } = await service.retry(ids[0] as string);
        io.out(args.json ? JSON.stringify(job, null, 2) : line(ids[0] as string, job, created));
        return 0;
      }
      const targets = await targetIds(service, args, selection, ['failed'], 'retry', io);
      if (!targets) return 0; // --dry-run
      const outcomes = await eachJob(
        targets,
        (id) => service.retry(id),
        (id, { job, created }) => {
          if (!args.json) io.out(line(id, job, created));
        },
      );
      const out = { retried: [] as Retried[], already: [] as Retried[], failed: [] as FailedJob[] };
      for (const o of outcomes) {
        if ('error' in o) out.failed.push({ id: o.id, error: o.error });
        else
          (o.value.created ? out.retried : out.already).push({
            id: o.id,
            as: o.value.job.id,
            status: o.value.job.status,
          });
      }
      if (args.json) io.out(JSON.stringify(out, null, 2));
      else {
        for (const f of out.failed) io.err(`error: job ${f.id}: ${f.error.code}: ${f.error.message}`);
        const already = out.already.length ? `, ${out.already.length} had been retried before` : '';
        const failed = out.failed.length ? `, ${out.failed.length} could not be retried` : '';
        io.err(`retried ${out.retried.length} of ${targets.length} job(s)${already}${failed}`);
      }
      return out.failed.length ? exitCodeForError(out.failed[0]?.error.code) : 0;
    } finally {
      await service.close();
    }
  });
}

function line(id: string, job: JobRecord, created: boolean): string {
  return created
    ? `job ${id} is retried as ${job.id} (${job.status})`
    : `job ${id} was retried before as ${job.id} (${job.status})`;
}

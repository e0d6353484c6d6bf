import { FINAL_STATUSES, JOB_STATUSES } from '@vodsr/core';
import { exitCodeForError } from '../exitCodes.js';
import type { Io } from '../io.js';
import { openService } from '../services.js';
import { guarded } from './common.js';
import { eachJob, type FailedJob, readSelection, type SelectionArgs, targetIds } from './selection.js';

/** Arguments of `vodsr cancel`: job ids, or a selection (`--status`, `--source-prefix`). */
export type CancelArgs = SelectionArgs;

/** Statuses a selection means when it names none: every one a job can still be cancelled in. */
const CANCELLABLE = JOB_STATUSES.filter((s) => !FINAL_STATUSES.includes(s));

/**
 * `vodsr cancel <id>`, `vodsr cancel <id> <id> ...`, or `vodsr cancel --source-prefix s3://in/catalogue/` (every job
 * of a backfill, say; `--status` narrows it). A job that ended between the selection and its cancel is reported as
 * ended, not as an error.
 */
export async function cancelCommand(args: CancelArgs, io: Io): Promise<number> {
  return guarded(io, args.json, async () => {
    const selection = readSelection(
      args,
      'cancel',
      CANCELLABLE,
      (s) => `${s} is final: a job in it cannot be cancelled`,
    );
    const { ids, selects } = selection;
    const service = await openService(args);
    try {
      if (!selects && ids.length === 1) {
        const job = await service.cancel(ids[0] as string);
        io.out(args.json ? JSON.stringify(job, null, 2) : `job ${job.id} is ${job.status}`);
        return 0;
      }
      const targets = await targetIds(service, args, selection, CANCELLABLE, 'cancel', io);
      if (!targets) return 0; // --dry-run
      // each job's outcome, in the order of the targets (the exit code is the first failure's)
      const outcomes = await eachJob(
        targets,
        (id) => service.cancel(id),
        (id) => {
          if (!args.json) io.out(`job ${id} is cancelled`);
        },
      );
      const out = { cancelled: [] as string[], ended: [] as string[], failed: [] as FailedJob[] };
      for (const o of outcomes) {
        if (!('error' in o)) out.cancelled.push(o.id);
        // a selected job that ended meanwhile is not a failure; a named one is (as for one id)
        else if (selects && o.error.code === 'VODSR_ILLEGAL_TRANSITION') out.ended.push(o.id);
        else out.failed.push({ id: o.id, error: o.error });
      }
      if (args.json) io.out(JSON.stringify(out, null, 2));
      else {
        for (const f of out.failed) io.err(`error: job ${f.id}: ${f.error.code}: ${f.error.message}`);
        const ended = out.ended.length ? `, ${out.ended.length} had ended meanwhile` : '';
        const failed = out.failed.length ? `, ${out.failed.length} could not be cancelled` : '';
        io.err(`cancelled ${out.cancelled.length} of ${targets.length} job(s)${ended}${failed}`);
      }
      return out.failed.length ? exitCodeForError(out.failed[0]?.error.code) : 0;
    } finally {
      await service.close();
    }
  });
}

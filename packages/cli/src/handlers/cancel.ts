import { resolve } from 'node:path';
import {
  type ErrorInfo,
  FINAL_STATUSES,
  JOB_STATUSES,
  type JobRecord,
  type JobStatus,
  toErrorInfo,
  ValidationError,
} from '@vodsr/core';
import { exitCodeForError } from '../exitCodes.js';
import { jobTable } from '../format.js';
import type { Io } from '../io.js';
import type { GlobalOptions } from '../options.js';
import { openService } from '../services.js';
import { guarded } from './common.js';

/** Arguments of `vodsr cancel`: job ids, or a selection (`--status`, `--source-prefix`). */
export interface CancelArgs extends GlobalOptions {
  /** One job id. */
  id?: string;
  /** Job ids (`vodsr cancel <id> [id ...]`). */
  ids?: readonly string[];
  /** Every job in these statuses (default: every status that is not final). */
  status?: readonly string[];
  /** Every job whose source starts with this, e.g. a backfill's `s3://bucket/prefix/`. */
  sourcePrefix?: string;
  /** List the selected jobs, cancel none. */
  dryRun?: boolean;
}

/** Statuses a selection means when it names none: every one a job can still be cancelled in. */
const CANCELLABLE = JOB_STATUSES.filter((s) => !FINAL_STATUSES.includes(s));
/** Cancels sent at once (AWS: StopExecution calls in flight). */
const AT_ONCE = 8;

/**
 * `vodsr cancel <id>`, `vodsr cancel <id> <id> ...`, or `vodsr cancel --source-prefix s3://in/catalogue/` (every job
 * of a backfill, say; `--status` narrows it). A job that ended between the selection and its cancel is reported as
 * ended, not as an error.
 */
export async function cancelCommand(args: CancelArgs, io: Io): Promise<number> {
  return guarded(io, args.json, async () => {
    const ids = [...(args.id ? [args.id] : []), ...(args.ids ?? [])];
    const statuses = (args.status ?? []).flatMap((s) => s.split(',')).filter(Boolean);
    const selects = statuses.length > 0 || args.sourcePrefix !== undefined;
    checkArgs(ids, statuses, selects, args);
    const service = await openService(args);
    try {
      if (!selects && ids.length === 1) {
        const job = await service.cancel(ids[0] as string);
        io.out(args.json ? JSON.stringify(job, null, 2) : `job ${job.id} is ${job.status}`);
        return 0;
      }
      let targets = ids;
      if (selects) {
        const prefix = sourcePrefixOf(args.sourcePrefix);
        const wanted = (statuses.length ? statuses : CANCELLABLE) as JobStatus[];
        const picked: JobRecord[] = [];
        let cursor: string | undefined;
        do {
          const page = await service.list({ status: wanted, limit: 100, ...(cursor ? { cursor } : {}) });
          picked.push(...page.jobs.filter((j) => j.spec.source.startsWith(prefix)));
          cursor = page.nextCursor;
        } while (cursor);
        if (args.dryRun) {
          if (args.json) io.out(JSON.stringify({ wouldCancel: picked.map((j) => j.id) }, null, 2));
          else {
            if (picked.length) io.out(jobTable(picked));
            io.err(`would cancel ${picked.length} job(s); nothing was cancelled (--dry-run)`);
          }
          return 0;
        }
        targets = picked.map((j) => j.id);
      }
      // each job's outcome, in the order of the targets (the exit code is the first failure's)
      const outcomes: Array<{ id: string; error?: ErrorInfo }> = [];
      for (let i = 0; i < targets.length; i += AT_ONCE) {
        const batch = targets.slice(i, i + AT_ONCE);
        const settled = await Promise.allSettled(batch.map((id) => service.cancel(id)));
        settled.forEach((r, k) => {
          const id = batch[k] as string;
          if (r.status === 'fulfilled' && !args.json) io.out(`job ${id} is cancelled`);
          outcomes.push(r.status === 'fulfilled' ? { id } : { id, error: toErrorInfo(r.reason) });
        });
      }
      const out = { cancelled: [] as string[], ended: [] as string[], failed: [] as FailedCancel[] };
      for (const { id, error } of outcomes) {
        if (!error) out.cancelled.push(id);
        // a selected job that ended meanwhile is not a failure; a named one is (as for one id)
        else if (selects && error.code === 'VODSR_ILLEGAL_TRANSITION') out.ended.push(id);
        else out.failed.push({ id, error });
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

/**
 * The prefix as job sources are stored: `s3://…` as given, a local path made absolute as `submit` makes a source
 * (a trailing `/` kept: `movies/` must not match `movies-old/…`).
 */
function sourcePrefixOf(given: string | undefined): string {
  if (given === undefined || /^s3:\/\//.test(given)) return given ?? '';
  return resolve(given) + (given.endsWith('/') && given !== '/' ? '/' : '');
}

interface FailedCancel {
  readonly id: string;
  readonly error: ErrorInfo;
}

/** Job ids or a selection, not both and not neither; known, non-final statuses; a dry run only of a selection. */
function checkArgs(ids: string[], statuses: string[], selects: boolean, args: CancelArgs): void {
  const issues: { path: string; message: string }[] = [];
  if (ids.length && selects)
    issues.push({ path: '/ids', message: 'give job ids or --status/--source-prefix, not both' });
  if (!ids.length && !selects)
    issues.push({
      path: '/ids',
      message:
        'name the jobs: their ids, or --status and/or --source-prefix (e.g. a backfill: s3://bucket/prefix/)',
    });
  for (const s of statuses) {
    if (!(JOB_STATUSES as readonly string[]).includes(s))
      issues.push({ path: '/status', message: `unknown status ${s} (known: ${JOB_STATUSES.join(', ')})` });
    else if (FINAL_STATUSES.includes(s as JobStatus))
      issues.push({ path: '/status', message: `${s} is final: a job in it cannot be cancelled` });
  }
  if (args.sourcePrefix === '') issues.push({ path: '/sourcePrefix', message: 'must not be empty' });
  if (args.dryRun && !selects)
    issues.push({ path: '/dryRun', message: '--dry-run lists a selection (--status, --source-prefix)' });
  if (issues.length) throw new ValidationError('cancel options', issues);
}

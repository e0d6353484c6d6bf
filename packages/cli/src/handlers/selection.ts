import { resolve } from 'node:path';
import type { JobService } from '@vodsr/api';
import {
  type ErrorInfo,
  JOB_STATUSES,
  type JobRecord,
  type JobStatus,
  toErrorInfo,
  ValidationError,
} from '@vodsr/core';
import { jobTable } from '../format.js';
import type { Io } from '../io.js';
import type { GlobalOptions } from '../options.js';

/** The jobs a `cancel` or `retry` acts on: ids, or a selection by `--status` and `--source-prefix`. */
export interface SelectionArgs extends GlobalOptions {
  /** One job id. */
  id?: string;
  /** Job ids (`vodsr <verb> <id> [id ...]`). */
  ids?: readonly string[];
  /** Every job in these statuses (each verb has its default). */
  status?: readonly string[];
  /** Every job whose source starts with this, e.g. a backfill's `s3://bucket/prefix/`. */
  sourcePrefix?: string;
  /** List the selected jobs, act on none. */
  dryRun?: boolean;
}

/** What the arguments ask for: ids, or a selection (`statuses` empty = the verb's default). */
export interface Selection {
  readonly ids: string[];
  readonly statuses: JobStatus[];
  readonly selects: boolean;
}

/** Operations sent at once (AWS: API calls in flight). */
export const AT_ONCE = 8;

/**
 * Reads and checks the ids-or-selection arguments: ids or a selection, not both and not neither; known statuses
 * that `allowed` accepts (its message names why one is not); a dry run only of a selection.
 */
export function readSelection(
  args: SelectionArgs,
  verb: string,
  allowed: readonly JobStatus[],
  whyNot: (status: JobStatus) => string,
): Selection {
  const ids = [...(args.id ? [args.id] : []), ...(args.ids ?? [])];
  const statuses = (args.status ?? []).flatMap((s) => s.split(',')).filter(Boolean);
  const selects = statuses.length > 0 || args.sourcePrefix !== undefined;
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
    else if (!allowed.includes(s as JobStatus))
      issues.push({ path: '/status', message: whyNot(s as JobStatus) });
  }
  if (args.sourcePrefix === '') issues.push({ path: '/sourcePrefix', message: 'must not be empty' });
  if (args.dryRun && !selects)
    issues.push({ path: '/dryRun', message: '--dry-run lists a selection (--status, --source-prefix)' });
  if (issues.length) throw new ValidationError(`${verb} options`, issues);
  return { ids, statuses: statuses as JobStatus[], selects };
}

/**
 * Every job in `statuses` whose source starts with the prefix, paging `list` (100 a page). The prefix is taken as
 * job sources are stored: `s3://…` as given, a local path made absolute as `submit` makes a source (a trailing `/`
 * kept: `movies/` must not match `movies-old/…`).
 */
async function selectJobs(
  service: JobService,
  sourcePrefix: string | undefined,
  statuses: readonly JobStatus[],
): Promise<JobRecord[]> {
  const prefix =
    sourcePrefix === undefined || /^s3:\/\//.test(sourcePrefix)
      ? (sourcePrefix ?? '')
      : resolve(sourcePrefix) + (sourcePrefix.endsWith('/') && sourcePrefix !== '/' ? '/' : '');
  const picked: JobRecord[] = [];
  let cursor: string | undefined;
  do {
    const page = await service.list({ status: statuses, limit: 100, ...(cursor ? { cursor } : {}) });
    picked.push(...page.jobs.filter((j) => j.spec.source.startsWith(prefix)));
    cursor = page.nextCursor;
  } while (cursor);
  return picked;
}

/** A job its operation failed on, with the coded error. */
export interface FailedJob {
  readonly id: string;
  readonly error: ErrorInfo;
}

/** One job's outcome: the operation's value, or its coded error. */
export type Outcome<T> =
  | { readonly id: string; readonly value: T }
  | { readonly id: string; readonly error: ErrorInfo };

/**
 * Runs `op` on every id, `AT_ONCE` at a time; outcomes in the order of the ids (`done` is told of each success as
 * its batch ends).
 */
export async function eachJob<T>(
  ids: readonly string[],
  op: (id: string) => Promise<T>,
  done: (id: string, value: T) => void = () => {},
): Promise<Outcome<T>[]> {
  const outcomes: Outcome<T>[] = [];
  for (let i = 0; i < ids.length; i += AT_ONCE) {
    const batch = ids.slice(i, i + AT_ONCE);
    const settled = await Promise.allSettled(batch.map((id) => op(id)));
    settled.forEach((r, k) => {
      const id = batch[k] as string;
      if (r.status === 'fulfilled') {
        done(id, r.value);
        outcomes.push({ id, value: r.value });
      } else outcomes.push({ id, error: toErrorInfo(r.reason) });
    });
  }
  return outcomes;
}

/**
 * Prints what a `--dry-run` selection would act on: `{ "would<Verb>": [ids] }` with `--json`, else the jobs' table
 * and one line saying nothing was done.
 */
function printDryRun(io: Io, json: boolean | undefined, verb: 'cancel' | 'retry', picked: JobRecord[]): void {
  if (json) {
    const key = `would${verb[0]?.toUpperCase()}${verb.slice(1)}`;
    io.out(JSON.stringify({ [key]: picked.map((j) => j.id) }, null, 2));
    return;
  }
  if (picked.length) io.out(jobTable(picked));
  const none = verb === 'cancel' ? 'nothing was cancelled' : 'nothing was started';
  io.err(`would ${verb} ${picked.length} job(s); ${none} (--dry-run)`);
}

/**
 * The ids a multi-job `cancel`/`retry` acts on: the named ids, or the jobs the selection picks (`statuses`, or the
 * verb's `defaults` when it names none). A `--dry-run` prints the picked jobs and gives `undefined`: act on none.
 */
export async function targetIds(
  service: JobService,
  args: SelectionArgs,
  selection: Selection,
  defaults: readonly JobStatus[],
  verb: 'cancel' | 'retry',
  io: Io,
): Promise<string[] | undefined> {
  if (!selection.selects) return selection.ids;
  const statuses = selection.statuses.length ? selection.statuses : defaults;
  const picked = await selectJobs(service, args.sourcePrefix, statuses);
  if (!args.dryRun) return picked.map((j) => j.id);
  printDryRun(io, args.json, verb, picked);
  return undefined;
}

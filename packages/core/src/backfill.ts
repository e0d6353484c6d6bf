import { toErrorInfo, ValidationError, type ValidationIssue } from './errors.js';
import {
  type ObjectSkipReason,
  objectSkipReason,
  prepareObjectJob,
  type ResolvedTriggerConfig,
  resolveTriggerConfig,
  type TriggerConfig,
} from './ingest.js';
import type { PrepareJobContext, WorkflowInput } from './prepareJob.js';
import type { JobStatus } from './schemas.js';

/**
 * Backfill: the objects already in a bucket become jobs on the bulk queue, under the name the trigger gives
 * them (`objectJobName`: bucket + key + ETag), so an object done or in flight is skipped and a second run
 * starts nothing new. Pure: the caller lists the bucket and says which names exist.
 */

/** One object of an S3 listing (`ListObjectsV2` `Contents[]`, a Distributed Map `ItemReader` item, or a folder). */
export interface ListedObject {
  readonly key: string;
  readonly size: number;
  /** The ETag, quoted or not. */
  readonly etag: string;
  readonly lastModified?: string | number | Date;
}

/** Why a listed object is not submitted. */
export type BackfillSkipReason = ObjectSkipReason | 'outside-prefix' | 'not-included' | 'exists' | 'invalid';

/** The decision for one listed object. */
export type BackfillDecision =
  | {
      readonly key: string;
      readonly action: 'submit';
      /** The job / execution name (the trigger's). */
      readonly name: string;
      /** `prepareJob`'s execution input, `priority: 'bulk'`. */
      readonly input: WorkflowInput;
    }
  | {
      readonly key: string;
      readonly action: 'skip';
      readonly reason: BackfillSkipReason;
      /** Human text of the reason. */
      readonly detail: string;
      /** The job name, when the object is a video that has (or would have) a job. */
      readonly name?: string;
      /** The error code, for `reason: 'invalid'`. */
      readonly code?: string;
    };

/** What a backfill covers. */
export interface BackfillOptions {
  /** The listed bucket. */
  readonly bucket: string;
  /** The listed prefix ('' = the whole bucket). @default '' */
  readonly prefix?: string;
  /**
   * Globs an object must match (any of them), e.g. `['*.mp4', '*.mov']` or `'*.mp4,*.mov'`. A glob without `/`
   * matches the object's file name, one with `/` its key below the prefix; `*` is any run of characters but `/`,
   * `**` any run, `?` one character; case-insensitive, like the trigger's suffixes. @default every video
   */
  readonly include?: readonly string[] | string;
  /** The trigger's configuration (output root, model, preset, video suffixes, output bucket). */
  readonly config: TriggerConfig;
}

/** Counts of a plan. */
export interface BackfillPlanCounts {
  readonly listed: number;
  readonly submit: number;
  readonly skip: number;
  /** Skipped objects per reason. */
  readonly byReason: Readonly<Partial<Record<BackfillSkipReason, number>>>;
}

/** A backfill plan: one decision per listed object, in listing order. `--dry-run` prints it. */
export interface BackfillPlan {
  readonly bucket: string;
  readonly prefix: string;
  readonly items: readonly BackfillDecision[];
  readonly counts: BackfillPlanCounts;
}

/** Backfill options checked up front, reusable for many objects (the per-item Lambda resolves once). */
export interface ResolvedBackfillOptions {
  readonly bucket: string;
  readonly prefix: string;
  readonly include: readonly RegExp[];
  readonly includeText: readonly string[];
  readonly config: ResolvedTriggerConfig;
}

/** Translates one glob to an anchored, case-insensitive RegExp. */
function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i += 1) {
    const c = glob[i] as string;
    if (c === '*' && glob[i + 1] === '*') {
      re += '.*';
      i += 1;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 'isu');
}

/**
 * Checks backfill options once; throws `VODSR_VALIDATION` listing every problem (bad globs, bad trigger config).
 *
 * @example resolveBackfillOptions({ bucket: 'in', include: '*.mp4', config }).include[0].test('a.MP4') === true
 */
export function resolveBackfillOptions(options: BackfillOptions): ResolvedBackfillOptions {
  const issues: ValidationIssue[] = [];
  if (typeof options.bucket !== 'string' || options.bucket.length === 0)
    issues.push({ path: '/bucket', message: 'must be a non-empty bucket name' });
  const raw = options.include === undefined ? [] : options.include;
  const globs = (typeof raw === 'string' ? raw.split(',') : [...raw]).map((g) => g.trim());
  globs.forEach((g, i) => {
    if (g.length === 0) issues.push({ path: `/include/${i}`, message: 'must be a non-empty glob' });
    else if (g.length > 256)
      issues.push({ path: `/include/${i}`, message: 'must be at most 256 characters' });
  });
  let config: ResolvedTriggerConfig | undefined;
  try {
    config = resolveTriggerConfig(options.config);
  } catch (e) {
    if (e instanceof ValidationError)
      issues.push(...e.issues.map((i) => ({ ...i, path: `/config${i.path}` })));
    else throw e;
  }
  if (issues.length || config === undefined) throw new ValidationError('backfill options', issues);
  return {
    bucket: options.bucket,
    prefix: options.prefix ?? '',
    include: globs.map(globToRegExp),
    includeText: globs,
    config,
  };
}

/**
 * Decides one listed object, without asking whether its job exists (the plan and the per-item Lambda both use
 * it; the state machine learns "exists" from `ExecutionAlreadyExists`). Never throws for a bad object: a key the
 * job model refuses (too long for its outputs, …) is a skip with `reason: 'invalid'` and the error code.
 *
 * @example decideBackfillObject(resolved, { key: 'a.mp4', size: 9, etag: '"e"' }).action === 'submit'
 */
export function decideBackfillObject(
  resolved: ResolvedBackfillOptions,
  object: ListedObject,
  hostHlsPlan?: PrepareJobContext['hostHlsPlan'],
): BackfillDecision {
  const { key } = object;
  const skip = (reason: BackfillSkipReason, detail: string, extra: { name?: string; code?: string } = {}) =>
    ({ key, action: 'skip', reason, detail, ...extra }) as const;
  if (typeof key !== 'string' || key.length === 0) return skip('invalid', 'the listing item has no key');
  if (!key.startsWith(resolved.prefix)) return skip('outside-prefix', `key is not below ${resolved.prefix}`);
  const rule = objectSkipReason(resolved.config, resolved.bucket, key, object.size);
  if (rule !== undefined) return skip(rule.reason, rule.detail);
  if (resolved.include.length > 0) {
    const rel = key.slice(resolved.prefix.length);
    const base = key.slice(key.lastIndexOf('/') + 1);
    const hit = resolved.include.some((re, i) =>
      re.test((resolved.includeText[i] as string).includes('/') ? rel : base),
    );
    if (!hit) return skip('not-included', `matches none of --include ${resolved.includeText.join(',')}`);
  }
  try {
    const { name, input } = prepareObjectJob(
      resolved.config,
      resolved.bucket,
      key,
      { size: object.size, eTag: object.etag },
      'bulk',
      hostHlsPlan,
    );
    return { key, action: 'submit', name, input };
  } catch (e) {
    const info = toErrorInfo(e);
    return skip('invalid', info.message, { code: info.code });
  }
}

/**
 * Plans a backfill of a listing: per object, submit (with the trigger's deterministic name and `prepareJob`'s
 * input on the bulk queue) or skip with its reason — non-video, excluded by `include`, in the output bucket,
 * invalid, or `exists` (done or in flight: `exists(name)` is true). Running the plan again after some jobs started
 * submits only the rest: that is how an interrupted backfill resumes. `--dry-run` prints this plan.
 *
 * @example
 * const plan = planBackfill(listing, { bucket: 'in', prefix: 'movies/', include: '*.mp4', config }, (n) => known.has(n));
 * plan.counts // { listed: 30, submit: 21, skip: 9, byReason: { 'not-video': 5, exists: 4 } }
 */
export function planBackfill(
  objects: readonly ListedObject[],
  options: BackfillOptions | ResolvedBackfillOptions,
  exists: (name: string) => boolean = () => false,
): BackfillPlan {
  const resolved = 'includeText' in options ? options : resolveBackfillOptions(options);
  const seen = new Set<string>();
  const items = objects.map((o): BackfillDecision => {
    const d = decideBackfillObject(resolved, o);
    if (d.action !== 'submit') return d;
    if (seen.has(d.name) || exists(d.name))
      return { key: d.key, action: 'skip', reason: 'exists', detail: `job ${d.name} exists`, name: d.name };
    seen.add(d.name);
    return d;
  });
  const byReason: Partial<Record<BackfillSkipReason, number>> = {};
  for (const i of items) if (i.action === 'skip') byReason[i.reason] = (byReason[i.reason] ?? 0) + 1;
  const submit = items.filter((i) => i.action === 'submit').length;
  return {
    bucket: resolved.bucket,
    prefix: resolved.prefix,
    items,
    counts: { listed: items.length, submit, skip: items.length - submit, byReason },
  };
}

/** Progress of a backfill. */
export interface BackfillProgress {
  /** Objects listed. */
  readonly total: number;
  /** Jobs this backfill started. */
  readonly submitted: number;
  /** Objects not submitted (any reason, `exists` included). */
  readonly skipped: number;
  /** Jobs of the backfill (started or found existing) still queued or running. */
  readonly running: number;
  readonly succeeded: number;
  /** Failed or cancelled. */
  readonly failed: number;
  /** `(succeeded + failed) / (submitted + existing)`, 0..1; 1 when there is nothing to do. */
  readonly fraction: number;
}

/**
 * Counts a backfill's progress: `submitted` / `skipped` from the plan (or its per-item results), and for every
 * job the backfill covers (submitted or already existing) its status from `statusOf` (unknown = still running).
 *
 * @example backfillProgress(plan, (name) => store.get(name)?.status) // { submitted: 21, running: 3, … }
 */
export function backfillProgress(
  plan: Pick<BackfillPlan, 'items'>,
  statusOf: (name: string) => JobStatus | undefined,
): BackfillProgress {
  let submitted = 0;
  let skipped = 0;
  let running = 0;
  let succeeded = 0;
  let failed = 0;
  for (const i of plan.items) {
    if (i.action === 'submit') submitted += 1;
    else skipped += 1;
    const covered = i.action === 'submit' || i.reason === 'exists';
    if (!covered || i.name === undefined) continue;
    const s = statusOf(i.name);
    if (s === 'succeeded') succeeded += 1;
    else if (s === 'failed' || s === 'cancelled') failed += 1;
    else running += 1;
  }
  const jobs = running + succeeded + failed;
  return {
    total: plan.items.length,
    submitted,
    skipped,
    running,
    succeeded,
    failed,
    fraction: jobs === 0 ? 1 : (succeeded + failed) / jobs,
  };
}

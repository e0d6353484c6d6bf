import {
  ERROR_CODES,
  type ErrorCode,
  toErrorInfo,
  ValidationError,
  type ValidationIssue,
  VodsrError,
} from './errors.js';
import type { WorkPriority } from './fleet.js';
import { parseJobSpec } from './jobSpec.js';
import {
  decodeS3EventKey,
  executionName,
  formatS3Uri,
  joinLocation,
  MAX_S3_KEY_BYTES,
  objectExecutionName,
  parseS3Uri,
  safeSegment,
  utf8Length,
} from './naming.js';
import { type PrepareJobContext, prepareJob, type WorkflowInput } from './prepareJob.js';
import { PACKAGING_ENGINES, type PackagingEngine } from './schemas.js';

/** The video suffixes the trigger accepts by default (compared case-insensitively). */
export const DEFAULT_VIDEO_SUFFIXES: readonly string[] = [
  '.mp4',
  '.m4v',
  '.mov',
  '.mkv',
  '.webm',
  '.avi',
  '.ts',
  '.mts',
  '.m2ts',
  '.mxf',
  '.flv',
  '.wmv',
  '.mpg',
  '.mpeg',
];

/** What the trigger needs to know to turn an uploaded object into a job. */
export interface TriggerConfig {
  /** Where results go: `s3://bucket/prefix/`. The source key's folders are mirrored below it. */
  readonly outputRoot: string;
  /** A fixed EC2 instance for the host command (legacy: with pull admission the agent's placement decides). @default none */
  readonly instanceId?: string;
  /** SR model id. @default 'A' */
  readonly model?: string;
  /** Packaging preset id. @default 'hls-single' */
  readonly packagingPreset?: string;
  /**
   * Who packages: `mediaconvert` (the use case's, the default on AWS) or `host` (one pass on the GPU host; needs
   * the trigger's `hostHlsPlan`). @default 'mediaconvert'
   */
  readonly packagingEngine?: PackagingEngine;
  /** Object suffixes that are videos, compared case-insensitively. @default DEFAULT_VIDEO_SUFFIXES */
  readonly videoSuffixes?: readonly string[];
  /** When set, records of any other bucket are ignored. */
  readonly inputBucket?: string;
  /** The results bucket: its objects never start a job (no recursive trigger). @default the outputRoot's bucket */
  readonly outputBucket?: string;
  /**
   * Lowest bitrate (bits/s) assumed to estimate an upper bound of a video's duration from its size, which sets the
   * SSM `executionTimeout` (the trigger cannot probe the video). @default 500000
   */
  readonly assumedMinBitrate?: number;
  /**
   * Whether record keys are URL-encoded as in real S3 notifications (`+` = space). A local S3 server such as s3rver
   * sends raw keys: set `false` there. @default true
   */
  readonly keysEncoded?: boolean;
  /** Jobs measure what the SR bought (`quality: true` on each job; on in `vodsr dev`). @default false */
  readonly quality?: boolean;
}

/** A minimal S3 event notification record (real S3, or a local server's look-alike). */
export interface S3NotificationRecord {
  readonly eventName?: string;
  readonly s3: {
    readonly bucket: { readonly name: string };
    readonly object: {
      readonly key: string;
      readonly size?: number;
      readonly eTag?: string;
      readonly versionId?: string;
      readonly sequencer?: string;
    };
  };
}

/** An S3 event notification (`Records` may be missing in an `s3:TestEvent`). */
export interface S3NotificationEvent {
  readonly Records?: readonly S3NotificationRecord[];
}

/** Starts one workflow execution; `'exists'` when an execution of that name already exists (= already done). */
export type StartExecution = (name: string, input: WorkflowInput) => Promise<'started' | 'exists'>;

/** One structured log entry of the trigger. */
export type TriggerLog = (entry: Record<string, unknown>) => void;

/** What a trigger invocation did with each record. */
export interface TriggerResult {
  readonly started: { readonly key: string; readonly name: string }[];
  readonly existing: { readonly key: string; readonly name: string }[];
  readonly ignored: { readonly bucket: string; readonly key: string; readonly reason: string }[];
  readonly failed: {
    readonly bucket: string;
    readonly key: string;
    readonly code: string;
    readonly message: string;
  }[];
}

/** A trigger configuration with every default filled in (`resolveTriggerConfig`). */
export interface ResolvedTriggerConfig {
  readonly outputRoot: string;
  readonly outputBucket: string;
  readonly instanceId?: string;
  readonly model: string;
  readonly packagingPreset: string;
  readonly packagingEngine: PackagingEngine;
  readonly videoSuffixes: readonly string[];
  readonly inputBucket?: string;
  readonly assumedMinBitrate: number;
  readonly keysEncoded: boolean;
  readonly quality?: boolean;
}

/** Checks a trigger configuration up front; throws `VODSR_VALIDATION` listing every problem. */
export function resolveTriggerConfig(config: TriggerConfig): ResolvedTriggerConfig {
  const issues: ValidationIssue[] = [];
  let outBucket: string | undefined;
  let outputRoot = config.outputRoot;
  try {
    const loc = parseS3Uri(config.outputRoot ?? '');
    outBucket = loc.bucket;
    if (loc.key !== '' && !loc.key.endsWith('/')) outputRoot = `${config.outputRoot}/`;
  } catch (e) {
    issues.push({
      path: '/outputRoot',
      message: `must be an s3://bucket/prefix/ URI (${toErrorInfo(e).message})`,
    });
  }
  if (
    config.instanceId !== undefined &&
    (typeof config.instanceId !== 'string' || !/^(i-[0-9a-f]{8,17}|mi-[0-9a-f]{17})$/.test(config.instanceId))
  )
    issues.push({
      path: '/instanceId',
      message: 'must be an EC2 instance id (i-…) or a managed node id (mi-…)',
    });
  const suffixes = (config.videoSuffixes ?? DEFAULT_VIDEO_SUFFIXES).map((s) => s.trim().toLowerCase());
  if (suffixes.length === 0 || suffixes.some((s) => s.length === 0))
    issues.push({ path: '/videoSuffixes', message: 'must be a non-empty list of non-empty suffixes' });
  const outputBucket = config.outputBucket ?? outBucket;
  if (config.inputBucket !== undefined && config.inputBucket === outputBucket)
    issues.push({
      path: '/inputBucket',
      message: 'must differ from the output bucket (a job would trigger itself)',
    });
  if (config.packagingEngine !== undefined && !PACKAGING_ENGINES.includes(config.packagingEngine))
    issues.push({ path: '/packagingEngine', message: `must be one of ${PACKAGING_ENGINES.join(', ')}` });
  const minBitrate = config.assumedMinBitrate ?? 500_000;
  if (!Number.isFinite(minBitrate) || minBitrate <= 0)
    issues.push({ path: '/assumedMinBitrate', message: 'must be a positive number' });
  if (issues.length) throw new ValidationError('trigger configuration', issues);
  return {
    outputRoot,
    outputBucket: outputBucket as string,
    ...(config.instanceId === undefined ? {} : { instanceId: config.instanceId }),
    model: config.model ?? 'A',
    packagingPreset: config.packagingPreset ?? 'hls-single',
    packagingEngine: config.packagingEngine ?? 'mediaconvert',
    ...(config.quality === true ? { quality: true } : {}),
    videoSuffixes: suffixes,
    ...(config.inputBucket === undefined ? {} : { inputBucket: config.inputBucket }),
    assumedMinBitrate: minBitrate,
    keysEncoded: config.keysEncoded ?? true,
  };
}

function defaultLog(entry: Record<string, unknown>): void {
  console.log(JSON.stringify(entry));
}

/**
 * Bytes a mirrored output prefix leaves free below it: room for the HLS folder (`hls/` + a 100-byte safe name + `/`)
 * and its longest file names, or for a readable SR file name.
 */
const MIRROR_RESERVE_BYTES = 300;

/**
 * The output root of a source key: the configured root plus the key's folders, each made safe
 * (`[A-Za-z0-9._-]`). When the mirrored folders would leave less than 300 bytes of a 1,024-byte key, the folders
 * that do not fit are replaced by one hashed folder — deterministic, so the same key always gets the same root.
 *
 * @example mirroredOutputRoot('s3://out/', 'movies/2024/a.mp4') === 's3://out/movies/2024/'
 */
export function mirroredOutputRoot(root: string, key: string): string {
  const dirs = key
    .split('/')
    .slice(0, -1)
    .filter((d) => d.length > 0)
    .map((d) => safeSegment(d));
  const rootKey = parseS3Uri(root).key;
  const budget = MAX_S3_KEY_BYTES - MIRROR_RESERVE_BYTES - utf8Length(rootKey);
  let used = 0;
  const kept: string[] = [];
  for (const [i, d] of dirs.entries()) {
    if (used + d.length + 1 > budget - 12) {
      kept.push(safeSegment(`~${dirs.slice(i).join('/')}`, 11));
      break;
    }
    kept.push(d);
    used += d.length + 1;
  }
  return kept.reduce((acc, d) => joinLocation(acc, `${d}/`), root);
}

/** Why an object does not become a job (the trigger's and the backfill's rules). */
export type ObjectSkipReason = 'output-bucket' | 'other-bucket' | 'empty' | 'not-video';

/**
 * The trigger's rules for one object, shared with the backfill: `undefined` when the object is a video that
 * should become a job, else why not (results bucket, another bucket, empty/folder marker, not a video suffix).
 *
 * @example objectSkipReason(resolveTriggerConfig(cfg), 'in', 'notes.txt', 10)?.reason === 'not-video'
 */
export function objectSkipReason(
  config: ResolvedTriggerConfig,
  bucket: string,
  key: string,
  size: number | undefined,
): { reason: ObjectSkipReason; detail: string } | undefined {
  if (bucket === config.outputBucket)
    return { reason: 'output-bucket', detail: 'object is in the output bucket (results never start jobs)' };
  if (config.inputBucket !== undefined && bucket !== config.inputBucket)
    return { reason: 'other-bucket', detail: `bucket is not the input bucket ${config.inputBucket}` };
  if (key.endsWith('/') || size === 0)
    return { reason: 'empty', detail: 'object is empty or a folder marker' };
  const lower = key.toLowerCase();
  if (!config.videoSuffixes.some((s) => lower.endsWith(s)))
    return { reason: 'not-video', detail: `not a video suffix (${config.videoSuffixes.join(', ')})` };
  return undefined;
}

/** The version fields of an object that name its job (an S3 event's or a listing's). */
export interface ObjectVersion {
  readonly size?: number;
  /** The ETag, quoted or not (`normalizeEtag`). Preferred: a listing has it too. */
  readonly eTag?: string;
  readonly versionId?: string;
  readonly sequencer?: string;
}

/**
 * The job name of an object: `objectExecutionName(bucket, key, eTag)` when the ETag is known (S3 events and
 * listings both carry it, so the trigger and a backfill agree), else the version id or the event sequencer.
 *
 * @example objectJobName('in', 'a.mp4', { eTag: '"abc"' }) === objectExecutionName('in', 'a.mp4', 'abc')
 */
export function objectJobName(bucket: string, key: string, o: ObjectVersion): string {
  if (o.eTag !== undefined && o.eTag.trim() !== '') return objectExecutionName(bucket, key, o.eTag);
  return executionName(bucket, key, o.versionId ?? o.sequencer ?? '');
}

/**
 * The job of one video object, exactly as the trigger makes it (and the backfill, with `priority: 'bulk'`):
 * its deterministic name and the `prepareJob` input (mirrored output root, the configured model and preset, an
 * SSM timeout from the size at the assumed minimum bitrate). Throws coded errors as `prepareJob` does.
 *
 * @example const { name, input } = prepareObjectJob(resolveTriggerConfig(cfg), 'in', 'a.mp4', { eTag: 'e', size: 9 });
 */
export function prepareObjectJob(
  config: ResolvedTriggerConfig,
  bucket: string,
  key: string,
  o: ObjectVersion,
  priority: WorkPriority = 'interactive',
  hostHlsPlan?: PrepareJobContext['hostHlsPlan'],
): { name: string; input: WorkflowInput } {
  const name = objectJobName(bucket, key, o);
  const job = parseJobSpec({
    source: formatS3Uri({ bucket, key }),
    model: config.model,
    packaging: { preset: config.packagingPreset },
    ...(config.quality === true ? { quality: true } : {}),
  });
  const input = prepareJob(job, {
    jobId: name,
    outputRoot: mirroredOutputRoot(config.outputRoot, key),
    ...(config.instanceId === undefined ? {} : { instanceId: config.instanceId }),
    packagingEngine: config.packagingEngine,
    ...(hostHlsPlan ? { hostHlsPlan } : {}),
    priority,
    ...(o.size === undefined ? {} : { durationSeconds: (o.size * 8) / config.assumedMinBitrate }),
  });
  return { name, input };
}

/**
 * Creates the S3-upload trigger: every record of the event (not only the first) becomes one workflow execution with a
 * deterministic name (`objectJobName`: bucket + key + ETag, the name a backfill of the object gives it too), so a redelivered event starts nothing new and
 * `'exists'` counts as done. Objects of the output bucket, of other buckets and non-videos (suffix compared
 * case-insensitively) are ignored with a log line. One failing record does not stop the others; when a failure is
 * retryable (not bad input) the handler throws `VODSR_AWS_ERROR` at the end so the invocation is retried (safely:
 * names are deterministic).
 *
 * The handler knows no AWS SDK: `start` is injected (Step Functions in the Lambda, the in-process workflow locally).
 *
 * @example
 * const handler = createTriggerHandler({ start, config: { outputRoot: 's3://out/', instanceId: 'i-0123456789abcdef0' } });
 * const result = await handler(s3Event); // { started: [...], existing: [...], ignored: [...], failed: [] }
 */
export function createTriggerHandler(deps: {
  start: StartExecution;
  config: TriggerConfig;
  log?: TriggerLog;
  /** The presets' `hostHlsPlan`, for `packagingEngine: 'host'` (see `PrepareJobContext.hostHlsPlan`). */
  hostHlsPlan?: PrepareJobContext['hostHlsPlan'];
}): (event: S3NotificationEvent) => Promise<TriggerResult> {
  const config = resolveTriggerConfig(deps.config);
  const log = deps.log ?? defaultLog;
  return async (event) => {
    const result: TriggerResult = { started: [], existing: [], ignored: [], failed: [] };
    const records = event?.Records ?? [];
    if (records.length === 0)
      log({ level: 'info', msg: 'event has no records (e.g. s3:TestEvent): nothing to do' });
    for (const record of records) {
      const bucket = record?.s3?.bucket?.name ?? '';
      const rawKey = record?.s3?.object?.key ?? '';
      const ignore = (key: string, reason: string): void => {
        result.ignored.push({ bucket, key, reason });
        log({ level: 'info', msg: `ignored s3://${bucket}/${key}: ${reason}`, bucket, key, reason });
      };
      let key = rawKey;
      try {
        key = config.keysEncoded ? decodeS3EventKey(rawKey) : rawKey;
        if (record.eventName !== undefined && !/^(s3:)?ObjectCreated:/.test(record.eventName)) {
          ignore(key, `event ${record.eventName} is not an object creation`);
          continue;
        }
        const skip = objectSkipReason(config, bucket, key, record.s3.object.size);
        if (skip !== undefined) {
          ignore(key, skip.detail);
          continue;
        }
        const { name, input } = prepareObjectJob(
          config,
          bucket,
          key,
          record.s3.object,
          'interactive',
          deps.hostHlsPlan,
        );
        const outcome = await deps.start(name, input);
        if (outcome === 'exists') {
          result.existing.push({ key, name });
          log({ level: 'info', msg: `already started: ${name}`, bucket, key, name });
        } else {
          result.started.push({ key, name });
          log({ level: 'info', msg: `started ${name}`, bucket, key, name, srFile: input.srFile });
        }
      } catch (e) {
        const info = toErrorInfo(e);
        result.failed.push({ bucket, key, code: info.code, message: info.message });
        log({ level: 'error', msg: `failed s3://${bucket}/${key}: ${info.message}`, bucket, key, ...info });
      }
    }
    // Bad input (4xx codes) would fail again: only retryable failures fail the invocation.
    const retryable = result.failed.filter((f) => (ERROR_CODES[f.code as ErrorCode]?.status ?? 500) >= 500);
    if (retryable.length > 0) {
      throw new VodsrError(
        'VODSR_AWS_ERROR',
        `${retryable.length} of ${records.length} record(s) failed: ${retryable.map((f) => `${f.key} (${f.code})`).join(', ')}`,
        { details: result },
      );
    }
    return result;
  };
}

import type { CostFigures } from './cost.js';
import { ValidationError, type ValidationIssue } from './errors.js';
import { WORK_PRIORITIES, type WorkPriority } from './fleet.js';
import { buildHostJob, encodeHostJob, executionTimeoutSeconds } from './host.js';
import { type HostHls, validateHostJob } from './hostJob.js';
import {
  fitFileName,
  HLS_FILE_NAME_BUDGET,
  hlsDirName,
  isS3Uri,
  joinLocation,
  MAX_PATH_SEGMENT_BYTES,
  MAX_S3_KEY_BYTES,
  parseS3Uri,
  utf8Length,
} from './naming.js';
import type { JobSpec, PackagingEngine } from './schemas.js';

/**
 * The execution input of the workflow. Built by {@link prepareJob} only — the trigger, the AWS service, the local
 * service and the dev pipeline all call it — and then carried unchanged to the host (the local executor, the local
 * command runner and the SSM document take `hostJobB64` as they receive it).
 */
export interface WorkflowInput {
  /** The job's id (also the execution name). */
  jobId: string;
  /** The validated job, with the names `prepareJob` derived (a too-long `srName` is already shortened). */
  job: JobSpec;
  /** The EC2 instance that runs the host command (`local` when run in-process). */
  instanceId: string;
  /** `encodeHostJob(buildHostJob(...))`: the job as base64 JSON, exactly what the host runner receives. */
  hostJobB64: string;
  /** SSM `executionTimeout` in seconds, from `executionTimeoutSeconds()`. */
  executionTimeout: string;
  /** Where the host writes the SR file: an S3 URI or a local path. */
  srFile: string;
  /** Where packaging writes HLS: an S3 prefix or a local folder, ending with `/`. */
  hlsDestination: string;
  /** Packaging preset id (`none` = SR file only). */
  packagingPreset: string;
  /**
   * Who packages: `host` = the host already wrote HLS in the SR pass (the workflow goes RunHost → NotifySuccess),
   * `mediaconvert` = PlanPackaging + Package. The job's `packaging.engine`, else the entry point's default.
   */
  packagingEngine: PackagingEngine;
  /** The work queue the job waits on for a host: `interactive` (uploads, API) or `bulk` (backfills). */
  priority: WorkPriority;
  /** The placement attempt (`AcquireHost` → `RunHost`); a lost host counts it up. */
  attempt: { number: number };
  /**
   * What the job is estimated to cost (`estimateJob` of `@vodsr/core/cost`, assumptions included), or null when
   * the entry point made none. Always present: the completion events carry it (`$.estimate`).
   */
  estimate: CostFigures | null;
}

/** What {@link prepareJob} needs besides the job. */
export interface PrepareJobContext {
  /** The job's id: the execution name on AWS, the record id locally. */
  readonly jobId: string;
  /** Output root used when the job has no `output` of its own: an S3 prefix or a local folder. */
  readonly outputRoot: string;
  /** The EC2 instance (or managed node) that runs the host command. @default 'local' */
  readonly instanceId?: string;
  /** The video's duration when known (probed, or estimated from its size): sizes the SSM `executionTimeout`. */
  readonly durationSeconds?: number;
  /** The work queue. @default 'interactive' */
  readonly priority?: WorkPriority;
  /** The job's cost estimate, carried to the completion events. @default null (none made) */
  readonly estimate?: CostFigures;
  /**
   * The packaging engine of jobs that name none: the entry point decides — the local service and `vodsr dev`
   * say `host` (one pass, no bill), the trigger and the AWS service keep `mediaconvert` (the use case's).
   * @default 'mediaconvert'
   */
  readonly packagingEngine?: PackagingEngine;
  /**
   * Renders the host engine's HLS plan from the preset's data: `hostHlsPlan` of @vodsr/mediaconvert-presets
   * (core cannot import the presets). Required when a job is packaged by the host.
   */
  readonly hostHlsPlan?: (
    preset: string,
    opts: { destination: string; srFileName: string; segmentSeconds: number; maxRungs?: number },
  ) => HostHls;
}

const INSTANCE_ID = /^(i-[0-9a-f]{8,17}|mi-[0-9a-f]{17}|local(-[A-Za-z0-9_-]{1,64})?)$/;

/** Room the SR file name may take below an output root, in bytes. */
function srNameRoom(root: string): number {
  if (!isS3Uri(root)) return MAX_PATH_SEGMENT_BYTES;
  const { key } = parseS3Uri(root);
  const prefix = key === '' || key.endsWith('/') ? key : `${key}/`;
  return Math.min(MAX_PATH_SEGMENT_BYTES, MAX_S3_KEY_BYTES - utf8Length(prefix));
}

/** Bytes of the longest key (S3) or of the folder path's key part a location can still take. */
function keyBytes(location: string): number {
  return isS3Uri(location) ? utf8Length(parseS3Uri(location).key) : 0;
}

/**
 * Prepares a validated job for execution, once: derives every name and location it will write and checks each
 * against its limit, then builds the execution input that travels unchanged to the host.
 *
 * - The output root is the job's own `output` when it has one, else `ctx.outputRoot`.
 * - The SR file goes to `<root>/<srName>`; a name that would not fit (S3 keys ≤ 1,024 UTF-8 bytes, local path
 *   segments ≤ 255 bytes) is shortened deterministically (readable prefix + hash, extension kept).
 * - HLS goes to `<root>/hls/<srName made safe>/`; every file a preset writes there has a name of at most
 *   `HLS_FILE_NAME_BUDGET` bytes (the presets guarantee it), so the folder must leave that much room.
 * - A root too long for any of this is refused with `VODSR_VALIDATION` naming the limit — never a failure after
 *   the GPU work is paid for.
 *
 * @example
 * const input = prepareJob(parseJobSpec({ source: 's3://in-bucket/a.mp4' }), {
 *   jobId: 'j1', outputRoot: 's3://out-bucket/', instanceId: 'i-0123456789abcdef0', durationSeconds: 600,
 * });
 * input.srFile === 's3://out-bucket/a_sr_2x.mp4'; input.hlsDestination === 's3://out-bucket/hls/a_sr_2x.mp4/';
 */
export function prepareJob(job: JobSpec, ctx: PrepareJobContext): WorkflowInput {
  const issues: ValidationIssue[] = [];
  if (typeof ctx.jobId !== 'string' || ctx.jobId.length === 0)
    issues.push({ path: '/jobId', message: 'must be a non-empty string' });
  else if (utf8Length(ctx.jobId) > 256) issues.push({ path: '/jobId', message: 'must be at most 256 bytes' });
  const root = job.output ?? ctx.outputRoot;
  const rootPath = job.output !== undefined ? '/output' : '/outputRoot';
  if (typeof root !== 'string' || root.length === 0)
    issues.push({ path: '/outputRoot', message: 'must be a non-empty string (the job has no output)' });
  if (ctx.instanceId !== undefined && !INSTANCE_ID.test(ctx.instanceId))
    issues.push({
      path: '/instanceId',
      message: 'must be an EC2 instance id (i-…), a managed node id (mi-…) or "local"',
    });
  if (ctx.priority !== undefined && !WORK_PRIORITIES.includes(ctx.priority))
    issues.push({ path: '/priority', message: `must be one of ${WORK_PRIORITIES.join(', ')}` });
  if (issues.length) throw new ValidationError('workflow input', issues);

  const room = srNameRoom(root);
  // The shortest name fitFileName makes is a 10-character hash plus the extension.
  if (room < 32) {
    throw new ValidationError('job', [
      {
        path: rootPath,
        message: `the output prefix leaves ${Math.max(0, room)} bytes for the SR file name; S3 keys are at most ${MAX_S3_KEY_BYTES} UTF-8 bytes`,
      },
    ]);
  }
  const srName = fitFileName(job.srName, room);
  const prepared: JobSpec = srName === job.srName ? job : { ...job, srName };
  const srFile = joinLocation(root, srName);
  const hlsDestination = joinLocation(root, hlsDirName(srName));
  if (
    prepared.packaging.preset !== 'none' &&
    keyBytes(hlsDestination) + HLS_FILE_NAME_BUDGET > MAX_S3_KEY_BYTES
  ) {
    throw new ValidationError('job', [
      {
        path: rootPath,
        message: `the HLS folder ${JSON.stringify(hlsDestination.slice(0, 80))}… leaves less than ${HLS_FILE_NAME_BUDGET} bytes for playlist and segment names; S3 keys are at most ${MAX_S3_KEY_BYTES} UTF-8 bytes (use a shorter output prefix)`,
      },
    ]);
  }
  const engine: PackagingEngine = prepared.packaging.engine ?? ctx.packagingEngine ?? 'mediaconvert';
  const packaged = prepared.packaging.preset !== 'none';
  if (!prepared.srFile && engine !== 'host') {
    throw new ValidationError('job', [
      {
        path: '/srFile',
        message: 'false (HLS only) needs packaging.engine "host": MediaConvert packages from the SR file',
      },
    ]);
  }
  let hls: HostHls | undefined;
  if (packaged && engine === 'host') {
    if (!ctx.hostHlsPlan) {
      throw new ValidationError('job', [
        {
          path: '/packaging/engine',
          message: 'this entry point cannot plan host packaging (no hostHlsPlan)',
        },
      ]);
    }
    hls = ctx.hostHlsPlan(prepared.packaging.preset, {
      destination: hlsDestination,
      srFileName: srName,
      segmentSeconds: prepared.packaging.segmentSeconds,
      ...(prepared.packaging.maxRungs === undefined ? {} : { maxRungs: prepared.packaging.maxRungs }),
    });
  }
  // What the host will check, checked here: a job the host would refuse is refused at submit.
  const hostJob = {
    ...buildHostJob(prepared, { jobId: ctx.jobId, output: srFile }),
    ...(hls ? { hls } : {}),
    ...(prepared.srFile ? {} : { srFile: false }),
  };
  const hostIssues = validateHostJob(hostJob);
  if (hostIssues.length) {
    throw new ValidationError(
      'job',
      hostIssues.map((i) => ({ path: `/hostJob${i.path === '/' ? '' : i.path}`, message: i.message })),
    );
  }
  return {
    jobId: ctx.jobId,
    job: prepared,
    instanceId: ctx.instanceId ?? 'local',
    hostJobB64: encodeHostJob(hostJob),
    executionTimeout: String(executionTimeoutSeconds(ctx.durationSeconds)),
    srFile,
    hlsDestination,
    packagingPreset: prepared.packaging.preset,
    packagingEngine: engine,
    priority: ctx.priority ?? 'interactive',
    attempt: { number: 1 },
    estimate: ctx.estimate ?? null,
  };
}

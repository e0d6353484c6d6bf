import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { S3Client } from '@aws-sdk/client-s3';
import {
  buildWorkflowDefinition,
  ERROR_CODES,
  isVodsrError,
  type JobOutputs,
  type MediaInfo,
  parseLocation,
  VodsrError,
} from '@vodsr/core';
import type { HostResultEvent } from '@vodsr/core/host';
import { resolveModel } from '@vodsr/core/job';
import { baseName, safeSegment } from '@vodsr/core/naming';
import {
  type AcquireHostMessage,
  type HostPlacement,
  NO_PACKAGING_PRESET,
  WORKFLOW_STATES,
} from '@vodsr/core/workflow';
import { Inflight } from './inflight.js';
import { installPromiseWithResolvers } from './polyfills.js';
import { publishOutputs } from './publishOutputs.js';
import { localS3Client } from './s3Client.js';
import { reusableProbe } from './sourceMedia.js';
import type { LocalExecutionContext, LocalExecutor } from './types.js';

/** The role the local planner puts in its CreateJob request (nothing assumes it: FFmpeg packages locally). */
const LOCAL_MEDIACONVERT_ROLE = 'arn:aws:iam::000000000000:role/vodsr-local-packaging';

/** Stand-in bucket of the local plan of a job whose output is a local folder. */
const LOCAL_PLAN_BUCKET = 'vodsr-local-folder';

/** Options of the in-process workflow executor. */
export interface WorkflowExecutorOptions {
  /** Extra environment for the host script. */
  readonly env?: Readonly<Record<string, string>>;
  /** Endpoint of a local S3-compatible server for s3:// sources/outputs. */
  readonly s3EndpointUrl?: string;
  /** The host script's slot-lock folder. @default `<workDir>/locks` */
  readonly lockDir?: string;
  /** The host script's slots (`VODSR_SLOTS`). */
  readonly slots?: number;
  /**
   * The local twin of `AcquireHost`: resolves with the placement a host agent answers for the job's queue message.
   * @default this machine, slot 0, at once (the local service's worker pool already bounds concurrency)
   */
  readonly acquireHost?: (message: AcquireHostMessage, signal: AbortSignal) => Promise<HostPlacement>;
  /**
   * A local fleet (`LocalFleet` of @vodsr/ssm-runner): `AcquireHost` waits for one of its agents to answer, and
   * `RunHost` runs the command on the host and slot the placement names — the deployed pull admission, locally.
   * @default none: this machine runs the command itself
   */
  readonly fleet?: LocalFleetPort;
  /**
   * Start loading what jobs run on (the state machine interpreter, the runner, the presets) at once rather than
   * with the first job: for a process that runs jobs.
   * @default false
   */
  readonly preload?: boolean;
}

/** What the executor needs of a local fleet. */
export interface LocalFleetPort {
  acquireHost(message: AcquireHostMessage, signal?: AbortSignal): Promise<HostPlacement>;
  run(placement: HostPlacement, hostJobB64: string, opts: RunOptions): Promise<HostOk>;
}

type RunOptions = {
  signal?: AbortSignal;
  onProgress?: (e: { stage: string; percent: number; fps?: number; speed?: number }) => void;
  /** The runner's process group id, recorded so a later start can end an orphaned attempt. */
  onProcessGroup?: (pgid: number | undefined) => void;
};

/** The placement `RunHost`'s SendCommand parameters carry (`InstanceIds`, `slot`, `lease`). */
function placementOf(task: unknown): HostPlacement {
  const t = task as { InstanceIds?: string[]; Parameters?: { slot?: string[]; lease?: string[] } };
  return {
    instanceId: t.InstanceIds?.[0] ?? 'local',
    slot: Number(t.Parameters?.slot?.[0] ?? 0),
    lease: t.Parameters?.lease?.[0] ?? '',
  };
}

type JsonValue = null | boolean | number | string | JsonValue[] | { [k: string]: JsonValue };
type HostOk = Extract<HostResultEvent, { ok: true }>;

/** A coded error for the state machine: its `name` is the code, so `$.error.Error` carries it. */
function named(e: unknown): VodsrError {
  const info = isVodsrError(e)
    ? e
    : new VodsrError('VODSR_INTERNAL', e instanceof Error ? e.message : String(e), { cause: e });
  const err = new VodsrError(info.code in ERROR_CODES ? info.code : 'VODSR_INTERNAL', info.message);
  err.name = info.code;
  return err;
}

type ExecutorModules = [
  typeof import('aws-local-stepfunctions'),
  typeof import('@vodsr/ssm-runner'),
  typeof import('@vodsr/mediaconvert-presets'),
];

function loadExecutorModules(): Promise<ExecutorModules> {
  return Promise.all([
    import('aws-local-stepfunctions'),
    import('@vodsr/ssm-runner'),
    import('@vodsr/mediaconvert-presets'),
  ]);
}

/** Where local hosts cache their FFmpeg capabilities (keyed by the binary inside): the user's cache folder. */
export function hostCapsDir(): string {
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'vodsr', 'host-caps');
}

/**
 * The local backend's executor: runs core's workflow definition in-process with aws-local-stepfunctions. Task
 * handlers (keyed by state name): `RunHost` runs the host script through `LocalCommandRunner`, `PlanPackaging`
 * and `Package` package the SR file with the presets' FFmpeg twin of the MediaConvert preset, the notifications
 * are no-ops (no EventBridge locally).
 * @example const jobs = await LocalJobService.open({ executor: createWorkflowExecutor() });
 */
export function createWorkflowExecutor(opts: WorkflowExecutorOptions = {}): LocalExecutor {
  // With `preload`, what a job runs on loads while the first job is still being submitted, not after it.
  let modules: Promise<ExecutorModules> | undefined = opts.preload ? loadExecutorModules() : undefined;
  modules?.catch(() => undefined);
  return async (ctx: LocalExecutionContext): Promise<JobOutputs> => {
    installPromiseWithResolvers();
    // a failed load is retried by the next job
    const loading = modules ?? loadExecutorModules();
    modules = loading;
    const [{ StateMachine }, { LocalCommandRunner }, presets] = await loading.catch((e: unknown) => {
      modules = undefined;
      throw e;
    });
    // The execution input exactly as prepareJob built it at submit (or as the trigger built it in `vodsr dev`).
    const input = ctx.input;
    const packaged = input.packagingPreset !== NO_PACKAGING_PRESET;
    const toS3 = parseLocation(input.hlsDestination).kind === 's3';
    if (packaged) presets.getPreset(input.packagingPreset); // VODSR_UNKNOWN_PRESET before any work
    if ((toS3 || parseLocation(input.srFile).kind === 's3') && !opts.s3EndpointUrl) {
      throw new VodsrError(
        'VODSR_VALIDATION',
        'This local backend has no S3 endpoint: give the job a local output, or run it under `vodsr dev`',
        { details: { issues: [{ path: '/output', message: 'needs an S3 endpoint' }] } },
      );
    }
    let s3: S3Client | undefined;
    const s3Client = async (): Promise<S3Client> => {
      s3 ??= await localS3Client(opts.s3EndpointUrl as string);
      return s3;
    };
    const planner = presets.createPlanPackagingHandler({ role: LOCAL_MEDIACONVERT_ROLE });
    mkdirSync(ctx.workDir, { recursive: true });
    const runner = new LocalCommandRunner({
      workRoot: ctx.workDir,
      lockDir: opts.lockDir ?? join(ctx.workDir, 'locks'),
      ...(opts.slots !== undefined ? { slots: opts.slots } : {}),
      ...(opts.s3EndpointUrl ? { s3EndpointUrl: opts.s3EndpointUrl } : {}),
      // The host's capability cache outlives the per-job work root: one check per FFmpeg binary on this machine.
      env: { VODSR_CAPS_DIR: hostCapsDir(), ...(opts.env ?? {}) },
    });
    let host: HostOk | undefined;
    let pkg:
      | {
          masterPlaylist: string;
          renditions: Array<{
            name: string;
            width: number;
            height: number;
            bandwidth: number;
            playlist: string;
          }>;
        }
      | undefined;
    let firstError: unknown;
    const timings: Record<string, number> = {};
    const S = WORKFLOW_STATES;

    const acquire = async (task: unknown): Promise<JsonValue> => {
      const { MessageBody } = task as { MessageBody: AcquireHostMessage };
      const placement = opts.fleet
        ? await opts.fleet.acquireHost(MessageBody, ctx.signal)
        : opts.acquireHost
          ? await opts.acquireHost(MessageBody, ctx.signal)
          : { instanceId: 'local', slot: 0, lease: `l-${randomBytes(6).toString('hex')}` };
      return { ...placement };
    };
    const handlers: Record<string, (task: unknown) => Promise<JsonValue>> = {
      [S.acquireHost]: acquire,
      [S.acquireBulkHost]: acquire,
      [S.runHost]: async (task: unknown) => {
        ctx.setStage('upscaling');
        const t0 = Date.now();
        // The submit-time ffprobe goes to the runner (one probe per job; a fleet's agents probe, as on AWS).
        const probeJson = opts.fleet ? undefined : await reusableProbe(input.job.source);
        const probeDir = probeJson === undefined ? undefined : mkdtempSync(join(tmpdir(), 'vodsr-probe-'));
        const probeFile = probeDir === undefined ? undefined : join(probeDir, 'source.ffprobe.json');
        if (probeFile !== undefined) writeFileSync(probeFile, probeJson as string);
        try {
          const run = (hostJobB64: string, o: RunOptions) =>
            opts.fleet ? opts.fleet.run(placementOf(task), hostJobB64, o) : runner.run(hostJobB64, o);
          const res = await run(input.hostJobB64, {
            ...(probeFile !== undefined ? { env: { VODSR_SOURCE_PROBE_FILE: probeFile } } : {}),
            signal: ctx.signal,
            onProcessGroup: (pgid: number | undefined) => ctx.onProcessGroup?.(pgid),
            onProgress: (e: { stage: string; percent: number; fps?: number; speed?: number }) => {
              // host stages: fetch/probe/upscale/verify/upload; only upscale carries the bulk of the time
              const pct =
                e.stage === 'upscale' ? e.percent : e.stage === 'verify' || e.stage === 'upload' ? 100 : 0;
              const p: { stage: string; percent: number; fps?: number; speed?: number } = {
                stage: e.stage,
                percent: pct,
              };
              if (e.fps !== undefined) p.fps = e.fps;
              if (e.speed !== undefined) p.speed = e.speed;
              ctx.progress(p);
            },
          });
          host = res;
          timings.upscaleSeconds = Math.round((Date.now() - t0) / 100) / 10;
          return JSON.parse(JSON.stringify(res));
        } catch (e) {
          firstError ??= e;
          throw named(e);
        } finally {
          if (probeDir !== undefined) rmSync(probeDir, { recursive: true, force: true });
        }
      },
      // The deployed planner on the definition's payload (a real CreateJob, validated); `Package` runs FFmpeg.
      [S.planPackaging]: async (task: unknown): Promise<JsonValue> => {
        try {
          const payload = (task as { Payload: Parameters<typeof planner>[0] }).Payload;
          // MediaConvert does S3 only: a local folder is planned at stand-in S3 keys of the same file names.
          const local = parseLocation(payload.destination).kind === 'file';
          const planned = local
            ? {
                ...payload,
                input: `s3://${LOCAL_PLAN_BUCKET}/${safeSegment(baseName(payload.input))}`,
                destination: `s3://${LOCAL_PLAN_BUCKET}/hls/`,
              }
            : payload;
          return { Payload: JSON.parse(JSON.stringify(await planner(planned))) as JsonValue };
        } catch (e) {
          firstError ??= e;
          throw named(e);
        }
      },
      [S.package]: async () => {
        ctx.setStage('packaging');
        const t0 = Date.now();
        try {
          if (!host) throw new VodsrError('VODSR_INTERNAL', 'Packaging ran before the host step');
          const out = parseLocation(input.hlsDestination);
          // An S3 destination (the local S3 server): package in the work dir, then publish segments first and the
          // master playlist last, at exactly the keys the deployed workflow writes.
          const outDir = out.kind === 'file' ? out.path : join(ctx.workDir, 'hls');
          const preset = input.packagingPreset;
          if (!presets.isPresetId(preset)) {
            throw new VodsrError(
              'VODSR_UNKNOWN_PRESET',
              `Unknown packaging preset ${JSON.stringify(preset)}`,
            );
          }
          let srInput = input.srFile;
          const sr = parseLocation(input.srFile);
          if (sr.kind === 's3') {
            srInput = join(ctx.workDir, 'sr-input.mp4');
            const { GetObjectCommand } = await import('@aws-sdk/client-s3');
            const obj = await (await s3Client()).send(
              new GetObjectCommand({ Bucket: sr.bucket, Key: sr.key }),
            );
            await pipeline(obj.Body as Readable, createWriteStream(srInput), { signal: ctx.signal });
          }
          const plan = await presets.packageLocally(preset, {
            input: srInput,
            outDir,
            media: host.sr as MediaInfo,
            segmentSeconds: ctx.job.packaging.segmentSeconds,
            ...(ctx.job.packaging.maxRungs !== undefined ? { maxRungs: ctx.job.packaging.maxRungs } : {}),
            signal: ctx.signal,
            onProgress: (percent: number) => ctx.progress({ stage: 'package', percent }),
          });
          if (out.kind === 's3') {
            await publishOutputs(await s3Client(), {
              localHlsDir: outDir,
              hlsDestination: input.hlsDestination,
              masterName: plan.masterPlaylist,
            });
            rmSync(outDir, { recursive: true, force: true });
            const at = (name: string) => `${input.hlsDestination}${name}`;
            pkg = {
              masterPlaylist: at(plan.masterPlaylist),
              renditions: plan.renditions.map((r) => ({ ...r, playlist: at(r.playlist) })),
            };
          } else {
            pkg = {
              masterPlaylist: join(outDir, plan.masterPlaylist),
              renditions: plan.renditions.map((r) => ({ ...r, playlist: join(outDir, r.playlist) })),
            };
          }
          timings.packagingSeconds = Math.round((Date.now() - t0) / 100) / 10;
          return { Job: { Id: `local-${ctx.jobId}`, Status: 'COMPLETE' } };
        } catch (e) {
          firstError ??= e;
          throw named(e);
        }
      },
      [S.notifySuccess]: async () => ({ Entries: [], FailedEntryCount: 0 }),
      [S.notifyFailure]: async () => ({ Entries: [], FailedEntryCount: 0 }),
    };

    // core's definition, as deployed; asl-validator checks it in infra-cdk's tests, not per job (≈0.5 s of CPU).
    const inflight = new Inflight();
    const machine = new StateMachine(buildWorkflowDefinition() as never, {
      validationOptions: { noValidate: true },
    });
    // an input stored before executions carried `estimate` runs too (the Notify states read `$.estimate`)
    const execution = machine.run({ ...input, estimate: input.estimate ?? null } as never, {
      overrides: {
        taskResourceLocalHandlers: inflight.wrap(handlers),
        retryIntervalOverrides: { [S.runHost]: 0, [S.planPackaging]: 0, [S.package]: 0 },
      },
      context: { Task: { Token: `local-${ctx.jobId}-${ctx.attempt}` } },
    });
    const onAbort = () => execution.abort();
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    try {
      await execution.result;
    } catch (e) {
      // the engine rejects at once: the host's (or packaging's) process ends first, then the caller cleans up
      const reason = ctx.signal.reason ?? new VodsrError('VODSR_CANCELLED', 'Cancelled');
      if (ctx.signal.aborted) throw await inflight.after(reason);
      if (firstError !== undefined) throw firstError;
      const x = e as { name?: string; message?: string; cause?: unknown };
      throw new VodsrError('VODSR_WORKFLOW_FAILED', `The workflow failed: ${x.message ?? String(e)}`, {
        cause: e,
      });
    } finally {
      ctx.signal.removeEventListener('abort', onAbort);
      s3?.destroy();
    }
    if (!host) throw new VodsrError('VODSR_WORKFLOW_FAILED', 'The workflow ended without a host result');
    const model = resolveModel(ctx.job);
    const notes: string[] = [];
    if (!model.requiresBluewhale) {
      notes.push(`Open model ${model.id} (stock FFmpeg): not the Bluewhale SR.`);
    }
    const onHost = host.hls !== undefined;
    if (packaged && onHost)
      notes.push(
        `Packaged by the host in the SR pass (${host.hls?.encoder}, MediaConvert's names), not by MediaConvert.`,
      );
    else if (packaged)
      notes.push("Packaged locally with FFmpeg (the MediaConvert preset's twin), not MediaConvert.");
    const outputs: JobOutputs = {
      ...(host.srFile === false ? {} : { srFile: input.srFile }),
      ...(packaged ? { packagingEngine: input.packagingEngine } : {}),
      modelUsed: model.id,
      encoderUsed: host.encoder,
      source: host.source,
      sr: host.sr,
      timings,
      notes,
    };
    if (host.quality !== undefined) outputs.quality = host.quality;
    if (host.hls) {
      outputs.hlsDir = host.hls.destination;
      outputs.hlsMaster = host.hls.master;
      outputs.renditions = host.hls.variants.map((r) => {
        const sum = r.maxBitrate + (r.audioBitrate ?? 0);
        return {
          name: r.name,
          width: r.width,
          height: r.height,
          bandwidth: sum + Math.floor(sum / 10),
          playlist: r.playlist,
        };
      });
    } else if (pkg) {
      outputs.hlsDir = input.hlsDestination;
      outputs.hlsMaster = pkg.masterPlaylist;
      outputs.renditions = pkg.renditions.map((r) => ({
        name: r.name,
        width: r.width,
        height: r.height,
        bandwidth: r.bandwidth,
        playlist: r.playlist,
      }));
    }
    return outputs;
  };
}

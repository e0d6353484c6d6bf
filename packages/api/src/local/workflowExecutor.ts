import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  buildWorkflowDefinition,
  buildWorkflowInput,
  type HostResultEvent,
  isVodsrError,
  type JobOutputs,
  type MediaInfo,
  NO_PACKAGING_PRESET,
  parseLocation,
  resolveModel,
  VodsrError,
  WORKFLOW_STATES,
} from '@vodsr/core';
import type { LocalExecutionContext, LocalExecutor } from './LocalJobService.js';
import { installPromiseWithResolvers } from './polyfills.js';

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
}

type JsonValue = null | boolean | number | string | JsonValue[] | { [k: string]: JsonValue };
type HostOk = Extract<HostResultEvent, { ok: true }>;

/** A coded error for the state machine: its `name` is the code, so `$.error.Error` carries it. */
function named(e: unknown): Error {
  const info = isVodsrError(e)
    ? e
    : new VodsrError('VODSR_INTERNAL', e instanceof Error ? e.message : String(e), { cause: e });
  const err = new Error(info.message);
  err.name = info.code;
  return err;
}

/**
 * The local backend's executor: runs core's workflow definition in-process with aws-local-stepfunctions. Task
 * handlers (keyed by state name): `RunHost` runs the host script through `LocalCommandRunner`, `PlanPackaging`
 * and `Package` package the SR file with the presets' FFmpeg twin of the MediaConvert preset, the notifications
 * are no-ops (no EventBridge locally).
 *
 * @example const jobs = await LocalJobService.open({ executor: createWorkflowExecutor() });
 */
export function createWorkflowExecutor(opts: WorkflowExecutorOptions = {}): LocalExecutor {
  return async (ctx: LocalExecutionContext): Promise<JobOutputs> => {
    installPromiseWithResolvers();
    const [{ StateMachine }, { LocalCommandRunner }, presets] = await Promise.all([
      import('aws-local-stepfunctions'),
      import('@vodsr/ssm-runner'),
      import('@vodsr/mediaconvert-presets'),
    ]);
    const input = buildWorkflowInput(ctx.job, {
      jobId: ctx.jobId,
      outputRoot: ctx.outputRoot,
      instanceId: 'local',
    });
    const packaged = input.packagingPreset !== NO_PACKAGING_PRESET;
    if (packaged) {
      presets.getPreset(input.packagingPreset); // VODSR_UNKNOWN_PRESET before any work
      if (parseLocation(input.hlsDestination).kind !== 'file') {
        throw new VodsrError(
          'VODSR_PACKAGING_FAILED',
          'Local packaging writes to a local folder: give the job a local output (or packaging preset "none")',
          { details: { hlsDestination: input.hlsDestination } },
        );
      }
    }
    mkdirSync(ctx.workDir, { recursive: true });
    const runner = new LocalCommandRunner({
      workRoot: ctx.workDir,
      lockDir: opts.lockDir ?? join(ctx.workDir, 'locks'),
      ...(opts.slots !== undefined ? { slots: opts.slots } : {}),
      ...(opts.s3EndpointUrl ? { s3EndpointUrl: opts.s3EndpointUrl } : {}),
      ...(opts.env ? { env: { ...opts.env } } : {}),
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

    const handlers: Record<string, () => Promise<JsonValue>> = {
      [S.runHost]: async () => {
        ctx.setStage('upscaling');
        const t0 = Date.now();
        try {
          const res = await runner.run(input.hostJobB64, {
            signal: ctx.signal,
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
        }
      },
      // The local twin of the planner Lambda: a CreateJob request whose fields the definition reads
      // (Settings, Role, UserMetadata). Packaging itself runs with FFmpeg in `Package`, not from these Settings.
      [S.planPackaging]: async (): Promise<JsonValue> => ({
        Payload: {
          Role: 'local',
          Settings: {},
          UserMetadata: { jobId: ctx.jobId, vodsrPreset: input.packagingPreset },
        },
      }),
      [S.package]: async () => {
        ctx.setStage('packaging');
        const t0 = Date.now();
        try {
          if (!host) throw new VodsrError('VODSR_INTERNAL', 'Packaging ran before the host step');
          const out = parseLocation(input.hlsDestination);
          const outDir = out.kind === 'file' ? out.path : input.hlsDestination;
          const preset = input.packagingPreset;
          if (!presets.isPresetId(preset)) {
            throw new VodsrError(
              'VODSR_UNKNOWN_PRESET',
              `Unknown packaging preset ${JSON.stringify(preset)}`,
            );
          }
          const plan = await presets.packageLocally(preset, {
            input: input.srFile,
            outDir,
            media: host.sr as MediaInfo,
            segmentSeconds: ctx.job.packaging.segmentSeconds,
            ...(ctx.job.packaging.maxRungs !== undefined ? { maxRungs: ctx.job.packaging.maxRungs } : {}),
            signal: ctx.signal,
            onProgress: (percent: number) => ctx.progress({ stage: 'package', percent }),
          });
          pkg = {
            masterPlaylist: join(outDir, plan.masterPlaylist),
            renditions: plan.renditions.map((r) => ({ ...r, playlist: join(outDir, r.playlist) })),
          };
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

    const machine = new StateMachine(buildWorkflowDefinition() as never, {
      validationOptions: { checkArn: false, checkPaths: false },
    });
    const execution = machine.run(input as never, {
      overrides: {
        taskResourceLocalHandlers: handlers,
        retryIntervalOverrides: { [S.runHost]: 0, [S.planPackaging]: 0, [S.package]: 0 },
      },
      context: { Task: { Token: `local-${ctx.jobId}-${ctx.attempt}` } },
    });
    const onAbort = () => execution.abort();
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    try {
      await execution.result;
    } catch (e) {
      if (ctx.signal.aborted) throw ctx.signal.reason ?? new VodsrError('VODSR_CANCELLED', 'Cancelled');
      if (firstError !== undefined) throw firstError;
      const x = e as { name?: string; message?: string; cause?: unknown };
      throw new VodsrError('VODSR_WORKFLOW_FAILED', `The workflow failed: ${x.message ?? String(e)}`, {
        cause: e,
      });
    } finally {
      ctx.signal.removeEventListener('abort', onAbort);
    }
    if (!host) throw new VodsrError('VODSR_WORKFLOW_FAILED', 'The workflow ended without a host result');
    const model = resolveModel(ctx.job);
    const notes: string[] = [];
    if (!model.requiresBluewhale) {
      notes.push(`Open model ${model.id} (stock FFmpeg): not the Bluewhale SR.`);
    }
    if (packaged)
      notes.push("Packaged locally with FFmpeg (the MediaConvert preset's twin), not MediaConvert.");
    const outputs: JobOutputs = {
      srFile: input.srFile,
      modelUsed: model.id,
      encoderUsed: host.encoder,
      source: host.source,
      sr: host.sr,
      timings,
      notes,
    };
    if (pkg) {
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

import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { localS3Client } from '@vodsr/api';
import type { WorkflowInput } from '@vodsr/core';
import type { StartExecution, TriggerLog } from '@vodsr/core/ingest';
import { hostHlsPlan } from '@vodsr/mediaconvert-presets';
import { JobFollower } from './JobFollower.js';
import { LOCAL_S3_ENV, startLocalS3 } from './localS3.js';
import { createTriggerDelivery, forwardInputEvents } from './triggerDelivery.js';
import type { DevPipeline, DevPipelineOptions } from './types.js';

export type {
  DevJobResult,
  DevPipeline,
  DevPipelineOptions,
  DevTriggerInvocation,
  PublishedOutputs,
} from './types.js';

/**
 * Placeholder instance id given to the trigger's configuration (it validates one): the local backend runs the host
 * script as a child process of this machine instead of on an EC2 instance.
 */
export const DEV_INSTANCE_ID = 'i-00000000000000000';

/**
 * `vodsr dev`: the deployed pipeline on one machine. A local S3 server (s3rver) on 127.0.0.1 with an input and an
 * output bucket; each object-created event of the input bucket (as S3 notifications are configured on the input
 * bucket only) is normalised to the real S3 record format (URL-encoded keys) and given to the SAME trigger handler
 * the Lambda runs (`createTriggerHandler` of `@vodsr/core/ingest`), whose `start` submits the job to the
 * local backend (the same workflow definition executed in-process, the same host script, the presets' FFmpeg twin
 * of MediaConvert). The trigger's execution input runs unchanged (`startExecution`) under its execution name, so
 * a redelivered event starts nothing new, and writes to the local S3 server at the keys the trigger derived: the
 * host uploads the SR file, packaging publishes the HLS tree (segments first, master playlist last).
 *
 * @example
 * const dev = await startDevPipeline({ dataDir: '.vodsr-dev' });
 * // aws s3 cp clip.mp4 s3://vodsr-in/clip.mp4 --endpoint-url "$S3" → s3://vodsr-out/clip_sr_2x.mp4 + hls/…
 * await dev.close();
 */
export async function startDevPipeline(opts: DevPipelineOptions = {}): Promise<DevPipeline> {
  const dataDir = resolve(opts.dataDir ?? '.vodsr-dev');
  const host = opts.host ?? '127.0.0.1';
  const inputBucket = opts.inputBucket ?? 'vodsr-in';
  const outputBucket = opts.outputBucket ?? 'vodsr-out';
  const log: TriggerLog = opts.log ?? (() => undefined);
  mkdirSync(dataDir, { recursive: true });

  const [{ createTriggerHandler }, { LocalJobService, serveApi }] = await Promise.all([
    import('@vodsr/core/ingest'),
    import('@vodsr/api'),
  ]);
  const { model, modelNote } = await devModel(opts.model);

  const cleanups: Array<() => Promise<void>> = [];
  const closeAll = async () => {
    while (cleanups.length > 0) await (cleanups.pop() as () => Promise<void>)().catch(() => undefined);
  };
  try {
    const s3server = await startLocalS3({
      directory: join(dataDir, 's3'),
      buckets: [inputBucket, outputBucket],
      host,
      ...(opts.s3Port !== undefined ? { port: opts.s3Port } : {}),
    });
    cleanups.push(() => s3server.close());
    const s3 = await localS3Client(s3server.endpoint);
    cleanups.push(async () => s3.destroy());
    const service = await LocalJobService.open({
      dataDir: join(dataDir, 'jobs'),
      outputRoot: join(dataDir, 'out'),
      slots: opts.slots ?? 1,
      ...(opts.hosts ? { fleet: { hosts: opts.hosts, slots: opts.slots ?? 1 } } : {}),
      s3EndpointUrl: s3server.endpoint,
      env: { ...LOCAL_S3_ENV, VODSR_S3_ENDPOINT_URL: s3server.endpoint },
    });
    const follower = new JobFollower(service, log);
    cleanups.push(async () => {
      await service.close(); // running jobs: interrupted, re-run on the next start
      await follower.settled();
    });

    // The trigger's execution input runs unchanged on the local backend, under the trigger's execution name.
    const start: StartExecution = async (name: string, input: WorkflowInput) => {
      const outcome = await service.startExecution(name, input);
      follower.follow(name);
      return outcome;
    };
    const trigger = createTriggerHandler({
      start,
      log,
      hostHlsPlan,
      config: {
        outputRoot: `s3://${outputBucket}/`,
        instanceId: DEV_INSTANCE_ID,
        model,
        packagingPreset: opts.packagingPreset ?? 'hls-single',
        // Locally the host packages in the SR pass (as `vodsr run` does); on AWS the trigger keeps MediaConvert.
        packagingEngine: opts.packagingEngine ?? 'host',
        inputBucket,
        outputBucket,
        keysEncoded: true,
        quality: opts.quality !== false,
      },
    });
    const delivery = createTriggerDelivery(trigger, log, follower.events);
    forwardInputEvents(s3server, inputBucket, delivery);
    await follower.followUnfinished();

    const extraRoutes =
      opts.viewer !== false ? [(await import('@vodsr/api')).createViewerRoutes({ s3 })] : [];
    const { app, url } = await serveApi({
      service,
      auth: 'disabled',
      host,
      port: opts.apiPort ?? 0,
      rateLimit: false,
      extraRoutes,
    });
    cleanups.push(() => app.close());
    cleanups.push(() => delivery.stop());

    return {
      s3Endpoint: s3server.endpoint,
      apiUrl: url,
      inputBucket,
      outputBucket,
      model,
      ...(modelNote !== undefined ? { modelNote } : {}),
      service,
      app,
      s3,
      deliver: delivery.deliver,
      invocations: delivery.invocations,
      whenPublished: (jobId) => follower.whenPublished(jobId),
      events: follower.events,
      close: closeAll,
    };
  } catch (e) {
    await closeAll();
    throw e;
  }
}

/** The model dev jobs run with: the one asked for, or the use case's model A when this FFmpeg has its filters. */
async function devModel(requested: string | undefined): Promise<{ model: string; modelNote?: string }> {
  if (requested !== undefined) return { model: requested };
  const { chooseLocalModel, listFfmpegFilters } = await import('@vodsr/api');
  const choice = chooseLocalModel('A', await listFfmpegFilters());
  return choice.note !== undefined
    ? { model: choice.model, modelNote: choice.note }
    : { model: choice.model };
}

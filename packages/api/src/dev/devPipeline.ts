import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import type { S3NotificationEvent, StartExecution, TriggerLog, TriggerResult } from '@vodsr/core';
import { type JobRecord, type PackagingEngine, toErrorInfo, type WorkflowInput } from '@vodsr/core';
import { hostHlsPlan } from '@vodsr/mediaconvert-presets';
import type { FastifyInstance } from 'fastify';
import type { LocalJobService } from '../local/LocalJobService.js';
import { localS3Client } from '../local/s3Client.js';
import { LOCAL_S3_ENV, type LocalS3, startLocalS3 } from './localS3.js';
import { type LocalS3EventRecord, normalizeLocalS3Event } from './s3Events.js';

/**
 * Placeholder instance id given to the trigger's configuration (it validates one): the local backend runs the host
 * script as a child process of this machine instead of on an EC2 instance.
 */
export const DEV_INSTANCE_ID = 'i-00000000000000000';

/** Options of `startDevPipeline`. */
export interface DevPipelineOptions {
  /** Folder of the local S3 data, the job database and staging files. @default '.vodsr-dev' */
  readonly dataDir?: string;
  /** Loopback address of both servers. @default '127.0.0.1' */
  readonly host?: string;
  /** Port of the local S3 server. @default 0 (a free port) */
  readonly s3Port?: number;
  /** Port of the API and viewer. @default 0 (a free port) */
  readonly apiPort?: number;
  /** @default 'vodsr-in' */
  readonly inputBucket?: string;
  /** @default 'vodsr-out' */
  readonly outputBucket?: string;
  /** SR model. @default the use case's model A, replaced by the open model when this FFmpeg lacks its filters */
  readonly model?: string;
  /** Packaging preset. @default 'hls-single' */
  readonly packagingPreset?: string;
  /** Who packages. @default 'host' (one pass, as `vodsr run`) */
  readonly packagingEngine?: PackagingEngine;
  /** Jobs at a time. @default 1 */
  readonly slots?: number;
  /** Serve the viewer at `/viewer`. @default true */
  readonly viewer?: boolean;
  /** Structured log lines (trigger decisions, job ends, publishing). @default none */
  readonly log?: TriggerLog;
}

/** One trigger invocation: the normalised event and what the trigger did with it. */
export interface DevTriggerInvocation {
  readonly event: S3NotificationEvent;
  readonly result?: TriggerResult;
  readonly error?: { code: string; message: string };
}

/** A running `vodsr dev` pipeline. */
export interface DevPipeline {
  /** Local S3 endpoint (`aws s3 cp --endpoint-url <s3Endpoint>`). */
  readonly s3Endpoint: string;
  /** Base URL of the API (`/v1/...`) and the viewer (`/viewer`). */
  readonly apiUrl: string;
  readonly inputBucket: string;
  readonly outputBucket: string;
  /** The model jobs run with. */
  readonly model: string;
  /** Why the model differs from the use case's (Bluewhale filters absent), when it does. */
  readonly modelNote?: string;
  /** The local backend running the jobs. */
  readonly service: LocalJobService;
  readonly app: FastifyInstance;
  /** An S3 client for the local server (for tests and tools). */
  readonly s3: S3Client;
  /**
   * Feeds an S3 event (real format, URL-encoded keys) to the trigger handler, as S3 would (again). Resolves with
   * what the trigger did.
   */
  deliver(event: S3NotificationEvent): Promise<TriggerResult>;
  /** Every trigger invocation so far (local S3 events and `deliver` calls), oldest first. */
  readonly invocations: readonly DevTriggerInvocation[];
  /** Resolves when the job has ended and, if it succeeded, its outputs are in the output bucket. */
  whenPublished(jobId: string): Promise<DevJobResult>;
  /** `'trigger'` (DevTriggerInvocation), `'published'` ({ job, published }), `'publish-failed'` ({ job, error }). */
  readonly events: EventEmitter;
  /** Stops accepting events, waits for pending trigger calls, stops the API, the workers and the S3 server. */
  close(): Promise<void>;
}

/** Where a finished job's outputs are in the local S3 server's output bucket. */
export interface PublishedOutputs {
  readonly srFile: string;
  readonly hlsPrefix?: string;
  readonly hlsMaster?: string;
}

/** How a job of the dev pipeline ended. */
export interface DevJobResult {
  readonly job: JobRecord;
  /** The outputs in the output bucket (a succeeded job). */
  readonly published?: PublishedOutputs;
  /** Why nothing was published (a failed or cancelled job). */
  readonly error?: string;
}

function jobResult(job: JobRecord): DevJobResult {
  const o = job.outputs;
  if (job.status !== 'succeeded' || !o?.srFile) {
    return { job, error: `job ${job.status}: ${job.error?.code ?? ''} ${job.error?.message ?? ''}`.trim() };
  }
  return {
    job,
    published: {
      srFile: o.srFile,
      ...(o.hlsDir !== undefined ? { hlsPrefix: o.hlsDir } : {}),
      ...(o.hlsMaster !== undefined ? { hlsMaster: o.hlsMaster } : {}),
    },
  };
}

/**
 * `vodsr dev`: the deployed pipeline on one machine. A local S3 server (s3rver) on 127.0.0.1 with an input and an
 * output bucket; each object-created event of the input bucket (as S3 notifications are configured on the input
 * bucket only) is normalised to the real S3 record format (URL-encoded keys) and given to the SAME trigger handler
 * the Lambda runs (`createTriggerHandler` of `@vodsr/core`), whose `start` submits the job to the
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

  const [
    { createTriggerHandler },
    { LocalJobService },
    { chooseLocalModel, listFfmpegFilters },
    { serveApi },
  ] = await Promise.all([
    import('@vodsr/core'),
    import('../local/LocalJobService.js'),
    import('../local/ffmpegFilters.js'),
    import('../http/buildApp.js'),
  ]);
  let model = opts.model;
  let modelNote: string | undefined;
  if (model === undefined) {
    const choice = chooseLocalModel('A', await listFfmpegFilters());
    model = choice.model;
    modelNote = choice.note;
  }

  const cleanups: Array<() => Promise<void>> = [];
  const closeAll = async () => {
    while (cleanups.length > 0) await (cleanups.pop() as () => Promise<void>)().catch(() => undefined);
  };
  try {
    const s3server: LocalS3 = await startLocalS3({
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
      s3EndpointUrl: s3server.endpoint,
      env: { ...LOCAL_S3_ENV, VODSR_S3_ENDPOINT_URL: s3server.endpoint },
    });
    cleanups.push(async () => {
      await service.close(); // running jobs: interrupted, re-run on the next start
      await Promise.all([...following]);
    });

    const events = new EventEmitter();
    events.setMaxListeners(0);
    const results = new Map<string, DevJobResult>();
    const watching = new Set<string>();
    const following = new Set<Promise<void>>();

    // Jobs write straight to the local S3 server at the keys the trigger derived (the host uploads the SR file,
    // packaging publishes the HLS tree): nothing is staged here, this only reports each job's end.
    const follow = (jobId: string): void => {
      if (watching.has(jobId)) return;
      watching.add(jobId);
      const task = (async () => {
        let last: JobRecord | undefined;
        for await (const ev of service.watch(jobId)) last = ev.job;
        if (!last || !['succeeded', 'failed', 'cancelled'].includes(last.status)) return; // closing
        const r = jobResult(last);
        results.set(jobId, r);
        if (r.published) {
          log({ level: 'info', msg: `job ${jobId} done: ${r.published.srFile}`, jobId, ...r.published });
          events.emit('published', r);
        } else {
          log({ level: 'warn', msg: `job ${jobId} ${last.status}; nothing published`, error: last.error });
          events.emit('publish-failed', r);
        }
      })().catch((e) =>
        log({ level: 'error', msg: `following job ${jobId} failed: ${(e as Error).message}` }),
      );
      const tracked = task.finally(() => {
        following.delete(tracked);
        watching.delete(jobId);
      });
      following.add(tracked);
    };

    // The trigger's execution input runs unchanged on the local backend, under the trigger's execution name.
    const start: StartExecution = async (name: string, input: WorkflowInput) => {
      const outcome = await service.startExecution(name, input);
      follow(name);
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
      },
    });

    const invocations: DevTriggerInvocation[] = [];
    let chain: Promise<unknown> = Promise.resolve();
    let accepting = true;
    const deliver = (event: S3NotificationEvent): Promise<TriggerResult> => {
      const run = chain.then(async () => {
        try {
          // Like an asynchronous Lambda invocation: a failed call (only retryable failures throw) is retried twice.
          let result: TriggerResult | undefined;
          for (let attempt = 1; result === undefined; attempt += 1) {
            try {
              result = await trigger(event);
            } catch (e) {
              if (attempt >= 3 || !accepting) throw e;
              log({
                level: 'warn',
                msg: `trigger failed (attempt ${attempt} of 3), retrying: ${toErrorInfo(e).message}`,
              });
              await new Promise((r) => setTimeout(r, 1000 * attempt));
            }
          }
          const inv = { event, result };
          invocations.push(inv);
          events.emit('trigger', inv);
          return result;
        } catch (e) {
          const inv = { event, error: toErrorInfo(e) };
          invocations.push(inv);
          events.emit('trigger', inv);
          throw e;
        }
      });
      chain = run.catch(() => undefined);
      return run;
    };
    s3server.onEvent((raw: { Records: LocalS3EventRecord[] }) => {
      // S3 notifications are configured on the input bucket only, for object creation
      const records = (raw.Records ?? []).filter(
        (r) => r.s3?.bucket?.name === inputBucket && /^(s3:)?ObjectCreated:/.test(r.eventName ?? ''),
      );
      if (!accepting || records.length === 0) return;
      deliver(normalizeLocalS3Event({ Records: records })).catch(() => undefined);
    });

    // jobs started before a restart: report them when they end
    for (const { id } of (
      await service.list({
        status: ['queued', 'running', 'upscaling', 'packaging', 'interrupted'],
        limit: 100,
      })
    ).jobs)
      follow(id);

    let extraRoutes: Array<import('../http/routes/index.js').RoutePlugin> = [];
    if (opts.viewer !== false) {
      const { createViewerRoutes } = await import('../viewer/viewerRoutes.js');
      extraRoutes = [createViewerRoutes({ s3 })];
    }
    const { app, url } = await serveApi({
      service,
      auth: 'disabled',
      host,
      port: opts.apiPort ?? 0,
      rateLimit: false,
      extraRoutes,
    });
    cleanups.push(() => app.close());
    cleanups.push(async () => {
      accepting = false;
      await chain;
    });

    const whenPublished = async (jobId: string): Promise<DevJobResult> => {
      const done = results.get(jobId);
      if (done) return done;
      const now = await service.get(jobId);
      if (['succeeded', 'failed', 'cancelled'].includes(now.status)) return jobResult(now);
      return new Promise<DevJobResult>((res) => {
        const on = (r: DevJobResult) => {
          if (r.job.id !== jobId) return;
          events.off('published', on);
          events.off('publish-failed', on);
          res(r);
        };
        events.on('published', on);
        events.on('publish-failed', on);
        follow(jobId);
      });
    };

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
      deliver,
      invocations,
      whenPublished,
      events,
      close: closeAll,
    };
  } catch (e) {
    await closeAll();
    throw e;
  }
}

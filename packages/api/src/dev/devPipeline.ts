import { EventEmitter } from 'node:events';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { type JobRecord, parseLocation, toErrorInfo, type WorkflowInput } from '@vodsr/core';
import type {
  S3NotificationEvent,
  StartExecution,
  TriggerLog,
  TriggerResult,
} from '@vodsr/infra-cdk/trigger';
import type { FastifyInstance } from 'fastify';
import type { LocalJobService } from '../local/LocalJobService.js';
import { LOCAL_S3_ENV, type LocalS3, startLocalS3 } from './localS3.js';
import { type PublishedOutputs, publishOutputs } from './publishOutputs.js';
import { localS3Client } from './s3Client.js';
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
  whenPublished(jobId: string): Promise<{ job: JobRecord; published?: PublishedOutputs; error?: string }>;
  /** `'trigger'` (DevTriggerInvocation), `'published'` ({ job, published }), `'publish-failed'` ({ job, error }). */
  readonly events: EventEmitter;
  /** Stops accepting events, waits for pending trigger calls, stops the API, the workers and the S3 server. */
  close(): Promise<void>;
}

interface PendingPublish {
  readonly jobId: string;
  readonly srFile: string;
  readonly hlsDestination: string;
}

/**
 * `vodsr dev`: the deployed pipeline on one machine. A local S3 server (s3rver) on 127.0.0.1 with an input and an
 * output bucket; each object-created event of the input bucket (as S3 notifications are configured on the input
 * bucket only) is normalised to the real S3 record format (URL-encoded keys) and given to the SAME trigger handler
 * the Lambda runs (`createTriggerHandler` of `@vodsr/infra-cdk/trigger`), whose `start` submits the job to the
 * local backend (the same workflow definition executed in-process, the same host script, the presets' FFmpeg twin
 * of MediaConvert). The execution name is the job's idempotency key, so a redelivered event starts nothing new.
 * Local packaging writes to a folder, so when a job succeeds its SR file and HLS tree are uploaded to the output
 * bucket at exactly the keys the deployed pipeline writes (`srFile`, `hlsDestination` of the workflow input).
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
  const pendingDir = join(dataDir, 'dev', 'pending');
  const publishedDir = join(dataDir, 'dev', 'published');
  mkdirSync(pendingDir, { recursive: true });
  mkdirSync(publishedDir, { recursive: true });

  const [
    { createTriggerHandler },
    { LocalJobService },
    { chooseLocalModel, listFfmpegFilters },
    { serveApi },
  ] = await Promise.all([
    import('@vodsr/infra-cdk/trigger'),
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
      outputRoot: join(dataDir, 'staging'),
      slots: opts.slots ?? 1,
      s3EndpointUrl: s3server.endpoint,
      env: { ...LOCAL_S3_ENV, VODSR_S3_ENDPOINT_URL: s3server.endpoint },
    });
    cleanups.push(async () => {
      await service.close(); // running jobs: interrupted, re-run (and published) on the next start
      await Promise.all([...publishing]);
    });

    const events = new EventEmitter();
    events.setMaxListeners(0);
    const results = new Map<string, { job: JobRecord; published?: PublishedOutputs; error?: string }>();
    const watching = new Set<string>();
    const publishing = new Set<Promise<void>>();

    const follow = (p: PendingPublish): void => {
      if (watching.has(p.jobId)) return;
      watching.add(p.jobId);
      const task = (async () => {
        let last: JobRecord | undefined;
        for await (const ev of service.watch(p.jobId)) last = ev.job;
        if (!last || !['succeeded', 'failed', 'cancelled'].includes(last.status)) return; // closing
        const file = join(pendingDir, `${p.jobId}.json`);
        if (last.status !== 'succeeded') {
          renameSync(file, join(publishedDir, `${p.jobId}.json`));
          const r = {
            job: last,
            error: `job ${last.status}: ${last.error?.code ?? ''} ${last.error?.message ?? ''}`,
          };
          results.set(p.jobId, r);
          log({ level: 'warn', msg: `job ${p.jobId} ${last.status}; nothing published`, error: last.error });
          events.emit('publish-failed', r);
          return;
        }
        const o = last.outputs ?? {};
        try {
          const hlsDir = o.hlsDir !== undefined ? parseLocation(o.hlsDir) : undefined;
          const published = await publishOutputs(s3, {
            localSrFile: o.srFile as string,
            srFile: p.srFile,
            ...(hlsDir?.kind === 'file' && o.hlsMaster
              ? {
                  localHlsDir: hlsDir.path,
                  hlsDestination: p.hlsDestination,
                  masterName: o.hlsMaster.slice(hlsDir.path.replace(/\/?$/, '/').length),
                }
              : {}),
          });
          writeFileSync(join(publishedDir, `${p.jobId}.json`), JSON.stringify({ ...p, published }, null, 2));
          rmSync(file, { force: true });
          const r = { job: last, published };
          results.set(p.jobId, r);
          log({
            level: 'info',
            msg: `published job ${p.jobId}: ${published.srFile}${published.hlsMaster ? ` and ${published.hlsMaster}` : ''}`,
            jobId: p.jobId,
            objects: published.keys.length,
            bytes: published.bytes,
          });
          events.emit('published', r);
        } catch (e) {
          const info = toErrorInfo(e);
          const r = { job: last, error: `${info.code}: ${info.message}` };
          results.set(p.jobId, r);
          log({ level: 'error', msg: `publishing job ${p.jobId} failed: ${info.message}`, ...info });
          events.emit('publish-failed', r);
        }
      })().catch((e) =>
        log({ level: 'error', msg: `following job ${p.jobId} failed: ${(e as Error).message}` }),
      );
      const tracked = task.finally(() => {
        publishing.delete(tracked);
        watching.delete(p.jobId);
      });
      publishing.add(tracked);
    };

    const start: StartExecution = async (name: string, input: WorkflowInput) => {
      const spec = { ...input.job, output: `${join(dataDir, 'staging', name)}/`, idempotencyKey: name };
      const { job, created } = await service.submit(spec);
      const pending: PendingPublish = {
        jobId: job.id,
        srFile: input.srFile,
        hlsDestination: input.hlsDestination,
      };
      const file = join(pendingDir, `${job.id}.json`);
      if (created || existsSync(file)) {
        writeFileSync(file, JSON.stringify(pending, null, 2));
        follow(pending);
      }
      return created ? 'started' : 'exists';
    };

    const trigger = createTriggerHandler({
      start,
      log,
      config: {
        outputRoot: `s3://${outputBucket}/`,
        instanceId: DEV_INSTANCE_ID,
        model,
        packagingPreset: opts.packagingPreset ?? 'hls-single',
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

    // jobs started before a restart: publish them when they end
    for (const f of readdirSync(pendingDir).filter((n) => n.endsWith('.json'))) {
      try {
        follow(JSON.parse(readFileSync(join(pendingDir, f), 'utf8')) as PendingPublish);
      } catch (e) {
        log({ level: 'warn', msg: `ignoring ${f}: ${(e as Error).message}` });
      }
    }

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

    const whenPublished = (jobId: string) =>
      new Promise<{ job: JobRecord; published?: PublishedOutputs; error?: string }>((res) => {
        const done = results.get(jobId);
        if (done) return res(done);
        const file = join(publishedDir, `${jobId}.json`);
        if (existsSync(file)) {
          // published by an earlier run of this pipeline
          const saved = JSON.parse(readFileSync(file, 'utf8')) as { published?: PublishedOutputs };
          void service.get(jobId).then((job) =>
            res({
              job,
              ...(saved.published ? { published: saved.published } : { error: `job ${job.status}` }),
            }),
          );
          return;
        }
        const on = (r: { job: JobRecord }) => {
          if (r.job.id !== jobId) return;
          events.off('published', on);
          events.off('publish-failed', on);
          res(r as { job: JobRecord; published?: PublishedOutputs; error?: string });
        };
        events.on('published', on);
        events.on('publish-failed', on);
      });

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

import type { EventEmitter } from 'node:events';
import type { S3Client } from '@aws-sdk/client-s3';
import type { LocalJobService, serveApi } from '@vodsr/api';
import type { JobRecord } from '@vodsr/core';
import type { S3NotificationEvent, TriggerLog, TriggerResult } from '@vodsr/core/ingest';
import type { PackagingEngine } from '@vodsr/core/job';

/** Options of `startDevPipeline`. */
export interface DevPipelineOptions {
  /** Jobs measure what the SR bought (`quality: true`). @default true */
  readonly quality?: boolean;
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
  /** Jobs at a time (per host with `hosts`). @default 1 */
  readonly slots?: number;
  /** Run a local fleet of this many hosts (the real agent and host script each). @default none */
  readonly hosts?: number;
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
  readonly app: Awaited<ReturnType<typeof serveApi>>['app'];
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

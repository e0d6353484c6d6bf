import type { JobOutputs, JobSpec, WorkflowInput } from '@vodsr/core';
import type { PackagingEngine } from '@vodsr/core/job';

/** What the local executor gets for one attempt of one job. */
export interface LocalExecutionContext {
  readonly jobId: string;
  /** The execution input `prepareJob` built when the job was submitted: run it unchanged. */
  readonly input: WorkflowInput;
  /** `input.job`. */
  readonly job: JobSpec;
  /** A scratch folder for this attempt. */
  readonly workDir: string;
  readonly attempt: number;
  readonly signal: AbortSignal;
  /**
   * The process group of the attempt's child work (the host runner and its FFmpeg), recorded so the next start
   * can end it if this process dies without doing so.
   */
  onProcessGroup?(pgid: number | undefined): void;
  /** Moves the job to a stage of the lifecycle. */
  setStage(stage: 'upscaling' | 'packaging'): void;
  /** Progress of the current stage (percent of that stage). */
  progress(p: { stage?: string; percent: number; fps?: number; speed?: number }): void;
}

/** Runs one job locally and returns its outputs (rejects with a coded error). */
export type LocalExecutor = (ctx: LocalExecutionContext) => Promise<JobOutputs>;

/** Options of the local backend. */
export interface LocalJobServiceOptions {
  /** Folder of the database and scratch files. @default '.vodsr' */
  readonly dataDir?: string;
  /** The database file. @default `<dataDir>/jobs.db` */
  readonly dbPath?: string;
  /** Where jobs without an `output` put their results (`<outputRoot>/<jobId>/`). @default 'vodsr-out/jobs' */
  readonly outputRoot?: string;
  /** Jobs run at the same time: one slot per GPU. @default 1 */
  readonly slots?: number;
  /**
   * Run queued jobs in this process: `true` = any queued job, `'own'` = only jobs submitted through this instance
   * (what `vodsr run` uses), `false` = a read/submit-only client of the database. @default true
   */
  readonly workers?: boolean | 'own';
  /** Attempts before a job whose worker keeps dying is failed. @default 3 */
  readonly maxAttempts?: number;
  /** Worker lease refresh interval. @default 1000 */
  readonly heartbeatMs?: number;
  /** A worker whose lease is older than this is dead. @default 15000 */
  readonly leaseMs?: number;
  /**
   * Confine jobs to the disk a server means to share (`vodsr serve --input-root`): a local source must be a regular
   * file inside one of these folders (symlinks resolved; `/proc`, `/dev`, FIFOs and sockets refused) and a local
   * output must be inside `outputRoot`. Checked at submit (400 naming the rule) and again before the job runs.
   * @default undefined (any file the user names, as `vodsr run`)
   */
  readonly inputRoots?: readonly string[];
  /** Reject a local source path that is not a file at submit time. @default true */
  readonly checkSource?: boolean;
  /**
   * The filters of the hosts' FFmpeg, for the open-model fallback (`runnableModel`). @default `ffmpeg -filters` of
   * `VODSR_FFMPEG` (or `ffmpeg`), listed once, when the service runs the real workflow; with an injected `executor`
   * and no `hostFilters`, models are never switched.
   */
  readonly hostFilters?: () => Promise<ReadonlySet<string>>;
  /** Runs a job. @default the in-process workflow (`runLocalWorkflow`) */
  readonly executor?: LocalExecutor;
  /** Extra environment for the host script (e.g. `VODSR_S3_ENDPOINT`). */
  readonly env?: Readonly<Record<string, string>>;
  /** Endpoint of a local S3-compatible server for s3:// sources/outputs. */
  readonly s3EndpointUrl?: string;
  /** Run jobs on a local fleet of `hosts` × `slots` (the deployed pull admission, locally). @default none */
  readonly fleet?: { readonly hosts: number; readonly slots: number };
  /** The packaging engine of jobs that name none. @default 'host' (`LOCAL_PACKAGING_ENGINE`) */
  readonly packagingEngine?: PackagingEngine;
}

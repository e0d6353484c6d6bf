/** Options every command understands (flags, `VODSR_*` env vars, or the config file). */
export interface GlobalOptions {
  /** `local` (embedded DB + in-process workflow), `aws` (Step Functions) or `api` (a remote vodsr API). */
  backend?: 'local' | 'aws' | 'api';
  /** Remote API base URL; implies `backend: api`. */
  api?: string;
  /** Bearer token for `--api` (and for `serve`). */
  token?: string;
  /** Local backend: folder of the job database and scratch files. */
  dataDir?: string;
  /** Local backend: where job outputs go. */
  outputDir?: string;
  /** AWS backend: the vodsr state machine ARN. */
  stateMachineArn?: string;
  /** AWS backend: default output root (s3://bucket/prefix/). */
  awsOutput?: string;
  /** AWS backend, `vodsr fleet`: the hosts' Auto Scaling group (stack output `FleetGroupName`). */
  fleetGroup?: string;
  /** AWS backend, `vodsr fleet`: the interactive work queue (stack output `InteractiveQueueUrl`). */
  interactiveQueueUrl?: string;
  /** AWS backend, `vodsr fleet`: the bulk work queue (stack output `BulkQueueUrl`). */
  bulkQueueUrl?: string;
  /** AWS region. */
  region?: string;
  /** Machine-readable output. */
  json?: boolean;
}

/** Defaults of the local backend's folders (relative to the working directory). */
export const DEFAULT_DATA_DIR = '.vodsr';
export const DEFAULT_OUTPUT_DIR = 'vodsr-out';

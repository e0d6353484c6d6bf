/**
 * Coded errors shared by every vodsr package. Each failure kind has a stable machine-readable `code`
 * (shown as-is by the API and CLI), a human message, optional structured `details`, and forwards `cause`.
 */

/** Every error code vodsr emits, with the HTTP status the API maps it to and a one-line description. */
export const ERROR_CODES = {
  VODSR_VALIDATION: {
    status: 400,
    description: 'The input does not match the schema; details list every problem.',
  },
  VODSR_INVALID_S3_URI: { status: 400, description: 'A string is not a valid s3://bucket/key URI.' },
  VODSR_MAP_RUN_FAILED: {
    status: 500,
    description:
      'A Distributed Map run (a backfill) failed more items than it tolerates, or could not write its results.',
  },
  VODSR_INVALID_BUCKET: { status: 400, description: 'An S3 bucket name breaks the S3 naming rules.' },
  VODSR_INVALID_KEY: { status: 400, description: 'An S3 object key is empty, too long or not valid UTF-8.' },
  VODSR_INVALID_EVENT_KEY: { status: 400, description: 'An S3 event key is not valid percent-encoding.' },
  VODSR_INVALID_LOCATION: {
    status: 400,
    description: 'A source or output location is neither an S3 URI nor a path.',
  },
  VODSR_UNKNOWN_MODEL: { status: 400, description: 'No SR model has this id.' },
  VODSR_UNSUPPORTED_SCALE: { status: 400, description: 'The SR model cannot produce this scale factor.' },
  VODSR_INVALID_FILTER: { status: 400, description: 'A user-defined filter has an invalid name or option.' },
  VODSR_UNKNOWN_PRESET: { status: 400, description: 'No packaging preset has this id.' },
  VODSR_UNKNOWN_PRICE: {
    status: 422,
    description: 'The price table has no price for this instance type and purchase option.',
  },
  VODSR_ILLEGAL_TRANSITION: {
    status: 409,
    description: 'A job cannot move from its status to the requested one.',
  },
  VODSR_JOB_NOT_FOUND: { status: 404, description: 'No job has this id.' },
  VODSR_CONFLICT: { status: 409, description: 'The request conflicts with the current state of a resource.' },
  VODSR_UNAUTHORIZED: { status: 401, description: 'A valid bearer token is required.' },
  VODSR_RATE_LIMITED: { status: 429, description: 'Too many requests; retry after the indicated time.' },
  VODSR_HOST_USAGE: { status: 400, description: 'The host runner was called with a malformed job.' },
  VODSR_HOST_MISSING_TOOL: {
    status: 500,
    description: 'A tool the host runner needs (ffmpeg, ffprobe, aws, jq) is missing.',
  },
  VODSR_HOST_MISSING_FILTER: {
    status: 422,
    description: "The host's FFmpeg lacks a filter the SR model needs.",
  },
  VODSR_HOST_LOW_DISK: { status: 507, description: 'Not enough free disk on the host for this job.' },
  VODSR_HOST_FETCH_FAILED: {
    status: 424,
    description: 'The source could not be fetched (missing object, access denied).',
  },
  VODSR_HOST_PROBE_FAILED: {
    status: 422,
    description: 'The source is not a readable video (corrupt or no video stream).',
  },
  VODSR_HOST_FFMPEG_FAILED: { status: 500, description: 'FFmpeg failed while upscaling.' },
  VODSR_HOST_VERIFY_FAILED: {
    status: 500,
    description: 'The SR output failed verification (size, duration or streams).',
  },
  VODSR_HOST_UPLOAD_FAILED: { status: 502, description: 'The SR output could not be uploaded.' },
  VODSR_HOST_BUSY: { status: 503, description: 'No GPU slot became free in time.' },
  VODSR_HOST_LOST: {
    status: 503,
    description:
      'The job lost its host (Spot interruption, termination, no heartbeat, undeliverable command) on every attempt.',
  },
  VODSR_LEASE_INVALID: {
    status: 409,
    description: 'The slot lease the command names is unknown, expired or already claimed on this host.',
  },
  VODSR_HOST_INTERRUPTED: { status: 500, description: 'The host runner was stopped by a signal.' },
  VODSR_HOST_FAILED: { status: 500, description: 'The host runner failed for an unclassified reason.' },
  VODSR_SSM_COMMAND_FAILED: { status: 502, description: 'The SSM command ended in Failed.' },
  VODSR_SSM_COMMAND_TIMED_OUT: { status: 504, description: 'The SSM command timed out.' },
  VODSR_SSM_COMMAND_CANCELLED: { status: 409, description: 'The SSM command was cancelled.' },
  VODSR_SSM_UNDELIVERABLE: {
    status: 502,
    description: 'The SSM command could not be delivered to the instance.',
  },
  VODSR_PACKAGING_FAILED: { status: 500, description: 'HLS packaging failed.' },
  VODSR_WORKFLOW_FAILED: { status: 500, description: 'The workflow execution failed.' },
  VODSR_WORKER_LOST: { status: 500, description: 'The worker running the job stopped before the job ended.' },
  VODSR_CANCELLED: { status: 409, description: 'The job was cancelled.' },
  VODSR_AWS_ERROR: { status: 502, description: 'An AWS API call failed.' },
  VODSR_NOT_FOUND: { status: 404, description: 'No such route or media.' },
  VODSR_BAD_REQUEST: {
    status: 400,
    description:
      "The request is malformed (bad JSON, wrong content type, body too large: Fastify's own 4xx status is kept).",
  },
  VODSR_MEDIA_LINK_INVALID: {
    status: 403,
    description: 'The signed media link is expired or invalid: reload the job page for a fresh one.',
  },
  VODSR_RANGE_NOT_SATISFIABLE: {
    status: 416,
    description: 'The Range header asks for bytes beyond the end of the media.',
  },
  VODSR_INVALID_CONFIG: { status: 400, description: 'The CLI configuration file is not a JSON object.' },
  VODSR_INTERNAL: { status: 500, description: 'An unexpected internal error.' },
} as const;

/** A stable error code, e.g. `VODSR_SSM_COMMAND_TIMED_OUT`. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** One validation problem: a JSON pointer to the offending value and what is wrong with it. */
export interface ValidationIssue {
  readonly path: string;
  readonly message: string;
}

/** The JSON shape of an error as stored in a job record and returned by the API. */
export interface ErrorInfo {
  code: ErrorCode | string;
  message: string;
  details?: unknown;
}

/** Base class of every vodsr error. */
export class VodsrError extends Error {
  public readonly code: ErrorCode;
  public readonly details?: unknown;

  public constructor(code: ErrorCode, message: string, options: { details?: unknown; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'VodsrError';
    this.code = code;
    if (options.details !== undefined) this.details = options.details;
  }

  /** The HTTP status the API answers with for this error. */
  public get status(): number {
    return ERROR_CODES[this.code].status;
  }

  public toJSON(): ErrorInfo {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

/** Input failed schema validation; `issues` lists every problem (path + message), not only the first. */
export class ValidationError extends VodsrError {
  public readonly issues: readonly ValidationIssue[];

  public constructor(what: string, issues: readonly ValidationIssue[]) {
    const first = issues
      .slice(0, 3)
      .map((i) => `${i.path || '/'}: ${i.message}`)
      .join('; ');
    const more = issues.length > 3 ? ` (+${issues.length - 3} more)` : '';
    super('VODSR_VALIDATION', `Invalid ${what}: ${first}${more}`, { details: { issues } });
    this.name = 'ValidationError';
    this.issues = issues;
  }
}

/** A string is not an S3 URI, or its bucket or key is invalid. */
export class InvalidS3UriError extends VodsrError {
  public constructor(
    code: 'VODSR_INVALID_S3_URI' | 'VODSR_INVALID_BUCKET' | 'VODSR_INVALID_KEY',
    message: string,
  ) {
    super(code, message);
    this.name = 'InvalidS3UriError';
  }
}

/** An S3 event key is not valid percent-encoding. */
export class InvalidEventKeyError extends VodsrError {
  public constructor(rawKey: string, cause?: unknown) {
    super(
      'VODSR_INVALID_EVENT_KEY',
      `S3 event key is not valid percent-encoding: ${JSON.stringify(rawKey)}`,
      {
        cause,
        details: { rawKey },
      },
    );
    this.name = 'InvalidEventKeyError';
  }
}

/** No SR model has the requested id, or it cannot do the requested scale. */
export class UnknownModelError extends VodsrError {
  public constructor(id: string, known: readonly string[]) {
    super('VODSR_UNKNOWN_MODEL', `Unknown SR model "${id}". Known models: ${known.join(', ')}`, {
      details: { id, known },
    });
    this.name = 'UnknownModelError';
  }
}

/** A job status change that the lifecycle table does not allow. */
export class IllegalTransitionError extends VodsrError {
  public constructor(from: string, to: string, allowed: readonly string[]) {
    super(
      'VODSR_ILLEGAL_TRANSITION',
      `A job cannot go from "${from}" to "${to}" (allowed: ${allowed.length ? allowed.join(', ') : 'none, it is final'})`,
      { details: { from, to, allowed } },
    );
    this.name = 'IllegalTransitionError';
  }
}

/** True when `e` is a vodsr error (also across package copies, by shape). */
export function isVodsrError(e: unknown): e is VodsrError {
  if (e instanceof VodsrError) return true;
  const code = e instanceof Error ? (e as unknown as { code?: unknown }).code : undefined;
  return typeof code === 'string' && code.startsWith('VODSR_');
}

/** Turns anything thrown into the `{code, message, details}` shape stored in job records. */
export function toErrorInfo(e: unknown): ErrorInfo {
  if (e instanceof VodsrError) return e.toJSON();
  if (isVodsrError(e)) {
    const d = (e as { details?: unknown }).details;
    return d === undefined
      ? { code: e.code, message: e.message }
      : { code: e.code, message: e.message, details: d };
  }
  if (e instanceof Error) return { code: 'VODSR_INTERNAL', message: e.message };
  return { code: 'VODSR_INTERNAL', message: String(e) };
}

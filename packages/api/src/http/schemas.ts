import { JOB_STATUSES } from '@vodsr/core';
import { JobRecordSchema as CoreJobRecordSchema, JobSpecSchema as CoreJobSpecSchema } from '@vodsr/core/job';
import { FleetStatusSchema as CoreFleetStatusSchema } from '@vodsr/core/workflow';
import Type from 'typebox';

/** A deep copy of a schema without `$id`s, so each route can embed core's schemas inline. */
export function inline<T>(schema: T): T {
  return JSON.parse(JSON.stringify(schema), (k, v) => (k === '$id' ? undefined : v)) as T;
}

// Each shared schema is titled: the OpenAPI document names it under `components.schemas` (openapiDocument.ts).
export const JobSpecBody = { ...inline(CoreJobSpecSchema), title: 'JobSpec' };
export const JobRecordBody = { ...inline(CoreJobRecordSchema), title: 'JobRecord' };
export const FleetStatusBody = { ...inline(CoreFleetStatusSchema), title: 'FleetStatus' };

/** An error as `application/problem+json` (RFC 9457) with vodsr's stable code and validation issues. */
export const ProblemSchema = Type.Object(
  {
    type: Type.String({ description: 'urn:vodsr:error:<code>' }),
    title: Type.String(),
    status: Type.Integer(),
    code: Type.String({ description: 'Stable machine-readable code, e.g. VODSR_VALIDATION' }),
    detail: Type.String(),
    instance: Type.Optional(Type.String()),
    issues: Type.Optional(
      Type.Array(
        Type.Object({
          path: Type.String({ description: 'JSON pointer of the offending value' }),
          message: Type.String(),
        }),
      ),
    ),
    details: Type.Optional(Type.Unknown()),
  },
  { title: 'Problem', description: 'An error (RFC 9457 problem details), sent as application/problem+json' },
);

export const JobIdParams = Type.Object({
  id: Type.String({ pattern: '^[A-Za-z0-9_.-]{1,80}$', description: 'Job id' }),
});

export const ListQuery = Type.Object({
  status: Type.Optional(
    Type.String({
      pattern: `^(${JOB_STATUSES.join('|')})(,(${JOB_STATUSES.join('|')}))*$`,
      description: `Comma-separated statuses: ${JOB_STATUSES.join(', ')}`,
    }),
  ),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
  cursor: Type.Optional(Type.String({ maxLength: 2048, description: 'nextCursor of the previous page' })),
});

export const JobPageSchema = Type.Object(
  {
    jobs: Type.Array(JobRecordBody),
    nextCursor: Type.Optional(Type.String()),
  },
  { title: 'JobPage' },
);

export const SubmitHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({ minLength: 1, maxLength: 128, description: 'Same key → same job' }),
  ),
});

export const ModelSchema = Type.Object(
  {
    id: Type.String(),
    label: Type.String(),
    description: Type.String(),
    engine: Type.String(),
    requiresBluewhale: Type.Boolean(),
    requiredFilters: Type.Array(Type.String()),
    defaultScale: Type.Integer(),
    scales: Type.Array(Type.Integer()),
  },
  { title: 'Model' },
);

export const HealthSchema = Type.Object(
  {
    ok: Type.Boolean(),
    backend: Type.String(),
    version: Type.String(),
  },
  { title: 'Health' },
);

/** The error responses every authenticated route can give. */
export const ERROR_RESPONSES = {
  400: ProblemSchema,
  401: ProblemSchema,
  429: ProblemSchema,
  500: ProblemSchema,
} as const;

/** The data of a `progress` event of `GET /v1/jobs/:id/events`: what a progress update changes, no record. */
export const JobProgressEventSchema = Type.Object(
  {
    stage: Type.Optional(Type.String()),
    percent: Type.Number({ minimum: 0, maximum: 100 }),
    fps: Type.Optional(Type.Number()),
    speed: Type.Optional(Type.Number()),
    etaSeconds: Type.Optional(Type.Number()),
    updatedAt: Type.String({ format: 'date-time' }),
  },
  {
    title: 'JobProgressEvent',
    description: "The job's `progress` and `updatedAt` after a progress update (the status is unchanged).",
  },
);

/** What the job event stream says, in the operation's description. */
export const JOB_EVENTS_DESCRIPTION =
  'A `text/event-stream` (server-sent events; every event has an `id`). `event: job` carries the whole job ' +
  'record (`JobRecord`): the first event, one on each status change, and the last one, with the final status ' +
  '(the stream then closes). `event: progress` carries only what changed (`JobProgressEvent`: stage, percent, ' +
  'fps, speed, ETA, updatedAt). `event: error` (`{ code, message }`) ends a watch that failed. Comment lines ' +
  '(`: heartbeat`) keep the connection open.';

const sseEvent = (name: string, data: unknown) =>
  Type.Object({ event: Type.Literal(name), id: Type.String(), data: data as never });

/**
 * The schema of the event stream: a string (`text/event-stream`) whose content, as JSON Schema's
 * `contentSchema`, is the list of its events (`event`, `id`, and the JSON of `data`).
 */
export const JobEventStreamSchema = {
  type: 'string',
  contentMediaType: 'text/event-stream',
  contentSchema: Type.Array(
    Type.Union([
      sseEvent('job', JobRecordBody),
      sseEvent('progress', JobProgressEventSchema),
      sseEvent('error', Type.Object({ code: Type.String(), message: Type.String() })),
    ]),
  ),
} as const;

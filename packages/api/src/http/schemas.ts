import { JOB_STATUSES } from '@vodsr/core';
import { JobRecordSchema as CoreJobRecordSchema, JobSpecSchema as CoreJobSpecSchema } from '@vodsr/core/job';
import Type from 'typebox';

/** A deep copy of a schema without `$id`s, so each route can embed core's schemas inline. */
export function inline<T>(schema: T): T {
  return JSON.parse(JSON.stringify(schema), (k, v) => (k === '$id' ? undefined : v)) as T;
}

export const JobSpecBody = inline(CoreJobSpecSchema);
export const JobRecordBody = inline(CoreJobRecordSchema);

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
  { description: 'application/problem+json' },
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

export const JobPageSchema = Type.Object({
  jobs: Type.Array(JobRecordBody),
  nextCursor: Type.Optional(Type.String()),
});

export const SubmitHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({ minLength: 1, maxLength: 128, description: 'Same key → same job' }),
  ),
});

export const ModelSchema = Type.Object({
  id: Type.String(),
  label: Type.String(),
  description: Type.String(),
  engine: Type.String(),
  requiresBluewhale: Type.Boolean(),
  requiredFilters: Type.Array(Type.String()),
  defaultScale: Type.Integer(),
  scales: Type.Array(Type.Integer()),
});

export const HealthSchema = Type.Object({
  ok: Type.Boolean(),
  backend: Type.String(),
  version: Type.String(),
});

/** The error responses every authenticated route can give. */
export const ERROR_RESPONSES = {
  400: ProblemSchema,
  401: ProblemSchema,
  429: ProblemSchema,
  500: ProblemSchema,
} as const;

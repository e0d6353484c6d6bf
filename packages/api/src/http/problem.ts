import { ERROR_CODES, type ErrorCode, isVodsrError, type ValidationIssue } from '@vodsr/core';

/** An `application/problem+json` body (RFC 9457) with vodsr's code. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  code: string;
  detail: string;
  instance?: string;
  issues?: ValidationIssue[];
  details?: unknown;
}

interface FastifyLikeError {
  code?: string;
  statusCode?: number;
  message: string;
  validation?: Array<{ instancePath?: string; message?: string; params?: Record<string, unknown> }>;
  validationContext?: string;
  details?: unknown;
}

function problem(
  code: ErrorCode,
  detail: string,
  instance: string | undefined,
  extra: Partial<Problem> = {},
): Problem {
  const p: Problem = {
    type: `urn:vodsr:error:${code}`,
    title: ERROR_CODES[code].description,
    status: ERROR_CODES[code].status,
    code,
    detail,
    ...extra,
  };
  if (instance !== undefined) p.instance = instance;
  return p;
}

/**
 * Maps anything thrown in a route to a problem body: vodsr's coded errors keep their code and HTTP status,
 * schema validation errors become `VODSR_VALIDATION` with every field path, Fastify's own 4xx errors keep their
 * status, everything else is a `VODSR_INTERNAL` 500 without internals.
 */
export function toProblem(err: unknown, instance?: string): Problem {
  if (isVodsrError(err)) {
    const code = (err.code in ERROR_CODES ? err.code : 'VODSR_INTERNAL') as ErrorCode;
    const details = (err as { details?: unknown }).details;
    const issues = (details as { issues?: ValidationIssue[] } | undefined)?.issues;
    const extra: Partial<Problem> = {};
    if (Array.isArray(issues)) extra.issues = issues;
    else if (details !== undefined) extra.details = details;
    return problem(code, err.message, instance, extra);
  }
  const e = (err ?? {}) as FastifyLikeError;
  if (Array.isArray(e.validation)) {
    const where = e.validationContext ?? 'request';
    const issues = e.validation.map((v) => {
      const missing = (v.params?.requiredProperties as string[] | undefined)?.join(', ');
      const path = v.instancePath ? v.instancePath : '/';
      return {
        path,
        message: `${where}: ${missing ? `missing required ${missing}` : (v.message ?? 'invalid')}`,
      };
    });
    return problem(
      'VODSR_VALIDATION',
      `Invalid ${where}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
      instance,
      { issues },
    );
  }
  const status = typeof e.statusCode === 'number' ? e.statusCode : 500;
  if (status === 429) return problem('VODSR_RATE_LIMITED', e.message, instance);
  if (status === 401) return problem('VODSR_UNAUTHORIZED', e.message, instance);
  if (status >= 400 && status < 500) {
    // Fastify's own request errors (no route, body too large, bad JSON, wrong content type): API-level codes of
    // ERROR_CODES; a 4xx other than 404 keeps Fastify's status (413, 415, ...) under VODSR_BAD_REQUEST
    const code = status === 404 ? 'VODSR_NOT_FOUND' : 'VODSR_BAD_REQUEST';
    return problem(code, e.message, instance, { status });
  }
  return problem('VODSR_INTERNAL', 'An unexpected internal error', instance);
}

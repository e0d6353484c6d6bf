/** Names of the schemas the OpenAPI document shares under `components.schemas` (each carries it as `title`). */
export const NAMED_SCHEMAS = [
  'JobSpec',
  'JobRecord',
  'JobPage',
  'JobProgressEvent',
  'Problem',
  'Model',
  'Health',
  'FleetStatus',
  'BackfillRequest',
  'Backfill',
] as const;

type Json = unknown;
const NAMED = new Set<string>(NAMED_SCHEMAS);

function isObject(v: Json): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Finishes the document @fastify/swagger renders from the route schemas: every schema titled with one of
 * `NAMED_SCHEMAS` moves to `components.schemas` (routes then `$ref` it instead of inlining 60 kB of copies), and
 * every error response (4xx/5xx) is declared as `application/problem+json`, the type the error handler sends.
 *
 * @example
 * await app.register(swagger, { openapi: { ... }, transformObject: ({ openapiObject }) => finishOpenApi(openapiObject) });
 */
export function finishOpenApi<T extends Record<string, Json>>(doc: T): T {
  const schemas: Record<string, Json> = {};
  const hoist = (v: Json): Json => {
    if (Array.isArray(v)) return v.map(hoist);
    if (!isObject(v)) return v;
    const out: Record<string, Json> = {};
    for (const [k, x] of Object.entries(v)) out[k] = hoist(x);
    const title = typeof v.title === 'string' ? v.title : undefined;
    if (title && NAMED.has(title)) {
      schemas[title] ??= out;
      return { $ref: `#/components/schemas/${title}` };
    }
    return out;
  };
  const paths = hoist(doc.paths ?? {}) as Record<string, Record<string, Json>>;
  for (const ops of Object.values(paths)) {
    for (const op of Object.values(ops)) {
      if (!isObject(op) || !isObject(op.responses)) continue;
      for (const [status, res] of Object.entries(op.responses)) {
        if (!/^[45]/.test(status) || !isObject(res) || !isObject(res.content)) continue;
        const first = Object.values(res.content)[0];
        res.content = { 'application/problem+json': first };
      }
    }
  }
  const components = isObject(doc.components) ? doc.components : {};
  const existing = isObject(components.schemas) ? components.schemas : {};
  const sorted = Object.fromEntries(
    Object.entries({ ...existing, ...schemas }).sort(([a], [b]) => a.localeCompare(b)),
  );
  return { ...doc, paths, components: { ...components, schemas: sorted } };
}

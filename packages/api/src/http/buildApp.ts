import { createHash, timingSafeEqual } from 'node:crypto';
import { ValidationError, VodsrError } from '@vodsr/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { JobService } from '../service/types.js';
import { finishOpenApi } from './openapiDocument.js';
import { toProblem } from './problem.js';
import { API_ROUTES, type RoutePlugin } from './routes/index.js';

/** Options of `buildApp`. */
export interface BuildAppOptions {
  /** The job service the routes call (local, AWS or any other). */
  readonly service: JobService;
  /**
   * Bearer tokens accepted in `Authorization: Bearer <token>`. Required: pass `'disabled'` to run without auth,
   * which `serveApi` allows only on a loopback address.
   */
  readonly auth: { readonly tokens: readonly string[] } | 'disabled';
  /** Requests per client (token, else IP) and window; `false` turns it off. @default { max: 600, timeWindowMs: 60000 } */
  readonly rateLimit?: { readonly max: number; readonly timeWindowMs: number } | false;
  /** Largest request body in bytes. @default 65536 */
  readonly bodyLimit?: number;
  /** Fastify logger option. @default false */
  readonly logger?: boolean | Record<string, unknown>;
  /** Serve the OpenAPI document at `/openapi.json` and Swagger UI at `/docs`. @default true */
  readonly docs?: boolean;
  /** More route plugins (e.g. a viewer), registered after the API's own. */
  readonly extraRoutes?: readonly RoutePlugin[];
  /** Paths (prefixes) that need no token besides `/healthz`, `/openapi.json` and `/docs`. */
  readonly publicPrefixes?: readonly string[];
  /** SSE keep-alive interval. @default 15000 */
  readonly keepAliveMs?: number;
  /** Version reported by `/healthz` and the OpenAPI document. @default '0.1.0' */
  readonly version?: string;
}

const PUBLIC = ['/healthz', '/openapi.json', '/docs'];

/** Deepest nesting of arrays and objects a request body may have (a job is at most 4 levels deep). */
export const MAX_JSON_DEPTH = 64;

/**
 * The deepest nesting of `[`/`{` in a JSON text (strings skipped), without parsing it.
 *
 * @example jsonDepth('{"a":[1,{"b":2}]}') === 3
 */
export function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      depth++;
      if (depth > max) max = depth;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return max;
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

function bearer(req: FastifyRequest): string | undefined {
  const h = req.headers.authorization;
  if (typeof h !== 'string') return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  return m?.[1];
}

/**
 * Builds the vodsr HTTP API over a job service, without listening (tests use `app.inject`, `serveApi` listens).
 * Routes are plugins registered in one place (`API_ROUTES`), request schemas are core's (TypeBox), errors are
 * `application/problem+json` with a stable `code` (and `issues[{path,message}]` for validation errors).
 *
 * @example
 * const app = await buildApp({ service: await LocalJobService.open(), auth: { tokens: [process.env.VODSR_API_TOKEN!] } });
 * const res = await app.inject({ method: 'GET', url: '/v1/models', headers: { authorization: `Bearer ${token}` } });
 */
export async function buildApp(opts: BuildAppOptions): Promise<FastifyInstance> {
  if (opts.auth !== 'disabled') {
    const bad = !Array.isArray(opts.auth?.tokens) || opts.auth.tokens.length === 0;
    const short = !bad && opts.auth.tokens.some((t) => typeof t !== 'string' || t.length < 16);
    if (bad || short) {
      throw new ValidationError('API options', [
        {
          path: '/auth/tokens',
          message: bad
            ? 'at least one token is required (or auth: "disabled" for a loopback-only dev server)'
            : 'each token must be at least 16 characters',
        },
      ]);
    }
  }
  const [{ default: Fastify }, { TypeBoxValidatorCompiler }] = await Promise.all([
    import('fastify'),
    import('@fastify/type-provider-typebox'),
  ]);
  const version = opts.version ?? '0.1.0';
  const app = Fastify({
    logger: opts.logger ?? false,
    bodyLimit: opts.bodyLimit ?? 65_536,
    ajv: { customOptions: { coerceTypes: 'array' } },
    // the router's own errors (a bad URL component, an id past the param length → 414) as problem+json too
    frameworkErrors: (err, req, res) => {
      const p = toProblem(err, req.url);
      const reply = res as unknown as FastifyReply;
      return reply.code(p.status).type('application/problem+json').send(JSON.stringify(p));
    },
  });
  // JSON only, checked for depth before parsing (a deeply nested body overflows the stack of every later walk);
  // a text/plain body is a 415 VODSR_BAD_REQUEST like any other unsupported content type.
  app.removeContentTypeParser('text/plain');
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (jsonDepth(text) > MAX_JSON_DEPTH) {
      done(
        Object.assign(
          new VodsrError('VODSR_BAD_REQUEST', `The JSON body is nested deeper than ${MAX_JSON_DEPTH} levels`),
          { statusCode: 400 },
        ),
        undefined,
      );
      return;
    }
    parseJson(req, text, done);
  });
  app.setValidatorCompiler(TypeBoxValidatorCompiler);
  // Responses are built from core's typed records: plain JSON.stringify (no field stripping, no second schema pass)
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));

  app.setErrorHandler((err, req, reply) => {
    const p = toProblem(err, req.url);
    if (p.status >= 500) req.log.error({ err }, 'request failed');
    if (p.status === 401) reply.header('www-authenticate', 'Bearer realm="vodsr"');
    return reply.code(p.status).type('application/problem+json').send(JSON.stringify(p));
  });
  app.setNotFoundHandler((req, reply) => {
    const p = toProblem({ statusCode: 404, message: `No route ${req.method} ${req.url}` }, req.url);
    return reply.code(404).type('application/problem+json').send(JSON.stringify(p));
  });

  if (opts.rateLimit !== false) {
    const rl = opts.rateLimit ?? { max: 600, timeWindowMs: 60_000 };
    const { default: rateLimit } = await import('@fastify/rate-limit');
    await app.register(rateLimit, {
      global: true,
      max: rl.max,
      timeWindow: rl.timeWindowMs,
      hook: 'onRequest',
      keyGenerator: (req) => {
        const t = bearer(req);
        return t ? `t:${digest(t).toString('hex').slice(0, 32)}` : `ip:${req.ip}`;
      },
      errorResponseBuilder: (_req, ctx) => {
        const e = new VodsrError(
          'VODSR_RATE_LIMITED',
          `Rate limit exceeded: ${ctx.max} requests per ${ctx.after}; retry in ${ctx.ttl} ms`,
          { details: { max: ctx.max, retryAfterMs: ctx.ttl } },
        );
        return Object.assign(e, { statusCode: 429 });
      },
    });
  }

  if (opts.auth !== 'disabled') {
    const tokens = opts.auth.tokens.map(digest);
    const publicPrefixes = [...PUBLIC, ...(opts.publicPrefixes ?? [])];
    app.addHook('onRequest', async (req) => {
      const path = req.url.split('?')[0] ?? '';
      if (publicPrefixes.some((p) => path === p || path.startsWith(p.endsWith('/') ? p : `${p}/`))) return;
      const t = bearer(req);
      const d = t === undefined ? undefined : digest(t);
      if (!d || !tokens.some((x) => timingSafeEqual(x, d))) {
        throw new VodsrError(
          'VODSR_UNAUTHORIZED',
          t === undefined ? 'Missing bearer token (Authorization: Bearer <token>)' : 'Invalid bearer token',
        );
      }
    });
  }

  if (opts.docs !== false) {
    const [{ default: swagger }, { default: swaggerUi }] = await Promise.all([
      import('@fastify/swagger'),
      import('@fastify/swagger-ui'),
    ]);
    // Every operation gets an operationId (`getV1JobsId`-style from method + path) unless its route names one.
    app.addHook('onRoute', (route) => {
      if (route.schema && (route.schema as { hide?: boolean }).hide) return;
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      const words = route.url.split(/[/:{}-]+/).filter(Boolean);
      const id = [String(methods[0]).toLowerCase(), ...words.map((w) => w[0]?.toUpperCase() + w.slice(1))];
      route.schema = { operationId: id.join(''), ...route.schema };
    });
    await app.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: {
          title: 'vodsr API',
          version,
          license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
          description:
            'Submit video super-resolution jobs (SR on a Bluewhale GPU host, or an open model locally) and get HLS.',
        },
        servers: [{ url: 'http://127.0.0.1:8080', description: '`vodsr serve` (its default address)' }],
        components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
        security: opts.auth === 'disabled' ? [] : [{ bearer: [] }],
        tags: [
          { name: 'jobs', description: 'Super-resolution jobs' },
          { name: 'catalog', description: 'Models and presets' },
          { name: 'health', description: 'Liveness' },
        ],
      },
      // Shared schemas named in components.schemas; errors as application/problem+json.
      transformObject: (d) =>
        finishOpenApi(('openapiObject' in d ? d.openapiObject : d.swaggerObject) as Record<string, unknown>),
    });
    await app.register(swaggerUi, { routePrefix: '/docs' });
    app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  }

  const ctx = { service: opts.service, version, keepAliveMs: opts.keepAliveMs ?? 15_000 };
  for (const plugin of [...API_ROUTES, ...(opts.extraRoutes ?? [])]) await app.register(plugin, ctx);
  return app;
}

/** Options of `serveApi`: `buildApp`'s plus where to listen. */
export interface ServeApiOptions extends BuildAppOptions {
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** @default 8080 (0 = any free port) */
  readonly port?: number;
}

/** True for 127.0.0.0/8, ::1 and localhost. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/**
 * Builds the API and listens. Refuses to run without auth on anything but a loopback address.
 *
 * @example const { app, url } = await serveApi({ service, auth: { tokens: [token] }, port: 8080 });
 */
export async function serveApi(opts: ServeApiOptions): Promise<{ app: FastifyInstance; url: string }> {
  const host = opts.host ?? '127.0.0.1';
  if (opts.auth === 'disabled' && !isLoopback(host)) {
    throw new ValidationError('API options', [
      { path: '/host', message: `auth is disabled: listen on a loopback address only, not ${host}` },
    ]);
  }
  const app = await buildApp(opts);
  await app.listen({ host, port: opts.port ?? 8080 });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : (opts.port ?? 8080);
  return { app, url: `http://${host.includes(':') ? `[${host}]` : host}:${port}` };
}

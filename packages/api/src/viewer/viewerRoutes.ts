import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { type JobRecord, parseLocation, VodsrError } from '@vodsr/core';
import type { FastifyReply } from 'fastify';
import type { RouteContext, RoutePlugin } from '../http/routes/index.js';
import { mediaType } from '../service/local/publishOutputs.js';
import { VIEWER_CSS, VIEWER_HTML } from './assets.js';
import { childLocation, MediaReader, MediaSigner } from './mediaAccess.js';
import { VIEWER_DOM_JS } from './scriptDom.js';
import { VIEWER_FIGURES_JS } from './scriptFigures.js';
import { VIEWER_MAIN_JS } from './scriptMain.js';
import { VIEWER_PLAYER_JS } from './scriptPlayer.js';

/** Options of the viewer. */
export interface ViewerOptions {
  /** Reads `s3://` sources and outputs (e.g. the local S3 server of `vodsr dev`). Without it only files play. */
  readonly s3?: S3Client;
  /** Secret of the signed media paths. @default random per process */
  readonly secret?: string;
  /** Lifetime of a signed media path. @default 21600 (6 h) */
  readonly ttlSeconds?: number;
}

/**
 * Path prefixes the viewer serves without a bearer token: its static pages and assets, and media under signed
 * paths. Pass them as `buildApp({ publicPrefixes })` when the API has auth; job data still needs the token (the
 * page asks for it), and `/v1/jobs/:id/media` hands out the signed media paths.
 */
export const VIEWER_PUBLIC_PREFIXES: readonly string[] = ['/viewer'];

/** What `GET /v1/jobs/:id/media` returns: where to play a job's media, and its sizes. */
export interface JobMedia {
  readonly jobId: string;
  readonly status: string;
  /** Seconds since the epoch when the URLs stop working. */
  readonly expiresAt: number;
  readonly source: { readonly url: string; readonly sizeBytes?: number };
  readonly sr?: { readonly url: string; readonly sizeBytes?: number };
  readonly hls?: { readonly url: string; readonly sizeBytes?: number };
}

/**
 * Resolves this package's own dependencies' files from this package's folder (found through its package.json),
 * not from this module's location: it holds when the viewer is bundled into another package (the `vodsr` CLI).
 */
let ownRequire: NodeJS.Require | undefined;
function requireOwn(): NodeJS.Require {
  ownRequire ??= createRequire(createRequire(import.meta.url).resolve('@vodsr/api/package.json'));
  return ownRequire;
}

let hlsJs: Buffer | undefined;
function hlsScript(): Buffer {
  hlsJs ??= readFileSync(requireOwn().resolve('hls.js/dist/hls.min.js'));
  return hlsJs;
}

/** The viewer's own ES modules, by file name under `/viewer/assets/`. */
const MODULES: Readonly<Record<string, string>> = {
  'viewer.js': VIEWER_MAIN_JS,
  'dom.js': VIEWER_DOM_JS,
  'figures.js': VIEWER_FIGURES_JS,
  'player.js': VIEWER_PLAYER_JS,
};

/** eventsource-parser's ES module files (its `dist/`), served as they are to the page. */
const PARSER_FILES = ['index.js', 'parse.js', 'errors.js'] as const;
let parserJs: Map<string, Buffer> | undefined;
function parserScript(file: string): Buffer | undefined {
  if (!parserJs) {
    const dir = dirname(requireOwn().resolve('eventsource-parser'));
    // the source-map comments point at files not served
    parserJs = new Map(
      PARSER_FILES.map((f) => [
        f,
        Buffer.from(readFileSync(join(dir, f), 'utf8').replace(/\n\/\/# sourceMappingURL=.*$/m, '\n')),
      ]),
    );
  }
  return parserJs.get(file);
}

function masterRelative(job: JobRecord): string | undefined {
  const o = job.outputs;
  if (!o?.hlsDir || !o.hlsMaster) return undefined;
  const dir = o.hlsDir.endsWith('/') ? o.hlsDir : `${o.hlsDir}/`;
  return o.hlsMaster.startsWith(dir) ? o.hlsMaster.slice(dir.length) : undefined;
}

/**
 * The viewer as an API route plugin (register with `buildApp({ extraRoutes: [createViewerRoutes()] })`):
 * `/viewer` lists jobs with live progress; `/viewer/jobs/:id` shows one job's progress and, once it succeeded, an
 * HLS player (hls.js served from this server, no CDN) with a before/after split slider of the source and the SR
 * output at the same timestamp, and the job's figures (time per stage, sizes, bitrates). Media is served with
 * `Range` support from local files or, with an S3 client, from `s3://`.
 *
 * @example
 * const app = await buildApp({ service, auth: 'disabled', extraRoutes: [createViewerRoutes({ s3 })] });
 */
export function createViewerRoutes(opts: ViewerOptions = {}): RoutePlugin {
  const reader = new MediaReader(opts.s3);
  const signer = new MediaSigner(opts.secret, opts.ttlSeconds);
  const plugin: RoutePlugin = async (app, ctx: RouteContext) => {
    const { service } = ctx;
    const page = (reply: FastifyReply) =>
      reply
        .type('text/html; charset=utf-8')
        .header('cache-control', 'no-cache')
        .header(
          'content-security-policy',
          "default-src 'self'; media-src 'self' blob:; worker-src 'self' blob:; style-src 'self'; script-src 'self'; img-src 'self' data:",
        )
        .send(VIEWER_HTML);
    const hide = { schema: { hide: true } };
    app.get('/viewer', hide, async (_req, reply) => page(reply));
    app.get('/viewer/', hide, async (_req, reply) => page(reply));
    app.get('/viewer/jobs/:id', hide, async (_req, reply) => page(reply));
    for (const [file, js] of Object.entries(MODULES)) {
      app.get(`/viewer/assets/${file}`, hide, async (_req, reply) =>
        reply.type('text/javascript; charset=utf-8').header('cache-control', 'no-cache').send(js),
      );
    }
    for (const file of PARSER_FILES) {
      app.get(`/viewer/assets/eventsource-parser/${file}`, hide, async (_req, reply) =>
        reply
          .type('text/javascript; charset=utf-8')
          .header('cache-control', 'public, max-age=86400')
          .send(parserScript(file)),
      );
    }
    app.get('/viewer/assets/viewer.css', hide, async (_req, reply) =>
      reply.type('text/css; charset=utf-8').header('cache-control', 'no-cache').send(VIEWER_CSS),
    );
    app.get('/viewer/assets/hls.min.js', hide, async (_req, reply) =>
      reply
        .type('text/javascript; charset=utf-8')
        .header('cache-control', 'public, max-age=86400')
        .send(hlsScript()),
    );

    app.get<{ Params: { id: string } }>(
      '/v1/jobs/:id/media',
      {
        schema: {
          tags: ['jobs'],
          summary: "Where to play a job's source, SR file and HLS (signed paths), with their sizes",
          params: {
            type: 'object',
            properties: { id: { type: 'string', minLength: 1, maxLength: 128 } },
            required: ['id'],
          },
        },
      },
      async (req): Promise<JobMedia> => {
        const job = await service.get(req.params.id);
        const prefix = `/viewer/m/${signer.prefix(job.id)}`;
        const exp = Number(prefix.split('/')[3]);
        const o = job.outputs ?? {};
        const rel = masterRelative(job);
        const [srcSize, srSize, hlsSize] = await Promise.all([
          service.mediaAllowed?.(job.spec.source) === false ? undefined : reader.size(job.spec.source),
          o.srFile ? reader.size(o.srFile) : undefined,
          o.hlsDir ? reader.treeSize(o.hlsDir) : undefined,
        ]);
        return {
          jobId: job.id,
          status: job.status,
          expiresAt: exp,
          source: { url: `${prefix}/source`, ...(srcSize !== undefined ? { sizeBytes: srcSize } : {}) },
          ...(o.srFile
            ? { sr: { url: `${prefix}/sr`, ...(srSize !== undefined ? { sizeBytes: srSize } : {}) } }
            : {}),
          ...(rel !== undefined
            ? {
                hls: {
                  url: `${prefix}/hls/${rel.split('/').map(encodeURIComponent).join('/')}`,
                  ...(hlsSize !== undefined ? { sizeBytes: hlsSize } : {}),
                },
              }
            : {}),
        };
      },
    );

    const serve = async (
      reply: FastifyReply,
      p: { exp: string; sig: string; jobId: string },
      range: string | undefined,
      pick: (job: JobRecord) => string | undefined,
    ) => {
      if (!signer.verify(p.jobId, p.exp, p.sig)) {
        throw new VodsrError(
          'VODSR_MEDIA_LINK_INVALID',
          'Media link expired or invalid: reload the job page',
        );
      }
      const job = await service.get(p.jobId);
      const location = pick(job);
      // signed links serve only a job's validated media: the roots are checked again at every read
      if (location === undefined || service.mediaAllowed?.(location) === false) {
        throw new VodsrError('VODSR_NOT_FOUND', 'The job has no such media');
      }
      const m = await reader.open(location, range);
      const name = parseLocation(location).kind === 'file' ? location : (location.split('?')[0] ?? location);
      reply
        .header('accept-ranges', 'bytes')
        .header('cache-control', 'private, max-age=300')
        .type(mediaType(name));
      if (m.range) {
        reply
          .code(206)
          .header('content-range', `bytes ${m.range.start}-${m.range.end}/${m.size}`)
          .header('content-length', String(m.range.end - m.range.start + 1));
      } else {
        reply.header('content-length', String(m.size));
      }
      return reply.send(m.body);
    };
    type MediaParams = { exp: string; sig: string; jobId: string };
    app.get<{ Params: MediaParams }>('/viewer/m/:exp/:sig/:jobId/source', hide, async (req, reply) =>
      serve(reply, req.params, req.headers.range, (j) => j.spec.source),
    );
    app.get<{ Params: MediaParams }>('/viewer/m/:exp/:sig/:jobId/sr', hide, async (req, reply) =>
      serve(reply, req.params, req.headers.range, (j) => j.outputs?.srFile),
    );
    app.get<{ Params: MediaParams & { '*': string } }>(
      '/viewer/m/:exp/:sig/:jobId/hls/*',
      hide,
      async (req, reply) =>
        serve(reply, req.params, req.headers.range, (j) =>
          j.outputs?.hlsDir ? childLocation(j.outputs.hlsDir, req.params['*']) : undefined,
        ),
    );
  };
  return plugin;
}

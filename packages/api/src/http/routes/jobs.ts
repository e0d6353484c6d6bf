import { type FastifyPluginAsyncTypebox, TypeBoxValidatorCompiler } from '@fastify/type-provider-typebox';
import type { JobStatus } from '@vodsr/core';
import type { JobService } from '../../service/types.js';
import {
  ERROR_RESPONSES,
  JobIdParams,
  JobPageSchema,
  JobRecordBody,
  JobSpecBody,
  ListQuery,
  ProblemSchema,
  SubmitHeaders,
} from '../schemas.js';

/** Options of the jobs routes. */
export interface JobRoutesOptions {
  readonly service: JobService;
  /** Interval of SSE keep-alive comments. @default 15000 */
  readonly keepAliveMs?: number;
}

/** `/v1/jobs`: submit (idempotent), list, get, cancel, and progress as server-sent events. */
export const jobRoutes: FastifyPluginAsyncTypebox<JobRoutesOptions> = async (app, opts) => {
  const { service } = opts;

  app.post(
    '/v1/jobs',
    {
      schema: {
        tags: ['jobs'],
        summary: 'Submit a job',
        description:
          'Validates the job (every problem at once, with field paths) and queues it. The same `Idempotency-Key` ' +
          '(header, or `idempotencyKey` in the body) returns the same job with 200 instead of creating another.',
        headers: SubmitHeaders,
        body: JobSpecBody,
        response: { 201: JobRecordBody, 200: JobRecordBody, 409: ProblemSchema, ...ERROR_RESPONSES },
      },
      // The body schema documents the job model (OpenAPI); the service validates it with core's parseJobSpec
      // (every issue with its path, the same as the CLI), so it is not checked twice here.
      validatorCompiler: (route) =>
        route.httpPart === 'body' ? (data: unknown) => ({ value: data }) : TypeBoxValidatorCompiler(route),
    },
    async (req, reply) => {
      const key = req.headers['idempotency-key'];
      const { job, created } = await service.submit(
        req.body,
        typeof key === 'string' && key.length > 0 ? { idempotencyKey: key } : {},
      );
      reply.code(created ? 201 : 200).header('location', `/v1/jobs/${job.id}`);
      return job;
    },
  );

  app.get(
    '/v1/jobs',
    {
      schema: {
        tags: ['jobs'],
        summary: 'List jobs, newest first',
        querystring: ListQuery,
        response: { 200: JobPageSchema, ...ERROR_RESPONSES },
      },
    },
    async (req) => {
      const status = req.query.status?.split(',') as JobStatus[] | undefined;
      return service.list({
        limit: req.query.limit ?? 20,
        ...(status ? { status } : {}),
        ...(req.query.cursor ? { cursor: req.query.cursor } : {}),
      });
    },
  );

  app.get(
    '/v1/jobs/:id',
    {
      schema: {
        tags: ['jobs'],
        summary: 'Get a job',
        params: JobIdParams,
        response: { 200: JobRecordBody, 404: ProblemSchema, ...ERROR_RESPONSES },
      },
    },
    async (req) => service.get(req.params.id),
  );

  app.post(
    '/v1/jobs/:id/cancel',
    {
      schema: {
        tags: ['jobs'],
        summary: 'Cancel a job',
        params: JobIdParams,
        response: { 200: JobRecordBody, 404: ProblemSchema, 409: ProblemSchema, ...ERROR_RESPONSES },
      },
    },
    async (req) => service.cancel(req.params.id),
  );

  app.get(
    '/v1/jobs/:id/events',
    {
      schema: {
        tags: ['jobs'],
        summary: 'Job progress as server-sent events',
        description:
          'A `text/event-stream`: `snapshot` first, then `status` and `progress` events, then `end` when the job ' +
          'is final (the stream closes). Each `data:` is the job record as JSON.',
        params: JobIdParams,
        produces: ['text/event-stream'],
        response: {
          200: {
            description: 'text/event-stream of job events',
            content: { 'text/event-stream': { schema: { type: 'string' } } },
          },
          404: ProblemSchema,
          ...ERROR_RESPONSES,
        },
      },
    },
    async (req, reply) => {
      await service.get(req.params.id); // 404 as problem+json before the stream starts
      const ac = new AbortController();
      reply.raw.on('close', () => ac.abort());
      reply.hijack();
      const raw = reply.raw;
      raw.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      raw.write('retry: 2000\n\n');
      const keepAlive = setInterval(() => raw.write(': keep-alive\n\n'), opts.keepAliveMs ?? 15_000);
      let n = 0;
      try {
        for await (const ev of service.watch(req.params.id, { signal: ac.signal })) {
          n += 1;
          raw.write(`id: ${n}\nevent: ${ev.type}\ndata: ${JSON.stringify(ev.job)}\n\n`);
        }
      } catch (e) {
        raw.write(`event: error\ndata: ${JSON.stringify({ message: (e as Error).message })}\n\n`);
      } finally {
        clearInterval(keepAlive);
        raw.end();
      }
    },
  );
};

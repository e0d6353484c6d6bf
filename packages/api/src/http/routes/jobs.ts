import { fastifySSE } from '@fastify/sse';
import { type FastifyPluginAsyncTypebox, TypeBoxValidatorCompiler } from '@fastify/type-provider-typebox';
import { isVodsrError, type JobRecord, type JobStatus } from '@vodsr/core';
import { toStreamEvent } from '../../service/jobStream.js';
import type { JobService } from '../../service/types.js';
import {
  ERROR_RESPONSES,
  JOB_EVENTS_DESCRIPTION,
  JobEventStreamSchema,
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

/** `/v1/jobs`: submit (idempotent), list, get, cancel, retry, and progress as server-sent events. */
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

  app.post(
    '/v1/jobs/:id/retry',
    {
      schema: {
        tags: ['jobs'],
        summary: 'Retry a failed or cancelled job',
        description:
          'Starts a new job, `<id>-r1` (the retry of `<base>-r<n>` is `<base>-r<n+1>`), that runs the input the ' +
          'job ran with, to the same destinations; the job that ended keeps its record. 201 with the new job; 200 ' +
          'with it when this job was already retried. 409 when the job has not failed and was not cancelled.',
        params: JobIdParams,
        response: {
          201: JobRecordBody,
          200: JobRecordBody,
          404: ProblemSchema,
          409: ProblemSchema,
          ...ERROR_RESPONSES,
        },
      },
    },
    async (req, reply) => {
      const { job, created } = await service.retry(req.params.id);
      reply.code(created ? 201 : 200).header('location', `/v1/jobs/${job.id}`);
      return job;
    },
  );

  // SSE framing, heartbeats, backpressure and client disconnects: @fastify/sse. Its headers are written on the first
  // event, so an unknown job still answers 404 as problem+json.
  await app.register(fastifySSE, { heartbeatInterval: opts.keepAliveMs ?? 15_000 });
  app.get(
    '/v1/jobs/:id/events',
    {
      // 'manual': no Accept negotiation (any client gets the stream, as before)
      sse: { kind: 'manual' },
      schema: {
        tags: ['jobs'],
        summary: 'Job progress as server-sent events',
        description: JOB_EVENTS_DESCRIPTION,
        params: JobIdParams,
        produces: ['text/event-stream'],
        response: {
          200: {
            description: 'text/event-stream of job events (`job` and `progress`, see the description)',
            content: { 'text/event-stream': { schema: JobEventStreamSchema } },
          },
          404: ProblemSchema,
          ...ERROR_RESPONSES,
        },
      },
    },
    async (req, reply) => {
      await service.get(req.params.id); // 404 as problem+json before the stream starts
      const ac = new AbortController();
      reply.sse.onClose(() => ac.abort());
      reply
        .header('cache-control', 'no-cache, no-transform')
        .header('content-type', 'text/event-stream; charset=utf-8');
      let n = 0;
      let last: JobRecord | undefined;
      try {
        for await (const ev of service.watch(req.params.id, { signal: ac.signal })) {
          // a job already final at the start is sent once (its snapshot is its end)
          if (ev.type === 'end' && last === ev.job) break;
          if (ev.type !== 'progress') last = ev.job;
          if (!reply.sse.isConnected) break;
          const e = toStreamEvent(ev);
          n += 1;
          await reply.sse.send({
            id: String(n),
            event: e.event,
            data: e.data,
            ...(n === 1 ? { retry: 2000 } : {}),
          });
        }
      } catch (e) {
        if (reply.sse.isConnected) {
          const code = isVodsrError(e) ? e.code : 'VODSR_INTERNAL';
          await reply.sse.send({
            id: String(n + 1),
            event: 'error',
            data: { code, message: (e as Error).message },
          });
        }
      }
    },
  );
};

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { JobService } from '../../types.js';
import { HealthSchema, ProblemSchema } from '../schemas.js';

/** `/healthz`: liveness, without auth. */
export const healthRoutes: FastifyPluginAsyncTypebox<{ service: JobService; version: string }> = async (
  app,
  opts,
) => {
  app.get(
    '/healthz',
    {
      schema: {
        tags: ['health'],
        summary: 'Liveness',
        security: [],
        response: { 200: HealthSchema, 429: ProblemSchema },
      },
    },
    async () => ({ ok: true, backend: opts.service.backend, version: opts.version }),
  );
};

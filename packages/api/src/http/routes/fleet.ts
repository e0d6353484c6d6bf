import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { VodsrError } from '@vodsr/core';
import type { JobService } from '../../service/types.js';
import { ERROR_RESPONSES, FleetStatusBody } from '../schemas.js';

/** `/v1/fleet`: the hosts with their slots (free, reserved, running which job) and the work queues' depths. */
export const fleetRoutes: FastifyPluginAsyncTypebox<{ service: JobService }> = async (app, opts) => {
  app.get(
    '/v1/fleet',
    {
      schema: {
        tags: ['fleet'],
        summary: 'GPU hosts, their slots and the work queues',
        description:
          "Locally: the local fleet of `vodsr dev --hosts N --slots K` / `vodsr serve --hosts N --slots K`. On AWS (`AwsJobService` with `fleet`): the Auto Scaling group, the slots its agents publish as instance tags, the queues and their DLQs, the oldest message age and the fleet's $/h. 404 `VODSR_NOT_FOUND` when this backend has no fleet.",
        response: { 200: FleetStatusBody, ...ERROR_RESPONSES },
      },
    },
    async () => {
      const status = await opts.service.fleetStatus?.();
      if (!status)
        throw new VodsrError('VODSR_NOT_FOUND', 'This backend runs no fleet (start it with --hosts N)');
      return status;
    },
  );
};

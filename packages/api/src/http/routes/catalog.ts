import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { listModels } from '@vodsr/core';
import Type from 'typebox';
import { ERROR_RESPONSES, ModelSchema } from '../schemas.js';

/** `/v1/models` and `/v1/presets`: what a job can ask for. */
export const catalogRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/v1/models',
    {
      schema: {
        tags: ['catalog'],
        summary: 'SR models',
        description: 'Bluewhale models run only on the Bluewhale AMI; open models run on any FFmpeg.',
        response: { 200: Type.Object({ models: Type.Array(ModelSchema) }), ...ERROR_RESPONSES },
      },
    },
    async () => ({
      models: listModels().map((m) => ({
        id: m.id,
        label: m.label,
        description: m.description,
        engine: m.engine,
        requiresBluewhale: m.requiresBluewhale,
        requiredFilters: [...m.requiredFilters],
        defaultScale: m.defaultScale,
        scales: [...m.scales],
      })),
    }),
  );

  app.get(
    '/v1/presets',
    {
      schema: {
        tags: ['catalog'],
        summary: 'Packaging presets',
        response: {
          200: Type.Object({ presets: Type.Array(Type.Object({}, { additionalProperties: true })) }),
          ...ERROR_RESPONSES,
        },
      },
    },
    async () => {
      const { listPresets } = await import('@vodsr/mediaconvert-presets');
      return { presets: listPresets() };
    },
  );
};

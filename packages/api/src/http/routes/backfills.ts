import type { S3Client } from '@aws-sdk/client-s3';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Static } from 'typebox';
import {
  type BackfillRecord,
  BackfillRegistry,
  type BackfillRegistryDeps,
} from '../../service/backfill/BackfillRegistry.js';
import { listS3Objects } from '../../service/backfill/listObjects.js';
import { serviceBackfillTarget } from '../../service/backfill/targets.js';
import type { JobService } from '../../service/types.js';
import { BackfillBody, BackfillIdParams, BackfillRequestBody } from '../backfillSchemas.js';
import { ERROR_RESPONSES, ProblemSchema } from '../schemas.js';

/** Options of the backfill routes. */
export interface BackfillRoutesOptions {
  readonly service: JobService;
  /** How to list and start (tests, AWS). @default S3 at `VODSR_S3_ENDPOINT_URL` (or AWS), the service's `startExecution` */
  readonly backfills?: Partial<BackfillRegistryDeps>;
}

/** The record as the response schema types it (the record's arrays are readonly). */
const body = (r: BackfillRecord) => r as unknown as Static<typeof BackfillBody>;

const clients = new Map<string, Promise<S3Client>>();
/** The S3 client of `VODSR_S3_ENDPOINT_URL` (a local S3 server), else the AWS default chain; one per endpoint. */
async function envS3(): Promise<S3Client> {
  const endpoint = process.env.VODSR_S3_ENDPOINT_URL ?? '';
  let c = clients.get(endpoint);
  if (!c) {
    c = endpoint
      ? import('../../service/local/s3Client.js').then((m) => m.localS3Client(endpoint))
      : import('@aws-sdk/client-s3').then((m) => new m.S3Client({}));
    clients.set(endpoint, c);
  }
  return c;
}

/**
 * `/v1/backfills`: plan (and unless `dryRun`, start on the bulk queue) every object below an S3 prefix under the
 * trigger's deterministic names, and follow its progress. Auth and problem+json errors as every route.
 */
export const backfillRoutes: FastifyPluginAsyncTypebox<BackfillRoutesOptions> = async (app, opts) => {
  const registry = new BackfillRegistry({
    list: opts.backfills?.list ?? (async (b, p) => listS3Objects(await envS3(), b, p)),
    target: opts.backfills?.target ?? (async () => serviceBackfillTarget(opts.service)),
    cancelJob: opts.backfills?.cancelJob ?? ((name) => opts.service.cancel(name)),
    ...(opts.backfills?.pollMs !== undefined ? { pollMs: opts.backfills.pollMs } : {}),
  });

  app.post(
    '/v1/backfills',
    {
      schema: {
        tags: ['backfills'],
        summary: 'Backfill an S3 prefix',
        description:
          'Lists the prefix, plans one job per matching video under the name the trigger gives it (bucket + key + ' +
          'ETag; a job done or in flight is skipped) and, unless `dryRun`, starts them on the bulk queue. ' +
          'Answers with the plan and its estimate; poll `GET /v1/backfills/{id}` for progress.',
        body: BackfillRequestBody,
        response: { 201: BackfillBody, 200: BackfillBody, 404: ProblemSchema, ...ERROR_RESPONSES },
      },
    },
    async (req, reply) => {
      const b = req.body;
      const rec = await registry.start({
        source: b.source,
        ...(b.include !== undefined ? { include: b.include } : {}),
        ...(b.concurrency !== undefined ? { concurrency: b.concurrency } : {}),
        dryRun: b.dryRun === true,
        config: {
          outputRoot: b.output,
          ...(b.model !== undefined ? { model: b.model } : {}),
          ...(b.preset !== undefined ? { packagingPreset: b.preset } : {}),
        },
      });
      reply.code(rec.dryRun ? 200 : 201).header('location', `/v1/backfills/${rec.id}`);
      return body(rec);
    },
  );

  app.get(
    '/v1/backfills/:id',
    {
      schema: {
        tags: ['backfills'],
        summary: 'Get a backfill: plan, estimate, progress',
        params: BackfillIdParams,
        response: { 200: BackfillBody, 404: ProblemSchema, ...ERROR_RESPONSES },
      },
    },
    async (req) => body(registry.get(req.params.id)),
  );

  app.post(
    '/v1/backfills/:id/cancel',
    {
      schema: {
        tags: ['backfills'],
        summary: 'Cancel a backfill',
        description:
          'Starts nothing more and cancels the jobs this backfill started that have not ended (`cancelledJobs`); ' +
          'jobs it found already in flight are left alone. 409 once the backfill has ended.',
        params: BackfillIdParams,
        response: { 200: BackfillBody, 404: ProblemSchema, 409: ProblemSchema, ...ERROR_RESPONSES },
      },
    },
    async (req) => body(await registry.cancel(req.params.id)),
  );
};

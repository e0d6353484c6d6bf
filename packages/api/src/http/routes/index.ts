import type { FastifyPluginAsync } from 'fastify';
import type { JobService } from '../../service/types.js';
import { backfillRoutes } from './backfills.js';
import { catalogRoutes } from './catalog.js';
import { fleetRoutes } from './fleet.js';
import { healthRoutes } from './health.js';
import { jobRoutes } from './jobs.js';

/** What every route plugin receives. */
export interface RouteContext {
  readonly service: JobService;
  readonly version: string;
}

/** A route plugin registered by `buildApp` (the viewer and other front ends add theirs through `extraRoutes`). */
export type RoutePlugin = FastifyPluginAsync<RouteContext>;

/** The API's routes, registered in this order in one place. */
export const API_ROUTES: readonly RoutePlugin[] = [
  healthRoutes as unknown as RoutePlugin,
  jobRoutes as unknown as RoutePlugin,
  catalogRoutes as unknown as RoutePlugin,
  fleetRoutes as unknown as RoutePlugin,
  backfillRoutes as unknown as RoutePlugin,
];

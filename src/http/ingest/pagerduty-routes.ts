import type { FastifyInstance } from 'fastify';
import type { IngestDeps } from './deps.ts';

/** PagerDuty Events API v2: POST /v2/enqueue and POST /v2/change/enqueue. */
export async function registerPagerDutyRoutes(app: FastifyInstance, deps: IngestDeps): Promise<void> {
  void app;
  void deps;
}

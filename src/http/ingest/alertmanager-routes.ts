import type { FastifyInstance } from 'fastify';
import type { IngestDeps } from './deps.ts';

/** Alertmanager webhook (version 4): POST /api/integrations/alertmanager/:key. */
export async function registerAlertmanagerRoutes(app: FastifyInstance, deps: IngestDeps): Promise<void> {
  void app;
  void deps;
}

import type { FastifyInstance } from 'fastify';
import type { IngestDeps } from './deps.ts';

/** Generic webhook: POST /api/integrations/generic/:key (JSON or form-encoded). */
export async function registerGenericWebhookRoutes(app: FastifyInstance, deps: IngestDeps): Promise<void> {
  void app;
  void deps;
}

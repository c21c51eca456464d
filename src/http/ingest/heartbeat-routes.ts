import type { FastifyInstance } from 'fastify';
import type { IngestDeps } from './deps.ts';

/** Heartbeat pings: GET|POST /api/heartbeat/:key. */
export async function registerHeartbeatRoutes(app: FastifyInstance, deps: IngestDeps): Promise<void> {
  void app;
  void deps;
}

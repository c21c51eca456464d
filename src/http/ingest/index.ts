import type { FastifyInstance } from 'fastify';
import { registerAlertmanagerRoutes } from './alertmanager-routes.ts';
import type { IngestDeps } from './deps.ts';
import { registerGenericWebhookRoutes } from './generic-routes.ts';
import { registerHeartbeatRoutes } from './heartbeat-routes.ts';
import { registerPagerDutyRoutes } from './pagerduty-routes.ts';

/**
 * The inbound endpoints monitoring systems call. Each registers in its own encapsulated
 * scope, so its body parsers and error format (PagerDuty's, for example) stay its own.
 */
export async function registerIngestRoutes(app: FastifyInstance, deps: IngestDeps): Promise<void> {
  await app.register(async (scope) => registerPagerDutyRoutes(scope, deps));
  await app.register(async (scope) => registerAlertmanagerRoutes(scope, deps));
  await app.register(async (scope) => registerGenericWebhookRoutes(scope, deps));
  await app.register(async (scope) => registerHeartbeatRoutes(scope, deps));
}

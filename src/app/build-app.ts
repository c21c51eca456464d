import { randomBytes } from 'node:crypto';
import { newId } from '../storage/ids.ts';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import { validatorCompiler } from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import { registerAuth } from '../http/auth.ts';
import { registerErrorHandler } from '../http/error-handler.ts';
import { registerHealthRoutes } from '../http/health-routes.ts';
import { registerOpenApi } from '../http/openapi.ts';
import { registerRateLimit } from '../http/rate-limit.ts';
import { registerIngestRoutes } from '../http/ingest/index.ts';
import { registerNotificationRoutes } from '../http/notification-routes.ts';
import { registerLifecycleRoutes } from '../http/lifecycle-routes.ts';
import { registerPolicyRoutes } from '../http/policy-routes.ts';
import { Ingest } from '../integrations/ingest.ts';
import { registerResourceRoutes } from '../http/resource-routes.ts';
import { registerScheduleRoutes } from '../http/schedule-routes.ts';
import { registerPolicySimulationRoutes } from '../http/policy-simulation-routes.ts';
import { registerEscalationPolicyRoutes } from '../http/escalation-policy-routes.ts';
import { RESOURCES } from '../resources/definitions/index.ts';
import { ResourceRegistry } from '../resources/registry.ts';
import { ResourceService } from '../resources/service.ts';
import { ResourceStore } from '../resources/store.ts';
import type { Clock } from '../storage/clock.ts';
import type { Db, Listen } from '../storage/database.ts';
import { VERSION } from './version.ts';
import { createNotifications, type Notifications } from '../notifications/services.ts';

export interface AppDeps {
  readonly db: Db;
  readonly clock: Clock;
  readonly logger?: Logger | false;
  readonly rateLimit?: { readonly enabled: boolean; readonly max: number; readonly windowSeconds: number };
  readonly bodyLimitBytes?: number;
  /** The notification layer (sender, secrets, signed links); a test default with no providers when absent. */
  readonly notifications?: Notifications;
  /** The database's LISTEN, for live feeds (they poll without it). */
  readonly listen?: Listen;
}

export interface App {
  readonly http: FastifyInstance;
  /** Marks the app as stopping: `/readyz` answers 503 from then on. */
  beginShutdown(): void;
}

/**
 * The composition root of the HTTP API: wires storage, access and resources into a
 * fastify instance. Does not listen; tests call `app.http.inject()`.
 */
export async function buildApp(deps: AppDeps): Promise<App> {
  const bodyLimit = deps.bodyLimitBytes ?? 1_048_576;
  const common = {
    bodyLimit,
    genReqId: () => newId(),
    requestIdHeader: 'x-request-id',
    // Signed action links carry their token in the path (about 150 characters).
    routerOptions: { maxParamLength: 4000 },
    // Errors fastify raises before routing (a URL with broken percent-encoding, say) answer like every other error.
    frameworkErrors: (err: FastifyError, _req: FastifyRequest, reply: FastifyReply) => {
      reply.code(400).send({ error: `url: ${err.message}` });
    },
  } satisfies FastifyServerOptions;
  const http: FastifyInstance = deps.logger
    ? (Fastify({ ...common, loggerInstance: deps.logger }) as unknown as FastifyInstance)
    : Fastify({ ...common, logger: false });
  http.setValidatorCompiler(validatorCompiler);
  // Answers are built by Vigil's own code; schemas document them, and plain JSON serialises them.
  http.setSerializerCompiler(() => (data) => JSON.stringify(data));

  const defaultJson = http.getDefaultJsonParser('error', 'error');
  http.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    const text = body.toString();
    if (text.trim() === '') return done(null, undefined);
    defaultJson(req, text, done);
  });

  http.addHook('onRequest', async (req, reply) => {
    reply.header('x-request-id', req.id);
  });

  let stopping = false;
  registerErrorHandler(http, { bodyLimitBytes: bodyLimit });
  registerAuth(http, deps);
  const limits = deps.rateLimit ?? { enabled: true, max: 1000, windowSeconds: 60 };
  if (limits.enabled) await registerRateLimit(http, limits);
  await registerOpenApi(http, VERSION);

  const registry = new ResourceRegistry(RESOURCES);
  const notifications = deps.notifications ?? testNotifications(deps.db, deps.clock);
  const service = new ResourceService(deps.db, new ResourceStore(registry), deps.clock, notifications.box);
  registerHealthRoutes(http, { db: deps.db, isShuttingDown: () => stopping });
  registerResourceRoutes(http, registry, service);
  registerLifecycleRoutes(http, { db: deps.db, clock: deps.clock, registry, service });
  registerScheduleRoutes(http, { db: deps.db, clock: deps.clock, registry, notifications });
  registerPolicySimulationRoutes(http, { db: deps.db, clock: deps.clock, registry });
  registerPolicyRoutes(http, { db: deps.db, clock: deps.clock, registry, notifications });
  registerEscalationPolicyRoutes(http, { db: deps.db, clock: deps.clock });
  registerNotificationRoutes(http, { db: deps.db, clock: deps.clock, registry, notifications, ...(deps.listen ? { listen: deps.listen } : {}) });
  await registerIngestRoutes(http, { db: deps.db, clock: deps.clock, ingest: new Ingest(deps.db, deps.clock), rateLimit: limits });
  await http.ready();
  return { http, beginShutdown: () => void (stopping = true) };
}

/** Notifications with a throwaway key and no provider, for apps built without them (tests of other areas). */
function testNotifications(db: Db, clock: Clock): Notifications {
  return createNotifications({
    db,
    clock,
    secretKey: randomBytes(32).toString('base64url'),
    publicUrl: 'http://127.0.0.1:3000',
    defaults: { smtp: null, twilio: null, slack: null, webhook: { allowPrivateAddresses: false, allowedHosts: [] } },
  });
}

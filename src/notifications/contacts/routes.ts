import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { isMember } from '../../access/users.ts';
import { notFound } from '../../errors.ts';
import { actorOf } from '../../http/auth.ts';
import type { ResourceRegistry } from '../../resources/registry.ts';
import { authorize } from '../../resources/service.ts';
import type { Clock } from '../../storage/clock.ts';
import type { Db } from '../../storage/database.ts';
import { CONTACT_KINDS } from '../model.ts';
import type { Notifications } from '../services.ts';
import { notificationReadiness } from './readiness.ts';
import { registerVerifyRoutes } from './verify-routes.ts';

export interface ContactRouteDeps {
  readonly db: Db;
  readonly clock: Clock;
  readonly registry: ResourceRegistry;
  readonly notifications: Notifications;
}

const errorBody = z.object({ error: z.string() });

/** The JSON answer of the readiness route (also what the policy targets' `notificationReady` summarises). */
export const readinessSchema = z.object({
  userId: z.guid(),
  ready: z.boolean().describe('Whether a page can wake this user now'),
  methods: z.array(z.object({
    _id: z.guid(),
    kind: z.enum(CONTACT_KINDS),
    address: z.string().describe('Where it goes; phone numbers masked'),
    isVerified: z.boolean(),
    isDisabled: z.boolean(),
    providerConfigured: z.boolean(),
    usable: z.boolean(),
  })),
  reasons: z.array(z.string()).describe('What is missing or unusable'),
});

/**
 * The contact-method routes beyond the resource API: verification (see verify-routes.ts) and
 * `GET /api/user/:id/notification-readiness` (read permission on users).
 */
export function registerContactRoutes(app: FastifyInstance, deps: ContactRouteDeps): void {
  registerVerifyRoutes(app, { db: deps.db, clock: deps.clock, registry: deps.registry, box: deps.notifications.box });
  const users = deps.registry.get('user')!;
  app.withTypeProvider<ZodTypeProvider>().get('/api/user/:id/notification-readiness', {
    config: { auth: true },
    schema: {
      tags: [users.title],
      summary: 'Whether a page can reach a user: their contact methods, which are usable, and what is missing',
      params: z.object({ id: z.guid({ error: 'must be a UUID' }) }),
      response: { 200: readinessSchema, 400: errorBody, 401: errorBody, 403: errorBody, 404: errorBody },
    },
  }, async (req) => {
    const actor = actorOf(req);
    authorize(actor, users, 'read');
    const userId = req.params.id.toLowerCase();
    if (!(await isMember(deps.db, actor.projectId, userId))) throw notFound(`No ${users.title} with _id ${userId} in this project`);
    const providers = await deps.notifications.providersFor(actor.projectId);
    const r = (await notificationReadiness(deps.db, providers, actor.projectId, [userId])).get(userId)!;
    return { ...r, methods: [...r.methods], reasons: [...r.reasons] };
  });
}

import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { sql } from 'kysely';
import { z } from 'zod';
import { notFound } from '../errors.ts';
import { notificationReadiness } from '../notifications/contacts/readiness.ts';
import type { Notifications } from '../notifications/services.ts';
import { resolvePolicyTargets } from '../policies/targets.ts';
import type { ResourceRegistry } from '../resources/registry.ts';
import { authorize } from '../resources/service.ts';
import type { Clock } from '../storage/clock.ts';
import type { Db } from '../storage/database.ts';
import { actorOf } from './auth.ts';
import { parseInstant } from './time-window.ts';

const errorBody = z.object({ error: z.string() });
const target = z.object({
  kind: z.enum(['notify', 'duplicate', 'not-member', 'schedule-gap', 'empty-team']),
  userId: z.guid().nullable(),
  teamId: z.guid().nullable(),
  scheduleId: z.guid().nullable(),
  overriddenUserId: z.guid().nullable(),
  notificationReady: z.boolean().nullable().describe('For `notify`: whether a page can wake the user now (see /api/user/:id/notification-readiness)'),
});

/**
 * `GET /api/on-call-duty-policy/:id/targets?at=`: who each rule of a policy would page at an
 * instant (default now), exactly as a run resolves them then: team members, users, whoever is
 * on call in each schedule, overrides applied, a user reached twice paged once. Reads only.
 */
export function registerPolicyRoutes(
  app: FastifyInstance,
  deps: { db: Db; clock: Clock; registry: ResourceRegistry; notifications?: Pick<Notifications, 'providersFor'> },
): void {
  const z$ = app.withTypeProvider<ZodTypeProvider>();
  const policies = deps.registry.get('on-call-duty-policy')!;
  z$.get('/api/on-call-duty-policy/:id/targets', {
    config: { auth: true },
    schema: {
      tags: [policies.title],
      summary: 'Who each rule of a policy would page at an instant',
      params: z.object({ id: z.guid({ error: 'must be a UUID' }) }),
      querystring: z.object({ at: z.string().optional().describe('The instant (ISO 8601; default now)') }),
      response: {
        200: z.object({
          onCallDutyPolicyId: z.guid(),
          at: z.string(),
          rules: z.array(z.object({
            _id: z.guid(),
            name: z.string(),
            order: z.number().int(),
            escalateAfterInMinutes: z.number().int(),
            notificationMethods: z.array(z.object({ method: z.string(), afterMinutes: z.number().int() })).nullable(),
            targets: z.array(target),
          })),
        }),
        400: errorBody,
        401: errorBody,
        403: errorBody,
        404: errorBody,
      },
    },
  }, async (req) => {
    const actor = actorOf(req);
    authorize(actor, policies, 'read');
    const at = parseInstant(req.query.at, 'at', deps.clock.now());
    const id = req.params.id.toLowerCase();
    const found = await sql`select 1 from on_call_policy where id = ${id} and project_id = ${actor.projectId}`.execute(deps.db);
    if (found.rows.length === 0) throw notFound(`No ${policies.title} with _id ${id} in this project`);
    const rules = await resolvePolicyTargets(deps.db, { projectId: actor.projectId, policyId: id, at });
    const notified = rules.flatMap((r) => r.targets.flatMap((t) => (t.kind === 'notify' && 'userId' in t && t.userId ? [t.userId] : [])));
    const readiness = deps.notifications && notified.length > 0
      ? await notificationReadiness(deps.db, await deps.notifications.providersFor(actor.projectId), actor.projectId, notified)
      : new Map<string, { ready: boolean }>();
    return {
      onCallDutyPolicyId: id,
      at: at.toISOString(),
      rules: rules.map(({ rule, targets }) => ({
        _id: rule.id,
        name: rule.name,
        order: rule.order,
        escalateAfterInMinutes: rule.escalateAfterInMinutes,
        notificationMethods: rule.notificationMethods ? [...rule.notificationMethods] : null,
        targets: targets.map((t) => ({
          kind: t.kind,
          userId: 'userId' in t ? t.userId : null,
          teamId: 'teamId' in t ? t.teamId : null,
          scheduleId: 'scheduleId' in t ? t.scheduleId : null,
          overriddenUserId: 'overriddenUserId' in t ? t.overriddenUserId : null,
          notificationReady: t.kind === 'notify' && 'userId' in t && t.userId ? (readiness.get(t.userId)?.ready ?? null) : null,
        })),
      })),
    };
  });
}

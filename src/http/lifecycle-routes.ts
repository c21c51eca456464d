import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ACTIONS, INCIDENT_ONLY, runAction, type Action } from '../incidents/actions.ts';
import type { SubjectType } from '../incidents/subjects.ts';
import type { ResourceRegistry } from '../resources/registry.ts';
import { authorize, type ResourceService } from '../resources/service.ts';
import type { Clock } from '../storage/clock.ts';
import type { Db } from '../storage/database.ts';
import { actorOf } from './auth.ts';

const SUBJECTS: readonly SubjectType[] = ['incident', 'alert', 'incident-episode', 'alert-episode'];

const BODIES: Record<Action, z.ZodType> = {
  acknowledge: z.object({}).strict().nullish(),
  resolve: z.object({}).strict().nullish(),
  reopen: z.object({}).strict().nullish(),
  unassign: z.object({}).strict().nullish(),
  note: z.object({ note: z.string().min(1).max(10_000).describe('The note (Markdown)') }).strict(),
  assign: z.object({ userId: z.guid({ error: 'must be a UUID' }).describe('ID of the project member to assign') }).strict(),
  start: z.object({ startedAt: z.iso.datetime({ offset: true }).optional().describe('When work started (default now)') }).strict().nullish(),
};

const SUMMARY: Record<Action, string> = {
  acknowledge: 'Acknowledge',
  resolve: 'Resolve',
  reopen: 'Reopen',
  note: 'Add a note to',
  assign: 'Assign',
  unassign: 'Unassign',
  start: 'Mark work started on',
};

/**
 * `POST /api/<incident|alert|...-episode>/:id/<action>`: acknowledge, resolve, reopen,
 * note, and for incidents assign, unassign, start. Each needs the resource's update
 * permission, answers the item as get-item does, and a transition that does not apply
 * is a 409 that changes nothing.
 */
export function registerLifecycleRoutes(
  app: FastifyInstance,
  deps: { db: Db; clock: Clock; registry: ResourceRegistry; service: ResourceService },
): void {
  const z$ = app.withTypeProvider<ZodTypeProvider>();
  for (const type of SUBJECTS) {
    const r = deps.registry.get(type)!;
    for (const action of ACTIONS) {
      if (INCIDENT_ONLY.includes(action) && type !== 'incident') continue;
      z$.post(
        `/api/${type}/:id/${action}`,
        {
          config: { auth: true },
          schema: {
            tags: [r.title],
            summary: `${SUMMARY[action]} ${r.title.toLowerCase()}`,
            params: z.object({ id: z.guid({ error: 'must be a UUID' }) }),
            body: BODIES[action],
          },
        },
        async (req) => {
          const actor = actorOf(req);
          authorize(actor, r, 'update');
          const id = req.params.id.toLowerCase();
          await runAction(deps, actor, type, id, action, (req.body ?? {}) as Record<string, string>);
          return deps.service.get(actor, r, id, undefined);
        },
      );
    }
  }
}

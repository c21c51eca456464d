import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { isMember } from '../access/users.ts';
import { notFound } from '../errors.ts';
import { scheduleOnCallAt, scheduleShifts, schedulesOnCall, shiftJson, userShifts } from '../on-call/shift-queries.ts';
import type { ResourceRegistry } from '../resources/registry.ts';
import { authorize } from '../resources/service.ts';
import type { Clock } from '../storage/clock.ts';
import type { Db } from '../storage/database.ts';
import { actorOf } from './auth.ts';
import { registerCalendarRoutes } from './calendar-routes.ts';
import { parseInstant, parseWindow } from './time-window.ts';

const idParams = z.object({ id: z.guid({ error: 'must be a UUID' }) });
const windowQuery = z.object({
  from: z.string().optional().describe('Start of the window (ISO 8601; default now)'),
  to: z.string().optional().describe('End of the window (ISO 8601; default 7 days after from; at most one year after from)'),
});
const policyQuery = { policyId: z.guid({ error: 'must be a UUID' }).optional().describe('Apply this policy\'s overrides besides the global ones') };
const origin = z
  .object({ kind: z.enum(['layer', 'override', 'temporary', 'gap']) })
  .loose()
  .describe('Where the shift comes from: a layer, an override (with the replaced user and layer), a temporary schedule, or a gap (nobody on call)');
const shift = z.object({ userId: z.guid().nullable(), startsAt: z.string(), endsAt: z.string(), origin });
const errorBody = z.object({ error: z.string() });
const errors = { 400: errorBody, 401: errorBody, 403: errorBody, 404: errorBody };

/**
 * Read-only views of the final schedule: a schedule's shifts over a window, who is on call
 * in it at an instant, one user's shifts across the project's schedules, and OneUptime's
 * `current-on-duty-escalation-policies`. Each needs an API key that may read schedules and
 * sees only its own project (another project's id is a 404). Also registers the iCal feeds
 * (`registerCalendarRoutes`).
 */
export function registerScheduleRoutes(app: FastifyInstance, deps: { db: Db; clock: Clock; registry: ResourceRegistry }): void {
  registerCalendarRoutes(app, deps);
  const z$ = app.withTypeProvider<ZodTypeProvider>();
  const schedules = deps.registry.get('on-call-duty-policy-schedule')!;
  const users = deps.registry.get('user')!;
  const tags = [schedules.title];
  const config = { auth: true };

  z$.get('/api/on-call-duty-policy-schedule/:id/shifts', {
    config,
    schema: {
      tags,
      summary: 'Final shifts of a schedule over a window',
      description: 'Layers expanded, restrictions cut in the schedule\'s time zone, higher-priority layers first, temporary schedules and overrides applied; gaps are listed as shifts with userId null.',
      params: idParams,
      querystring: windowQuery.extend(policyQuery),
      response: {
        200: z.object({ scheduleId: z.guid(), timezone: z.string(), from: z.string(), to: z.string(), shifts: z.array(shift) }),
        ...errors,
      },
    },
  }, async (req) => {
    const actor = actorOf(req);
    authorize(actor, schedules, 'read');
    const window = parseWindow(req.query, deps.clock.now());
    const id = req.params.id.toLowerCase();
    const found = await scheduleShifts(deps.db, actor.projectId, id, window, req.query.policyId?.toLowerCase());
    if (!found) throw notFound(`No ${schedules.title} with _id ${id} in this project`);
    return {
      scheduleId: id,
      timezone: found.stored.schedule.timezone,
      from: window.from.toISOString(),
      to: window.to.toISOString(),
      shifts: found.shifts.map(shiftJson),
    };
  });

  z$.get('/api/on-call-duty-policy-schedule/:id/on-call', {
    config,
    schema: {
      tags,
      summary: 'Who is on call in a schedule at an instant, and until when',
      params: idParams,
      querystring: z.object({ at: z.string().optional().describe('The instant (ISO 8601; default now)'), ...policyQuery }),
      response: {
        200: z.object({ scheduleId: z.guid(), timezone: z.string(), at: z.string(), userId: z.guid().nullable(), until: z.string(), origin }),
        ...errors,
      },
    },
  }, async (req) => {
    const actor = actorOf(req);
    authorize(actor, schedules, 'read');
    const at = parseInstant(req.query.at, 'at', deps.clock.now());
    const id = req.params.id.toLowerCase();
    const found = await scheduleOnCallAt(deps.db, actor.projectId, id, at, req.query.policyId?.toLowerCase());
    if (!found) throw notFound(`No ${schedules.title} with _id ${id} in this project`);
    const { onCall } = found;
    return {
      scheduleId: id,
      timezone: found.stored.schedule.timezone,
      at: at.toISOString(),
      userId: onCall.userId,
      until: onCall.until.toISOString(),
      origin: onCall.origin,
    };
  });

  z$.get('/api/user/:id/shifts', {
    config,
    schema: {
      tags: [users.title],
      summary: "A user's final shifts across the project's schedules",
      params: idParams,
      querystring: windowQuery,
      response: {
        200: z.object({
          userId: z.guid(),
          from: z.string(),
          to: z.string(),
          shifts: z.array(shift.extend({ scheduleId: z.guid(), scheduleName: z.string() })),
        }),
        ...errors,
      },
    },
  }, async (req) => {
    const actor = actorOf(req);
    authorize(actor, schedules, 'read');
    authorize(actor, users, 'read');
    const window = parseWindow(req.query, deps.clock.now());
    const id = req.params.id.toLowerCase();
    if (!(await isMember(deps.db, actor.projectId, id))) throw notFound(`No ${users.title} with _id ${id} in this project`);
    const shifts = await userShifts(deps.db, actor.projectId, id, window);
    return {
      userId: id,
      from: window.from.toISOString(),
      to: window.to.toISOString(),
      shifts: shifts.map((s) => ({ scheduleId: s.scheduleId, scheduleName: s.scheduleName, ...shiftJson(s) })),
    };
  });

  z$.get('/api/on-call-duty-policy/current-on-duty-escalation-policies', {
    config,
    schema: {
      tags,
      summary: 'Where the calling key\'s user is on duty now',
      description:
        'As in OneUptime. On-call duty policies arrive with issue 5: until then the escalation-rule lists are empty and ' +
        '`onCallSchedules` lists the schedules in which the key\'s user is on call now (empty for a key without a user).',
      response: {
        200: z.object({
          escalationRulesByUser: z.array(z.unknown()),
          escalationRulesByTeam: z.array(z.unknown()),
          escalationRulesBySchedule: z.array(z.unknown()),
          onCallSchedules: z.array(z.object({ _id: z.guid(), name: z.string(), timezone: z.string(), onCallUntil: z.string(), origin })),
        }),
        ...errors,
      },
    },
  }, async (req) => {
    const actor = actorOf(req);
    authorize(actor, schedules, 'read');
    const onDuty = actor.userId ? await schedulesOnCall(deps.db, actor.projectId, actor.userId, deps.clock.now()) : [];
    return {
      escalationRulesByUser: [],
      escalationRulesByTeam: [],
      escalationRulesBySchedule: [],
      onCallSchedules: onDuty.map(({ stored, onCall }) => ({
        _id: stored.schedule.id,
        name: stored.name,
        timezone: stored.schedule.timezone,
        onCallUntil: onCall.until.toISOString(),
        origin: onCall.origin,
      })),
    };
  });
}

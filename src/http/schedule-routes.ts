import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { isMember } from '../access/users.ts';
import { notFound } from '../errors.ts';
import { notificationReadiness } from '../notifications/contacts/readiness.ts';
import type { Notifications } from '../notifications/services.ts';
import { scheduleOnCallAt, scheduleShifts, shiftJson, userShifts } from '../on-call/shift-queries.ts';
import { currentDuty, type DutyLink } from '../policies/current-duty.ts';
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
 * `current-on-duty-escalation-policies` (which also needs read permission on on-call duty
 * policies). Each needs an API key that may read schedules and
 * sees only its own project (another project's id is a 404). Also registers the iCal feeds
 * (`registerCalendarRoutes`).
 */
export function registerScheduleRoutes(
  app: FastifyInstance,
  deps: { db: Db; clock: Clock; registry: ResourceRegistry; notifications?: Pick<Notifications, 'providersFor'> },
): void {
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

  const policies = deps.registry.get('on-call-duty-policy')!;
  const named = z.object({ _id: z.guid(), name: z.string() });
  const dutyLink = {
    _id: z.guid().describe('ID of the rule\'s user, team or schedule link row'),
    projectId: z.guid(),
    onCallDutyPolicyId: z.guid(),
    onCallDutyPolicyEscalationRuleId: z.guid(),
    onCallDutyPolicy: named,
    onCallDutyPolicyEscalationRule: named.extend({ order: z.number().int() }),
    overriddenUserId: z.guid().nullable().describe('Set when the user is on duty here only because an override routes this user\'s pages to them'),
  };
  z$.get('/api/on-call-duty-policy/current-on-duty-escalation-policies', {
    config,
    schema: {
      tags: [policies.title],
      summary: 'Where a user is on duty now: the escalation rules that would page them',
      description:
        'As in OneUptime, for the calling key\'s user (or `userId`, when the key may read users): the escalation rules that ' +
        'would page the user if they ran now, directly (`escalationRulesByUser`), as a member of a rule\'s team ' +
        '(`escalationRulesByTeam`), or being on call in a rule\'s schedule (`escalationRulesBySchedule`), each item the ' +
        'rule\'s link row with its policy and rule. Overrides count as in a run: a replaced user is not on duty there, the user ' +
        'standing in is (with `overriddenUserId`). `onCallSchedules` lists the schedules the user is on call in now (global ' +
        'overrides applied). A key without a user and no `userId` gets empty lists. Needs read permission on schedules and on ' +
        'on-call duty policies.',
      querystring: z.object({ userId: z.guid({ error: 'must be a UUID' }).optional().describe('The user to ask about (default: the key\'s user)') }),
      response: {
        200: z.object({
          escalationRulesByUser: z.array(z.object({ ...dutyLink, userId: z.guid() })),
          escalationRulesByTeam: z.array(z.object({ ...dutyLink, teamId: z.guid(), team: named })),
          escalationRulesBySchedule: z.array(z.object({ ...dutyLink, onCallDutyPolicyScheduleId: z.guid(), onCallDutyPolicySchedule: named })),
          onCallSchedules: z.array(z.object({ _id: z.guid(), name: z.string(), timezone: z.string(), onCallUntil: z.string(), origin })),
          notificationReady: z.boolean().optional().describe('Whether a page can wake the user now (see /api/user/:id/notification-readiness); absent without a user'),
        }),
        ...errors,
      },
    },
  }, async (req) => {
    const actor = actorOf(req);
    authorize(actor, schedules, 'read');
    authorize(actor, policies, 'read');
    let userId = actor.userId;
    if (req.query.userId) {
      authorize(actor, users, 'read');
      userId = req.query.userId.toLowerCase();
      if (!(await isMember(deps.db, actor.projectId, userId))) throw notFound(`No ${users.title} with _id ${userId} in this project`);
    }
    const duty = userId ? await currentDuty(deps.db, actor.projectId, userId, deps.clock.now()) : { links: [], onCallSchedules: [] };
    const readiness = userId && deps.notifications
      ? (await notificationReadiness(deps.db, await deps.notifications.providersFor(actor.projectId), actor.projectId, [userId])).get(userId)
      : undefined;
    const item = (l: DutyLink) => ({
      _id: l.linkId,
      projectId: actor.projectId,
      onCallDutyPolicyId: l.policyId,
      onCallDutyPolicyEscalationRuleId: l.ruleId,
      onCallDutyPolicy: { _id: l.policyId, name: l.policyName },
      onCallDutyPolicyEscalationRule: { _id: l.ruleId, name: l.ruleName, order: l.ruleOrder },
      overriddenUserId: l.overriddenUserId,
    });
    return {
      escalationRulesByUser: duty.links.filter((l) => l.via === 'user').map((l) => ({ ...item(l), userId: l.userId! })),
      escalationRulesByTeam: duty.links.filter((l) => l.via === 'team').map((l) => ({ ...item(l), teamId: l.teamId!, team: { _id: l.teamId!, name: l.teamName! } })),
      escalationRulesBySchedule: duty.links.filter((l) => l.via === 'schedule').map((l) => ({
        ...item(l),
        onCallDutyPolicyScheduleId: l.scheduleId!,
        onCallDutyPolicySchedule: { _id: l.scheduleId!, name: l.scheduleName! },
      })),
      onCallSchedules: duty.onCallSchedules.map(({ stored, onCall }) => ({
        _id: stored.schedule.id,
        name: stored.name,
        timezone: stored.schedule.timezone,
        onCallUntil: onCall.until.toISOString(),
        origin: onCall.origin,
      })),
      ...(readiness ? { notificationReady: readiness.ready } : {}),
    };
  });
}

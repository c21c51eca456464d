import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { permits } from '../access/roles.ts';
import { invalidField, notFound } from '../errors.ts';
import { NOTIFICATION_METHODS } from '../policies/model.ts';
import {
  DEFAULT_HORIZON_MINUTES,
  findSeverity,
  MAX_HORIZON_MINUTES,
  simulatedTitle,
  simulatePolicy,
} from '../policies/simulate-policy.ts';
import type { SimulationEntry } from '../policies/simulation.ts';
import type { ResourceRegistry } from '../resources/registry.ts';
import { authorize } from '../resources/service.ts';
import type { Clock } from '../storage/clock.ts';
import type { Db } from '../storage/database.ts';
import { actorOf } from './auth.ts';
import { parseInstant } from './time-window.ts';

const MINUTE = 60_000;
const AT_FORMAT = 'must be an ISO 8601 date-time, e.g. 2026-01-05T09:00:00Z';
const errorBody = z.object({ error: z.string() });
const via = z.object({
  kind: z.enum(['user', 'team', 'schedule']),
  teamId: z.guid().optional(),
  scheduleId: z.guid().optional(),
  overriddenUserId: z.guid().optional().describe('The user an override replaced with this one'),
});
const common = {
  at: z.string(),
  ruleOrder: z.number().int(),
  ruleId: z.guid(),
  ruleName: z.string(),
  repeat: z.number().int().describe('The pass over the rules, 1-based (the runs\' onCallPolicyExecutionRepeatCount)'),
  recheck: z.number().int().optional().describe('Set when a re-check of a rule that reached nobody finds someone on call'),
};
const entry = z.union([
  z.object({
    kind: z.literal('notify'),
    ...common,
    userId: z.guid(),
    userName: z.string().optional(),
    via,
    methods: z.array(z.object({ method: z.enum([...NOTIFICATION_METHODS, 'personal']), at: z.string() })).readonly(),
    note: z.string().optional(),
  }),
  z.object({
    kind: z.literal('skip'),
    ...common,
    reason: z.enum(['schedule-gap', 'empty-team', 'duplicate', 'not-member', 'no-one-reached']),
    skipped: z.string(),
    scheduleId: z.guid().optional(),
    teamId: z.guid().optional(),
    userId: z.guid().optional(),
    via: via.optional(),
  }),
]);

const body = z
  .object({
    at: z
      .string({ error: AT_FORMAT })
      .min(1, { error: AT_FORMAT })
      .optional()
      .describe('When the simulated run starts (default now)'),
    severityId: z.guid({ error: 'must be a UUID' }).optional().describe('An incident or alert severity of the project: echoed, and put in the page title'),
    horizonMinutes: z
      .number({ error: 'must be a whole number of minutes' })
      .int({ error: 'must be a whole number of minutes' })
      .min(1, { error: `must be from 1 to ${MAX_HORIZON_MINUTES}` })
      .max(MAX_HORIZON_MINUTES, { error: `must be from 1 to ${MAX_HORIZON_MINUTES}` })
      .optional()
      .describe(`How far ahead to walk (default ${DEFAULT_HORIZON_MINUTES}, at most ${MAX_HORIZON_MINUTES})`),
  })
  .strict()
  .nullish();

/**
 * `POST /api/on-call-duty-policy/:id/simulate`: who a run of the policy would page, when and
 * over which methods, if nobody acknowledged, from `at` (default now) for `horizonMinutes`.
 * Each rule's targets are resolved with the runs' own code at the instant the rule would run
 * (schedule hand-offs, overrides, team members, dedup, schedule-gap re-checks). Writes nothing.
 * Needs read permission on on-call duty policies; another project's policy is a 404.
 */
export function registerPolicySimulationRoutes(app: FastifyInstance, deps: { db: Db; clock: Clock; registry: ResourceRegistry }): void {
  const z$ = app.withTypeProvider<ZodTypeProvider>();
  const policies = deps.registry.get('on-call-duty-policy')!;
  const users = deps.registry.get('user')!;
  const schedules = deps.registry.get('on-call-duty-policy-schedule')!;
  z$.post('/api/on-call-duty-policy/:id/simulate', {
    config: { auth: true },
    schema: {
      tags: [policies.title],
      summary: 'Simulate a run of the policy: who would be paged when, if nobody acknowledges',
      description:
        'Walks the escalation rules in order with their waits and the policy\'s repeats, resolving each rule\'s targets at the ' +
        'instant it would run exactly as a run does (team members, users, whoever is on call in each schedule then, overrides ' +
        'with a policy\'s own beating global ones, a user reached twice paged once, a schedule with nobody on call re-checked ' +
        'every minute). Methods come from the rule\'s channel order, or `personal` (the user\'s personal notification rules). ' +
        'A severity does not change the walk (routing rules pick policies, not steps): it is echoed and used in the page ' +
        'title. Writes nothing: no run, no log, no job, no outbox request.',
      params: z.object({ id: z.guid({ error: 'must be a UUID' }) }),
      body,
      response: {
        200: z.object({
          summary: z.object({
            policyId: z.guid(),
            policyName: z.string(),
            from: z.string(),
            until: z.string().describe('The end of the horizon: steps after it are not walked'),
            completesAt: z.string().describe('When the run would end if nobody acknowledges'),
            repeats: z.number().int().describe('Times the run starts again from the first rule'),
            passes: z.number().int(),
            truncated: z.boolean().describe('True when the horizon (or the limit of 500 rule runs) cut the walk short'),
            severity: z.object({ _id: z.guid(), name: z.string(), type: z.enum(['incident', 'alert']) }).nullable(),
            notificationTitle: z.string(),
            rules: z.array(z.object({
              ruleId: z.guid(),
              ruleOrder: z.number().int(),
              ruleName: z.string(),
              escalateAfterInMinutes: z.number().int(),
              notificationMethods: z.array(z.object({ method: z.string(), afterMinutes: z.number().int() })).nullable(),
              runsAt: z.array(z.object({ repeat: z.number().int(), at: z.string() })).describe('When the rule runs in each pass, up to the horizon'),
            })),
          }),
          timeline: z.array(entry),
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
    const id = req.params.id.toLowerCase();
    const input = req.body ?? {};
    const from = parseInstant(input.at, 'at', deps.clock.now());
    const horizon = input.horizonMinutes ?? DEFAULT_HORIZON_MINUTES;
    const severity = input.severityId ? await findSeverity(deps.db, actor.projectId, input.severityId.toLowerCase()) : undefined;
    if (input.severityId && !severity) throw invalidField('severityId', `no incident or alert severity with _id ${input.severityId} in this project`);
    const sim = await simulatePolicy(deps.db, {
      projectId: actor.projectId,
      policyId: id,
      from,
      until: new Date(from.getTime() + horizon * MINUTE),
      nameSchedules: permits(actor.permissions, schedules.permissions.read),
    });
    if (!sim) throw notFound(`No ${policies.title} with _id ${id} in this project`);
    const nameUsers = permits(actor.permissions, users.permissions.read);
    const named = (e: SimulationEntry) => {
      if (e.kind !== 'notify' || !nameUsers) return e;
      const userName = sim.userNames.get(e.userId);
      return userName === undefined ? e : { ...e, userName };
    };
    return {
      summary: {
        policyId: id,
        policyName: sim.policyName,
        from: from.toISOString(),
        until: new Date(from.getTime() + horizon * MINUTE).toISOString(),
        completesAt: sim.completesAt,
        repeats: sim.repeats,
        passes: sim.passes,
        truncated: sim.truncated,
        severity: severity ? { _id: severity.id, name: severity.name, type: severity.type } : null,
        notificationTitle: simulatedTitle(sim.policyName, severity),
        rules: sim.rules.map((r) => ({
          ruleId: r.id,
          ruleOrder: r.order,
          ruleName: r.name,
          escalateAfterInMinutes: r.escalateAfterInMinutes,
          notificationMethods: r.notificationMethods ? [...r.notificationMethods] : null,
          runsAt: sim.ruleRuns.filter((run) => run.ruleId === r.id).map((run) => ({ repeat: run.repeat, at: run.at })),
        })),
      },
      timeline: sim.entries.map(named),
    };
  });
}

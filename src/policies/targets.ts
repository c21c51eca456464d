import { sql } from 'kysely';
import { scheduleOnCallAt } from '../on-call/shift-queries.ts';
import { applicableOverrides, applyOverrides } from '../schedules/apply-overrides.ts';
import type { Override } from '../schedules/model.ts';
import type { Db } from '../storage/database.ts';
import { normalizeNotificationMethods, type MethodStep } from './model.ts';

/** An escalation rule as the runs see it. */
export interface RuleInfo {
  readonly id: string;
  readonly policyId: string;
  readonly name: string;
  readonly order: number;
  readonly escalateAfterInMinutes: number;
  /** The rule's channel order; null: each user's personal notification rules decide. */
  readonly notificationMethods: readonly MethodStep[] | null;
}

/**
 * What one target of a rule came to at an instant:
 * - `notify`: page `userId` (reached through a team, a schedule, or directly; `overriddenUserId`
 *   is the user an override replaced);
 * - `duplicate`: `userId` was already reached by an earlier target of the same rule;
 * - `schedule-gap`: nobody is on call in the schedule;
 * - `empty-team`: the team has no members;
 * - `not-member`: the user is no longer a member of the project.
 */
export type RuleTarget =
  | PersonTarget
  | { readonly kind: 'schedule-gap'; readonly scheduleId: string }
  | { readonly kind: 'empty-team'; readonly teamId: string };

/** A person a rule's target came to. */
export interface PersonTarget {
  readonly kind: 'notify' | 'duplicate' | 'not-member';
  readonly userId: string;
  readonly teamId: string | null;
  readonly scheduleId: string | null;
  readonly overriddenUserId: string | null;
}

interface RuleRow {
  id: string;
  policy_id: string;
  name: string;
  rule_order: number;
  escalate_after_in_minutes: number;
  notification_methods: unknown;
}

function toRule(row: RuleRow): RuleInfo {
  return {
    id: row.id,
    policyId: row.policy_id,
    name: row.name,
    order: row.rule_order,
    escalateAfterInMinutes: row.escalate_after_in_minutes,
    notificationMethods: normalizeNotificationMethods(row.notification_methods),
  };
}

const RULE_COLUMNS = sql`id, policy_id, name, rule_order, escalate_after_in_minutes, notification_methods`;

/** The policy's rules in the order they run (ascending `order`; gaps in the numbering are fine). */
export async function policyRules(db: Db, projectId: string, policyId: string): Promise<RuleInfo[]> {
  const res = await sql<RuleRow>`select ${RULE_COLUMNS} from on_call_policy_escalation_rule
    where project_id = ${projectId} and policy_id = ${policyId} order by rule_order, id`.execute(db);
  return res.rows.map(toRule);
}

/** The first rule of the policy whose order is above `afterOrder` (the lowest order when null). */
export async function nextRule(db: Db, projectId: string, policyId: string, afterOrder: number | null): Promise<RuleInfo | undefined> {
  const res = await sql<RuleRow>`select ${RULE_COLUMNS} from on_call_policy_escalation_rule
    where project_id = ${projectId} and policy_id = ${policyId} and (${afterOrder}::int is null or rule_order > ${afterOrder}::int)
    order by rule_order, id limit 1`.execute(db);
  return res.rows[0] ? toRule(res.rows[0]) : undefined;
}

export async function loadRule(db: Db, projectId: string, ruleId: string): Promise<RuleInfo | undefined> {
  const res = await sql<RuleRow>`select ${RULE_COLUMNS} from on_call_policy_escalation_rule
    where project_id = ${projectId} and id = ${ruleId}`.execute(db);
  return res.rows[0] ? toRule(res.rows[0]) : undefined;
}

/**
 * Who a rule pages at instant `at`, in OneUptime's order: each team's members, then the users,
 * then whoever is on call in each schedule. Overrides in force at `at` apply (a policy's own
 * override beats a global one): to directly named users and team members here, and to schedules
 * through the schedule computation. A user reached twice is paged once (later targets come back
 * as `duplicate`). Reads only; never throws for stored rows. The simulator and the runs share it.
 */
export async function resolveRuleTargets(db: Db, q: { projectId: string; policyId: string; ruleId: string; at: Date }): Promise<RuleTarget[]> {
  // The rule's teams (with their members), users and schedules in one round trip, each part in its order.
  const linked = await sql<{ part: 'team' | 'user' | 'schedule'; team_id: string | null; user_id: string | null; schedule_id: string | null }>`
    select part, team_id, user_id, schedule_id from (
      select 1 as n, 'team' as part, t.team_id, tm.user_id, null::uuid as schedule_id, t.created_at as c1, t.id as i1, tm.created_at as c2, tm.id as i2
        from on_call_policy_escalation_rule_team t
        left join team_member tm on tm.team_id = t.team_id
        where t.rule_id = ${q.ruleId} and t.project_id = ${q.projectId}
      union all
      select 2, 'user', null, user_id, null, created_at, id, null, null from on_call_policy_escalation_rule_user
        where rule_id = ${q.ruleId} and project_id = ${q.projectId}
      union all
      select 3, 'schedule', null, null, schedule_id, created_at, id, null, null from on_call_policy_escalation_rule_schedule
        where rule_id = ${q.ruleId} and project_id = ${q.projectId}
    ) linked
    order by n, c1, i1, c2, i2`.execute(db);
  const teams = { rows: linked.rows.filter((r) => r.part === 'team').map((r) => ({ team_id: r.team_id!, user_id: r.user_id })) };
  const users = { rows: linked.rows.filter((r) => r.part === 'user').map((r) => ({ user_id: r.user_id! })) };
  const schedules = { rows: linked.rows.filter((r) => r.part === 'schedule').map((r) => ({ schedule_id: r.schedule_id! })) };
  const overrides = await overridesAt(db, q.projectId, q.policyId, q.at);

  type Candidate = { userId: string; teamId: string | null; scheduleId: string | null; overriddenUserId: string | null };
  const candidates: (Candidate | RuleTarget)[] = [];
  const direct = (userId: string, teamId: string | null): Candidate => {
    const replacement = overrideFor(overrides, q.policyId, userId, q.at);
    return replacement ? { userId: replacement, teamId, scheduleId: null, overriddenUserId: userId } : { userId, teamId, scheduleId: null, overriddenUserId: null };
  };
  // The left join gives a team without members one row with no user.
  for (const row of teams.rows) {
    candidates.push(row.user_id === null ? { kind: 'empty-team', teamId: row.team_id } : direct(row.user_id, row.team_id));
  }
  for (const row of users.rows) candidates.push(direct(row.user_id, null));
  for (const row of schedules.rows) {
    const found = await scheduleOnCallAt(db, q.projectId, row.schedule_id, q.at, q.policyId);
    const userId = found?.onCall.userId ?? null;
    if (!found || userId === null) {
      candidates.push({ kind: 'schedule-gap', scheduleId: row.schedule_id });
      continue;
    }
    const origin = found.onCall.origin;
    candidates.push({ userId, teamId: null, scheduleId: row.schedule_id, overriddenUserId: origin.kind === 'override' ? origin.replacedUserId : null });
  }

  const people = candidates.filter((c): c is Candidate => !('kind' in c)).map((c) => c.userId);
  const members = await projectMembers(db, q.projectId, people);
  const reached = new Set<string>();
  return candidates.map((c): RuleTarget => {
    if ('kind' in c) return c;
    if (!members.has(c.userId)) return { kind: 'not-member', ...c };
    if (reached.has(c.userId)) return { kind: 'duplicate', ...c };
    reached.add(c.userId);
    return { kind: 'notify', ...c };
  });
}

/** Every rule of a policy with what it would page at `at`, in run order (for previews and the simulator). */
export async function resolvePolicyTargets(
  db: Db,
  q: { projectId: string; policyId: string; at: Date },
): Promise<{ rule: RuleInfo; targets: RuleTarget[] }[]> {
  const out: { rule: RuleInfo; targets: RuleTarget[] }[] = [];
  for (const rule of await policyRules(db, q.projectId, q.policyId)) {
    out.push({ rule, targets: await resolveRuleTargets(db, { ...q, ruleId: rule.id }) });
  }
  return out;
}

/** The project's overrides in force at `at` that apply to `policyId` (its own and the global ones). */
async function overridesAt(db: Db, projectId: string, policyId: string, at: Date): Promise<Override[]> {
  const res = await sql<{ id: string; policy_id: string | null; override_user_id: string; route_alerts_to_user_id: string; starts_at: Date; ends_at: Date }>`
    select id, policy_id, override_user_id, route_alerts_to_user_id, starts_at, ends_at from on_call_user_override
    where project_id = ${projectId} and starts_at <= ${at} and ends_at > ${at} and (policy_id is null or policy_id = ${policyId})`.execute(db);
  return res.rows.map((r) => ({
    id: r.id,
    policyId: r.policy_id,
    overrideUserId: r.override_user_id,
    routeAlertsToUserId: r.route_alerts_to_user_id,
    startsAt: r.starts_at,
    endsAt: r.ends_at,
  }));
}

/**
 * Who is paged instead of `userId` at `at`, if an override says so: the schedule module's own
 * rule (policy override beats global, then the later start, then the lower id), applied to a
 * one-millisecond piece.
 */
function overrideFor(overrides: readonly Override[], policyId: string, userId: string, at: Date): string | null {
  if (overrides.length === 0) return null;
  const t = at.getTime();
  const [piece] = applyOverrides([{ start: t, end: t + 1, userId, origin: { kind: 'gap' } }], applicableOverrides(overrides, policyId));
  return piece && piece.origin.kind === 'override' ? piece.userId : null;
}

async function projectMembers(db: Db, projectId: string, userIds: readonly string[]): Promise<Set<string>> {
  if (userIds.length === 0) return new Set();
  const res = await sql<{ user_id: string }>`select user_id from project_member
    where project_id = ${projectId} and user_id = any(${[...new Set(userIds)]}::uuid[])`.execute(db);
  return new Set(res.rows.map((r) => r.user_id));
}

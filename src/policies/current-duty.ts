import { sql } from 'kysely';
import { schedulesOnCall } from '../on-call/shift-queries.ts';
import type { StoredSchedule } from '../schedules/load-schedule.ts';
import type { OnCall } from '../schedules/on-call-at.ts';
import type { Db } from '../storage/database.ts';
import { resolveRuleTargets } from './targets.ts';

/**
 * One escalation rule target through which a user is on duty now: the rule's link row to the
 * user, to a team they are a member of, or to a schedule they are on call in.
 */
export interface DutyLink {
  readonly via: 'user' | 'team' | 'schedule';
  /** The id of the rule's user, team or schedule link row. */
  readonly linkId: string;
  readonly policyId: string;
  readonly policyName: string;
  readonly ruleId: string;
  readonly ruleName: string;
  readonly ruleOrder: number;
  /** For `user`: the user the link row names (the one replaced when `overriddenUserId` is set). */
  readonly userId: string | null;
  readonly teamId: string | null;
  readonly teamName: string | null;
  readonly scheduleId: string | null;
  readonly scheduleName: string | null;
  /** Set when the user is on duty here only because an override routes this user's pages to them. */
  readonly overriddenUserId: string | null;
}

export interface CurrentDuty {
  /** In policy name, rule order, then user, team, schedule order. */
  readonly links: readonly DutyLink[];
  /** The project's schedules the user is on call in at the instant (global overrides applied). */
  readonly onCallSchedules: readonly { readonly stored: StoredSchedule; readonly onCall: OnCall }[];
}

/**
 * Where `userId` is on duty at `at`: every escalation rule that would page them if it ran then,
 * with the target that reaches them. Each candidate rule is resolved with the runs' own
 * `resolveRuleTargets` (team members, whoever is on call in each schedule for that policy, a
 * policy's overrides beating global ones), so a user replaced by an override is not on duty
 * there, and the user standing in is. A user reached through two targets of one rule is listed
 * for both. Reads only.
 */
export async function currentDuty(db: Db, projectId: string, userId: string, at: Date): Promise<CurrentDuty> {
  const onCallSchedules = await schedulesOnCall(db, projectId, userId, at);
  // Candidates: a superset of the rules that can page the user now. Without an override routing
  // to the user, being on call in a schedule for a policy implies being on call in it globally.
  const candidates = await sql<{ id: string; policy_id: string }>`
    select r.id, r.policy_id from on_call_policy_escalation_rule r
    where r.project_id = ${projectId} and (
      exists (select 1 from on_call_policy_escalation_rule_user ru where ru.rule_id = r.id and ru.user_id = ${userId})
      or exists (select 1 from on_call_policy_escalation_rule_team rt join team_member tm on tm.team_id = rt.team_id
        where rt.rule_id = r.id and tm.user_id = ${userId})
      or exists (select 1 from on_call_policy_escalation_rule_schedule rs
        where rs.rule_id = r.id and rs.schedule_id = any(${onCallSchedules.map((s) => s.stored.schedule.id)}::uuid[]))
      or exists (select 1 from on_call_user_override o
        where o.project_id = ${projectId} and o.route_alerts_to_user_id = ${userId} and o.starts_at <= ${at} and o.ends_at > ${at}
          and (o.policy_id is null or o.policy_id = r.policy_id)))
    order by r.policy_id, r.rule_order`.execute(db);

  type Hit = { via: DutyLink['via']; ruleId: string; targetId: string; overriddenUserId: string | null };
  const hits: Hit[] = [];
  for (const rule of candidates.rows) {
    const targets = await resolveRuleTargets(db, { projectId, policyId: rule.policy_id, ruleId: rule.id, at });
    for (const t of targets) {
      if ((t.kind !== 'notify' && t.kind !== 'duplicate') || t.userId !== userId) continue;
      if (t.scheduleId) hits.push({ via: 'schedule', ruleId: rule.id, targetId: t.scheduleId, overriddenUserId: t.overriddenUserId });
      else if (t.teamId) hits.push({ via: 'team', ruleId: rule.id, targetId: t.teamId, overriddenUserId: t.overriddenUserId });
      else hits.push({ via: 'user', ruleId: rule.id, targetId: t.overriddenUserId ?? t.userId, overriddenUserId: t.overriddenUserId });
    }
  }
  if (hits.length === 0) return { links: [], onCallSchedules };

  const ruleIds = [...new Set(hits.map((h) => h.ruleId))];
  const [rules, users, teams, schedules] = await Promise.all([
    sql<{ id: string; name: string; rule_order: number; policy_id: string; policy_name: string }>`
      select r.id, r.name, r.rule_order, p.id as policy_id, p.name as policy_name
      from on_call_policy_escalation_rule r join on_call_policy p on p.id = r.policy_id
      where r.project_id = ${projectId} and r.id = any(${ruleIds}::uuid[])`.execute(db),
    sql<{ id: string; rule_id: string; target_id: string; name: null }>`
      select id, rule_id, user_id as target_id, null as name from on_call_policy_escalation_rule_user
      where project_id = ${projectId} and rule_id = any(${ruleIds}::uuid[])`.execute(db),
    sql<{ id: string; rule_id: string; target_id: string; name: string }>`
      select rt.id, rt.rule_id, rt.team_id as target_id, t.name from on_call_policy_escalation_rule_team rt
      join team t on t.id = rt.team_id
      where rt.project_id = ${projectId} and rt.rule_id = any(${ruleIds}::uuid[])`.execute(db),
    sql<{ id: string; rule_id: string; target_id: string; name: string }>`
      select rs.id, rs.rule_id, rs.schedule_id as target_id, s.name from on_call_policy_escalation_rule_schedule rs
      join on_call_schedule s on s.id = rs.schedule_id
      where rs.project_id = ${projectId} and rs.rule_id = any(${ruleIds}::uuid[])`.execute(db),
  ]);
  const ruleById = new Map(rules.rows.map((r) => [r.id, r]));
  const linkRows = { user: users.rows, team: teams.rows, schedule: schedules.rows } as const;
  const links: DutyLink[] = [];
  for (const h of hits) {
    const rule = ruleById.get(h.ruleId);
    const link = (linkRows[h.via] as readonly { id: string; rule_id: string; target_id: string; name: string | null }[])
      .find((l) => l.rule_id === h.ruleId && l.target_id === h.targetId);
    if (!rule || !link) continue;
    links.push({
      via: h.via,
      linkId: link.id,
      policyId: rule.policy_id,
      policyName: rule.policy_name,
      ruleId: rule.id,
      ruleName: rule.name,
      ruleOrder: rule.rule_order,
      userId: h.via === 'user' ? h.targetId : null,
      teamId: h.via === 'team' ? h.targetId : null,
      teamName: h.via === 'team' ? link.name : null,
      scheduleId: h.via === 'schedule' ? h.targetId : null,
      scheduleName: h.via === 'schedule' ? link.name : null,
      overriddenUserId: h.overriddenUserId,
    });
  }
  const VIA_ORDER = { user: 0, team: 1, schedule: 2 } as const;
  links.sort((a, b) =>
    a.policyName.localeCompare(b.policyName) || a.policyId.localeCompare(b.policyId) || a.ruleOrder - b.ruleOrder || VIA_ORDER[a.via] - VIA_ORDER[b.via]);
  return { links, onCallSchedules };
}

import { sql } from 'kysely';
import type { Db } from '../storage/database.ts';
import { MAX_RECHECKS, RECHECK_INTERVAL_MS } from './execution.ts';
import { simulateEscalation, type SimulationResult } from './simulation.ts';
import { policyRules, resolveRuleTargets, type RuleInfo } from './targets.ts';

/** How far ahead a simulation looks by default (a day), and at most (a week, the longest wait a rule may have). */
export const DEFAULT_HORIZON_MINUTES = 1440;
export const MAX_HORIZON_MINUTES = 10_080;

/** The most rule runs one simulation walks (each resolves the rule's targets once, re-checks aside). */
export const MAX_SIMULATED_RULE_RUNS = 500;

export interface PolicySimulation extends SimulationResult {
  readonly policyId: string;
  readonly policyName: string;
  /** Times the walk starts again after the first pass. */
  readonly repeats: number;
  readonly rules: readonly RuleInfo[];
  /** Names of the project's members the timeline mentions (paged or replaced by an override). */
  readonly userNames: ReadonlyMap<string, string>;
}

/**
 * Simulates a run of a stored policy from `from` if nobody acknowledges, up to `until`, with
 * the runs' own target resolution and re-check timing. Reads in one read-only transaction
 * (one consistent snapshot, and nothing can be written). Undefined when the project has no
 * such policy.
 */
export async function simulatePolicy(
  db: Db,
  q: {
    readonly projectId: string;
    readonly policyId: string;
    readonly from: Date;
    readonly until: Date;
    /** Name schedules in the skip texts (else only their ids). */
    readonly nameSchedules: boolean;
  },
): Promise<PolicySimulation | undefined> {
  return db.transaction().setAccessMode('read only').execute(async (tx) => {
    const res = await sql<{ name: string; repeat_policy_if_no_one_acknowledges: boolean; repeat_policy_if_no_one_acknowledges_no_of_times: number }>`
      select name, repeat_policy_if_no_one_acknowledges, repeat_policy_if_no_one_acknowledges_no_of_times
      from on_call_policy where id = ${q.policyId} and project_id = ${q.projectId}`.execute(tx);
    const policy = res.rows[0];
    if (!policy) return undefined;
    const rules = await policyRules(tx, q.projectId, q.policyId);
    const repeats = policy.repeat_policy_if_no_one_acknowledges ? policy.repeat_policy_if_no_one_acknowledges_no_of_times : 0;
    const schedules = q.nameSchedules ? await scheduleNames(tx, q.projectId, q.policyId) : new Map<string, string>();
    const result = await simulateEscalation(
      {
        from: q.from,
        until: q.until,
        rules,
        repeats,
        recheck: { intervalMs: RECHECK_INTERVAL_MS, maxAttempts: MAX_RECHECKS },
        maxRuleRuns: MAX_SIMULATED_RULE_RUNS,
        scheduleLabel: (id) => (schedules.has(id) ? `schedule "${schedules.get(id)}" (${id})` : `schedule ${id}`),
      },
      (rule, at) => resolveRuleTargets(tx, { projectId: q.projectId, policyId: q.policyId, ruleId: rule.id, at }),
    );
    const userIds = new Set<string>();
    for (const e of result.entries) {
      if (e.userId) userIds.add(e.userId);
      if (e.via?.overriddenUserId) userIds.add(e.via.overriddenUserId);
    }
    const userNames = await namesOfMembers(tx, q.projectId, [...userIds]);
    return { ...result, policyId: q.policyId, policyName: policy.name, repeats, rules, userNames };
  });
}

/** Names of the schedules the policy's rules page. */
async function scheduleNames(db: Db, projectId: string, policyId: string): Promise<Map<string, string>> {
  const res = await sql<{ id: string; name: string }>`select distinct s.id, s.name from on_call_policy_escalation_rule_schedule rs
    join on_call_schedule s on s.id = rs.schedule_id and s.project_id = rs.project_id
    where rs.project_id = ${projectId} and rs.policy_id = ${policyId}`.execute(db);
  return new Map(res.rows.map((r) => [r.id, r.name]));
}

/** Names of the project's members among `ids` (a user who left the project has none here). */
async function namesOfMembers(db: Db, projectId: string, ids: readonly string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const res = await sql<{ id: string; name: string }>`select u.id, u.name from app_user u
    join project_member m on m.user_id = u.id and m.project_id = ${projectId}
    where u.id = any(${[...ids]}::uuid[])`.execute(db);
  return new Map(res.rows.map((r) => [r.id, r.name]));
}

/** A severity of the project: an incident severity or an alert severity. */
export interface SeverityRef {
  readonly id: string;
  readonly name: string;
  readonly type: 'incident' | 'alert';
}

/** The project's incident or alert severity with this id, or undefined. */
export async function findSeverity(db: Db, projectId: string, id: string): Promise<SeverityRef | undefined> {
  const res = await sql<{ id: string; name: string; type: 'incident' | 'alert' }>`
    select id, name, 'incident' as type from incident_severity where project_id = ${projectId} and id = ${id}
    union all
    select id, name, 'alert' as type from alert_severity where project_id = ${projectId} and id = ${id}`.execute(db);
  return res.rows[0];
}

/**
 * The title a page of the simulated run would carry: a run without an incident or alert is
 * titled after its policy (as a run started by hand is), with the severity in front when given.
 */
export function simulatedTitle(policyName: string, severity: SeverityRef | undefined): string {
  return `${severity ? `[${severity.name}] ` : ''}On-call policy "${policyName}" needs you`.slice(0, 1024);
}

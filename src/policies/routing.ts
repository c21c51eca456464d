import { sql } from 'kysely';
import { isEpisode } from '../incidents/subjects.ts';
import type { Db } from '../storage/database.ts';
import { matchesPattern, SUBJECT_COLUMN } from './model.ts';
import { POLICY_COLUMNS, type PolicyRow } from './execution.ts';
import type { SubjectInfo } from './subjects.ts';

/** Why a policy runs for a subject. */
export type PolicyReason =
  | { readonly policyId: string; readonly via: 'attachment' }
  | { readonly policyId: string; readonly via: 'integration'; readonly integrationId: string }
  | { readonly policyId: string; readonly via: 'routing-rule'; readonly routingRuleId: string };

/** A policy that runs for a subject, why, and what a run needs of it (read with the match). */
export type PolicyMatch = PolicyReason & { readonly policy: PolicyRow };

interface RoutingRuleRow {
  id: string;
  severity_ids: string[];
  label_ids: string[];
  integration_ids: string[];
  title_pattern: string | null;
  description_pattern: string | null;
  policy_ids: string[];
}

/**
 * The policies that run for a subject, each once, first reason first: policies attached to it,
 * then its integration's policies (for what the integration opens, or for its episodes when the
 * link says so), then every enabled routing rule for its type whose conditions all hold, in
 * rule order (OneUptime's on-call rules: matching rules add up; none stops the others).
 * Policies deleted since a rule named them are left out.
 */
export async function policiesForSubject(db: Db, projectId: string, subject: SubjectInfo): Promise<PolicyMatch[]> {
  const { type, id } = subject.ref;
  const [attached, viaIntegration, rules] = await Promise.all([
    sql<{ policy_id: string }>`select policy_id from on_call_policy_attachment
      where project_id = ${projectId} and ${sql.ref(SUBJECT_COLUMN[type])} = ${id} order by created_at, id`.execute(db),
    subject.integrationId
      ? sql<{ policy_id: string }>`select policy_id from integration_on_call_policy
          where project_id = ${projectId} and integration_id = ${subject.integrationId}
            and (subject_type = ${type} or (subject_type is null and ${!isEpisode(type)}))
          order by created_at, id`.execute(db)
      : Promise.resolve({ rows: [] as { policy_id: string }[] }),
    sql<RoutingRuleRow>`select id, severity_ids, label_ids, integration_ids, title_pattern, description_pattern, policy_ids
      from on_call_policy_routing_rule
      where project_id = ${projectId} and subject_type = ${type} and is_enabled
      order by rule_order, created_at, id`.execute(db),
  ]);

  const matches: PolicyReason[] = [
    ...attached.rows.map((r): PolicyReason => ({ policyId: r.policy_id, via: 'attachment' })),
    ...viaIntegration.rows.map((r): PolicyReason => ({ policyId: r.policy_id, via: 'integration', integrationId: subject.integrationId! })),
  ];
  for (const rule of rules.rows) {
    if (!routingRuleMatches(rule, subject)) continue;
    for (const policyId of rule.policy_ids) matches.push({ policyId, via: 'routing-rule', routingRuleId: rule.id });
  }

  const existing = await existingPolicies(db, projectId, matches.map((m) => m.policyId));
  const seen = new Set<string>();
  const out: PolicyMatch[] = [];
  for (const m of matches) {
    const policy = existing.get(m.policyId);
    if (seen.has(m.policyId) || !policy) continue;
    seen.add(m.policyId);
    out.push({ ...m, policy });
  }
  return out;
}

/** Every condition a routing rule sets must hold: any of its severities, any of its labels, any of its integrations, both patterns. */
function routingRuleMatches(rule: RoutingRuleRow, s: SubjectInfo): boolean {
  if (rule.severity_ids.length > 0 && (s.severityId === null || !rule.severity_ids.includes(s.severityId))) return false;
  if (rule.label_ids.length > 0 && !rule.label_ids.some((l) => s.labelIds.includes(l))) return false;
  if (rule.integration_ids.length > 0 && (s.integrationId === null || !rule.integration_ids.includes(s.integrationId))) return false;
  return matchesPattern(rule.title_pattern, s.title) && matchesPattern(rule.description_pattern, s.description);
}

/** The project's policies among `ids`, with what a run needs of each. */
async function existingPolicies(db: Db, projectId: string, ids: readonly string[]): Promise<Map<string, PolicyRow>> {
  if (ids.length === 0) return new Map();
  const res = await sql<PolicyRow & { id: string }>`select id, ${POLICY_COLUMNS} from on_call_policy
    where project_id = ${projectId} and id = any(${[...new Set(ids)]}::uuid[])`.execute(db);
  return new Map(res.rows.map(({ id, ...policy }) => [id, policy]));
}

import { sql } from 'kysely';
import { invalidField } from '../../errors.ts';
import type { Values } from '../../resources/definition.ts';
import type { Db } from '../../storage/database.ts';
import { RULE_METHOD_FIELDS, severityFieldOf, type RuleType } from './rule-types.ts';

/** A rule as it would be after a create or update: every field, merged with the stored row. */
export interface RuleDraft {
  readonly userId: string;
  readonly ruleType: RuleType;
  readonly isOptOut: boolean;
  readonly incidentSeverityId: string | null;
  readonly alertSeverityId: string | null;
  readonly methods: Readonly<Record<string, string | null>>;
}

/** Builds the draft from create values, or from the stored row with update values on top. */
export function draftOf(values: Values, stored?: Values): RuleDraft {
  const pick = (field: string): unknown => (values[field] !== undefined ? values[field] : stored?.[field]);
  const methods: Record<string, string | null> = {};
  for (const m of RULE_METHOD_FIELDS) methods[m.field] = (pick(m.field) ?? null) as string | null;
  return {
    userId: pick('userId') as string,
    ruleType: pick('ruleType') as RuleType,
    isOptOut: pick('isOptOut') === true,
    incidentSeverityId: (pick('incidentSeverityId') ?? null) as string | null,
    alertSeverityId: (pick('alertSeverityId') ?? null) as string | null,
    methods,
  };
}

/**
 * OneUptime's coherence rules (`assertRuleIsCoherent`), each failure a 400 naming the field:
 * the severity matches the rule type (incident rules an incident severity, alert rules an alert
 * severity, on/off call rules none); exactly one contact method unless it is an opt-out (then
 * none); the contact method belongs to the rule's user (a workspace destination: the user's own
 * or the project's shared one).
 */
export async function assertRuleCoherent(tx: Db, projectId: string, d: RuleDraft): Promise<void> {
  const wanted = severityFieldOf(d.ruleType);
  for (const field of ['incidentSeverityId', 'alertSeverityId'] as const) {
    if (d[field] !== null && field !== wanted) {
      throw invalidField(`data.${field}`, wanted
        ? `a rule of type "${d.ruleType}" is scoped by ${wanted}, not ${field}`
        : `a rule of type "${d.ruleType}" has no severity`);
    }
  }
  const given = RULE_METHOD_FIELDS.filter((m) => d.methods[m.field] !== null);
  if (d.isOptOut) {
    if (given[0]) throw invalidField(`data.${given[0].field}`, 'an opt-out rule cannot have a notification method');
    return;
  }
  if (given.length === 0) {
    throw invalidField('data', `give one notification method: ${RULE_METHOD_FIELDS.map((m) => m.field).join(', ')} (or isOptOut: true)`);
  }
  if (given.length > 1) throw invalidField(`data.${given[1]!.field}`, `a rule takes exactly one notification method; ${given[0]!.field} is already given`);
  const m = given[0]!;
  const id = d.methods[m.field]!;
  const r = await sql<{ user_id: string | null }>`select user_id from contact_method
    where id = ${id} and project_id = ${projectId} and kind = any(${[...m.kinds]}::text[])`.execute(tx);
  const row = r.rows[0];
  if (!row) throw invalidField(`data.${m.field}`, `no such contact method in this project`);
  const shared = m.field === 'workspaceDestinationId' && row.user_id === null;
  if (!shared && row.user_id !== d.userId) throw invalidField(`data.${m.field}`, 'belongs to another user; a rule may use only its own user\'s contact methods');
}

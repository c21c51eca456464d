import { sql } from 'kysely';
import { standardPermissions } from '../../../access/roles.ts';
import { invalidField } from '../../../errors.ts';
import { isEpisode, type SubjectType } from '../../../incidents/subjects.ts';
import { normalizePattern, SUBJECT_TYPES } from '../../../policies/model.ts';
import type { Db } from '../../../storage/database.ts';
import { defineResource, type Values } from '../../definition.ts';
import { rejectNulls } from './checks.ts';

const NOT_NULL = ['order', 'isEnabled', 'severityIds', 'labelIds', 'integrationIds'];

/**
 * A routing rule (OneUptime's on-call rules): when an incident, alert or episode of
 * `subjectType` is created and every condition the rule sets holds (any of its severities, any
 * of its labels, any of its integrations, the title and description patterns), its policies
 * run. Every matching rule adds its policies; a policy runs once per subject however many ways
 * it matched. `order` is the order rules are evaluated and listed in.
 */
export const routingRuleResource = defineResource({
  name: 'on-call-duty-policy-routing-rule',
  title: 'On-Call Duty Policy Routing Rule',
  description: 'Routing rules: which on-call duty policies run for new incidents, alerts and episodes, by severity, labels, integration and title.',
  table: 'on_call_policy_routing_rule',
  defaultSort: { field: 'order', direction: 'asc' },
  columns: {
    name: { kind: 'text', description: 'Name of the rule', required: true, update: true, maxLength: 200 },
    description: { kind: 'longText', description: 'Description', create: true, update: true, maxLength: 10_000 },
    subjectType: {
      kind: 'enum',
      description: 'What it routes: incident, alert, alert-episode or incident-episode',
      values: SUBJECT_TYPES,
      required: true,
    },
    order: { kind: 'integer', column: 'rule_order', description: 'Evaluation order (default: after the last rule)', create: true, update: true, min: 0, max: 1_000_000 },
    isEnabled: { kind: 'boolean', description: 'Disabled rules route nothing (default true)', create: true, update: true, default: true },
    severityIds: {
      kind: 'uuidArray',
      description: 'Matches only these severities (incident severities for incidents, alert severities for alerts; episodes have none); empty: any',
      create: true,
      update: true,
      default: [],
    },
    labelIds: {
      kind: 'uuidArray',
      column: 'label_ids',
      description: 'Matches only subjects with one of these labels (incidents and alerts); empty: any',
      create: true,
      update: true,
      references: 'label',
      default: [],
    },
    integrationIds: {
      kind: 'uuidArray',
      description: 'Matches only subjects raised through one of these integrations; empty: any',
      create: true,
      update: true,
      references: 'integration',
      default: [],
    },
    titlePattern: { kind: 'text', description: 'Regular expression the title must match (case-insensitive); empty: any', create: true, update: true, maxLength: 500 },
    descriptionPattern: {
      kind: 'text',
      description: 'Regular expression the description must match (case-insensitive); empty: any',
      create: true,
      update: true,
      maxLength: 500,
    },
    onCallDutyPolicyIds: {
      kind: 'uuidArray',
      column: 'policy_ids',
      description: 'IDs of the policies to run (at least one)',
      required: true,
      update: true,
      references: 'on-call-duty-policy',
    },
  },
  permissions: standardPermissions('On-Call Duty Policy Routing Rule'),
  hooks: {
    async beforeCreate(ctx, v) {
      rejectNulls(v, NOT_NULL);
      await check(ctx.tx, ctx.projectId, v.subjectType as SubjectType, v);
      if (v.order === undefined) {
        const res = await sql<{ n: number }>`select coalesce(max(rule_order), 0)::int + 1 as n from on_call_policy_routing_rule
          where project_id = ${ctx.projectId}`.execute(ctx.tx);
        v.order = res.rows[0]!.n;
      }
    },
    async beforeUpdate(ctx, id, v) {
      rejectNulls(v, NOT_NULL);
      const res = await sql<{ subject_type: SubjectType }>`select subject_type from on_call_policy_routing_rule where id = ${id}`.execute(ctx.tx);
      await check(ctx.tx, ctx.projectId, res.rows[0]!.subject_type, v);
    },
  },
});

async function check(tx: Db, projectId: string, type: SubjectType, v: Values): Promise<void> {
  if (v.onCallDutyPolicyIds !== undefined && (v.onCallDutyPolicyIds as string[]).length === 0) {
    throw invalidField('data.onCallDutyPolicyIds', 'must name at least one policy');
  }
  if ('titlePattern' in v) v.titlePattern = normalizePattern(v.titlePattern, 'data.titlePattern');
  if ('descriptionPattern' in v) v.descriptionPattern = normalizePattern(v.descriptionPattern, 'data.descriptionPattern');
  const severities = (v.severityIds ?? []) as string[];
  const labels = (v.labelIds ?? []) as string[];
  if (isEpisode(type)) {
    if (severities.length > 0) throw invalidField('data.severityIds', `${type} has no severity; leave it empty`);
    if (labels.length > 0) throw invalidField('data.labelIds', `${type} has no labels; leave it empty`);
    return;
  }
  const table = type === 'incident' ? 'incident_severity' : 'alert_severity';
  for (const [i, id] of severities.entries()) {
    const res = await sql`select 1 from ${sql.table(table)} where id = ${id} and project_id = ${projectId}`.execute(tx);
    if (res.rows.length === 0) throw invalidField(`data.severityIds[${i}]`, `no ${type} severity with _id ${id} in this project`);
  }
}

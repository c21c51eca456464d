import { sql } from 'kysely';
import { standardPermissions } from '../../access/roles.ts';
import type { ColumnDef } from '../../resources/column.ts';
import { defineResource, type Values } from '../../resources/definition.ts';
import { assertMayManage } from '../contacts/ownership.ts';
import { assertRuleCoherent, draftOf } from './rule-checks.ts';
import { RULE_METHOD_FIELDS, RULE_TYPE_VALUES } from './rule-types.ts';

const TITLE = 'User Notification Rule';

const methodColumns: Record<string, ColumnDef> = Object.fromEntries(
  RULE_METHOD_FIELDS.map((m) => [
    m.field,
    { kind: 'uuid', column: m.column, description: `The ${m.references} to notify over (one method per rule)`, create: true, update: true, references: m.references },
  ]),
);

/**
 * OneUptime's `user-notification-rule`: when a policy pages this user for an event of `ruleType`
 * (and severity), notify them over one contact method `notifyAfterMinutes` after the page; an
 * opt-out rule (`isOptOut`, no method) means never for that event. A user with no rule for an
 * event gets the account-email fallback unless the project turned it off. Members manage their
 * own rules; Owners and Admins anyone's.
 */
export const userNotificationRuleResource = defineResource({
  name: 'user-notification-rule',
  title: TITLE,
  description: 'Personal notification rules: which contact method to use for each kind of page (and severity), and after how many minutes.',
  table: 'user_notification_rule',
  defaultSort: { field: 'notifyAfterMinutes', direction: 'asc' },
  columns: {
    userId: { kind: 'uuid', description: 'The user this rule belongs to', required: true, references: 'user' },
    ruleType: { kind: 'enum', description: 'The event the rule is for (OneUptime\'s NotificationRuleType)', values: RULE_TYPE_VALUES, required: true },
    notifyAfterMinutes: {
      kind: 'integer',
      description: 'Minutes after the page to notify (0–1440, default 0)',
      create: true,
      update: true,
      min: 0,
      max: 1440,
      default: 0,
    },
    incidentSeverityId: {
      kind: 'uuid',
      description: 'Incident and incident-episode rules: only pages of this incident severity (null: any)',
      create: true,
      update: true,
      references: 'incident-severity',
    },
    alertSeverityId: {
      kind: 'uuid',
      description: 'Alert and alert-episode rules: only pages of this alert severity (null: any)',
      create: true,
      update: true,
      references: 'alert-severity',
    },
    ...methodColumns,
    isOptOut: { kind: 'boolean', description: 'Never notify for this event (a rule without a method)', create: true, update: true, default: false },
  },
  permissions: standardPermissions(TITLE),
  hooks: {
    async beforeCreate(ctx, v) {
      if (v.notifyAfterMinutes === null) v.notifyAfterMinutes = 0;
      if (v.isOptOut === null) v.isOptOut = false;
      assertMayManage(ctx.actor, v.userId as string, TITLE);
      await assertRuleCoherent(ctx.tx, ctx.projectId, draftOf(v));
    },
    async beforeUpdate(ctx, id, v) {
      if (v.notifyAfterMinutes === null) v.notifyAfterMinutes = 0;
      if (v.isOptOut === null) v.isOptOut = false;
      const cols = sql.join([...ruleFieldSql(), sql`user_id as "userId"`, sql`rule_type as "ruleType"`, sql`is_opt_out as "isOptOut"`]);
      const r = await sql<Values>`select ${cols} from user_notification_rule where id = ${id} and project_id = ${ctx.projectId} for update`.execute(ctx.tx);
      const stored = r.rows[0]!;
      assertMayManage(ctx.actor, stored.userId as string, TITLE);
      await assertRuleCoherent(ctx.tx, ctx.projectId, draftOf(v, stored));
    },
    async beforeDelete(ctx, id) {
      const r = await sql<{ user_id: string }>`select user_id from user_notification_rule where id = ${id} and project_id = ${ctx.projectId}`.execute(ctx.tx);
      assertMayManage(ctx.actor, r.rows[0]!.user_id, TITLE);
    },
  },
});

function ruleFieldSql() {
  return [
    sql`incident_severity_id as "incidentSeverityId"`,
    sql`alert_severity_id as "alertSeverityId"`,
    ...RULE_METHOD_FIELDS.map((m) => sql`${sql.ref(m.column)} as ${sql.ref(m.field)}`),
  ];
}

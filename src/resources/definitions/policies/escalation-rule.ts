import { sql } from 'kysely';
import { standardPermissions } from '../../../access/roles.ts';
import { invalidField } from '../../../errors.ts';
import { normalizeNotificationMethods } from '../../../policies/model.ts';
import type { Db } from '../../../storage/database.ts';
import { newId } from '../../../storage/ids.ts';
import { defineResource, type Values, type WriteContext } from '../../definition.ts';
import { isUuid, unwrap } from '../../values.ts';
import { assertOrderFree, rejectNulls } from './checks.ts';

/** The targets `miscDataProps` may name on create, each with its table and where its ids must live. */
const MISC_TARGETS = [
  { key: 'users', title: 'User', table: 'on_call_policy_escalation_rule_user', column: 'user_id', exists: 'project_member', idColumn: 'user_id' },
  { key: 'teams', title: 'Team', table: 'on_call_policy_escalation_rule_team', column: 'team_id', exists: 'team', idColumn: 'id' },
  {
    key: 'onCallSchedules',
    title: 'On-Call Duty Policy Schedule',
    table: 'on_call_policy_escalation_rule_schedule',
    column: 'schedule_id',
    exists: 'on_call_schedule',
    idColumn: 'id',
  },
] as const;

/**
 * An escalation rule of a policy (OneUptime's `on-call-duty-policy-escalation-rule`). Rules run
 * by ascending `order` (gaps in the numbering are fine; one rule per order in a policy); the
 * next runs `escalateAfterInMinutes` after this one. Create accepts OneUptime's
 * `miscDataProps: {users, teams, onCallSchedules}` and writes the target rows with the rule.
 * `notificationMethods`, when set, is the rule's channel order: it replaces the users' personal
 * notification rules, e.g. `[{"method":"sms","afterMinutes":0},{"method":"call","afterMinutes":2}]`.
 */
export const escalationRuleResource = defineResource({
  name: 'on-call-duty-policy-escalation-rule',
  title: 'On-Call Duty Policy Escalation Rule',
  description: 'Escalation rules: who a policy pages at each step, and how long it waits before the next step.',
  table: 'on_call_policy_escalation_rule',
  defaultSort: { field: 'order', direction: 'asc' },
  columns: {
    onCallDutyPolicyId: { kind: 'uuid', column: 'policy_id', description: 'ID of the policy', required: true, references: 'on-call-duty-policy' },
    name: { kind: 'text', description: 'Name of the rule', required: true, update: true, maxLength: 200 },
    description: { kind: 'longText', description: 'Description', create: true, update: true, maxLength: 10_000 },
    escalateAfterInMinutes: {
      kind: 'integer',
      description: 'Minutes to wait after this rule runs before the next one (default 30)',
      create: true,
      update: true,
      min: 0,
      max: 10_080,
      default: 30,
    },
    order: {
      kind: 'integer',
      column: 'rule_order',
      description: 'Position in the policy: rules run by ascending order (default: after the last rule)',
      create: true,
      update: true,
      min: 0,
      max: 1_000_000,
    },
    notificationMethods: {
      kind: 'json',
      description:
        'Channel order overriding the users\' personal rules: [{"method": "email|sms|call|push|webhook|slack|teams|in-app", "afterMinutes": 0}, ...]; null: personal rules decide',
      create: true,
      update: true,
    },
  },
  permissions: standardPermissions('On-Call Duty Policy Escalation Rule'),
  hooks: {
    async create(ctx, v, misc) {
      rejectNulls(v, ['escalateAfterInMinutes', 'order']);
      const targets = await parseMisc(ctx, misc);
      const policyId = v.onCallDutyPolicyId as string;
      let order = v.order as number | undefined;
      if (order === undefined) {
        const res = await sql<{ n: number }>`select coalesce(max(rule_order), 0)::int + 1 as n from on_call_policy_escalation_rule
          where policy_id = ${policyId}`.execute(ctx.tx);
        order = res.rows[0]!.n;
      } else {
        await assertOrderFree(ctx.tx, policyId, order, null);
      }
      const id = newId();
      await sql`insert into on_call_policy_escalation_rule (id, project_id, policy_id, name, description, escalate_after_in_minutes,
          rule_order, notification_methods, created_at, updated_at, created_by_user_id)
        values (${id}, ${ctx.projectId}, ${policyId}, ${v.name}, ${v.description ?? null}, ${v.escalateAfterInMinutes ?? 30}, ${order},
          ${methodsJson(v.notificationMethods)}, ${ctx.now}, ${ctx.now}, ${ctx.actor.userId})`.execute(ctx.tx);
      for (const t of MISC_TARGETS) {
        for (const targetId of targets[t.key]) {
          await sql`insert into ${sql.table(t.table)} (id, project_id, policy_id, rule_id, ${sql.ref(t.column)}, created_at, updated_at, created_by_user_id)
            values (${newId()}, ${ctx.projectId}, ${policyId}, ${id}, ${targetId}, ${ctx.now}, ${ctx.now}, ${ctx.actor.userId})`.execute(ctx.tx);
        }
      }
      return { id };
    },
    async beforeUpdate(ctx, id, v) {
      rejectNulls(v, ['escalateAfterInMinutes', 'order']);
      if (v.order !== undefined) {
        const res = await sql<{ policy_id: string }>`select policy_id from on_call_policy_escalation_rule where id = ${id}`.execute(ctx.tx);
        await assertOrderFree(ctx.tx, res.rows[0]!.policy_id, v.order as number, id);
      }
      if (v.notificationMethods !== undefined) v.notificationMethods = methodsJson(v.notificationMethods);
    },
  },
});

/** The validated channel order as stored JSON text, or null. */
function methodsJson(raw: unknown): string | null {
  if (raw === undefined || raw === null) return null;
  const steps = normalizeNotificationMethods(JSON.parse(raw as string));
  return steps ? JSON.stringify(steps) : null;
}

type MiscKey = (typeof MISC_TARGETS)[number]['key'];

/** Checks `miscDataProps.users|teams|onCallSchedules`: arrays of ids of this project's rows (400 naming the item otherwise). */
async function parseMisc(ctx: WriteContext, misc: Values | undefined): Promise<Record<MiscKey, string[]>> {
  const out: Record<MiscKey, string[]> = { users: [], teams: [], onCallSchedules: [] };
  if (misc === undefined || misc === null) return out;
  for (const t of MISC_TARGETS) {
    const raw = unwrap(misc[t.key]);
    if (raw === undefined || raw === null) continue;
    const where = `miscDataProps.${t.key}`;
    if (!Array.isArray(raw)) throw invalidField(where, 'must be an array of IDs');
    const ids: string[] = [];
    for (const [i, item] of raw.entries()) {
      const value = unwrap(typeof item === 'object' && item !== null && '_id' in item ? (item as { _id: unknown })._id : item);
      if (!isUuid(value)) throw invalidField(`${where}[${i}]`, 'must be a UUID');
      const id = value.toLowerCase();
      if (!(await existsInProject(ctx.tx, t.exists, t.idColumn, ctx.projectId, id))) {
        throw invalidField(`${where}[${i}]`, `no ${t.title} with _id ${id} in this project`);
      }
      if (!ids.includes(id)) ids.push(id);
    }
    out[t.key] = ids;
  }
  return out;
}

async function existsInProject(tx: Db, table: string, idColumn: string, projectId: string, id: string): Promise<boolean> {
  const res = await sql`select 1 from ${sql.table(table)} where project_id = ${projectId} and ${sql.ref(idColumn)} = ${id}`.execute(tx);
  return res.rows.length > 0;
}

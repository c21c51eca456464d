import { sql } from 'kysely';
import { standardPermissions } from '../../../access/roles.ts';
import { invalidField } from '../../../errors.ts';
import type { ColumnDef } from '../../column.ts';
import { defineResource, type Resource } from '../../definition.ts';

interface TargetKind {
  readonly name: string;
  readonly title: string;
  readonly table: string;
  readonly field: string;
  readonly column: string;
  readonly references: string;
  readonly what: string;
  readonly noun: string;
}

/**
 * A target of an escalation rule (OneUptime's `on-call-duty-policy-escalation-rule-user`,
 * `-team` and `-schedule`): a link row, immutable (create and delete only). The policy id is
 * taken from the rule (given, it must match).
 */
function ruleTargetResource(k: TargetKind): Resource {
  const columns: Record<string, ColumnDef> = {
    onCallDutyPolicyEscalationRuleId: {
      kind: 'uuid',
      column: 'rule_id',
      description: 'ID of the escalation rule',
      required: true,
      references: 'on-call-duty-policy-escalation-rule',
    },
    onCallDutyPolicyId: {
      kind: 'uuid',
      column: 'policy_id',
      description: "ID of the rule's policy (taken from the rule when left out)",
      create: true,
      references: 'on-call-duty-policy',
    },
    [k.field]: { kind: 'uuid', column: k.column, description: `ID of the ${k.noun}`, required: true, references: k.references },
  };
  return defineResource({
    name: k.name,
    title: k.title,
    description: `The ${k.noun}s an escalation rule pages: ${k.what}. Immutable: delete and create again to change.`,
    table: k.table,
    columns,
    permissions: { ...standardPermissions(k.title), update: null },
    hooks: {
      async beforeCreate(ctx, v) {
        const res = await sql<{ policy_id: string }>`select policy_id from on_call_policy_escalation_rule
          where id = ${v.onCallDutyPolicyEscalationRuleId as string}`.execute(ctx.tx);
        const policyId = res.rows[0]!.policy_id;
        if (v.onCallDutyPolicyId != null && v.onCallDutyPolicyId !== policyId) {
          throw invalidField('data.onCallDutyPolicyId', 'must be the policy of the escalation rule (or be left out)');
        }
        v.onCallDutyPolicyId = policyId;
      },
    },
  });
}

export const ruleUserResource = ruleTargetResource({
  name: 'on-call-duty-policy-escalation-rule-user',
  title: 'On-Call Duty Policy Escalation Rule User',
  table: 'on_call_policy_escalation_rule_user',
  field: 'userId',
  column: 'user_id',
  references: 'user',
  what: 'users of the project, each paged directly',
  noun: 'user',
});

export const ruleTeamResource = ruleTargetResource({
  name: 'on-call-duty-policy-escalation-rule-team',
  title: 'On-Call Duty Policy Escalation Rule Team',
  table: 'on_call_policy_escalation_rule_team',
  field: 'teamId',
  column: 'team_id',
  references: 'team',
  what: 'teams, every member of which is paged',
  noun: 'team',
});

export const ruleScheduleResource = ruleTargetResource({
  name: 'on-call-duty-policy-escalation-rule-schedule',
  title: 'On-Call Duty Policy Escalation Rule Schedule',
  table: 'on_call_policy_escalation_rule_schedule',
  field: 'onCallDutyPolicyScheduleId',
  column: 'schedule_id',
  references: 'on-call-duty-policy-schedule',
  what: 'schedules, whoever is on call in each when the rule runs is paged',
  noun: 'schedule',
});

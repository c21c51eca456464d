import { sql } from 'kysely';
import { standardPermissions } from '../../../access/roles.ts';
import { invalidField } from '../../../errors.ts';
import { defineResource, type Values } from '../../definition.ts';

/**
 * An override (OneUptime's `on-call-duty-policy-user-override`): while it lasts, wherever
 * `overrideUserId` would be on call, `routeAlertsToUserId` is instead. Both must be members
 * of the project. `onCallDutyPolicyId` null applies to every policy; otherwise it names one
 * policy of the project, for whose runs it beats a global override, and goes with that policy.
 */
export const userOverrideResource = defineResource({
  name: 'on-call-duty-policy-user-override',
  title: 'On-Call Duty Policy User Override',
  description: 'Overrides: route one user\'s on-call time to another user for a while, for all policies or one.',
  table: 'on_call_user_override',
  defaultSort: { field: 'startsAt', direction: 'asc' },
  columns: {
    overrideUserId: { kind: 'uuid', description: 'The user being replaced (a project member)', required: true, update: true, references: 'user' },
    routeAlertsToUserId: { kind: 'uuid', description: 'The user on call instead (a project member)', required: true, update: true, references: 'user' },
    startsAt: { kind: 'date', description: 'Start of the override', required: true, update: true },
    endsAt: { kind: 'date', description: 'End of the override (after startsAt)', required: true, update: true },
    onCallDutyPolicyId: {
      kind: 'uuid',
      column: 'policy_id',
      description: 'The policy this override is for; null for all policies (a policy override beats a global one)',
      create: true,
      update: true,
      references: 'on-call-duty-policy',
    },
  },
  permissions: standardPermissions('On-Call Duty Policy User Override'),
  hooks: {
    async beforeCreate(_ctx, v) {
      check(v);
    },
    async beforeUpdate(ctx, id, v) {
      const res = await sql<Values>`select override_user_id as "overrideUserId", route_alerts_to_user_id as "routeAlertsToUserId",
          starts_at as "startsAt", ends_at as "endsAt" from on_call_user_override where id = ${id}`.execute(ctx.tx);
      check({ ...res.rows[0], ...v });
    },
  },
});

function check(v: Values): void {
  if ((v.endsAt as Date).getTime() <= (v.startsAt as Date).getTime()) throw invalidField('data.endsAt', 'must be after startsAt');
  if (v.overrideUserId === v.routeAlertsToUserId) throw invalidField('data.routeAlertsToUserId', 'must differ from overrideUserId');
}

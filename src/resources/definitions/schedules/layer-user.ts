import { sql } from 'kysely';
import { standardPermissions } from '../../../access/roles.ts';
import { invalidField } from '../../../errors.ts';
import { defineResource } from '../../definition.ts';

/**
 * A user in a layer's rotation (OneUptime's `on-call-duty-schedule-layer-user`); `order`
 * is the rotation order. The user must be a member of the project. The schedule id is
 * taken from the layer (given, it must match).
 */
export const layerUserResource = defineResource({
  name: 'on-call-duty-schedule-layer-user',
  title: 'On-Call Duty Schedule Layer User',
  description: 'Users rotating through a schedule layer, in rotation order.',
  table: 'on_call_schedule_layer_user',
  defaultSort: { field: 'order', direction: 'asc' },
  columns: {
    onCallDutyPolicyScheduleLayerId: {
      kind: 'uuid',
      column: 'layer_id',
      description: 'ID of the layer',
      required: true,
      references: 'on-call-duty-schedule-layer',
    },
    onCallDutyPolicyScheduleId: {
      kind: 'uuid',
      column: 'schedule_id',
      description: "ID of the layer's schedule (taken from the layer when left out)",
      create: true,
      references: 'on-call-duty-policy-schedule',
    },
    userId: { kind: 'uuid', description: 'ID of the user (a member of the project)', required: true, references: 'user' },
    order: {
      kind: 'integer',
      column: 'user_order',
      description: 'Position in the rotation (default: after the last user of the layer)',
      create: true,
      update: true,
      min: 0,
      max: 1_000_000,
    },
  },
  permissions: standardPermissions('On-Call Duty Schedule Layer User'),
  hooks: {
    async beforeCreate(ctx, v) {
      const layerId = v.onCallDutyPolicyScheduleLayerId as string;
      const res = await sql<{ schedule_id: string; n: number }>`select l.schedule_id,
          (select coalesce(max(user_order), 0)::int + 1 from on_call_schedule_layer_user where layer_id = l.id) as n
        from on_call_schedule_layer l where l.id = ${layerId}`.execute(ctx.tx);
      const layer = res.rows[0]!;
      if (v.onCallDutyPolicyScheduleId != null && v.onCallDutyPolicyScheduleId !== layer.schedule_id) {
        throw invalidField('data.onCallDutyPolicyScheduleId', 'must be the schedule of the layer (or be left out)');
      }
      v.onCallDutyPolicyScheduleId = layer.schedule_id;
      if (v.order === undefined || v.order === null) v.order = layer.n;
    },
    async beforeUpdate(_ctx, _id, v) {
      if (v.order === null) throw invalidField('data.order', 'must be a whole number, not null');
    },
  },
});

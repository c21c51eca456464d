import { sql } from 'kysely';
import { standardPermissions } from '../../../access/roles.ts';
import { invalidField } from '../../../errors.ts';
import type { Db } from '../../../storage/database.ts';
import { defineResource, type Values } from '../../definition.ts';
import { parseRestrictions, parseRotation } from './layer-json.ts';

/**
 * A layer of a schedule (OneUptime's `on-call-duty-schedule-layer`): users rotate every
 * `rotation` from `handOffTime`, on call only inside `restrictionTimes`, read in the
 * schedule's time zone. Where layers overlap the lower `order` wins. The rotation and
 * restriction JSON is validated, then stored and answered exactly as written.
 */
export const layerResource = defineResource({
  name: 'on-call-duty-schedule-layer',
  title: 'On-Call Duty Schedule Layer',
  description: 'Layers of an on-call schedule: a rotation of users, with optional restriction times.',
  table: 'on_call_schedule_layer',
  defaultSort: { field: 'order', direction: 'asc' },
  columns: {
    onCallDutyPolicyScheduleId: {
      kind: 'uuid',
      column: 'schedule_id',
      description: 'ID of the schedule this layer belongs to',
      required: true,
      references: 'on-call-duty-policy-schedule',
    },
    name: { kind: 'text', description: 'Name of the layer', required: true, update: true, maxLength: 200 },
    description: { kind: 'longText', description: 'Description', create: true, update: true, maxLength: 10_000 },
    order: {
      kind: 'integer',
      column: 'layer_order',
      description: 'Priority: a lower order wins where layers overlap (default: after the last layer)',
      create: true,
      update: true,
      min: 0,
      max: 1_000_000,
    },
    startsAt: { kind: 'date', description: 'The layer has no shifts before this instant', required: true, update: true },
    rotation: {
      kind: 'json',
      description: 'Rotation: {"_type":"Recurring","value":{"intervalType":"Hour|Day|Week|Month|Year","intervalCount":{"_type":"PositiveNumber","value":1}}}',
      required: true,
      update: true,
    },
    handOffTime: { kind: 'date', description: 'An instant of hand-off; hand-offs recur every rotation from it', required: true, update: true },
    restrictionTimes: {
      kind: 'json',
      description:
        'When the layer may be on call: {"_type":"RestrictionTimes","value":{"restictionType":"None|Daily|Weekly","dayRestrictionTimes":{"startTime","endTime"}|null,"weeklyRestrictionTimes":[...]}}',
      required: true,
      update: true,
    },
    rotationClock: {
      kind: 'enum',
      description: 'calendar (default): rotations run on calendar time; restricted: only time inside the restriction windows counts',
      values: ['calendar', 'restricted'],
      create: true,
      update: true,
      default: 'calendar',
    },
  },
  permissions: standardPermissions('On-Call Duty Schedule Layer'),
  hooks: {
    async beforeCreate(ctx, v) {
      const scheduleId = v.onCallDutyPolicyScheduleId as string;
      validateJson(v, await scheduleTimeZone(ctx.tx, scheduleId));
      if (v.order === undefined || v.order === null) {
        const res = await sql<{ n: number }>`select coalesce(max(layer_order), 0)::int + 1 as n
          from on_call_schedule_layer where schedule_id = ${scheduleId}`.execute(ctx.tx);
        v.order = res.rows[0]?.n ?? 1;
      }
    },
    async beforeUpdate(ctx, id, v) {
      if (v.order === null) throw nullOrder();
      if (v.rotation === undefined && v.restrictionTimes === undefined) return;
      const res = await sql<{ timezone: string }>`select s.timezone from on_call_schedule_layer l
        join on_call_schedule s on s.id = l.schedule_id where l.id = ${id}`.execute(ctx.tx);
      validateJson(v, res.rows[0]!.timezone);
    },
  },
});

function nullOrder() {
  return invalidField('data.order', 'must be a whole number, not null');
}

/** Values of json fields arrive serialised (see `coerceForWrite`). */
function validateJson(v: Values, timeZone: string): void {
  if (v.rotation !== undefined) parseRotation(JSON.parse(v.rotation as string), 'data.rotation');
  if (v.restrictionTimes !== undefined) parseRestrictions(JSON.parse(v.restrictionTimes as string), timeZone, 'data.restrictionTimes');
}

async function scheduleTimeZone(db: Db, scheduleId: string): Promise<string> {
  const res = await sql<{ timezone: string }>`select timezone from on_call_schedule where id = ${scheduleId}`.execute(db);
  return res.rows[0]!.timezone;
}

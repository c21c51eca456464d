import { standardPermissions } from '../../../access/roles.ts';
import { invalidField } from '../../../errors.ts';
import { sql } from 'kysely';
import { defineResource } from '../../definition.ts';

/** Windows during which alerts from the covered monitors and integrations are recorded but suppressed (never paged). */
export const scheduledMaintenanceResource = defineResource({
  name: 'scheduled-maintenance',
  title: 'Scheduled Maintenance',
  description: 'Maintenance windows: alerts raised by the covered monitors and integrations during a window are marked suppressed.',
  table: 'scheduled_maintenance',
  columns: {
    title: { kind: 'text', description: 'Title of the maintenance', required: true, update: true, maxLength: 1024 },
    description: { kind: 'longText', description: 'Description', create: true, update: true, maxLength: 100_000 },
    startsAt: { kind: 'date', description: 'Start of the window', required: true, update: true },
    endsAt: { kind: 'date', description: 'End of the window (after startsAt)', required: true, update: true },
    monitors: { kind: 'uuidArray', column: 'monitor_ids', description: 'IDs of monitors covered', create: true, update: true, references: 'monitor', default: [] },
    integrations: {
      kind: 'uuidArray',
      column: 'integration_ids',
      description: 'IDs of integrations covered',
      create: true,
      update: true,
      references: 'integration',
      default: [],
    },
  },
  permissions: standardPermissions('Scheduled Maintenance'),
  hooks: {
    async beforeCreate(_ctx, v) {
      if ((v.endsAt as Date).getTime() <= (v.startsAt as Date).getTime()) throw invalidField('data.endsAt', 'must be after startsAt');
    },
    async beforeUpdate(ctx, id, v) {
      if (v.startsAt === undefined && v.endsAt === undefined) return;
      const cur = await sql<{ starts_at: Date; ends_at: Date }>`select starts_at, ends_at from scheduled_maintenance where id = ${id}`.execute(ctx.tx);
      const starts = (v.startsAt as Date | undefined) ?? cur.rows[0]!.starts_at;
      const ends = (v.endsAt as Date | undefined) ?? cur.rows[0]!.ends_at;
      if (ends.getTime() <= starts.getTime()) throw invalidField('data.endsAt', 'must be after startsAt');
    },
  },
});

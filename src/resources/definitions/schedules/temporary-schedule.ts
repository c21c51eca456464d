import { sql } from 'kysely';
import { standardPermissions } from '../../../access/roles.ts';
import { isMember } from '../../../access/users.ts';
import { invalidField } from '../../../errors.ts';
import type { Db } from '../../../storage/database.ts';
import { defineResource, type Values, type WriteContext } from '../../definition.ts';
import { isUuid } from '../../values.ts';
import { storedJson } from './layer-json.ts';

/**
 * A temporary schedule (GoAlert's): between `startsAt` and `endsAt` its fixed `shifts`
 * replace every layer of the schedule; time it leaves uncovered is a gap. Shifts lie inside
 * the window, do not overlap, and name project members. Stored as normalised JSON.
 */
export const temporaryScheduleResource = defineResource({
  name: 'on-call-duty-schedule-temporary',
  title: 'Temporary On-Call Duty Schedule',
  description: 'Fixed shifts that replace the layers of a schedule for a while.',
  table: 'on_call_schedule_temporary',
  defaultSort: { field: 'startsAt', direction: 'asc' },
  columns: {
    scheduleId: { kind: 'uuid', description: 'ID of the schedule', required: true, references: 'on-call-duty-policy-schedule' },
    name: { kind: 'text', description: 'Name (e.g. "Christmas cover")', create: true, update: true, maxLength: 200 },
    startsAt: { kind: 'date', description: 'Start of the temporary schedule', required: true, update: true },
    endsAt: { kind: 'date', description: 'End of the temporary schedule (after startsAt)', required: true, update: true },
    shifts: {
      kind: 'json',
      description: 'The shifts: [{"userId","startsAt","endsAt"}], inside the window, not overlapping',
      required: true,
      update: true,
    },
  },
  permissions: standardPermissions('Temporary On-Call Duty Schedule'),
  hooks: {
    async beforeCreate(ctx, v) {
      await check(ctx, v, v, null);
    },
    async beforeUpdate(ctx, id, v) {
      const res = await sql<Values>`select schedule_id as "scheduleId", starts_at as "startsAt", ends_at as "endsAt", shifts
        from on_call_schedule_temporary where id = ${id}`.execute(ctx.tx);
      const cur = res.rows[0]!;
      await check(ctx, { ...cur, shifts: JSON.stringify(storedJson(cur.shifts)), ...v }, v, id);
    },
  },
});

/** Validates the merged row (`self`: its id on update) and writes normalised `shifts` into `out` (the values to store). */
async function check(ctx: WriteContext, v: Values, out: Values, self: string | null): Promise<void> {
  const startsAt = v.startsAt as Date;
  const endsAt = v.endsAt as Date;
  if (endsAt.getTime() <= startsAt.getTime()) throw invalidField('data.endsAt', 'must be after startsAt');
  const clash = await sql<{ id: string }>`select id from on_call_schedule_temporary
    where schedule_id = ${v.scheduleId as string} and id <> ${self ?? '00000000-0000-0000-0000-000000000000'}
      and starts_at < ${endsAt} and ends_at > ${startsAt} limit 1`.execute(ctx.tx);
  if (clash.rows[0]) throw invalidField('data.startsAt', `overlaps temporary schedule ${clash.rows[0].id} of the same schedule`);
  const shifts = await parseShifts(ctx.tx, ctx.projectId, JSON.parse(v.shifts as string), { startsAt, endsAt });
  if (out.shifts !== undefined || out.startsAt !== undefined || out.endsAt !== undefined) out.shifts = JSON.stringify(shifts);
}

interface StoredShift {
  userId: string;
  startsAt: string;
  endsAt: string;
}

async function parseShifts(db: Db, projectId: string, raw: unknown, window: { startsAt: Date; endsAt: Date }): Promise<StoredShift[]> {
  if (!Array.isArray(raw)) throw invalidField('data.shifts', 'must be an array of {"userId","startsAt","endsAt"}');
  const out: StoredShift[] = [];
  for (const [i, item] of raw.entries()) {
    const at = `data.shifts[${i}]`;
    if (typeof item !== 'object' || item === null || Array.isArray(item)) throw invalidField(at, 'must be {"userId","startsAt","endsAt"}');
    const s = item as Record<string, unknown>;
    if (!isUuid(s.userId)) throw invalidField(`${at}.userId`, 'must be a UUID');
    const userId = s.userId.toLowerCase();
    if (!(await isMember(db, projectId, userId))) throw invalidField(`${at}.userId`, `no Project User with _id ${userId} in this project`);
    const from = date(s.startsAt, `${at}.startsAt`);
    const to = date(s.endsAt, `${at}.endsAt`);
    if (to.getTime() <= from.getTime()) throw invalidField(`${at}.endsAt`, 'must be after startsAt');
    if (from < window.startsAt || to > window.endsAt) throw invalidField(at, 'must lie between the startsAt and endsAt of the temporary schedule');
    out.push({ userId, startsAt: from.toISOString(), endsAt: to.toISOString() });
  }
  const sorted = [...out].sort((a, b) => a.startsAt.localeCompare(b.startsAt));
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]!.startsAt < sorted[i - 1]!.endsAt) throw invalidField('data.shifts', `shifts overlap at ${sorted[i]!.startsAt}`);
  }
  return sorted;
}

function date(raw: unknown, where: string): Date {
  const d = typeof raw === 'string' ? new Date(raw) : new Date(NaN);
  if (Number.isNaN(d.getTime())) throw invalidField(where, 'must be an ISO 8601 date-time');
  return d;
}

import { sql } from 'kysely';
import { newId } from '../storage/ids.ts';
import { computeShifts } from '../schedules/compute-shifts.ts';
import { loadSchedules } from '../schedules/load-schedule.ts';
import type { Shift } from '../schedules/model.ts';
import type { Clock } from '../storage/clock.ts';
import type { Db } from '../storage/database.ts';

const DAY_MS = 86_400_000;

/** Domain event types the refresher writes (Cortex's ONCALL_PERSON_CHANGED and ONCALL_STARTS_IN_N_DAYS). */
export const ONCALL_PERSON_CHANGED = 'schedule.oncall_person_changed';
export const ONCALL_STARTS_IN_N_DAYS = 'schedule.oncall_starts_in_n_days';

export interface RefreshOptions {
  /** How many days ahead an upcoming shift is announced (default 1). */
  readonly noticeDays?: number;
  /** How far back missed hand-offs are still logged after a pause (default 30 days). */
  readonly maxLookBackMs?: number;
  /** How far ahead the next person is looked for (default 92 days). */
  readonly lookAheadMs?: number;
}

export interface RefreshResult {
  readonly refreshedAt: Date;
  readonly schedules: number;
  /** Hand-offs logged (time-log changes and `schedule.oncall_person_changed` events). */
  readonly handoffs: number;
  /** `schedule.oncall_starts_in_n_days` events written. */
  readonly notices: number;
  readonly failed: readonly { readonly scheduleId: string; readonly error: unknown }[];
}

interface RosterRow {
  id: string;
  project_id: string;
  name: string;
  created_at: Date;
  roster_checked_at: Date | null;
}

/** A stretch with one person (or nobody) on call, whatever the origin: adjacent shifts of one user joined. */
interface Stint {
  readonly userId: string | null;
  readonly startsAt: Date;
  readonly endsAt: Date;
}

/**
 * Brings every schedule's roster up to the clock's now, each schedule in its own transaction
 * under a row lock (so several processes on one PostgreSQL do each hand-off once):
 *
 * - every change of the person on call since the last refresh (or since the schedule was
 *   created; at most `maxLookBackMs` ago)
 *   closes the open `on_call_time_log` row, opens one for the new person and writes a
 *   `schedule.oncall_person_changed` domain event ({fromUserId, toUserId, at});
 * - the roster cache (`currentUserIdOnRoster`, `rosterStartAt`, `rosterHandoffAt`,
 *   `nextUserIdOnRoster`, `rosterNextStartAt`, `rosterNextHandoffAt`) is rewritten
 *   (`updated_at` is left alone: the cache is derived, not an edit);
 * - each shift starting within `noticeDays` is announced once with a
 *   `schedule.oncall_starts_in_n_days` event (remembered in `on_call_roster_notice`).
 *
 * Idempotent: a second run at the same instant writes no log row and no event. Uses only the
 * given clock. A schedule that fails is reported in `failed` and the others still refresh;
 * never throws for one schedule's fault.
 */
export async function refreshRosters(db: Db, clock: Clock, opts: RefreshOptions = {}): Promise<RefreshResult> {
  const now = clock.now();
  const ids = (await sql<{ id: string }>`select id from on_call_schedule order by id`.execute(db)).rows.map((r) => r.id);
  let handoffs = 0;
  let notices = 0;
  const failed: { scheduleId: string; error: unknown }[] = [];
  for (const id of ids) {
    try {
      const r = await db.transaction().execute((tx) => refreshOne(tx, id, now, opts));
      handoffs += r.handoffs;
      notices += r.notices;
    } catch (error) {
      failed.push({ scheduleId: id, error });
    }
  }
  return { refreshedAt: now, schedules: ids.length, handoffs, notices, failed };
}

async function refreshOne(tx: Db, scheduleId: string, now: Date, opts: RefreshOptions): Promise<{ handoffs: number; notices: number }> {
  const locked = await sql<RosterRow>`select id, project_id, name, created_at, roster_checked_at
    from on_call_schedule where id = ${scheduleId} for update`.execute(tx);
  const row = locked.rows[0];
  if (!row) return { handoffs: 0, notices: 0 }; // deleted meanwhile
  const noticeDays = opts.noticeDays ?? 1;
  const lookBack = opts.maxLookBackMs ?? 30 * DAY_MS;
  const lookAhead = Math.max(opts.lookAheadMs ?? 92 * DAY_MS, (noticeDays + 1) * DAY_MS);
  // Hand-offs after `since` are logged; the window reaches back further so that the current shift's real start is known.
  const since = Math.min(now.getTime(), Math.max((row.roster_checked_at ?? row.created_at).getTime(), now.getTime() - lookBack));
  const from = new Date(now.getTime() - lookBack);
  const to = new Date(now.getTime() + lookAhead);

  const stored = (await loadSchedules(tx, { scheduleIds: [scheduleId] }, { from, to }))[0];
  if (!stored) return { handoffs: 0, notices: 0 };
  const stints = joinByUser(computeShifts(stored.schedule, { from, to }));
  const base = { tx, projectId: row.project_id, scheduleId, scheduleName: row.name, now };

  // Hand-offs up to now, against the open time-log row.
  const open = await sql<{ id: string; user_id: string }>`select id, user_id from on_call_time_log
    where schedule_id = ${scheduleId} and ends_at is null`.execute(tx);
  let onCall: string | null = open.rows[0]?.user_id ?? null;
  let openLogId: string | null = open.rows[0]?.id ?? null;
  let handoffs = 0;
  for (const s of stints) {
    if (s.startsAt > now) break;
    if (s.endsAt.getTime() <= since || s.userId === onCall) continue;
    if (openLogId !== null) {
      await sql`update on_call_time_log set ends_at = ${s.startsAt}, updated_at = ${now} where id = ${openLogId}`.execute(tx);
      openLogId = null;
    }
    if (s.userId !== null) {
      openLogId = newId();
      await sql`insert into on_call_time_log (id, project_id, schedule_id, user_id, starts_at, ends_at, created_at, updated_at)
        values (${openLogId}, ${row.project_id}, ${scheduleId}, ${s.userId}, ${s.startsAt}, null, ${now}, ${now})`.execute(tx);
    }
    await writeEvent(base, ONCALL_PERSON_CHANGED, {
      fromUserId: onCall,
      toUserId: s.userId,
      at: s.startsAt.toISOString(),
      until: s.endsAt < to ? s.endsAt.toISOString() : null,
    });
    onCall = s.userId;
    handoffs += 1;
  }

  // The roster cache.
  const currentIndex = stints.findIndex((s) => s.startsAt <= now && now < s.endsAt);
  const current = stints[currentIndex];
  const next = stints.slice(currentIndex + 1).find((s) => s.userId !== null);
  const end = (d: Date | undefined) => (d !== undefined && d < to ? d : null);
  await sql`update on_call_schedule set
      current_user_id_on_roster = ${current?.userId ?? null},
      roster_start_at = ${current?.startsAt ?? null},
      roster_handoff_at = ${end(current?.endsAt)},
      next_user_id_on_roster = ${next?.userId ?? null},
      roster_next_start_at = ${next?.startsAt ?? null},
      roster_next_handoff_at = ${end(next?.endsAt)},
      roster_checked_at = ${now}
    where id = ${scheduleId}`.execute(tx);

  // Upcoming shifts, each announced once.
  let notices = 0;
  const horizon = new Date(now.getTime() + noticeDays * DAY_MS);
  for (const s of stints) {
    if (s.userId === null || s.startsAt <= now) continue;
    if (s.startsAt > horizon) break;
    const inserted = await sql`insert into on_call_roster_notice (schedule_id, kind, user_id, starts_at, created_at)
      values (${scheduleId}, ${ONCALL_STARTS_IN_N_DAYS}, ${s.userId}, ${s.startsAt}, ${now})
      on conflict do nothing returning schedule_id`.execute(tx);
    if (inserted.rows.length === 0) continue;
    await writeEvent(base, ONCALL_STARTS_IN_N_DAYS, {
      userId: s.userId,
      startsAt: s.startsAt.toISOString(),
      endsAt: s.endsAt < to ? s.endsAt.toISOString() : null,
      days: noticeDays,
    });
    notices += 1;
  }
  return { handoffs, notices };
}

/** Final shifts with adjacent shifts of the same person joined (a change of origin is not a hand-off). */
function joinByUser(shifts: readonly Shift[]): Stint[] {
  const out: Stint[] = [];
  for (const s of shifts) {
    const last = out[out.length - 1];
    if (last && last.userId === s.userId && last.endsAt.getTime() === s.startsAt.getTime()) {
      out[out.length - 1] = { ...last, endsAt: s.endsAt };
    } else {
      out.push({ userId: s.userId, startsAt: s.startsAt, endsAt: s.endsAt });
    }
  }
  return out;
}

async function writeEvent(
  b: { tx: Db; projectId: string; scheduleId: string; scheduleName: string; now: Date },
  type: string,
  payload: Record<string, unknown>,
): Promise<void> {
  const body = { scheduleId: b.scheduleId, scheduleName: b.scheduleName, ...payload, actor: { type: 'system', via: 'roster-refresher' } };
  await sql`insert into domain_event (id, project_id, event_type, subject_type, subject_id, payload, created_at, updated_at)
    values (${newId()}, ${b.projectId}, ${type}, 'schedule', ${b.scheduleId}, ${JSON.stringify(body)}, ${b.now}, ${b.now})`.execute(b.tx);
}

/** The earliest roster hand-off after `after` across all schedules (the refresher's next wake-up), if any. */
export async function nextRosterHandoff(db: Db, after: Date): Promise<Date | undefined> {
  const res = await sql<{ at: Date | null }>`select min(roster_handoff_at) as at from on_call_schedule where roster_handoff_at > ${after}`.execute(db);
  return res.rows[0]?.at ?? undefined;
}

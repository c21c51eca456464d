import { sql } from 'kysely';
import { parseRestrictions, parseRotation, storedJson } from '../resources/definitions/schedules/layer-json.ts';
import type { Db } from '../storage/database.ts';
import type { Layer, Override, Schedule, TemporarySchedule, Window } from './model.ts';

/** A schedule as stored, converted to the model the shift computation works on. */
export interface StoredSchedule {
  readonly projectId: string;
  readonly name: string;
  readonly schedule: Schedule;
}

export interface ScheduleFilter {
  /** Only this project's schedules (all projects when absent: the roster refresher). */
  readonly projectId?: string;
  /** Only these schedules. */
  readonly scheduleIds?: readonly string[];
}

interface ScheduleRow {
  id: string;
  project_id: string;
  name: string;
  timezone: string;
}

interface LayerRow {
  id: string;
  schedule_id: string;
  name: string;
  layer_order: number;
  starts_at: Date;
  hand_off_time: Date;
  rotation: unknown;
  restriction_times: unknown;
  rotation_clock: 'calendar' | 'restricted';
}

interface OverrideRow {
  id: string;
  project_id: string;
  policy_id: string | null;
  override_user_id: string;
  route_alerts_to_user_id: string;
  starts_at: Date;
  ends_at: Date;
}

interface TemporaryRow {
  id: string;
  schedule_id: string;
  starts_at: Date;
  ends_at: Date;
  shifts: unknown;
}

/**
 * Loads schedules with their layers (users in rotation order), the project's overrides and
 * the schedule's temporary schedules, as the model's `Schedule`. With a window, only
 * overrides and temporary schedules that overlap it are loaded (the computation ignores the
 * others anyway). The only place that turns schedule rows into the model; never throws for
 * stored rows (they were validated on write).
 */
export async function loadSchedules(db: Db, filter: ScheduleFilter, window?: Window): Promise<StoredSchedule[]> {
  const conditions = [sql`true`];
  if (filter.projectId !== undefined) conditions.push(sql`project_id = ${filter.projectId}`);
  if (filter.scheduleIds !== undefined) conditions.push(sql`id = any(${[...filter.scheduleIds]}::uuid[])`);
  const schedules = (
    await sql<ScheduleRow>`select id, project_id, name, timezone from on_call_schedule
      where ${sql.join(conditions, sql` and `)} order by created_at, id`.execute(db)
  ).rows;
  if (schedules.length === 0) return [];
  const ids = schedules.map((s) => s.id);
  const projectIds = [...new Set(schedules.map((s) => s.project_id))];
  const overlaps = window ? sql`ends_at > ${window.from} and starts_at < ${window.to}` : sql`true`;

  const [layers, users, overrides, temporaries] = await Promise.all([
    sql<LayerRow>`select id, schedule_id, name, layer_order, starts_at, hand_off_time, rotation, restriction_times, rotation_clock
      from on_call_schedule_layer where schedule_id = any(${ids}::uuid[]) order by layer_order, id`.execute(db),
    sql<{ layer_id: string; user_id: string }>`select layer_id, user_id from on_call_schedule_layer_user
      where schedule_id = any(${ids}::uuid[]) order by user_order, id`.execute(db),
    sql<OverrideRow>`select id, project_id, policy_id, override_user_id, route_alerts_to_user_id, starts_at, ends_at
      from on_call_user_override where project_id = any(${projectIds}::uuid[]) and ${overlaps} order by starts_at, id`.execute(db),
    sql<TemporaryRow>`select id, schedule_id, starts_at, ends_at, shifts from on_call_schedule_temporary
      where schedule_id = any(${ids}::uuid[]) and ${overlaps} order by starts_at, id`.execute(db),
  ]);

  const usersByLayer = groupBy(users.rows, (u) => u.layer_id);
  const layersBySchedule = groupBy(layers.rows, (l) => l.schedule_id);
  const overridesByProject = groupBy(overrides.rows, (o) => o.project_id);
  const temporariesBySchedule = groupBy(temporaries.rows, (t) => t.schedule_id);

  return schedules.map((s) => ({
    projectId: s.project_id,
    name: s.name,
    schedule: {
      id: s.id,
      timezone: s.timezone,
      layers: (layersBySchedule.get(s.id) ?? []).map((l) => toLayer(l, s.timezone, (usersByLayer.get(l.id) ?? []).map((u) => u.user_id))),
      overrides: (overridesByProject.get(s.project_id) ?? []).map(toOverride),
      temporarySchedules: (temporariesBySchedule.get(s.id) ?? []).map(toTemporary),
    },
  }));
}

/** One schedule of a project, or undefined when the project has no such schedule. */
export async function loadSchedule(db: Db, projectId: string, scheduleId: string, window?: Window): Promise<StoredSchedule | undefined> {
  return (await loadSchedules(db, { projectId, scheduleIds: [scheduleId] }, window))[0];
}

function toLayer(row: LayerRow, timezone: string, userIds: string[]): Layer {
  return {
    id: row.id,
    name: row.name,
    order: row.layer_order,
    startsAt: row.starts_at,
    handOffTime: row.hand_off_time,
    rotation: parseRotation(storedJson(row.rotation), 'rotation'),
    restrictions: parseRestrictions(storedJson(row.restriction_times), timezone, 'restrictionTimes'),
    userIds,
    rotationClock: row.rotation_clock,
  };
}

function toOverride(row: OverrideRow): Override {
  return {
    id: row.id,
    policyId: row.policy_id,
    overrideUserId: row.override_user_id,
    routeAlertsToUserId: row.route_alerts_to_user_id,
    startsAt: row.starts_at,
    endsAt: row.ends_at,
  };
}

function toTemporary(row: TemporaryRow): TemporarySchedule {
  const shifts = storedJson(row.shifts) as { userId: string; startsAt: string; endsAt: string }[];
  return {
    id: row.id,
    startsAt: row.starts_at,
    endsAt: row.ends_at,
    shifts: shifts.map((s) => ({ userId: s.userId, startsAt: new Date(s.startsAt), endsAt: new Date(s.endsAt) })),
  };
}

function groupBy<T>(rows: readonly T[], key: (row: T) => string): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const row of rows) {
    const k = key(row);
    const list = map.get(k);
    if (list) list.push(row);
    else map.set(k, [row]);
  }
  return map;
}

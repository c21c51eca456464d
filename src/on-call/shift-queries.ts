import { computeShifts } from '../schedules/compute-shifts.ts';
import { loadSchedule, loadSchedules, type StoredSchedule } from '../schedules/load-schedule.ts';
import type { Shift, ShiftOrigin, Window } from '../schedules/model.ts';
import { DEFAULT_HORIZON_MS, onCallAt, type OnCall } from '../schedules/on-call-at.ts';
import type { Db } from '../storage/database.ts';

/** A final shift as the API answers it: instants as ISO strings, the origin as the model has it. */
export interface ShiftJson {
  readonly userId: string | null;
  readonly startsAt: string;
  readonly endsAt: string;
  readonly origin: ShiftOrigin;
}

/** A final shift of one of several schedules. */
export interface ScheduleShift extends Shift {
  readonly scheduleId: string;
  readonly scheduleName: string;
}

export function shiftJson(s: Shift): ShiftJson {
  return { userId: s.userId, startsAt: s.startsAt.toISOString(), endsAt: s.endsAt.toISOString(), origin: s.origin };
}

/**
 * The final shifts of one schedule of the project over `window` (gaps included), or
 * undefined when the project has no such schedule. Global overrides apply, and those of
 * `policyId` when given.
 */
export async function scheduleShifts(
  db: Db,
  projectId: string,
  scheduleId: string,
  window: Window,
  policyId?: string | null,
): Promise<{ stored: StoredSchedule; shifts: Shift[] } | undefined> {
  const stored = await loadSchedule(db, projectId, scheduleId, window);
  if (!stored) return undefined;
  return { stored, shifts: computeShifts(stored.schedule, window, { policyId: policyId ?? null }) };
}

/** The window `onCallAt` may look into from `at` (its default horizon). */
function lookAhead(at: Date): Window {
  return { from: at, to: new Date(at.getTime() + DEFAULT_HORIZON_MS) };
}

/** Who is on call in one schedule of the project at `at`, or undefined when there is no such schedule. */
export async function scheduleOnCallAt(
  db: Db,
  projectId: string,
  scheduleId: string,
  at: Date,
  policyId?: string | null,
): Promise<{ stored: StoredSchedule; onCall: OnCall } | undefined> {
  const stored = await loadSchedule(db, projectId, scheduleId, lookAhead(at));
  if (!stored) return undefined;
  return { stored, onCall: onCallAt(stored.schedule, at, { policyId: policyId ?? null }) };
}

/** Every final shift of `userId` across the project's schedules over `window`, ordered by start. */
export async function userShifts(db: Db, projectId: string, userId: string, window: Window): Promise<ScheduleShift[]> {
  const out: ScheduleShift[] = [];
  for (const stored of await loadSchedules(db, { projectId }, window)) {
    for (const s of computeShifts(stored.schedule, window)) {
      if (s.userId === userId) out.push({ ...s, scheduleId: stored.schedule.id, scheduleName: stored.name });
    }
  }
  return out.sort((a, b) => a.startsAt.getTime() - b.startsAt.getTime() || a.scheduleId.localeCompare(b.scheduleId));
}

/** The project's schedules in which `userId` is on call at `at`, each with until when. */
export async function schedulesOnCall(db: Db, projectId: string, userId: string, at: Date): Promise<{ stored: StoredSchedule; onCall: OnCall }[]> {
  const out: { stored: StoredSchedule; onCall: OnCall }[] = [];
  for (const stored of await loadSchedules(db, { projectId }, lookAhead(at))) {
    const onCall = onCallAt(stored.schedule, at);
    if (onCall.userId === userId) out.push({ stored, onCall });
  }
  return out;
}

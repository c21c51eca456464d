import type { Restrictions } from './model.ts';
import { type Interval, unionOf } from './intervals.ts';
import type { TimeZone } from './time-zone.ts';
import { DAY, WEEK, startOfDay, startOfWeek, wallTimeOfDay, weekdayIndex } from './wall-clock.ts';

/**
 * The instants in [from, to) at which a layer with `restrictions` may be on call, as a sorted,
 * disjoint list. Windows are wall-clock readings in `zone`, resolved like hand-offs
 * (`TimeZone.fromLocal`: a reading in a spring-forward gap means the end of the gap, a
 * repeated reading its first occurrence):
 * - `None`: all of [from, to);
 * - `Daily`: every local day from startTime to endTime; an endTime at or before the startTime
 *   ends on the next day (22:00–06:00 runs overnight);
 * - `Weekly`: every local week (Monday first) from startDay startTime to endDay endTime; an end
 *   at or before the start within the week ends in the next week (Friday 18:00 → Monday 09:00).
 *   Several windows may overlap; their union counts.
 *
 * Precondition: valid restrictions (see `validateLayer`).
 */
export function allowedWindows(restrictions: Restrictions, zone: TimeZone, from: number, to: number): Interval[] {
  if (to <= from) return [];
  if (restrictions.type === 'None') return [{ start: from, end: to }];
  const found: Interval[] = [];
  if (restrictions.type === 'Daily') {
    const start = wallTimeOfDay(restrictions.daily.startTime);
    let end = wallTimeOfDay(restrictions.daily.endTime);
    if (end <= start) end += DAY;
    // A window that started the local day before `from` may still be open.
    for (let day = startOfDay(zone.toLocal(from)) - DAY; ; day += DAY) {
      const s = zone.fromLocal(day + start);
      if (s >= to) break;
      found.push({ start: s, end: zone.fromLocal(day + end) });
    }
  } else {
    const windows = restrictions.weekly.map((w) => {
      const start = weekdayIndex(w.startDay) * DAY + wallTimeOfDay(w.startTime);
      let end = weekdayIndex(w.endDay) * DAY + wallTimeOfDay(w.endTime);
      if (end <= start) end += WEEK;
      return { start, end };
    });
    for (let week = startOfWeek(zone.toLocal(from)) - WEEK; zone.fromLocal(week) < to; week += WEEK) {
      for (const w of windows) found.push({ start: zone.fromLocal(week + w.start), end: zone.fromLocal(week + w.end) });
    }
  }
  const out: Interval[] = [];
  for (const w of unionOf(found)) {
    const start = Math.max(w.start, from);
    const end = Math.min(w.end, to);
    if (end > start) out.push({ start, end });
  }
  return out;
}

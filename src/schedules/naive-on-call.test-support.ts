/**
 * An independent, deliberately naive statement of the schedule rules for one instant, used as
 * the oracle of the property tests: calendar arithmetic through luxon (not `wall-clock.ts`),
 * periods found by stepping from the hand-off, restriction windows checked one instant at a
 * time, layers and overrides scanned in full. Only `TimeZone.fromLocal` (the gap and overlap
 * rule, tested on its own against fixed examples) is shared with the implementation.
 */
import { DateTime } from 'luxon';
import type { Layer, Override, Schedule, TemporarySchedule, Weekday } from './model.ts';
import { WEEKDAYS } from './model.ts';
import { timeZone } from './time-zone.ts';

const HOUR = 3_600_000;
const DAY = 86_400_000;

interface Who {
  readonly userId: string | null;
  readonly kind: 'layer' | 'override' | 'temporary' | 'gap';
  readonly sourceId: string | null;
}

/** Wall-clock reading of `t` as local ms, via luxon. */
const wallOf = (zone: string, t: number) => DateTime.fromMillis(t, { zone }).setZone('UTC', { keepLocalTime: true });
const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

function boundary(layer: Layer, zone: string, k: number): number {
  const h = layer.handOffTime.getTime();
  const { intervalType, intervalCount } = layer.rotation;
  if (intervalType === 'Hour') return h + k * intervalCount * HOUR;
  if (k === 0) return h;
  const anchor = wallOf(zone, h);
  const n = k * intervalCount;
  const moved =
    intervalType === 'Day' ? anchor.plus({ days: n }) : intervalType === 'Week' ? anchor.plus({ weeks: n }) : intervalType === 'Month' ? anchor.plus({ months: n }) : anchor.plus({ years: n });
  return timeZone(zone).fromLocal(moved.toMillis());
}

function periodAt(layer: Layer, zone: string, t: number): number {
  let k = 0;
  if (layer.rotation.intervalType === 'Hour') return Math.floor((t - layer.handOffTime.getTime()) / (layer.rotation.intervalCount * HOUR));
  while (boundary(layer, zone, k + 1) <= t) k++;
  while (boundary(layer, zone, k) > t) k--;
  return k;
}

/** Allowed windows whose start falls on local days first..last (local midnights, luxon). */
function windowsOnDays(layer: Layer, zone: string, first: DateTime, last: DateTime): [number, number][] {
  const r = layer.restrictions;
  const z = timeZone(zone);
  const out: [number, number][] = [];
  for (let d = first; d <= last; d = d.plus({ days: 1 })) {
    if (r.type === 'Daily') {
      const s = minutes(r.daily.startTime);
      let e = minutes(r.daily.endTime);
      if (e <= s) e += 24 * 60;
      out.push([z.fromLocal(d.plus({ minutes: s }).toMillis()), z.fromLocal(d.plus({ minutes: e }).toMillis())]);
    } else if (r.type === 'Weekly') {
      for (const w of r.weekly) {
        if (WEEKDAYS[d.weekday - 1] !== w.startDay) continue;
        const dayIdx = (day: Weekday) => WEEKDAYS.indexOf(day);
        let e = (dayIdx(w.endDay) - dayIdx(w.startDay)) * 24 * 60 + minutes(w.endTime);
        const s = minutes(w.startTime);
        if (e <= s) e += 7 * 24 * 60;
        out.push([z.fromLocal(d.plus({ minutes: s }).toMillis()), z.fromLocal(d.plus({ minutes: e }).toMillis())]);
      }
    }
  }
  return out;
}

function allowedWindowsAround(layer: Layer, zone: string, from: number, to: number): [number, number][] {
  const first = wallOf(zone, from).startOf('day').minus({ days: 8 });
  const last = wallOf(zone, to).startOf('day').plus({ days: 1 });
  return windowsOnDays(layer, zone, first, last);
}

function allowedAt(layer: Layer, zone: string, t: number): boolean {
  if (layer.restrictions.type === 'None') return true;
  return allowedWindowsAround(layer, zone, t, t).some(([s, e]) => s <= t && t < e);
}

function hasAllowedTime(layer: Layer, zone: string, from: number, to: number): boolean {
  if (layer.restrictions.type === 'None') return true;
  return allowedWindowsAround(layer, zone, from, to).some(([s, e]) => s < to && e > from && e > s);
}

/** Whether period j of a layer has allowed time (memoised: the same layer object is asked about many instants). */
const nonEmptyPeriods = new WeakMap<Layer, Map<number, boolean>>();

/** The user `layer` puts on call at `t`, or null. */
export function naiveLayerUserAt(layer: Layer, zone: string, t: number): string | null {
  const n = layer.userIds.length;
  if (n === 0 || t < layer.startsAt.getTime() || !allowedAt(layer, zone, t)) return null;
  const k = periodAt(layer, zone, t);
  let index = k;
  if (layer.rotationClock === 'restricted' && layer.restrictions.type !== 'None') {
    index = 0;
    let memo = nonEmptyPeriods.get(layer);
    if (memo === undefined) nonEmptyPeriods.set(layer, (memo = new Map()));
    for (let j = Math.min(0, k); j < Math.max(0, k); j++) {
      let nonEmpty = memo.get(j);
      if (nonEmpty === undefined) {
        nonEmpty = hasAllowedTime(layer, zone, boundary(layer, zone, j), boundary(layer, zone, j + 1));
        memo.set(j, nonEmpty);
      }
      if (nonEmpty) index += k >= 0 ? 1 : -1;
    }
  }
  return layer.userIds[((index % n) + n) % n]!;
}

function temporaryAt(temporary: readonly TemporarySchedule[], t: number): Who | undefined {
  const ts = temporary.find((x) => x.startsAt.getTime() <= t && t < x.endsAt.getTime());
  if (ts === undefined) return undefined;
  const shift = ts.shifts.find((s) => s.startsAt.getTime() <= t && t < s.endsAt.getTime());
  return shift === undefined ? { userId: null, kind: 'gap', sourceId: null } : { userId: shift.userId, kind: 'temporary', sourceId: ts.id };
}

/** The winning override for `userId` at `t` asked by `policyId`, if any. */
export function naiveOverrideAt(overrides: readonly Override[], userId: string, t: number, policyId: string | null | undefined): Override | undefined {
  const live = overrides.filter(
    (o) => o.overrideUserId === userId && o.startsAt.getTime() <= t && t < o.endsAt.getTime() && (o.policyId === null || (policyId != null && o.policyId === policyId)),
  );
  const rank = (o: Override) => [o.policyId === null ? 0 : 1, o.startsAt.getTime()] as const;
  live.sort((a, b) => {
    const [pa, sa] = rank(a);
    const [pb, sb] = rank(b);
    return pb - pa || sb - sa || (a.id < b.id ? -1 : 1);
  });
  return live[0];
}

/** Who the rules put on call at `t`. */
export function naiveOnCallAt(schedule: Schedule, t: number, policyId?: string | null): Who {
  const zone = schedule.timezone;
  let who = temporaryAt(schedule.temporarySchedules ?? [], t);
  if (who === undefined) {
    who = { userId: null, kind: 'gap', sourceId: null };
    const layers = [...schedule.layers].sort((a, b) => a.order - b.order || (a.id < b.id ? -1 : 1));
    for (const layer of layers) {
      const u = naiveLayerUserAt(layer, zone, t);
      if (u !== null) {
        who = { userId: u, kind: 'layer', sourceId: layer.id };
        break;
      }
    }
  }
  if (who.userId === null) return who;
  const o = naiveOverrideAt(schedule.overrides, who.userId, t, policyId);
  return o === undefined ? who : { userId: o.routeAlertsToUserId, kind: 'override', sourceId: o.id };
}

export { DAY, HOUR };

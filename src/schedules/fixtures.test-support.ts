/** Builders shared by the schedule tests (not part of the module's API). */
import { DateTime } from 'luxon';
import type { Layer, Override, Restrictions, Schedule, Shift } from './model.ts';

/** The instant a zone's wall clock reads `iso` ("2026-03-29T09:00"); must be unambiguous. */
export function wall(zone: string, iso: string): Date {
  const dt = DateTime.fromISO(iso, { zone });
  if (!dt.isValid) throw new Error(`bad local time ${iso} in ${zone}`);
  return dt.toJSDate();
}

/** An instant written in UTC ("2026-03-29T01:00Z" or without the Z). */
export function utc(iso: string): Date {
  return new Date(iso.endsWith('Z') ? iso : `${iso}Z`);
}

/** `instant` as the zone's wall-clock reading "yyyy-MM-ddTHH:mm" (with "+offset" for clarity). */
export function local(zone: string, instant: Date): string {
  return DateTime.fromJSDate(instant, { zone }).toFormat("yyyy-MM-dd'T'HH:mm ZZ");
}

export function layer(partial: Partial<Layer> & Pick<Layer, 'userIds'>): Layer {
  const at = partial.handOffTime ?? utc('2026-01-05T09:00Z');
  return {
    id: 'L1',
    name: 'layer',
    order: 1,
    startsAt: new Date(at.getTime() - 1000 * 86_400_000),
    handOffTime: at,
    rotation: { intervalType: 'Week', intervalCount: 1 },
    restrictions: { type: 'None' } as Restrictions,
    ...partial,
  };
}

export function override(partial: Partial<Override> & Pick<Override, 'overrideUserId' | 'routeAlertsToUserId' | 'startsAt' | 'endsAt'>): Override {
  return { id: 'O1', policyId: null, ...partial };
}

export function schedule(timezone: string, layers: Layer[], overrides: Override[] = [], extra: Partial<Schedule> = {}): Schedule {
  return { id: 'S1', timezone, layers, overrides, ...extra };
}

/** Shifts as compact text: "user@start→end" in the zone's wall clock, "-" for a gap. */
export function describe(zone: string, shifts: readonly Shift[]): string[] {
  const fmt = (d: Date) => DateTime.fromJSDate(d, { zone }).toFormat("MM-dd'T'HH:mm");
  return shifts.map((s) => `${s.userId ?? '-'}@${fmt(s.startsAt)}→${fmt(s.endsAt)}`);
}

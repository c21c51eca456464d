import { WEEKDAYS, type Weekday } from './model.ts';

/**
 * Calendar arithmetic on wall-clock readings written as "local ms" (the UTC instant that shows
 * the same calendar fields; see `TimeZone`). Nothing here knows about time zones.
 */

export const MINUTE = 60_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;
export const WEEK = 7 * DAY;

const WALL_TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** Whether `value` is a wall-clock time of day "HH:mm" (00:00–23:59). */
export function isWallTime(value: unknown): value is string {
  return typeof value === 'string' && WALL_TIME.test(value);
}

/** Milliseconds since local midnight of an "HH:mm" wall time. Throws a `RangeError` on any other text. */
export function wallTimeOfDay(value: string): number {
  const m = WALL_TIME.exec(value);
  if (m === null) throw new RangeError(`not a wall-clock time "HH:mm": "${value}"`);
  return Number(m[1]) * HOUR + Number(m[2]) * MINUTE;
}

/** Local midnight of the day containing `local`. */
export function startOfDay(local: number): number {
  return Math.floor(local / DAY) * DAY;
}

/** Local midnight of the Monday of the (ISO) week containing `local`. */
export function startOfWeek(local: number): number {
  const day = startOfDay(local);
  const mondayBased = (new Date(day).getUTCDay() + 6) % 7;
  return day - mondayBased * DAY;
}

/** 0 for Monday … 6 for Sunday. */
export function weekdayIndex(day: Weekday): number {
  return WEEKDAYS.indexOf(day);
}

/**
 * `local` moved by `months` calendar months, keeping the time of day. A day of the month the
 * target month does not have becomes that month's last day (Jan 31 + 1 month = Feb 28/29).
 */
export function addMonths(local: number, months: number): number {
  const d = new Date(local);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth() + months;
  const targetYear = y + Math.floor(m / 12);
  const targetMonth = ((m % 12) + 12) % 12;
  const lastDay = new Date(Date.UTC(targetYear, targetMonth + 1, 0)).getUTCDate();
  const day = Math.min(d.getUTCDate(), lastDay);
  const timeOfDay = local - startOfDay(local);
  const midnight = new Date(0);
  midnight.setUTCFullYear(targetYear, targetMonth, day);
  return midnight.getTime() + timeOfDay;
}

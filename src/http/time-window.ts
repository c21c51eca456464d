import { invalidField } from '../errors.ts';
import type { Window } from '../schedules/model.ts';

/** The longest window a shifts query may ask for: one year (a leap year's worth). */
export const MAX_WINDOW_MS = 366 * 86_400_000;
const DAY_MS = 86_400_000;

function instant(raw: string | undefined, name: string): Date | undefined {
  if (raw === undefined || raw === '') return undefined;
  const d = new Date(raw);
  if (!/^\d{4}-\d\d-\d\d/.test(raw) || Number.isNaN(d.getTime())) throw invalidField(name, 'must be an ISO 8601 date-time, e.g. 2026-01-05T09:00:00Z');
  return d;
}

/**
 * The `from`/`to` query parameters as a window: `from` defaults to `now`, `to` to seven days
 * after `from`. `to` must be after `from` and at most a year later. Throws a 400 naming the
 * parameter.
 */
export function parseWindow(query: { from?: string; to?: string }, now: Date): Window {
  const from = instant(query.from, 'from') ?? now;
  const to = instant(query.to, 'to') ?? new Date(from.getTime() + 7 * DAY_MS);
  if (to.getTime() <= from.getTime()) throw invalidField('to', 'must be after from');
  if (to.getTime() - from.getTime() > MAX_WINDOW_MS) throw invalidField('to', 'the window from `from` to `to` may span at most one year (366 days)');
  return { from, to };
}

/** An instant query parameter (e.g. `at`), defaulting to `now`. Throws a 400 naming it. */
export function parseInstant(raw: string | undefined, name: string, now: Date): Date {
  return instant(raw, name) ?? now;
}

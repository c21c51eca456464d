import { computeShiftsUnchecked } from './compute-shifts.ts';
import type { Schedule, ShiftOrigin } from './model.ts';
import { InvalidScheduleError, assertValidSchedule } from './validate.ts';
import { DAY } from './wall-clock.ts';

/** Who is on call at an instant, and until when. */
export interface OnCall {
  /** Null: nobody (a gap). */
  readonly userId: string | null;
  /** The end of the final shift containing the instant, or `at + horizon` if it lasts longer. */
  readonly until: Date;
  readonly origin: ShiftOrigin;
}

export interface OnCallAtOptions {
  /** As in `computeShifts`: the asking policy, whose overrides apply besides the global ones. */
  readonly policyId?: string | null;
  /** How far ahead to look for the end of the shift (ms); default 366 days. */
  readonly horizonMs?: number;
}

export const DEFAULT_HORIZON_MS = 366 * DAY;

/**
 * Who is on call in `schedule` at `at`: the final shift of `computeShifts` that contains `at`
 * (same rules, same answer), with `until` the end of that shift, looking ahead in growing
 * windows (1 day, then ×4) up to `horizonMs`; a shift that lasts beyond the horizon reports
 * `until` = at + horizon. Throws `InvalidScheduleError` (400) on an invalid schedule.
 */
export function onCallAt(schedule: Schedule, at: Date, opts: OnCallAtOptions = {}): OnCall {
  assertValidSchedule(schedule);
  const from = at.getTime();
  const horizon = opts.horizonMs ?? DEFAULT_HORIZON_MS;
  if (Number.isNaN(from)) throw new InvalidScheduleError([{ field: 'at', message: 'must be a valid date-time' }]);
  if (!(horizon > 0)) throw new InvalidScheduleError([{ field: 'horizonMs', message: 'must be positive' }]);
  for (let span = Math.min(DAY, horizon); ; span = Math.min(span * 4, horizon)) {
    const to = from + span;
    const first = computeShiftsUnchecked(schedule, from, to, opts.policyId)[0]!;
    if (first.end < to || span === horizon) {
      return { userId: first.userId, until: new Date(first.end), origin: first.origin };
    }
  }
}

import type { Rotation } from './model.ts';
import type { TimeZone } from './time-zone.ts';
import { DAY, HOUR, addMonths } from './wall-clock.ts';

/**
 * The rotation periods of a layer: period k is [boundary(k), boundary(k + 1)), period 0 starts
 * at the hand-off instant, k runs over all integers (before and after the hand-off).
 */
export interface RotationPeriods {
  /** The instant period `k` starts (strictly increasing in k). */
  boundary(k: number): number;
  /** The period containing `instant`: boundary(k) <= instant < boundary(k + 1). */
  periodAt(instant: number): number;
}

const APPROX_MS: Record<Rotation['intervalType'], number> = {
  Hour: HOUR,
  Day: DAY,
  Week: 7 * DAY,
  Month: 30.436875 * DAY,
  Year: 365.2425 * DAY,
};

/**
 * The periods of `rotation` from the hand-off instant `handOff` in `zone`. Hour rotations count
 * real elapsed time (a 24-hour rotation is not a day across a DST change). Day, Week, Month and
 * Year rotations hand off at the wall-clock reading of the hand-off, k × count units later on
 * the local calendar, resolved with the zone's rules (`TimeZone.fromLocal`: a reading in a
 * spring-forward gap hands off when the gap ends, a repeated reading at its first occurrence).
 * Months are calendar months counted from the hand-off's own date each time: a hand-off on the
 * 31st happens on the last day of shorter months and on the 31st again in months that have one;
 * a yearly hand-off on 29 February happens on 28 February in common years.
 *
 * Precondition: a valid rotation (whole `intervalCount` >= 1; see `validateLayer`).
 */
export function rotationPeriods(rotation: Rotation, handOff: number, zone: TimeZone): RotationPeriods {
  const count = rotation.intervalCount;
  const approx = APPROX_MS[rotation.intervalType] * count;
  if (rotation.intervalType === 'Hour') {
    return {
      boundary: (k) => handOff + k * approx,
      periodAt: (instant) => Math.floor((instant - handOff) / approx),
    };
  }
  const anchor = zone.toLocal(handOff);
  const localAt =
    rotation.intervalType === 'Day' || rotation.intervalType === 'Week'
      ? (k: number) => anchor + k * approx
      : rotation.intervalType === 'Month'
        ? (k: number) => addMonths(anchor, k * count)
        : (k: number) => addMonths(anchor, 12 * k * count);
  // Period 0 starts at the hand-off instant itself, even if that is the second occurrence of
  // a repeated wall-clock reading.
  const boundary = (k: number): number => (k === 0 ? handOff : zone.fromLocal(localAt(k)));
  return {
    boundary,
    periodAt(instant) {
      let k = Math.floor((instant - handOff) / approx);
      while (boundary(k) > instant) k--;
      while (boundary(k + 1) <= instant) k++;
      return k;
    },
  };
}

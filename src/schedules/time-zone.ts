import { IANAZone } from 'luxon';

/**
 * An IANA time zone as the schedule computation uses it: UTC offsets of instants, and the
 * instant a wall-clock reading denotes (with Vigil's rules for readings that happen never or
 * twice). Instants and wall-clock readings are both plain milliseconds: a wall-clock reading
 * is written as the UTC instant that shows the same calendar fields ("local ms").
 *
 * Offsets come from luxon (the platform's ICU data) and are cached per UTC day: a day whose
 * two ends have the same offset is taken to have no transition inside it (no zone in use has
 * two transitions within one day that cancel out); a day whose ends differ has its one
 * transition found to the millisecond.
 */
export interface TimeZone {
  readonly name: string;
  /** UTC offset (ms, local minus UTC) in force at `instant`. */
  offsetAt(instant: number): number;
  /** The wall-clock reading ("local ms") at `instant`. */
  toLocal(instant: number): number;
  /**
   * The instant at which the wall clock reads `local`. A reading that never happens (the
   * spring-forward gap) resolves to the first instant after the gap (the transition itself:
   * 02:30 → 03:00 new time); a reading that happens twice (fall back) resolves to the first
   * occurrence.
   */
  fromLocal(local: number): number;
}

const DAY = 86_400_000;

interface DayOffsets {
  readonly before: number;
  /** The first instant of the new offset, or NaN when the day has none. */
  readonly transition: number;
  readonly after: number;
}

class CachedZone implements TimeZone {
  private readonly zone: IANAZone;
  private readonly days = new Map<number, DayOffsets>();

  constructor(readonly name: string) {
    this.zone = IANAZone.create(name);
  }

  private raw(instant: number): number {
    return Math.round(this.zone.offset(instant) * 60_000);
  }

  private day(index: number): DayOffsets {
    let d = this.days.get(index);
    if (d === undefined) {
      const start = index * DAY;
      const before = this.raw(start);
      const after = this.raw(start + DAY - 1);
      let transition = Number.NaN;
      if (before !== after) {
        // The offset at `lo` is `before`, at `hi` it is not: find the first instant that is not.
        let lo = start;
        let hi = start + DAY - 1;
        while (hi - lo > 1) {
          const mid = Math.floor((lo + hi) / 2);
          if (this.raw(mid) === before) lo = mid;
          else hi = mid;
        }
        transition = hi;
      }
      d = { before, transition, after };
      if (this.days.size > 50_000) this.days.clear();
      this.days.set(index, d);
    }
    return d;
  }

  offsetAt(instant: number): number {
    const d = this.day(Math.floor(instant / DAY));
    return Number.isNaN(d.transition) || instant < d.transition ? d.before : d.after;
  }

  toLocal(instant: number): number {
    return instant + this.offsetAt(instant);
  }

  fromLocal(local: number): number {
    // Every instant that reads `local` is `local - o` for an offset o in force around it; the
    // offsets a day before and after cover both sides of any one transition.
    const early = this.offsetAt(local - DAY);
    const late = this.offsetAt(local + DAY);
    const a = local - early;
    const b = local - late;
    const aOk = this.toLocal(a) === local;
    const bOk = this.toLocal(b) === local;
    if (aOk && bOk) return Math.min(a, b);
    if (aOk) return a;
    if (bOk) return b;
    // A gap: no instant reads `local`. The clock jumped over it at the transition, which lies
    // between the two candidates; answer the transition (the first instant after the gap).
    let lo = Math.min(a, b);
    let hi = Math.max(a, b);
    const loLocalBefore = this.toLocal(lo) < local;
    // Invariant: toLocal(lo) is before `local`, toLocal(hi) is after it.
    if (!loLocalBefore) return lo;
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (this.toLocal(mid) < local) lo = mid;
      else hi = mid;
    }
    return hi;
  }
}

const zones = new Map<string, TimeZone>();

/** Whether `name` is an IANA time-zone name this platform knows (offset strings are not). */
export function isKnownTimeZone(name: string): boolean {
  return typeof name === 'string' && /^[A-Za-z]/.test(name) && IANAZone.isValidZone(name);
}

/**
 * The (cached) time zone named `name`. Throws a `RangeError` naming it when it is not a known
 * IANA zone; validate first (`validateSchedule`) to report that as bad input.
 */
export function timeZone(name: string): TimeZone {
  let z = zones.get(name);
  if (z === undefined) {
    if (!isKnownTimeZone(name)) throw new RangeError(`timezone: unknown IANA time zone "${name}"`);
    z = new CachedZone(name);
    zones.set(name, z);
  }
  return z;
}

import ical from 'ical-generator';
import type { Shift } from '../schedules/model.ts';

/** One shift as it appears in a feed: who, in which schedule. */
export interface FeedShift extends Shift {
  readonly scheduleId: string;
  readonly scheduleName: string;
  readonly userName: string;
}

export interface FeedOptions {
  /** Calendar name shown by the client (e.g. "On call: Primary"). */
  readonly name: string;
  /** When the feed was generated (the injected clock), stamped on each event. */
  readonly now: Date;
}

/**
 * An iCalendar document (RFC 5545) with one VEVENT per shift, times in UTC. Each event's
 * summary names the person and the schedule, its UID is stable across refreshes (schedule,
 * user, start), so calendar clients update events in place. Gaps are not events: pass only
 * shifts with a user.
 */
export function buildFeed(shifts: readonly FeedShift[], opts: FeedOptions): string {
  const cal = ical({ name: opts.name, prodId: { company: 'Vigil', product: 'On-call schedules', language: 'EN' } });
  for (const s of shifts) {
    if (s.userId === null) continue;
    cal.createEvent({
      id: `${s.scheduleId}-${s.userId}-${s.startsAt.getTime()}@vigil`,
      start: s.startsAt,
      end: s.endsAt,
      stamp: opts.now,
      summary: `On call: ${s.userName} (${s.scheduleName})`,
      description: `${s.userName} is on call in schedule "${s.scheduleName}".`,
      x: { 'X-VIGIL-SCHEDULE-ID': s.scheduleId, 'X-VIGIL-USER-ID': s.userId },
    });
  }
  return cal.toString();
}

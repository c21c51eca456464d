import { sql } from 'kysely';
import type { Db } from '../../storage/database.ts';
import type { IgnoredReason, Method } from '../model.ts';

const MINUTE = 60_000;

/** How many messages of a method one address may get in a window (GoAlert's defaults). */
export interface ThrottleRule {
  readonly max: number;
  readonly windowMinutes: number;
}

export const DEFAULT_THROTTLES: Readonly<Partial<Record<Method, ThrottleRule>>> = {
  call: { max: 3, windowMinutes: 15 },
  sms: { max: 5, windowMinutes: 15 },
  email: { max: 20, windowMinutes: 15 },
};

/** Identical messages (same method, address, title and body) within this window are sent once. */
export const DUPLICATE_WINDOW_MINUTES = 2;

/** Statuses that count as "a message went (or may have gone) out". */
const COUNTED = ['Sending', 'Sent', 'Delivered', 'Unknown'];

/**
 * Whether a message may go out now: not when the address already got `max` messages of the
 * method within the window, nor when an identical message went to it within
 * {@link DUPLICATE_WINDOW_MINUTES}. Answers the reason and a sentence, or null.
 */
export async function throttleCheck(
  tx: Db,
  m: { method: Method; recipient: string; title: string; body: string; now: Date },
  throttles: Readonly<Partial<Record<Method, ThrottleRule>>> = DEFAULT_THROTTLES,
): Promise<{ reason: IgnoredReason; message: string } | null> {
  const rule = throttles[m.method];
  const windowMinutes = Math.max(rule?.windowMinutes ?? 0, DUPLICATE_WINDOW_MINUTES);
  const since = new Date(m.now.getTime() - windowMinutes * MINUTE);
  const dupSince = new Date(m.now.getTime() - DUPLICATE_WINDOW_MINUTES * MINUTE);
  const r = await sql<{ total: string; recent: string; dups: string }>`select
      count(*) filter (where created_at > ${rule ? new Date(m.now.getTime() - rule.windowMinutes * MINUTE) : m.now}) as recent,
      count(*) filter (where created_at > ${dupSince} and title = ${m.title} and body = ${m.body}) as dups,
      count(*) as total
    from notification_delivery
    where method = ${m.method} and recipient = ${m.recipient} and created_at > ${since} and status = any(${COUNTED}::text[])`.execute(tx);
  const row = r.rows[0];
  if (row && Number(row.dups) > 0) {
    return { reason: 'DUPLICATE', message: `Ignored: an identical ${m.method} message went to ${m.recipient} within ${DUPLICATE_WINDOW_MINUTES} minutes.` };
  }
  if (rule && row && Number(row.recent) >= rule.max) {
    return { reason: 'THROTTLED', message: `Ignored: ${m.recipient} already got ${rule.max} ${m.method} messages within ${rule.windowMinutes} minutes.` };
  }
  return null;
}

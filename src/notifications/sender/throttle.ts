import { createHash } from 'node:crypto';
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
 * Whether a message may go out now: not when an identical message (same method, address,
 * title and body: its `content_key`) went to the address within {@link DUPLICATE_WINDOW_MINUTES},
 * nor when the address already got `max` messages of the method within the window. One
 * round trip; both look-ups are bounded by indexes (the count stops at `max`).
 */
export async function throttleCheck(
  tx: Db,
  m: { method: Method; recipient: string; title: string; body: string; now: Date },
  throttles: Readonly<Partial<Record<Method, ThrottleRule>>> = DEFAULT_THROTTLES,
): Promise<{ reason: IgnoredReason; message: string } | null> {
  const rule = throttles[m.method];
  const dupSince = new Date(m.now.getTime() - DUPLICATE_WINDOW_MINUTES * MINUTE);
  const since = new Date(m.now.getTime() - (rule?.windowMinutes ?? 0) * MINUTE);
  const r = await sql<{ dup: boolean; recent: number }>`select
      exists (select 1 from notification_delivery where method = ${m.method} and recipient = ${m.recipient}
        and content_key = ${contentKey(m.title, m.body)} and created_at > ${dupSince} and status = any(${COUNTED}::text[])) as dup,
      (select count(*)::int from (select 1 from notification_delivery where ${rule ? sql`true` : sql`false`} and method = ${m.method}
        and recipient = ${m.recipient} and created_at > ${since} and status = any(${COUNTED}::text[]) limit ${rule?.max ?? 0}) x) as recent`.execute(tx);
  const row = r.rows[0];
  if (row?.dup) {
    return { reason: 'DUPLICATE', message: `Ignored: an identical ${m.method} message went to ${m.recipient} within ${DUPLICATE_WINDOW_MINUTES} minutes.` };
  }
  if (rule && row && row.recent >= rule.max) {
    return { reason: 'THROTTLED', message: `Ignored: ${m.recipient} already got ${rule.max} ${m.method} messages within ${rule.windowMinutes} minutes.` };
  }
  return null;
}

/** The digest identical messages share (`notification_delivery.content_key`). */
export function contentKey(title: string, body: string): string {
  return createHash('sha256').update(title).update('\0').update(body).digest('base64url');
}

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

/** A message about to go out, as the throttles see it. */
export interface ThrottleProbe {
  readonly method: Method;
  readonly recipient: string;
  readonly title: string;
  readonly body: string;
}

/**
 * The throttles of one claim batch, looked up in one round trip for every message the batch
 * knows in advance: what the database held before the batch, plus what the batch itself has
 * sent since (`record`), so two messages of one batch count against each other as they would
 * one after the other.
 */
export class BatchThrottle {
  readonly #base = new Map<string, { dup: boolean; recent: number }>();
  readonly #sentContent = new Set<string>();
  readonly #sentCount = new Map<string, number>();

  private constructor(
    private readonly throttles: Readonly<Partial<Record<Method, ThrottleRule>>>,
  ) {}

  static async load(tx: Db, probes: readonly ThrottleProbe[], now: Date, throttles: Readonly<Partial<Record<Method, ThrottleRule>>> = DEFAULT_THROTTLES): Promise<BatchThrottle> {
    const t = new BatchThrottle(throttles);
    if (probes.length === 0) return t;
    const dupSince = new Date(now.getTime() - DUPLICATE_WINDOW_MINUTES * MINUTE);
    const rows = probes.map((p) => {
      const rule = throttles[p.method];
      return { m: p.method, r: p.recipient, k: contentKey(p.title, p.body), lim: rule?.max ?? 0, since: new Date(now.getTime() - (rule?.windowMinutes ?? 0) * MINUTE) };
    });
    const r = await sql<{ m: string; r: string; k: string; dup: boolean; recent: number }>`select x.m, x.r, x.k,
        exists (select 1 from notification_delivery d where d.method = x.m and d.recipient = x.r and d.content_key = x.k
          and d.created_at > ${dupSince} and d.status = any(${COUNTED}::text[])) as dup,
        (select count(*)::int from (select 1 from notification_delivery d where x.lim > 0 and d.method = x.m and d.recipient = x.r
          and d.created_at > x.since and d.status = any(${COUNTED}::text[]) limit x.lim) y) as recent
      from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as x(m text, r text, k text, lim int, since timestamptz)`.execute(tx);
    for (const row of r.rows) t.#base.set(`${row.m}\u0000${row.r}\u0000${row.k}`, { dup: row.dup, recent: row.recent });
    return t;
  }

  /** Whether this batch looked the message up in advance. */
  knows(p: ThrottleProbe): boolean {
    return this.#base.has(this.#key(p));
  }

  /** As {@link throttleCheck}, from the batch's look-up and what the batch has sent since. */
  check(p: ThrottleProbe): { reason: IgnoredReason; message: string } | null {
    const base = this.#base.get(this.#key(p));
    const rule = this.throttles[p.method];
    if (base?.dup || this.#sentContent.has(this.#key(p))) {
      return { reason: 'DUPLICATE', message: `Ignored: an identical ${p.method} message went to ${p.recipient} within ${DUPLICATE_WINDOW_MINUTES} minutes.` };
    }
    const recent = (base?.recent ?? 0) + (this.#sentCount.get(`${p.method}\u0000${p.recipient}`) ?? 0);
    if (rule && recent >= rule.max) {
      return { reason: 'THROTTLED', message: `Ignored: ${p.recipient} already got ${rule.max} ${p.method} messages within ${rule.windowMinutes} minutes.` };
    }
    return null;
  }

  /** Counts a message of this batch that is going out. */
  record(p: ThrottleProbe): void {
    this.#sentContent.add(this.#key(p));
    const mr = `${p.method}\u0000${p.recipient}`;
    this.#sentCount.set(mr, (this.#sentCount.get(mr) ?? 0) + 1);
  }

  #key(p: ThrottleProbe): string {
    return `${p.method}\u0000${p.recipient}\u0000${contentKey(p.title, p.body)}`;
  }
}

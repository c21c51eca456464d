import { sql } from 'kysely';
import { hashApiKey } from '../../access/api-key-secret.ts';
import type { ChangeContext } from '../../incidents/change-context.ts';
import { transition } from '../../incidents/lifecycle.ts';
import type { Clock } from '../../storage/clock.ts';
import type { Db } from '../../storage/database.ts';
import { isWellFormedHeartbeatKey, normalizeHeartbeatKey } from './heartbeat-key.ts';
import { monitorChangeActor } from './monitor-actor.ts';

export type MonitorStatus = 'Unknown' | 'Up' | 'Down';

/** What a ping did, once committed. */
export interface PingResult {
  readonly monitorId: string;
  readonly projectId: string;
  /** The status before the ping; after it the monitor is always `Up`. */
  readonly previousStatus: MonitorStatus;
  /** The new deadline: the ping's instant + interval + grace. */
  readonly nextDueAt: Date;
  /** The open alert this ping resolved (the monitor was Down), if any. */
  readonly resolvedAlertId: string | null;
}

interface MonitorRow {
  id: string;
  project_id: string;
  status: MonitorStatus;
  interval_seconds: number;
  grace_seconds: number;
  current_alert_id: string | null;
}

/** The deadline a ping at `at` sets: the next ping is due by `at + interval + grace`. */
export function heartbeatDeadline(at: Date, intervalSeconds: number, graceSeconds: number): Date {
  return new Date(at.getTime() + (intervalSeconds + graceSeconds) * 1000);
}

/**
 * Records a ping for the monitor with this heartbeat key, in one transaction: sets
 * `last_ping_at`, the next deadline and status `Up`; if the monitor was `Down`, resolves
 * its open alert (feed: actor `monitor`, via `heartbeat`) and clears `current_alert_id`.
 * Returns `null`, writing nothing, when no monitor has this key (or it is malformed).
 * Locks the monitor row, so it never interleaves with the checker opening an alert.
 * The key is only ever hashed here, never logged.
 */
export async function recordPing(db: Db, clock: Clock, key: string): Promise<PingResult | null> {
  const normalized = normalizeHeartbeatKey(key);
  if (!isWellFormedHeartbeatKey(normalized)) return null;
  return db.transaction().execute(async (tx) => {
    const res = await sql<MonitorRow>`select id, project_id, status, interval_seconds, grace_seconds, current_alert_id
      from monitor where key_hash = ${hashApiKey(normalized)} for update`.execute(tx);
    const m = res.rows[0];
    if (!m) return null;
    const now = clock.now();
    const nextDueAt = heartbeatDeadline(now, m.interval_seconds, m.grace_seconds);
    const ctx: ChangeContext = { tx, projectId: m.project_id, actor: monitorChangeActor(m.id), now };
    const resolvedAlertId = m.status === 'Down' && m.current_alert_id ? await resolveIfOpen(ctx, m.current_alert_id) : null;
    await sql`update monitor set status = 'Up', last_ping_at = ${now}, next_due_at = ${nextDueAt}, current_alert_id = null,
        updated_at = ${now} where id = ${m.id}`.execute(tx);
    return { monitorId: m.id, projectId: m.project_id, previousStatus: m.status, nextDueAt, resolvedAlertId };
  });
}

/**
 * Resolves the monitor's alert unless someone resolved (or deleted) it meanwhile;
 * returns its id when it did.
 */
async function resolveIfOpen(ctx: ChangeContext, alertId: string): Promise<string | null> {
  const open = await sql`select 1 from alert where id = ${alertId} and project_id = ${ctx.projectId} and state <> 'Resolved'`.execute(ctx.tx);
  if (open.rows.length === 0) return null;
  const changed = await transition(ctx, 'alert', alertId, 'resolve', { mode: 'lenient', note: 'by a heartbeat ping' });
  return changed ? alertId : null;
}

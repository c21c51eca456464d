import { sql } from 'kysely';
import type { ChangeContext } from '../../incidents/change-context.ts';
import { isUnderMaintenance } from '../../incidents/maintenance.ts';
import { trigger } from '../../incidents/trigger.ts';
import type { Clock } from '../../storage/clock.ts';
import type { Db } from '../../storage/database.ts';
import { monitorChangeActor } from './monitor-actor.ts';

export interface CheckHeartbeatsOptions {
  /** Monitors claimed (and alerted) per transaction; default 100. */
  readonly batchSize?: number;
}

/** A missed heartbeat, as committed: the monitor is Down and this alert is its current one. */
export interface MissedHeartbeat {
  readonly monitorId: string;
  readonly projectId: string;
  readonly alertId: string;
  /** False when an open alert with the monitor's dedup key absorbed the trigger. */
  readonly alertCreated: boolean;
  /** A scheduled maintenance window covered the monitor: recorded, never paged. */
  readonly suppressed: boolean;
}

export interface HeartbeatCheckResult {
  /** The instant the check compared deadlines with. */
  readonly checkedAt: Date;
  readonly missed: readonly MissedHeartbeat[];
  /** Monitors whose alert could not be written; each was rolled back alone and stays due. */
  readonly failed: readonly { readonly monitorId: string; readonly error: unknown }[];
}

interface DueMonitor {
  id: string;
  project_id: string;
  name: string;
  interval_seconds: number;
  grace_seconds: number;
  alert_severity_id: string | null;
  last_ping_at: Date | null;
  next_due_at: Date;
}

/** The dedup key of a monitor's alerts: while one is open, another miss folds into it. */
export function heartbeatDedupKey(monitorId: string): string {
  return `heartbeat:${monitorId}`;
}

/**
 * Opens an alert for every monitor whose deadline (`next_due_at`, the durable timer a
 * ping sets) has passed: a ping exactly at the deadline is on time, one millisecond
 * later is a miss. Monitors are claimed with `FOR UPDATE SKIP LOCKED` in batches, one
 * transaction per batch; for each, the alert (source `heartbeat`, dedup key
 * `heartbeat:<monitorId>`, the monitor's severity, suppressed when scheduled maintenance
 * covers the monitor) with its feed entry and domain event, and the monitor's move to
 * `Down` with `current_alert_id`, commit together. A crash before commit leaves the
 * monitor due to be claimed again; a Down monitor is never claimed, so no miss is
 * alerted twice. Several processes may run this at once. A monitor whose alert fails is
 * rolled back alone (savepoint) and reported in `failed`; the rest of its batch commits.
 * Throws only when the database fails outright.
 */
export async function checkHeartbeats(db: Db, clock: Clock, opts: CheckHeartbeatsOptions = {}): Promise<HeartbeatCheckResult> {
  const batchSize = opts.batchSize ?? 100;
  const checkedAt = clock.now();
  const missed: MissedHeartbeat[] = [];
  const failed: { monitorId: string; error: unknown }[] = [];
  for (;;) {
    const skip = failed.map((f) => f.monitorId);
    const batch = await db.transaction().execute(async (tx) => {
      const due = await sql<DueMonitor>`select id, project_id, name, interval_seconds, grace_seconds, alert_severity_id, last_ping_at, next_due_at
        from monitor where status <> 'Down' and next_due_at < ${checkedAt} and not (id = any(${skip}::uuid[]))
        order by next_due_at, id limit ${batchSize} for update skip locked`.execute(tx);
      const done: MissedHeartbeat[] = [];
      const broken: { monitorId: string; error: unknown }[] = [];
      for (const m of due.rows) {
        await sql`savepoint heartbeat_miss`.execute(tx);
        try {
          done.push(await markMissed({ tx, projectId: m.project_id, actor: monitorChangeActor(m.id), now: checkedAt }, m));
          await sql`release savepoint heartbeat_miss`.execute(tx);
        } catch (error) {
          await sql`rollback to savepoint heartbeat_miss`.execute(tx);
          broken.push({ monitorId: m.id, error });
        }
      }
      return { claimed: due.rows.length, done, broken };
    });
    missed.push(...batch.done);
    failed.push(...batch.broken);
    if (batch.claimed < batchSize) return { checkedAt, missed, failed };
  }
}

async function markMissed(ctx: ChangeContext, m: DueMonitor): Promise<MissedHeartbeat> {
  const suppressed = await isUnderMaintenance(ctx.tx, m.project_id, { monitorId: m.id }, ctx.now);
  const grace = m.grace_seconds > 0 ? ` + ${m.grace_seconds} s grace` : '';
  const alert = await trigger(ctx, 'alert', {
    title: `Heartbeat missed: ${m.name}`,
    description:
      `${m.last_ping_at ? `No ping since ${m.last_ping_at.toISOString()}` : 'No ping'}; the next was due by ${m.next_due_at.toISOString()} ` +
      `(every ${m.interval_seconds} s${grace}).`,
    severityId: m.alert_severity_id,
    monitorId: m.id,
    dedupKey: heartbeatDedupKey(m.id),
    source: 'heartbeat',
    suppressed,
  });
  await sql`update monitor set status = 'Down', current_alert_id = ${alert.id}, updated_at = ${ctx.now} where id = ${m.id}`.execute(ctx.tx);
  return { monitorId: m.id, projectId: m.project_id, alertId: alert.id, alertCreated: alert.created, suppressed };
}

/**
 * The earliest deadline at or after `from` among monitors that can still miss (not
 * Down), or `null`. Deadlines before `from` were already considered by a check that
 * used `from`; those still pending are held by another process or failing.
 */
export async function nextHeartbeatDeadline(db: Db, from: Date): Promise<Date | null> {
  const res = await sql<{ due: Date | null }>`select min(next_due_at) as due from monitor
    where status <> 'Down' and next_due_at >= ${from}`.execute(db);
  return res.rows[0]?.due ?? null;
}

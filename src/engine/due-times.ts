import { sql } from 'kysely';
import type { Db } from '../storage/database.ts';

/** What is due as seen from one instant. */
export interface DueTimes {
  /** The earliest `run_at` of a pending job due at or before the instant, if any. */
  readonly jobDue: Date | null;
  /** Whether an unconsumed domain event is due (new, or its retry time passed) at the instant. */
  readonly eventDue: boolean;
  /** The earliest time after the instant at which a pending job or an event's retry falls due. */
  readonly next: Date | null;
}

interface Row {
  job_due: Date | null;
  job_next: Date | null;
  event_due: boolean;
  event_next: Date | null;
}

/**
 * One round trip, each part answered from a partial index (`job_due_idx`, and
 * `domain_event_unconsumed_idx`), so it costs the same with any number of jobs pending
 * far in the future.
 */
export async function dueTimes(db: Db, at: Date): Promise<DueTimes> {
  const r = await sql<Row>`select
      (select min(run_at) from job where state = 'pending' and run_at <= ${at}) as job_due,
      (select min(run_at) from job where state = 'pending' and run_at > ${at}) as job_next,
      exists (select 1 from domain_event where consumed_at is null and (retry_at is null or retry_at <= ${at})) as event_due,
      (select min(retry_at) from domain_event where consumed_at is null and retry_at > ${at}) as event_next`.execute(db);
  const row = r.rows[0]!;
  return { jobDue: row.job_due, eventDue: row.event_due, next: earliest(row.job_next, row.event_next) };
}

function earliest(a: Date | null, b: Date | null): Date | null {
  if (!a) return b;
  if (!b) return a;
  return a.getTime() <= b.getTime() ? a : b;
}

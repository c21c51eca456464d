import { sql } from 'kysely';
import type { Db } from '../storage/database.ts';

export interface PruneOptions {
  /** Finished jobs older than this are deleted. */
  readonly retentionMs: number;
  /** Rows deleted per statement, so a large backlog never holds long locks. */
  readonly batchSize?: number;
}

/**
 * Deletes jobs that finished (`done` or `cancelled`) longer ago than the retention period,
 * in batches. Dead jobs are kept: they wait for a person. Pending and running jobs are never
 * touched. A pruned job's idempotency key is forgotten with it; every key names its run,
 * breach or step, whose follow-ups are all written long before the retention period ends.
 * Returns how many were deleted.
 */
export async function pruneFinishedJobs(db: Db, now: Date, opts: PruneOptions): Promise<number> {
  const cutoff = new Date(now.getTime() - opts.retentionMs);
  const batch = opts.batchSize ?? 1000;
  let total = 0;
  for (;;) {
    const r = await sql`delete from job where id in (
        select id from job where state in ('done', 'cancelled') and finished_at < ${cutoff} limit ${batch})`.execute(db);
    const n = Number(r.numAffectedRows ?? 0);
    total += n;
    if (n < batch) return total;
  }
}

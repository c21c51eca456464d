import { sql } from 'kysely';
import type { Clock } from '../storage/clock.ts';
import type { Db } from '../storage/database.ts';
import { retryDelayMs } from './backoff.ts';
import { runInClaimTransaction, type ClaimOutcome } from './claim-transaction.ts';
import { errorText } from './error-text.ts';
import type { Job, JobHandler } from './types.ts';

export interface JobRunnerDeps {
  readonly clock: Clock;
  readonly jobs: Readonly<Record<string, JobHandler>>;
  /** Written to `locked_by` with the claim. */
  readonly workerId: string;
  /** How long a claim's lease lasts (`locked_until` = claim time + this). */
  readonly leaseMs: number;
}

/** A claimed job with what the runner needs beyond the handler's view. */
export interface ClaimedJob extends Job {
  readonly maxAttempts: number;
  /** The clock's instant at the claim. */
  readonly claimedAt: Date;
}

/** The error a job of a kind with no handler fails with (and is dead-lettered with after its attempts). */
export class UnknownJobKindError extends Error {
  constructor(kind: string) {
    super(`no handler for job kind "${kind}"`);
    this.name = 'UnknownJobKindError';
  }
}

interface JobRow {
  id: string;
  project_id: string | null;
  kind: string;
  run_at: Date;
  payload: Record<string, unknown>;
  idempotency_key: string;
  group_key: string | null;
  attempts: number;
  max_attempts: number;
}

/**
 * Claims the earliest due pending job (`run_at <= now`, by `run_at`) with
 * `FOR UPDATE SKIP LOCKED`, writes its lease (`locked_until`, `locked_by`), runs its
 * handler and marks it `done`, all in one transaction. A job that throws (or whose kind
 * has no handler) has its writes rolled back and is rescheduled with exponential backoff,
 * or set `dead` once it has used `max_attempts`; `last_error` keeps the error.
 *
 * The lease is a record, not the lock: the row lock held by the open transaction is what
 * keeps other workers away, and a crash rolls the claim (lease included) back, so the job
 * is claimable again at once. Claims skip a row whose lease has not expired, so work
 * leased outside a transaction would be respected too.
 */
export function runNextJob(db: Db, deps: JobRunnerDeps): Promise<ClaimOutcome<ClaimedJob>> {
  return runInClaimTransaction<ClaimedJob>(db, {
    claim: (tx) => claimJob(tx, deps),
    work: async (tx, job) => {
      const handler = Object.hasOwn(deps.jobs, job.kind) ? deps.jobs[job.kind] : undefined;
      if (!handler) throw new UnknownJobKindError(job.kind);
      const { maxAttempts: _max, claimedAt, ...view } = job;
      await handler({ tx, job: view, now: claimedAt, clock: deps.clock });
      await sql`update job set state = 'done', finished_at = ${claimedAt}, updated_at = ${claimedAt}
        where id = ${job.id}`.execute(tx);
    },
    recordFailure: (tx, job, error) => recordJobFailure(tx, job, error, deps.clock.now()),
  });
}

async function claimJob(tx: Db, deps: JobRunnerDeps): Promise<ClaimedJob | undefined> {
  const now = deps.clock.now();
  const leaseUntil = new Date(now.getTime() + deps.leaseMs);
  const r = await sql<JobRow>`update job set locked_until = ${leaseUntil}, locked_by = ${deps.workerId}, updated_at = ${now}
    where id = (
      select id from job
      where state = 'pending' and run_at <= ${now} and (locked_until is null or locked_until <= ${now})
      order by run_at
      limit 1
      for update skip locked
    )
    returning id, project_id, kind, run_at, payload, idempotency_key, group_key, attempts, max_attempts`.execute(tx);
  const row = r.rows[0];
  if (!row) return undefined;
  return {
    id: row.id,
    projectId: row.project_id,
    kind: row.kind,
    runAt: row.run_at,
    payload: row.payload ?? {},
    key: row.idempotency_key,
    group: row.group_key,
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    claimedAt: now,
  };
}

/**
 * One more failed attempt: reschedule with backoff, or dead-letter after the last attempt.
 * Counts in SQL, so a failure recorded outside the claiming transaction still counts right.
 */
async function recordJobFailure(db: Db, job: ClaimedJob, error: unknown, now: Date): Promise<void> {
  const retryAt = new Date(now.getTime() + retryDelayMs(job.attempts + 1));
  await sql`update job set
      attempts = attempts + 1,
      last_error = ${errorText(error)},
      state = case when attempts + 1 >= max_attempts then 'dead' else 'pending' end,
      run_at = case when attempts + 1 >= max_attempts then run_at else ${retryAt} end,
      finished_at = case when attempts + 1 >= max_attempts then ${now}::timestamptz end,
      locked_until = null,
      updated_at = ${now}
    where id = ${job.id} and state = 'pending'`.execute(db);
}

import { sql } from 'kysely';
import type { Clock } from '../storage/clock.ts';
import type { Db } from '../storage/database.ts';
import { retryDelayMs } from './backoff.ts';
import { runInClaimTransaction, type ClaimOutcome } from './claim-transaction.ts';
import { errorText } from './error-text.ts';
import type { DomainEvent, DomainEventHandler } from './types.ts';

/** Attempts at consuming an event before it is set aside: marked consumed with its last error kept. */
export const MAX_EVENT_ATTEMPTS = 10;

export interface EventConsumerDeps {
  readonly clock: Clock;
  readonly consumers: readonly DomainEventHandler[];
}

/** A claimed event with what the runner needs beyond the consumers' view. */
export interface ClaimedEvent extends DomainEvent {
  readonly attempts: number;
  /** The clock's instant at the claim. */
  readonly claimedAt: Date;
}

interface EventRow {
  id: string;
  seq: number;
  project_id: string;
  event_type: string;
  subject_type: string;
  subject_id: string;
  payload: Record<string, unknown>;
  created_at: Date;
  attempts: number;
}

/**
 * Claims the unconsumed domain event with the lowest `seq` (`FOR UPDATE SKIP LOCKED`),
 * runs every consumer on it and sets `consumed_at`, all in one transaction: each event is
 * consumed exactly once, and every consumer's writes commit with the mark or not at all.
 *
 * When a consumer throws, the writes of all of them are rolled back, the attempt is
 * counted with `last_error`, and the event waits (`retry_at`, exponential backoff) while
 * later events go ahead. After MAX_EVENT_ATTEMPTS it is marked consumed with its error
 * kept, so a poison event is visible and never blocks the others.
 *
 * One worker consumes in `seq` order; several workers share the events, each in `seq` order,
 * and the events of one subject are consumed one after the other in `seq` order: an event is
 * skipped while an earlier event of its subject is unconsumed and due (being consumed by
 * another worker, say), so an `alert.acknowledged` never runs beside, or before, the
 * `alert.created` of its alert. An earlier event waiting for its retry does not hold it back.
 */
export function consumeNextEvent(db: Db, deps: EventConsumerDeps): Promise<ClaimOutcome<ClaimedEvent>> {
  return runInClaimTransaction<ClaimedEvent>(db, {
    claim: (tx) => claimEvent(tx, deps.clock.now()),
    work: async (tx, claimed) => {
      const { attempts: _attempts, claimedAt, ...event } = claimed;
      for (const consume of deps.consumers) await consume({ tx, event, now: claimedAt, clock: deps.clock });
      await sql`update domain_event set consumed_at = ${claimedAt}, retry_at = null where id = ${event.id}`.execute(tx);
    },
    recordFailure: (tx, event, error) => recordEventFailure(tx, event, error, deps.clock.now()),
  });
}

async function claimEvent(tx: Db, now: Date): Promise<ClaimedEvent | undefined> {
  const r = await sql<EventRow>`select e.id, e.seq, e.project_id, e.event_type, e.subject_type, e.subject_id, e.payload, e.created_at, e.attempts
    from domain_event e
    where e.consumed_at is null and (e.retry_at is null or e.retry_at <= ${now})
      and not exists (
        select 1 from domain_event p
        where p.consumed_at is null and p.subject_id = e.subject_id and p.subject_type = e.subject_type and p.seq < e.seq
          and (p.retry_at is null or p.retry_at <= ${now})
      )
    order by e.seq
    limit 1
    for update of e skip locked`.execute(tx);
  const row = r.rows[0];
  if (!row) return undefined;
  return {
    id: row.id,
    seq: row.seq,
    projectId: row.project_id,
    eventType: row.event_type,
    subjectType: row.subject_type,
    subjectId: row.subject_id,
    payload: row.payload ?? {},
    createdAt: row.created_at,
    attempts: row.attempts,
    claimedAt: now,
  };
}

/** One more failed attempt: wait with backoff, or set the event aside (consumed, error kept) after the last one. */
async function recordEventFailure(db: Db, event: ClaimedEvent, error: unknown, now: Date): Promise<void> {
  const retryAt = new Date(now.getTime() + retryDelayMs(event.attempts + 1));
  await sql`update domain_event set
      attempts = attempts + 1,
      last_error = ${errorText(error)},
      consumed_at = case when attempts + 1 >= ${MAX_EVENT_ATTEMPTS} then ${now}::timestamptz end,
      retry_at = case when attempts + 1 >= ${MAX_EVENT_ATTEMPTS} then null else ${retryAt}::timestamptz end
    where id = ${event.id} and consumed_at is null`.execute(db);
}

import { sql } from 'kysely';
import type { DomainEventHandler, EngineHandlers, JobHandler } from '../../src/engine/types.ts';
import type { Db } from '../../src/storage/database.ts';
import { newId } from '../../src/storage/ids.ts';

/** Handlers that tests add to as they go (the engine looks kinds and consumers up at run time). */
export interface TestHandlers {
  readonly handlers: EngineHandlers;
  /** Add a kind per test: `jobs['t.my-test'] = async (ctx) => ...`. */
  readonly jobs: Record<string, JobHandler>;
  /** Consumers see every project's events: filter on `ctx.event.projectId`. */
  readonly consumers: DomainEventHandler[];
}

export function testHandlers(): TestHandlers {
  const jobs: Record<string, JobHandler> = {};
  const consumers: DomainEventHandler[] = [];
  return { jobs, consumers, handlers: { jobs, events: consumers } };
}

export interface JobRowView {
  state: string;
  attempts: number;
  max_attempts: number;
  run_at: Date;
  last_error: string | null;
  finished_at: Date | null;
  locked_until: Date | null;
  locked_by: string | null;
  kind: string;
}

/** The job with this idempotency key. */
export async function jobByKey(db: Db, key: string): Promise<JobRowView | undefined> {
  const r = await sql<JobRowView>`select state, attempts, max_attempts, run_at, last_error, finished_at, locked_until, locked_by, kind
    from job where idempotency_key = ${key}`.execute(db);
  return r.rows[0];
}

/** Writes a domain event as the journal does; answers its id and seq. */
export async function insertEvent(db: Db, projectId: string, eventType: string, now: Date, payload: Record<string, unknown> = {}): Promise<{ id: string; seq: number }> {
  const id = newId();
  const r = await sql<{ seq: number }>`insert into domain_event (id, project_id, event_type, subject_type, subject_id, payload, created_at, updated_at)
    values (${id}, ${projectId}, ${eventType}, 'incident', ${newId()}, ${JSON.stringify(payload)}, ${now}, ${now}) returning seq`.execute(db);
  return { id, seq: r.rows[0]!.seq };
}

/** Writes one outbox row keyed `key` (what an escalation step would write). */
export async function insertOutbox(tx: Db, projectId: string, userId: string, key: string, now: Date): Promise<void> {
  await sql`insert into notification_outbox (id, project_id, idempotency_key, user_id, reason, title, send_after, created_at, updated_at)
    values (${newId()}, ${projectId}, ${key}, ${userId}, 'test', ${`step ${key}`}, ${now}, ${now}, ${now})`.execute(tx);
}

/** How many outbox rows have keys starting with `prefix`. */
export async function countOutbox(db: Db, prefix: string): Promise<number> {
  const r = await sql<{ n: number }>`select count(*)::int as n from notification_outbox where idempotency_key like ${`${prefix}%`}`.execute(db);
  return r.rows[0]!.n;
}

import { sql, type RawBuilder } from 'kysely';
import type { Db } from '../storage/database.ts';
import { newId } from '../storage/ids.ts';
import type { JobSpec } from './types.ts';

/**
 * Writes a job in the caller's transaction. A key already written (pending, done or
 * cancelled) is left alone, so a step that runs twice schedules its follow-up once.
 * Returns whether a new job was written.
 */
export async function enqueueJob(tx: Db, spec: JobSpec, now: Date): Promise<boolean> {
  const r = await jobInsert(spec, now).execute(tx);
  return Number(r.numAffectedRows ?? 0) > 0;
}

/** The statement {@link enqueueJob} runs, to send with other writes in one round trip (`writeTogether`). */
export function jobInsert(spec: JobSpec, now: Date): RawBuilder<unknown> {
  return sql`insert into job (id, project_id, kind, run_at, payload, idempotency_key, group_key, max_attempts, created_at, updated_at)
    values (${newId()}, ${spec.projectId}, ${spec.kind}, ${spec.runAt}, ${JSON.stringify(spec.payload ?? {})}, ${spec.key},
      ${spec.group ?? null}, ${spec.maxAttempts ?? 10}, ${now}, ${now})
    on conflict (idempotency_key) do nothing`;
}

/** Cancels every pending job of a group (e.g. an execution that was acknowledged). Returns how many. */
export async function cancelJobGroup(tx: Db, group: string, now: Date): Promise<number> {
  const r = await sql`update job set state = 'cancelled', finished_at = ${now}, updated_at = ${now}
    where group_key = ${group} and state = 'pending'`.execute(tx);
  return Number(r.numAffectedRows ?? 0);
}

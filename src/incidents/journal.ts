import { newId } from '../storage/ids.ts';
import { sql } from 'kysely';
import type { ChangeContext } from './change-context.ts';
import { eventPrefix, type SubjectType } from './subjects.ts';

export interface JournalEntry {
  readonly subjectType: SubjectType;
  readonly subjectId: string;
  /** Feed kind and event verb, e.g. `acknowledged` (event `incident.acknowledged`). */
  readonly kind: string;
  readonly message: string;
  readonly data?: Record<string, unknown>;
  /** Whether to write a domain event as well as the feed entry (default true). */
  readonly event?: boolean;
}

/**
 * Records a change in the subject's activity feed and, unless told not to, as a domain
 * event for the engine. Must run in the transaction that made the change.
 */
export async function journal(ctx: ChangeContext, e: JournalEntry): Promise<void> {
  const data = e.data ?? {};
  const feed = sql`insert into activity (id, project_id, subject_type, subject_id, kind, message, actor_type, actor_id, user_id, via, data, created_at, updated_at)
    values (${newId()}, ${ctx.projectId}, ${e.subjectType}, ${e.subjectId}, ${e.kind}, ${e.message}, ${ctx.actor.type},
      ${ctx.actor.id}, ${ctx.actor.userId}, ${ctx.actor.via}, ${JSON.stringify(data)}, ${ctx.now}, ${ctx.now})`;
  if (e.event === false) {
    await feed.execute(ctx.tx);
    return;
  }
  // Both rows in one statement: one round trip to the database instead of two.
  const payload = { ...data, actor: ctx.actor };
  await sql`with feed as (${feed})
    insert into domain_event (id, project_id, event_type, subject_type, subject_id, payload, created_at, updated_at)
    values (${newId()}, ${ctx.projectId}, ${`${eventPrefix(e.subjectType)}.${e.kind}`}, ${e.subjectType}, ${e.subjectId},
      ${JSON.stringify(payload)}, ${ctx.now}, ${ctx.now})`.execute(ctx.tx);
}

import { newId } from '../storage/ids.ts';
import { sql } from 'kysely';
import type { ChangeContext } from './change-context.ts';
import { journal } from './journal.ts';
import { label, TABLE, type EpisodeType } from './subjects.ts';

/**
 * The open episode with this group key from this source (integration, or the API when
 * none), opened if there is none (an Alertmanager group, or a grouping key over event
 * fields). Concurrent callers get the same episode.
 */
export async function openEpisode(
  ctx: ChangeContext,
  type: EpisodeType,
  input: {
    groupKey: string;
    title: string;
    integrationId?: string | null;
    description?: string | null;
    /** An open episode older than this stops taking members; a new one opens for the key. */
    windowSeconds?: number | null;
  },
): Promise<{ id: string; created: boolean }> {
  if (input.windowSeconds) await closeExpiredGroup(ctx, type, input.groupKey, input.integrationId ?? null, input.windowSeconds);
  const id = newId();
  const res = await sql<{ id: string; inserted: boolean }>`
    insert into ${sql.table(TABLE[type])} as t (id, project_id, title, description, group_key, integration_id, state, created_at, updated_at, created_by_user_id)
    values (${id}, ${ctx.projectId}, ${input.title}, ${input.description ?? null}, ${input.groupKey}, ${input.integrationId ?? null},
      'Created', ${ctx.now}, ${ctx.now}, ${ctx.actor.userId})
    on conflict (project_id, integration_id, group_key) where state <> 'Resolved' and group_key is not null
    do update set updated_at = t.updated_at
    returning id, (xmax = 0) as inserted`.execute(ctx.tx);
  const row = res.rows[0]!;
  if (row.inserted) {
    await journal(ctx, {
      subjectType: type,
      subjectId: row.id,
      kind: 'created',
      message: `${label(type)} created: ${input.title}`,
      data: { groupKey: input.groupKey },
    });
  }
  return { id: row.id, created: row.inserted };
}

/**
 * Stops an open episode whose grouping window has passed from taking new members: it keeps
 * its members and stays open until they resolve, but gives up its group key.
 */
async function closeExpiredGroup(ctx: ChangeContext, type: EpisodeType, groupKey: string, integrationId: string | null, windowSeconds: number): Promise<void> {
  const res = await sql<{ id: string }>`update ${sql.table(TABLE[type])} set group_key = null, updated_at = ${ctx.now}
    where project_id = ${ctx.projectId} and integration_id is not distinct from ${integrationId} and group_key = ${groupKey}
      and state <> 'Resolved' and created_at <= ${new Date(ctx.now.getTime() - windowSeconds * 1000)}
    returning id`.execute(ctx.tx);
  for (const row of res.rows) {
    await journal(ctx, {
      subjectType: type,
      subjectId: row.id,
      kind: 'grouping_closed',
      message: `${label(type)} takes no new members: its ${windowSeconds}-second grouping window has passed`,
      data: { groupKey, windowSeconds },
    });
  }
}

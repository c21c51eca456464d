import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { ChangeContext } from './change-context.ts';
import { journal } from './journal.ts';
import { label, TABLE, type EpisodeType } from './subjects.ts';

/**
 * The open episode with this group key from this source (integration, or the API when
 * none), opened if there is none (an Alertmanager group,
 * or a grouping key over labels). Concurrent callers get the same episode.
 */
export async function openEpisode(
  ctx: ChangeContext,
  type: EpisodeType,
  input: { groupKey: string; title: string; integrationId?: string | null; description?: string | null },
): Promise<{ id: string; created: boolean }> {
  const id = randomUUID();
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

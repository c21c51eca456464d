import { newId } from '../storage/ids.ts';
import { sql } from 'kysely';
import type { ChangeContext } from './change-context.ts';
import { journal } from './journal.ts';
import { followMembers } from './lifecycle.ts';
import { EPISODE_OF, label, TABLE, type ItemType } from './subjects.ts';

export interface TriggerInput {
  readonly title: string;
  readonly description?: string | null;
  readonly severityId?: string | null;
  readonly integrationId?: string | null;
  readonly monitorId?: string | null;
  /** Open items with the same key (and source) absorb the trigger instead of a new one opening. */
  readonly dedupKey?: string | null;
  readonly source: string;
  readonly labels?: readonly string[];
  readonly customFields?: Record<string, unknown>;
  readonly links?: readonly unknown[];
  readonly episodeId?: string | null;
  readonly suppressed?: boolean;
  /** Incidents only. */
  readonly priority?: string | null;
  readonly incidentType?: string | null;
  readonly assigneeUserId?: string | null;
}

export interface TriggerResult {
  readonly id: string;
  /** False when an open item with the dedup key absorbed the trigger. */
  readonly created: boolean;
}

/**
 * Opens an alert or incident, or folds the trigger into the open one with the same
 * dedup key and source. One statement decides, against a unique index, so concurrent
 * triggers with one key open exactly one item. Writes the feed entry and domain event.
 */
export async function trigger(ctx: ChangeContext, type: ItemType, input: TriggerInput): Promise<TriggerResult> {
  const id = newId();
  const cols: Record<string, unknown> = {
    id,
    project_id: ctx.projectId,
    title: input.title,
    description: input.description ?? null,
    severity_id: input.severityId ?? null,
    state: 'Created',
    integration_id: input.integrationId ?? null,
    monitor_id: input.monitorId ?? null,
    episode_id: input.episodeId ?? null,
    dedup_key: input.dedupKey ?? null,
    source: input.source,
    label_ids: [...(input.labels ?? [])],
    custom_fields: JSON.stringify(input.customFields ?? {}),
    links: JSON.stringify(input.links ?? []),
    is_suppressed: input.suppressed ?? false,
    event_count: 1,
    last_event_at: ctx.now,
    created_at: ctx.now,
    updated_at: ctx.now,
    created_by_user_id: ctx.actor.userId,
  };
  if (type === 'incident') {
    cols.priority = input.priority ?? null;
    cols.incident_type = input.incidentType ?? null;
    cols.assignee_user_id = input.assigneeUserId ?? null;
    cols.assigned_at = input.assigneeUserId ? ctx.now : null;
  }
  const names = Object.keys(cols);
  const res = await sql<{ id: string; inserted: boolean; event_count: number }>`
    insert into ${sql.table(TABLE[type])} as t (${sql.join(names.map((n) => sql.ref(n)))})
    values (${sql.join(names.map((n) => cols[n]))})
    on conflict (project_id, integration_id, dedup_key) where state <> 'Resolved' and dedup_key is not null
    do update set event_count = t.event_count + 1, last_event_at = excluded.last_event_at, updated_at = excluded.updated_at
    returning id, (xmax = 0) as inserted, event_count`.execute(ctx.tx);
  const row = res.rows[0]!;
  if (row.inserted) {
    await journal(ctx, {
      subjectType: type,
      subjectId: row.id,
      kind: 'created',
      message: `${label(type)} created: ${input.title}${input.suppressed ? ' (suppressed by scheduled maintenance)' : ''}`,
      data: { source: input.source, dedupKey: input.dedupKey ?? null, suppressed: input.suppressed ?? false },
    });
    if (input.assigneeUserId) {
      await journal(ctx, {
        subjectType: type,
        subjectId: row.id,
        kind: 'assigned',
        message: `Incident assigned to user ${input.assigneeUserId}`,
        data: { assigneeUserId: input.assigneeUserId, previousAssigneeUserId: null },
      });
    }
    if (input.episodeId) await followMembers(ctx, EPISODE_OF[type], input.episodeId);
  } else {
    await journal(ctx, {
      subjectType: type,
      subjectId: row.id,
      kind: 'deduplicated',
      message: `Another trigger with dedup key ${input.dedupKey} folded into this ${type} (${row.event_count} events)`,
      data: { source: input.source, dedupKey: input.dedupKey ?? null, eventCount: row.event_count },
    });
  }
  return { id: row.id, created: row.inserted };
}

/** The id of the open item with this dedup key from this source, if any. */
export async function findOpenByDedupKey(
  ctx: ChangeContext,
  type: ItemType,
  integrationId: string | null,
  dedupKey: string,
): Promise<string | null> {
  const res = await sql<{ id: string }>`select id from ${sql.table(TABLE[type])}
    where project_id = ${ctx.projectId} and integration_id is not distinct from ${integrationId}
      and dedup_key = ${dedupKey} and state <> 'Resolved'`.execute(ctx.tx);
  return res.rows[0]?.id ?? null;
}

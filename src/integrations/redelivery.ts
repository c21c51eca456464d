import { sql } from 'kysely';
import type { ChangeContext } from '../incidents/change-context.ts';
import { TABLE, type ItemType } from '../incidents/subjects.ts';

/**
 * The open item with this dedup key from this integration whose custom fields already
 * include every one of `fields` (for example `{startsAt}` of an Alertmanager alert), or
 * `null`. A match means the trigger is a redelivery of one already recorded.
 */
export async function findOpenOccurrence(
  ctx: ChangeContext,
  type: ItemType,
  integrationId: string,
  dedupKey: string,
  fields: Readonly<Record<string, string>>,
): Promise<string | null> {
  const res = await sql<{ id: string }>`select id from ${sql.table(TABLE[type])}
    where project_id = ${ctx.projectId} and integration_id = ${integrationId} and dedup_key = ${dedupKey}
      and state <> 'Resolved' and custom_fields @> ${JSON.stringify(fields)}::jsonb`.execute(ctx.tx);
  return res.rows[0]?.id ?? null;
}

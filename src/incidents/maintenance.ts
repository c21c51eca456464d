import { sql, type RawBuilder } from 'kysely';
import type { Db } from '../storage/database.ts';

type Source = { integrationId?: string | null; monitorId?: string | null };

/**
 * Whether a scheduled maintenance window of the project covers this source now: alerts
 * it raises are recorded but marked suppressed (no paging).
 */
export async function isUnderMaintenance(db: Db, projectId: string, source: Source, now: Date): Promise<boolean> {
  const res = await sql<{ covered: boolean }>`select ${maintenanceQuery(projectId, source, now)} as covered`.execute(db);
  return res.rows[0]?.covered === true;
}

/** The same check as {@link isUnderMaintenance}, as a SQL expression to embed in a larger query. */
export function maintenanceQuery(projectId: string, source: Source, now: Date): RawBuilder<boolean> {
  if (!source.integrationId && !source.monitorId) return sql<boolean>`false`;
  return sql<boolean>`exists (select 1 from scheduled_maintenance
    where project_id = ${projectId} and starts_at <= ${now} and ends_at > ${now}
      and ((${source.integrationId ?? null}::uuid is not null and ${source.integrationId ?? null}::uuid = any(integration_ids))
        or (${source.monitorId ?? null}::uuid is not null and ${source.monitorId ?? null}::uuid = any(monitor_ids))))`;
}

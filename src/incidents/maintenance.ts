import { sql } from 'kysely';
import type { Db } from '../storage/database.ts';

/**
 * Whether a scheduled maintenance window of the project covers this source now: alerts
 * it raises are recorded but marked suppressed (no paging).
 */
export async function isUnderMaintenance(
  db: Db,
  projectId: string,
  source: { integrationId?: string | null; monitorId?: string | null },
  now: Date,
): Promise<boolean> {
  if (!source.integrationId && !source.monitorId) return false;
  const res = await sql`select 1 from scheduled_maintenance
    where project_id = ${projectId} and starts_at <= ${now} and ends_at > ${now}
      and ((${source.integrationId ?? null}::uuid is not null and ${source.integrationId ?? null}::uuid = any(integration_ids))
        or (${source.monitorId ?? null}::uuid is not null and ${source.monitorId ?? null}::uuid = any(monitor_ids)))
    limit 1`.execute(db);
  return res.rows.length > 0;
}

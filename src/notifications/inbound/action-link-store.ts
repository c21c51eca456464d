import { sql } from 'kysely';
import type { Db } from '../../storage/database.ts';
import type { Method } from '../model.ts';

/** The delivery a signed action link names, as its confirmation page shows it. */
export interface LinkedDelivery {
  readonly id: string;
  readonly projectId: string;
  readonly method: Method;
  readonly title: string;
  /** What acknowledging acts on, or null when the message was about nothing that can be acknowledged. */
  readonly subjectType: 'incident' | 'alert' | 'alert-episode' | 'incident-episode' | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The delivery with this id, or null when there is none (deleted with its project, or not an id at all). Never throws for a bad id. */
export async function linkedDelivery(db: Db, deliveryId: string): Promise<LinkedDelivery | null> {
  if (!UUID.test(deliveryId)) return null;
  const r = await sql<{
    id: string;
    project_id: string;
    method: Method;
    title: string;
    incident_id: string | null;
    alert_id: string | null;
    alert_episode_id: string | null;
    incident_episode_id: string | null;
  }>`select id, project_id, method, title, incident_id, alert_id, alert_episode_id, incident_episode_id
    from notification_delivery where id = ${deliveryId}`.execute(db);
  const row = r.rows[0];
  if (!row) return null;
  const subjectType = row.incident_episode_id
    ? 'incident-episode'
    : row.alert_episode_id
      ? 'alert-episode'
      : row.incident_id
        ? 'incident'
        : row.alert_id
          ? 'alert'
          : null;
  return { id: row.id, projectId: row.project_id, method: row.method, title: row.title, subjectType };
}

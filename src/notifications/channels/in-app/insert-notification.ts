import { sql } from 'kysely';
import type { Db } from '../../../storage/database.ts';
import { newId } from '../../../storage/ids.ts';

/** An in-app notification as the channel writes it. */
export interface NewInAppNotification {
  readonly projectId: string;
  readonly userId: string;
  readonly deliveryId: string;
  readonly title: string;
  readonly body: string;
  readonly data: Readonly<Record<string, unknown>>;
  readonly now: Date;
}

/**
 * Writes the user's in-app notification for a delivery, at most once per delivery (a unique
 * index on `delivery_id`; a second write does nothing). Answers the row's id: the new one, or
 * the one an earlier attempt wrote. Its insert trigger wakes the user's live feeds.
 */
export async function insertInAppNotification(db: Db, n: NewInAppNotification): Promise<string> {
  const inserted = await sql<{ id: string }>`insert into in_app_notification (id, project_id, user_id, delivery_id, title, body, data, created_at, updated_at)
    values (${newId()}, ${n.projectId}, ${n.userId}, ${n.deliveryId}, ${n.title}, ${n.body}, ${JSON.stringify(n.data)}, ${n.now}, ${n.now})
    on conflict do nothing returning id`.execute(db);
  if (inserted.rows[0]) return inserted.rows[0].id;
  const existing = await findByDelivery(db, n.deliveryId);
  if (!existing) throw new Error(`in-app notification of delivery ${n.deliveryId} was neither written nor found`);
  return existing;
}

/** The id of the in-app notification written for a delivery, if any. */
export async function findByDelivery(db: Db, deliveryId: string): Promise<string | null> {
  const r = await sql<{ id: string }>`select id from in_app_notification where delivery_id = ${deliveryId}`.execute(db);
  return r.rows[0]?.id ?? null;
}

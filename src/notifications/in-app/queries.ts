import { sql } from 'kysely';
import type { Db } from '../../storage/database.ts';

/** An in-app notification as the feed and the list show it. */
export interface InAppNotification {
  readonly id: string;
  /** Position in the feed: increases with every notification written; the stream's event id. */
  readonly seq: number;
  readonly title: string;
  readonly body: string;
  readonly data: Readonly<Record<string, unknown>>;
  readonly readAt: string | null;
  readonly createdAt: string;
}

interface Row {
  id: string;
  seq: number;
  title: string;
  body: string;
  data: Record<string, unknown> | null;
  read_at: Date | null;
  created_at: Date;
}

function toNotification(r: Row): InAppNotification {
  return {
    id: r.id,
    seq: Number(r.seq),
    title: r.title,
    body: r.body,
    data: r.data ?? {},
    readAt: r.read_at ? new Date(r.read_at).toISOString() : null,
    createdAt: new Date(r.created_at).toISOString(),
  };
}

/** A user's notifications in one project with `seq` above `after`, oldest first, at most `limit`. */
export async function notificationsAfter(db: Db, projectId: string, userId: string, after: number, limit: number): Promise<InAppNotification[]> {
  const r = await sql<Row>`select id, seq, title, body, data, read_at, created_at from in_app_notification
    where project_id = ${projectId} and user_id = ${userId} and seq > ${after}
    order by seq limit ${limit}`.execute(db);
  return r.rows.map(toNotification);
}

/** The highest `seq` of a user's notifications in one project (0 when there are none): "from now on". */
export async function latestSeq(db: Db, projectId: string, userId: string): Promise<number> {
  const r = await sql<{ seq: number | null }>`select max(seq) as seq from in_app_notification
    where project_id = ${projectId} and user_id = ${userId}`.execute(db);
  return Number(r.rows[0]?.seq ?? 0);
}

/** Who a notification of the project belongs to, or undefined when the project has no such notification. */
export async function notificationOwner(db: Db, projectId: string, id: string): Promise<string | undefined> {
  const r = await sql<{ user_id: string }>`select user_id from in_app_notification where id = ${id} and project_id = ${projectId}`.execute(db);
  return r.rows[0]?.user_id;
}

/** Marks a notification read (the first time counts; marking again changes nothing). Answers it as it now is. */
export async function markRead(db: Db, projectId: string, id: string, now: Date): Promise<InAppNotification | undefined> {
  const r = await sql<Row>`update in_app_notification set read_at = coalesce(read_at, ${now}),
      updated_at = case when read_at is null then ${now} else updated_at end
    where id = ${id} and project_id = ${projectId}
    returning id, seq, title, body, data, read_at, created_at`.execute(db);
  return r.rows[0] ? toNotification(r.rows[0]) : undefined;
}

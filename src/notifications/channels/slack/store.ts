import { sql } from 'kysely';
import type { Db } from '../../../storage/database.ts';

/** A Slack delivery as the interactivity endpoint reads it. */
export interface SlackDelivery {
  readonly id: string;
  readonly project_id: string;
  /** `<channel>:<ts>` of the posted message. */
  readonly provider_message_id: string | null;
  readonly title: string;
}

/** The Slack delivery `id` (null when there is none, or it is not a Slack message). `id` must be a UUID. */
export async function slackDelivery(db: Db, id: string): Promise<SlackDelivery | null> {
  const r = await sql<SlackDelivery>`select id, project_id, provider_message_id, title from notification_delivery
    where id = ${id} and method = 'slack'`.execute(db);
  return r.rows[0] ?? null;
}

/** The Vigil user whose Slack contact method (in `projectId`) is the member `slackUserId`, if any. */
export async function userOfSlackMember(db: Db, projectId: string, slackUserId: string): Promise<string | null> {
  const r = await sql<{ user_id: string }>`select user_id from contact_method
    where project_id = ${projectId} and kind = 'slack' and address = ${slackUserId} and user_id is not null
    order by created_at limit 1`.execute(db);
  return r.rows[0]?.user_id ?? null;
}

/** Records `key` as seen at `now`. Answers false when it was seen before (a replay). */
export async function firstSighting(db: Db, key: string, now: Date): Promise<boolean> {
  const r = await sql<{ key: string }>`insert into inbound_replay (key, seen_at) values (${key}, ${now})
    on conflict (key) do nothing returning key`.execute(db);
  return r.rows.length > 0;
}

/** Forgets the keys starting with `prefix` seen before `before` (no longer replayable: their timestamps are stale). */
export async function pruneSightings(db: Db, prefix: string, before: Date): Promise<number> {
  const r = await sql`delete from inbound_replay where key like ${`${prefix}%`} and seen_at < ${before}`.execute(db);
  return Number(r.numAffectedRows ?? 0);
}

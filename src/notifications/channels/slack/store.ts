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

export { firstSighting, pruneSightings } from '../../inbound/replay.ts';

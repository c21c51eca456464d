import { sql } from 'kysely';
import type { Db } from '../../../storage/database.ts';

/** A delivery as Twilio's inbound endpoints read it. */
export interface TwilioDelivery {
  readonly id: string;
  readonly project_id: string;
  readonly method: string;
  readonly status: string;
  readonly recipient: string | null;
  readonly provider_message_id: string | null;
  readonly title: string;
}

const COLUMNS = sql`id, project_id, method, status, recipient, provider_message_id, title`;

/** How a provider status callback moves a delivery. */
export type StatusChange =
  | { readonly kind: 'delivered'; readonly providerStatus: string; readonly message: string }
  | { readonly kind: 'failed'; readonly providerStatus: string; readonly message: string }
  | { readonly kind: 'progress'; readonly providerStatus: string };

/** The delivery of `method` whose provider id is `sid` (a message SM… or call CA…). */
export async function deliveryBySid(db: Db, method: 'sms' | 'call', sid: string): Promise<TwilioDelivery | undefined> {
  const r = await sql<TwilioDelivery>`select ${COLUMNS} from notification_delivery
    where provider_message_id = ${sid} and method = ${method} order by created_at desc limit 1`.execute(db);
  return r.rows[0];
}

/** The delivery `id` when it is of `method`. */
export async function deliveryById(db: Db, method: 'sms' | 'call', id: string): Promise<TwilioDelivery | undefined> {
  const r = await sql<TwilioDelivery>`select ${COLUMNS} from notification_delivery where id = ${id} and method = ${method}`.execute(db);
  return r.rows[0];
}

/**
 * The projects that may have a say about a phone number: those that texted it since `since`,
 * and those with an SMS or voice contact method at it (at most 50, most recent first).
 */
export async function projectsOfNumber(db: Db, number: string, since: Date): Promise<string[]> {
  const r = await sql<{ project_id: string }>`select project_id from (
      select project_id, max(created_at) as at from notification_delivery
        where recipient = ${number} and method = 'sms' and created_at > ${since} group by project_id
      union all
      select project_id, max(updated_at) as at from contact_method where address = ${number} and kind in ('sms', 'call') group by project_id
    ) p group by project_id order by max(at) desc limit 50`.execute(db);
  return r.rows.map((row) => row.project_id);
}

/** The most recent SMS to `number` with reply code `code` since `since`, in one of `projectIds`. */
export async function deliveryByReplyCode(db: Db, number: string, code: number, since: Date, projectIds: readonly string[]): Promise<TwilioDelivery | undefined> {
  if (projectIds.length === 0) return undefined;
  const r = await sql<TwilioDelivery>`select ${COLUMNS} from notification_delivery
    where recipient = ${number} and reply_code = ${code} and method = 'sms' and created_at > ${since}
      and project_id = any(${[...projectIds]}::uuid[])
    order by created_at desc, id desc limit 1`.execute(db);
  return r.rows[0];
}

/**
 * Turns every SMS and voice contact method at `number` in `projectIds` off (`STOP`, with the
 * reason `replied STOP`) or back on (`START`: only those a `STOP` turned off). Answers how many changed.
 */
export async function setNumberStopped(db: Db, number: string, projectIds: readonly string[], stopped: boolean, now: Date): Promise<number> {
  if (projectIds.length === 0) return 0;
  const ids = [...projectIds];
  const r = stopped
    ? await sql`update contact_method set is_disabled = true, disabled_reason = ${STOP_REASON}, updated_at = ${now}
        where address = ${number} and kind in ('sms', 'call') and project_id = any(${ids}::uuid[]) and not is_disabled`.execute(db)
    : await sql`update contact_method set is_disabled = false, disabled_reason = null, updated_at = ${now}
        where address = ${number} and kind in ('sms', 'call') and project_id = any(${ids}::uuid[]) and is_disabled
          and disabled_reason = ${STOP_REASON}`.execute(db);
  return Number(r.numAffectedRows ?? 0);
}

/** Why a contact method is off after its owner texted `STOP`. */
export const STOP_REASON = 'replied STOP';

/**
 * Applies a status callback to a delivery: `Delivered` or `Failed` only from `Sending`, `Sent`
 * or `Unknown` (a final status never moves back); a progress status only updates the provider's
 * word while the delivery is not final. Answers whether the row changed.
 */
export async function applyStatusChange(db: Db, deliveryId: string, change: StatusChange, now: Date): Promise<boolean> {
  const r =
    change.kind === 'delivered'
      ? await sql`update notification_delivery set status = 'Delivered', status_message = ${change.message},
            provider_status = ${change.providerStatus}, delivered_at = ${now}, updated_at = ${now}
          where id = ${deliveryId} and status in ('Sending', 'Sent', 'Unknown')`.execute(db)
      : change.kind === 'failed'
        ? await sql`update notification_delivery set status = 'Failed', status_message = ${change.message}, failed_reason = 'PROVIDER_ERROR',
              provider_status = ${change.providerStatus}, updated_at = ${now}
            where id = ${deliveryId} and status in ('Sending', 'Sent', 'Unknown')`.execute(db)
        : await sql`update notification_delivery set provider_status = ${change.providerStatus}, updated_at = ${now}
            where id = ${deliveryId} and status not in ('Delivered', 'Failed')`.execute(db);
  return Number(r.numAffectedRows ?? 0) > 0;
}

/** Records a delivery's cost from Twilio's price (a decimal string in USD, conventionally negative): |price| × 100 cents. */
export async function recordPrice(db: Db, deliveryId: string, price: string, now: Date): Promise<void> {
  if (!/^-?\d{1,8}(\.\d{1,10})?$/.test(price)) return;
  await sql`update notification_delivery set cost_usd_cents = abs(${price}::numeric) * 100, updated_at = ${now} where id = ${deliveryId}`.execute(db);
}


export { firstSighting } from '../../inbound/replay.ts';

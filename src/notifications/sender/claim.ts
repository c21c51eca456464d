import { sql } from 'kysely';
import type { Db } from '../../storage/database.ts';
import { newId } from '../../storage/ids.ts';
import type { Channel, OutgoingMessage } from '../channels/channel.ts';
import { MEDIUM_OF, type FailedReason, type IgnoredReason, type Method } from '../model.ts';
import type { SecretBox } from '../secrets.ts';
import { contactChildren, personalRuleChildren, writeChildren } from './expand.ts';
import { buildMessage, loadContact, loadUser, recipientOf, type ContactRow } from './message.ts';
import { CORRELATION_COLUMNS, OUTBOX_COLUMNS, type OutboxRow } from './outbox-row.ts';
import { throttleCheck, type ThrottleRule } from './throttle.ts';

/** A message claimed for sending: its outbox row is `Sending` under a lease, its delivery and attempt rows written. */
export interface ClaimedSend {
  readonly outboxId: string;
  readonly attemptId: string;
  readonly channel: Channel;
  readonly message: OutgoingMessage;
  readonly startedAt: Date;
  /** For the outcome: the timeline row of the run step that asked for it, if any. */
  readonly timelineId: string | null;
}

export interface ClaimDeps {
  readonly channels: ReadonlyMap<Method, Channel>;
  readonly box: SecretBox;
  readonly workerId: string;
  readonly leaseMs: number;
  readonly throttles?: Readonly<Partial<Record<Method, ThrottleRule>>>;
}

/** What one claim transaction did. */
export interface ClaimResult {
  readonly sends: ClaimedSend[];
  /** Rows expanded, ignored, failed or cancelled without a provider call. */
  readonly settled: number;
}

/**
 * Claims up to `limit` due outbox rows (`Pending`, `send_after <= now`) with `FOR UPDATE SKIP
 * LOCKED` in the caller's transaction and decides each: expand it (personal rules, or one row
 * per contact method), settle it without a call (ignored with its reason, failed), or mark it
 * `Sending` under a lease with its delivery and attempt rows, to be sent after commit.
 */
export async function claimDue(tx: Db, deps: ClaimDeps, now: Date, limit: number): Promise<ClaimResult> {
  const rows = await sql<OutboxRow>`select ${sql.raw(OUTBOX_COLUMNS)} from notification_outbox
    where status = 'Pending' and send_after <= ${now}
    order by send_after, id limit ${limit} for update skip locked`.execute(tx);
  const sends: ClaimedSend[] = [];
  let settled = 0;
  for (const row of rows.rows) {
    const send = await decide(tx, deps, row, now);
    if (send) sends.push(send);
    else settled += 1;
  }
  return { sends, settled };
}

async function decide(tx: Db, deps: ClaimDeps, row: OutboxRow, now: Date): Promise<ClaimedSend | null> {
  if (row.method === null) {
    const children = await personalRuleChildren(tx, row);
    if (children === 'opted-out') {
      await ignore(tx, row, null, null, 'USER_UNSUBSCRIBED', 'Ignored: the user opted out of notifications for this event.', now);
      return null;
    }
    if (children.length === 0) {
      await settleRow(tx, row, 'Ignored', 'Ignored: the user has no notification rule for this event and email fallback is off.', now);
      return null;
    }
    await writeChildren(tx, row, children, now);
    return null;
  }
  const channel = deps.channels.get(row.method);
  if (!channel) {
    await fail(tx, row, null, null, 'INTERNAL_ERROR', `Failed: no channel sends "${row.method}" messages.`, now);
    return null;
  }
  let contact: ContactRow | null = null;
  if (row.contact_method_id) {
    contact = (await loadContact(tx, row.project_id, row.contact_method_id)) ?? null;
    if (!contact) {
      await ignore(tx, row, null, null, 'NO_RECIPIENTS', 'Ignored: the contact method was deleted.', now);
      return null;
    }
  } else if (channel.contactKind && !(row.method === 'email' && row.user_id && (await hasNoEmails(tx, row)))) {
    const children = await contactChildren(tx, row, row.method, channel.contactKind);
    if (children.length === 0) {
      await ignore(tx, row, null, null, 'NO_RECIPIENTS', `Ignored: no ${channel.contactKind} contact method to send to.`, now);
      return null;
    }
    await writeChildren(tx, row, children, now);
    return null;
  }
  const user = await loadUser(tx, row.user_id);
  const recipient = recipientOf(row.method, contact, user, row.user_id);
  if (!recipient) {
    await ignore(tx, row, contact, null, 'NO_RECIPIENTS', `Ignored: nowhere to send this ${row.method} message.`, now);
    return null;
  }
  if (contact && contact.is_disabled) {
    await ignore(tx, row, contact, recipient, 'USER_UNSUBSCRIBED', `Ignored: ${recipient} is switched off (${contact.disabled_reason ?? 'by its owner'}).`, now);
    return null;
  }
  if (contact && !contact.is_verified && row.reason !== 'verification') {
    await ignore(tx, row, contact, recipient, 'NOT_VERIFIED', `Ignored: ${recipient} is not verified yet.`, now);
    return null;
  }
  if (row.attempts === 0 && row.reason !== 'verification') {
    const throttled = await throttleCheck(tx, { method: row.method, recipient, title: row.title, body: row.body, now }, deps.throttles);
    if (throttled) {
      await ignore(tx, row, contact, recipient, throttled.reason, throttled.message, now);
      return null;
    }
  }
  const attempt = row.attempts + 1;
  const deliveryId = await upsertDelivery(tx, row, contact, recipient, 'Sending', 'Sending.', now);
  const replyCode = await replyCodeFor(tx, deliveryId, row, recipient, now);
  const attemptId = newId();
  await sql`insert into notification_attempt (id, project_id, delivery_id, attempt_no, status, started_at, created_at, updated_at)
    values (${attemptId}, ${row.project_id}, ${deliveryId}, ${attempt}, 'Sending', ${now}, ${now}, ${now})
    on conflict (delivery_id, attempt_no) do nothing`.execute(tx);
  await sql`update notification_outbox set status = 'Sending', attempts = ${attempt}, locked_until = ${new Date(now.getTime() + deps.leaseMs)},
      locked_by = ${deps.workerId}, status_message = ${`Sending (attempt ${attempt}).`}, updated_at = ${now}
    where id = ${row.id}`.execute(tx);
  const message = buildMessage(row, row.method, contact, user, { id: deliveryId, attempt, replyCode }, deps.box);
  const timelineId = typeof row.payload?.timelineId === 'string' ? row.payload.timelineId : null;
  return { outboxId: row.id, attemptId, channel, message, startedAt: now, timelineId };
}

/** Whether a user has no email contact method (then email goes to their account address). */
async function hasNoEmails(tx: Db, row: OutboxRow): Promise<boolean> {
  const r = await sql<{ n: string }>`select count(*) as n from contact_method
    where project_id = ${row.project_id} and user_id = ${row.user_id} and kind = 'email'`.execute(tx);
  return Number(r.rows[0]?.n ?? 0) === 0;
}

/**
 * Writes (or, on a retry, updates) the delivery row of an outbox row: one per message, with
 * every correlation id. Answers its id.
 */
export async function upsertDelivery(
  tx: Db,
  row: OutboxRow,
  contact: ContactRow | null,
  recipient: string | null,
  status: string,
  message: string,
  now: Date,
  extra: { ignoredReason?: IgnoredReason; failedReason?: FailedReason } = {},
): Promise<string> {
  const method = (row.method ?? 'email') as Method;
  const cols = sql.join(CORRELATION_COLUMNS.map((k) => sql.ref(k)));
  const vals = sql.join(CORRELATION_COLUMNS.map((k) => sql`${row[k]}`));
  const r = await sql<{ id: string }>`insert into notification_delivery (id, project_id, outbox_id, medium, method, reason, user_id, contact_method_id,
      recipient, title, body, status, status_message, ignored_reason, failed_reason, attempts, ${cols}, created_at, updated_at)
    values (${newId()}, ${row.project_id}, ${row.id}, ${MEDIUM_OF[method]}, ${method}, ${row.reason}, ${row.user_id}, ${contact?.id ?? null},
      ${recipient}, ${row.title}, ${row.body}, ${status}, ${message}, ${extra.ignoredReason ?? null}, ${extra.failedReason ?? null},
      ${status === 'Sending' ? row.attempts + 1 : row.attempts}, ${vals}, ${now}, ${now})
    on conflict (outbox_id) do update set status = excluded.status, status_message = excluded.status_message,
      ignored_reason = excluded.ignored_reason, failed_reason = excluded.failed_reason, attempts = excluded.attempts, updated_at = excluded.updated_at
    returning id`.execute(tx);
  return r.rows[0]!.id;
}

const SMS_REPLY_METHODS = new Set<Method>(['sms']);
const DAY = 86_400_000;

/** Gives an SMS about an incident or alert a reply code, the next free one for its number (1–99, recent ones first). */
async function replyCodeFor(tx: Db, deliveryId: string, row: OutboxRow, recipient: string, now: Date): Promise<number | null> {
  if (!row.method || !SMS_REPLY_METHODS.has(row.method)) return null;
  if (!(row.incident_id || row.alert_id || row.alert_episode_id || row.incident_episode_id)) return null;
  const existing = await sql<{ reply_code: number | null }>`select reply_code from notification_delivery where id = ${deliveryId}`.execute(tx);
  if (existing.rows[0]?.reply_code) return existing.rows[0].reply_code;
  const last = await sql<{ reply_code: number }>`select reply_code from notification_delivery
    where recipient = ${recipient} and reply_code is not null and created_at > ${new Date(now.getTime() - DAY)}
    order by created_at desc, id desc limit 1`.execute(tx);
  const code = ((last.rows[0]?.reply_code ?? 0) % 99) + 1;
  await sql`update notification_delivery set reply_code = ${code} where id = ${deliveryId}`.execute(tx);
  return code;
}

async function ignore(tx: Db, row: OutboxRow, contact: ContactRow | null, recipient: string | null, reason: IgnoredReason, message: string, now: Date): Promise<void> {
  await upsertDelivery(tx, row, contact, recipient, 'Ignored', message, now, { ignoredReason: reason });
  await settleRow(tx, row, 'Ignored', message, now);
}

async function fail(tx: Db, row: OutboxRow, contact: ContactRow | null, recipient: string | null, reason: FailedReason, message: string, now: Date): Promise<void> {
  await upsertDelivery(tx, row, contact, recipient, 'Failed', message, now, { failedReason: reason });
  await settleRow(tx, row, 'Error', message, now);
}

async function settleRow(tx: Db, row: OutboxRow, status: string, message: string, now: Date): Promise<void> {
  await sql`update notification_outbox set status = ${status}, status_message = ${message}, locked_until = null, updated_at = ${now}
    where id = ${row.id}`.execute(tx);
}

import { sql } from 'kysely';
import type { Db } from '../../storage/database.ts';
import { newId } from '../../storage/ids.ts';
import type { Channel, OutgoingMessage } from '../channels/channel.ts';
import { MEDIUM_OF, type FailedReason, type IgnoredReason, type Method } from '../model.ts';
import type { SecretBox } from '../secrets.ts';
import { contactChildren, personalRuleChildren, writeChildren, type ChildSpec } from './expand.ts';
import { buildMessage, loadContactAndUser, loadUser, recipientOf, type ContactRow } from './message.ts';
import { CORRELATION_COLUMNS, OUTBOX_COLUMNS, type OutboxRow } from './outbox-row.ts';
import { BatchThrottle, contentKey, throttleCheck, type ThrottleProbe, type ThrottleRule } from './throttle.ts';

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
  const known = await prefetch(tx, rows.rows, now, deps.throttles);
  for (const row of rows.rows) {
    const before = sends.length;
    await decide(tx, deps, row, now, sends, known);
    if (sends.length === before) settled += 1;
  }
  return { sends, settled };
}

/** The contact method and user of each claimed row that names a contact method, by outbox row id. */
interface Prefetched {
  readonly contacts: ReadonlyMap<string, { contact: ContactRow | null; user: { name: string | null; email: string | null } }>;
  readonly throttle: BatchThrottle;
}

/**
 * Loads the contact methods and users of a batch of claimed rows in one round trip, then the
 * throttles of the messages they make in one more, instead of two round trips per row.
 */
async function prefetch(tx: Db, rows: readonly OutboxRow[], now: Date, throttles: ClaimDeps['throttles']): Promise<Prefetched> {
  const contacts = await prefetchContacts(tx, rows);
  const probes: ThrottleProbe[] = [];
  for (const row of rows) {
    const found = contacts.get(row.id);
    if (!found?.contact || !row.method || row.attempts > 0 || row.reason === 'verification') continue;
    const recipient = recipientOf(row.method, found.contact, found.user, row.user_id);
    if (recipient) probes.push({ method: row.method, recipient, title: row.title, body: row.body });
  }
  return { contacts, throttle: await BatchThrottle.load(tx, probes, now, throttles) };
}

async function prefetchContacts(tx: Db, rows: readonly OutboxRow[]): Promise<Prefetched['contacts']> {
  const wanted = rows.filter((r) => r.contact_method_id);
  const out = new Map<string, { contact: ContactRow | null; user: { name: string | null; email: string | null } }>();
  if (wanted.length === 0) return out;
  const pairs = wanted.map((r) => ({ o: r.id, c: r.contact_method_id, u: r.user_id, p: r.project_id }));
  const r = await sql<ContactRow & { outbox_id: string; found: boolean; user_name: string | null; user_email: string | null }>`select
      x.o as outbox_id, c.id is not null as found, c.id, c.user_id, c.kind, c.address, c.is_verified, c.is_disabled, c.disabled_reason,
      c.secret_encrypted, u.name as user_name, u.email as user_email
    from jsonb_to_recordset(${JSON.stringify(pairs)}::jsonb) as x(o uuid, c uuid, u uuid, p uuid)
      left join contact_method c on c.id = x.c and c.project_id = x.p
      left join app_user u on u.id = x.u`.execute(tx);
  for (const row of r.rows) out.set(row.outbox_id, { contact: row.found ? row : null, user: { name: row.user_name, email: row.user_email } });
  return out;
}

/** Decides one due row; what is to be sent is pushed onto `out`. */
async function decide(tx: Db, deps: ClaimDeps, row: OutboxRow, now: Date, out: ClaimedSend[], known?: Prefetched): Promise<void> {
  if (row.method === null) {
    const children = await personalRuleChildren(tx, row);
    if (children === 'opted-out') {
      await ignore(tx, row, null, null, 'USER_UNSUBSCRIBED', 'Ignored: the user opted out of notifications for this event.', now);
      return;
    }
    if (children.length === 0) {
      await settleRow(tx, row, 'Ignored', 'Ignored: the user has no notification rule for this event and email fallback is off.', now);
      return;
    }
    return expandNow(tx, deps, row, children, now, out, known);
  }
  const channel = deps.channels.get(row.method);
  if (!channel) {
    await fail(tx, row, null, null, 'INTERNAL_ERROR', `Failed: no channel sends "${row.method}" messages.`, now);
    return;
  }
  let contact: ContactRow | null = null;
  let user: { name: string | null; email: string | null } | undefined;
  if (row.contact_method_id) {
    const found = known?.contacts.get(row.id) ?? (await loadContactAndUser(tx, row.project_id, row.contact_method_id, row.user_id));
    contact = found.contact;
    user = found.user;
    if (!contact) {
      await ignore(tx, row, null, null, 'NO_RECIPIENTS', 'Ignored: the contact method was deleted.', now);
      return;
    }
  } else if (channel.contactKind && !(row.method === 'email' && row.user_id && (await hasNoEmails(tx, row)))) {
    const children = await contactChildren(tx, row, row.method, channel.contactKind);
    if (children.length === 0) {
      await ignore(tx, row, null, null, 'NO_RECIPIENTS', `Ignored: no ${channel.contactKind} contact method to send to.`, now);
      return;
    }
    return expandNow(tx, deps, row, children, now, out, known);
  }
  user ??= await loadUser(tx, row.user_id);
  const recipient = recipientOf(row.method, contact, user, row.user_id);
  if (!recipient) {
    await ignore(tx, row, contact, null, 'NO_RECIPIENTS', `Ignored: nowhere to send this ${row.method} message.`, now);
    return;
  }
  if (contact && contact.is_disabled) {
    await ignore(tx, row, contact, recipient, 'USER_UNSUBSCRIBED', `Ignored: ${recipient} is switched off (${contact.disabled_reason ?? 'by its owner'}).`, now);
    return;
  }
  if (contact && !contact.is_verified && row.reason !== 'verification') {
    await ignore(tx, row, contact, recipient, 'NOT_VERIFIED', `Ignored: ${recipient} is not verified yet.`, now);
    return;
  }
  const probe: ThrottleProbe = { method: row.method, recipient, title: row.title, body: row.body };
  if (row.attempts === 0 && row.reason !== 'verification') {
    const throttled = known?.throttle.knows(probe) ? known.throttle.check(probe) : await throttleCheck(tx, { ...probe, now }, deps.throttles);
    if (throttled) {
      await ignore(tx, row, contact, recipient, throttled.reason, throttled.message, now);
      return;
    }
  }
  known?.throttle.record(probe);
  const attempt = row.attempts + 1;
  const attemptId = newId();
  const replyCode = row.attempts === 0 ? await nextReplyCode(tx, row, recipient, now) : null;
  const written = await sql<{ id: string; reply_code: number | null }>`with d as (${deliveryUpsert(row, contact, recipient, 'Sending', `Sending (attempt ${attempt}).`, now, { attempts: attempt, replyCode })}),
      a as (insert into notification_attempt (id, project_id, delivery_id, attempt_no, status, started_at, created_at, updated_at)
        select ${attemptId}, ${row.project_id}, d.id, ${attempt}, 'Sending', ${now}, ${now}, ${now} from d
        on conflict (delivery_id, attempt_no) do nothing),
      o as (update notification_outbox set status = 'Sending', attempts = ${attempt}, locked_until = ${new Date(now.getTime() + deps.leaseMs)},
          locked_by = ${deps.workerId}, status_message = ${`Sending (attempt ${attempt}).`}, updated_at = ${now}
        where id = ${row.id})
    select id, reply_code from d`.execute(tx);
  const deliveryId = written.rows[0]!.id;
  const message = buildMessage(row, row.method, contact, user, { id: deliveryId, attempt, replyCode: written.rows[0]!.reply_code }, deps.box);
  const timelineId = typeof row.payload?.timelineId === 'string' ? row.payload.timelineId : null;
  out.push({ outboxId: row.id, attemptId, channel, message, startedAt: now, timelineId });
}

/** Whether a user has no email contact method (then email goes to their account address). */
async function hasNoEmails(tx: Db, row: OutboxRow): Promise<boolean> {
  const r = await sql<{ n: string }>`select count(*) as n from contact_method
    where project_id = ${row.project_id} and user_id = ${row.user_id} and kind = 'email'`.execute(tx);
  return Number(r.rows[0]?.n ?? 0) === 0;
}

/**
 * The statement that writes (or, on a retry, updates) the delivery row of an outbox row: one
 * per message, with every correlation id; it answers the row's id and reply code. A retry
 * keeps the reply code the first attempt gave.
 */
function deliveryUpsert(
  row: OutboxRow,
  contact: ContactRow | null,
  recipient: string | null,
  status: string,
  message: string,
  now: Date,
  extra: { ignoredReason?: IgnoredReason; failedReason?: FailedReason; attempts?: number; replyCode?: number | null } = {},
) {
  const method = (row.method ?? 'email') as Method;
  const cols = sql.join(CORRELATION_COLUMNS.map((k) => sql.ref(k)));
  const vals = sql.join(CORRELATION_COLUMNS.map((k) => sql`${row[k]}`));
  return sql`insert into notification_delivery (id, project_id, outbox_id, medium, method, reason, user_id, contact_method_id,
      recipient, title, body, content_key, status, status_message, ignored_reason, failed_reason, attempts, reply_code, ${cols}, created_at, updated_at)
    values (${newId()}, ${row.project_id}, ${row.id}, ${MEDIUM_OF[method]}, ${method}, ${row.reason}, ${row.user_id}, ${contact?.id ?? null},
      ${recipient}, ${row.title}, ${row.body}, ${contentKey(row.title, row.body)}, ${status}, ${message}, ${extra.ignoredReason ?? null},
      ${extra.failedReason ?? null}, ${extra.attempts ?? row.attempts}, ${extra.replyCode ?? null}, ${vals}, ${now}, ${now})
    on conflict (outbox_id) do update set status = excluded.status, status_message = excluded.status_message,
      ignored_reason = excluded.ignored_reason, failed_reason = excluded.failed_reason, attempts = excluded.attempts,
      reply_code = coalesce(notification_delivery.reply_code, excluded.reply_code), updated_at = excluded.updated_at
    returning id, reply_code`;
}

/** Writes a delivery row that settles without a provider call (ignored, failed). */
async function upsertDelivery(
  tx: Db,
  row: OutboxRow,
  contact: ContactRow | null,
  recipient: string | null,
  status: string,
  message: string,
  now: Date,
  extra: { ignoredReason?: IgnoredReason; failedReason?: FailedReason } = {},
): Promise<void> {
  await deliveryUpsert(row, contact, recipient, status, message, now, extra).execute(tx);
}

/**
 * Writes a row's children and decides at once those already due (a page's email fallback, a
 * rule with no delay, one contact method each), in the same transaction: one pass instead of
 * two. Those to send are pushed onto `out`.
 */
async function expandNow(tx: Db, deps: ClaimDeps, row: OutboxRow, children: readonly ChildSpec[], now: Date, out: ClaimedSend[], known?: Prefetched): Promise<void> {
  for (const child of await writeChildren(tx, row, children, now)) {
    if (child.send_after.getTime() <= now.getTime()) await decide(tx, deps, child, now, out, known && { contacts: new Map(), throttle: known.throttle });
  }
}

const SMS_REPLY_METHODS = new Set<Method>(['sms']);
const DAY = 86_400_000;

/** The reply code of an SMS about an incident or alert: the next free one for its number (1–99, after the most recent). */
async function nextReplyCode(tx: Db, row: OutboxRow, recipient: string, now: Date): Promise<number | null> {
  if (!row.method || !SMS_REPLY_METHODS.has(row.method)) return null;
  if (!(row.incident_id || row.alert_id || row.alert_episode_id || row.incident_episode_id)) return null;
  const last = await sql<{ reply_code: number }>`select reply_code from notification_delivery
    where recipient = ${recipient} and reply_code is not null and created_at > ${new Date(now.getTime() - DAY)}
    order by created_at desc, id desc limit 1`.execute(tx);
  return ((last.rows[0]?.reply_code ?? 0) % 99) + 1;
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

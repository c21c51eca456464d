import { sql } from 'kysely';
import type { Db } from '../../storage/database.ts';
import type { Channel, ChannelContext, OutgoingMessage, SendOutcome } from '../channels/channel.ts';
import type { Method } from '../model.ts';
import type { SecretBox } from '../secrets.ts';
import { buildMessage, loadContact, loadUser } from './message.ts';
import { OUTBOX_COLUMNS, type OutboxRow } from './outbox-row.ts';
import { failureText } from './record-outcome.ts';

/** A message left `Sending` by a process that stopped mid-call, re-leased to this one for resolving. */
export interface StrandedSend {
  readonly outboxId: string;
  readonly attempt: number;
  readonly channel: Channel | undefined;
  readonly message: OutgoingMessage;
  readonly claimedAt: Date;
}

interface StrandedRow extends OutboxRow {
  delivery_id: string;
  reply_code: number | null;
  attempt_started_at: Date | null;
}

/**
 * Takes up to `limit` rows whose lease ran out while `Sending` (the process making the call
 * stopped), with `FOR UPDATE SKIP LOCKED`, and leases them again to this worker so no other
 * resolves them meanwhile.
 */
export async function claimStranded(
  tx: Db,
  deps: { channels: ReadonlyMap<Method, Channel>; box: SecretBox; workerId: string; leaseMs: number },
  now: Date,
  limit: number,
): Promise<StrandedSend[]> {
  const cols = OUTBOX_COLUMNS.split(',').map((c) => `o.${c.trim()}`).join(', ');
  const rows = await sql<StrandedRow>`select ${sql.raw(cols)}, d.id as delivery_id, d.reply_code,
      (select a.started_at from notification_attempt a where a.delivery_id = d.id order by a.attempt_no desc limit 1) as attempt_started_at
    from notification_outbox o join notification_delivery d on d.outbox_id = o.id
    where o.status = 'Sending' and o.locked_until <= ${now}
    order by o.locked_until limit ${limit} for update of o skip locked`.execute(tx);
  const out: StrandedSend[] = [];
  for (const row of rows.rows) {
    await sql`update notification_outbox set locked_until = ${new Date(now.getTime() + deps.leaseMs)}, locked_by = ${deps.workerId}, updated_at = ${now}
      where id = ${row.id}`.execute(tx);
    const contact = row.contact_method_id ? ((await loadContact(tx, row.project_id, row.contact_method_id)) ?? null) : null;
    const user = await loadUser(tx, row.user_id);
    const method = row.method as Method;
    out.push({
      outboxId: row.id,
      attempt: row.attempts,
      channel: deps.channels.get(method),
      message: buildMessage(row, method, contact, user, { id: row.delivery_id, attempt: row.attempts, replyCode: row.reply_code }, deps.box),
      claimedAt: row.attempt_started_at ?? now,
    });
  }
  return out;
}

/** What asking the provider about a stranded message came to. */
export type Resolution = { kind: 'sent'; outcome: SendOutcome } | { kind: 'not-sent' } | { kind: 'unknown'; why: string };

/**
 * Asks the channel's provider whether a stranded message went out. A channel without a way to
 * ask, or whose provider cannot say, leaves it unknown: it is never sent blindly a second time.
 */
export async function resolveStranded(s: StrandedSend, ctx: ChannelContext): Promise<Resolution> {
  if (!s.channel?.lookup) return { kind: 'unknown', why: `${s.message.method} has no way to ask the provider whether it was sent` };
  try {
    const found = await s.channel.lookup(s.message, ctx, s.claimedAt);
    return found ? { kind: 'sent', outcome: found } : { kind: 'not-sent' };
  } catch (err) {
    return { kind: 'unknown', why: `asking the provider failed: ${failureText(err)}` };
  }
}

/**
 * Records a stranded message's resolution: sent (with the provider's id), back to `Pending`
 * when the provider says it never got it, or `Unknown` with the reason, not resent.
 */
export async function recordResolution(db: Db, s: StrandedSend, r: Resolution, now: Date): Promise<void> {
  await db.transaction().execute(async (tx) => {
    const held = await sql`select id from notification_outbox where id = ${s.outboxId} and status = 'Sending' for update`.execute(tx);
    if (held.rows.length === 0) return;
    if (r.kind === 'sent') {
      const msg = `Sent (found at the provider after a restart, attempt ${s.attempt}).`;
      await sql`update notification_attempt set status = 'Sent', provider_message_id = ${r.outcome.providerMessageId}, finished_at = ${now},
          updated_at = ${now} where delivery_id = ${s.message.deliveryId} and attempt_no = ${s.attempt}`.execute(tx);
      await sql`update notification_delivery set status = 'Sent', status_message = ${msg}, provider_message_id = ${r.outcome.providerMessageId},
          provider_status = ${r.outcome.providerStatus ?? null}, sent_at = ${now}, updated_at = ${now} where id = ${s.message.deliveryId}`.execute(tx);
      await sql`update notification_outbox set status = 'Sent', status_message = ${msg}, locked_until = null, updated_at = ${now}
        where id = ${s.outboxId}`.execute(tx);
      return;
    }
    if (r.kind === 'not-sent') {
      const msg = `Attempt ${s.attempt} was cut short by a restart and the provider has no record of it; sending again.`;
      await sql`update notification_attempt set status = 'TemporaryFailure', error = ${msg}, finished_at = ${now}, updated_at = ${now}
        where delivery_id = ${s.message.deliveryId} and attempt_no = ${s.attempt}`.execute(tx);
      await sql`update notification_delivery set status = 'Pending', status_message = ${msg}, updated_at = ${now} where id = ${s.message.deliveryId}`.execute(tx);
      await sql`update notification_outbox set status = 'Pending', send_after = ${now}, status_message = ${msg}, locked_until = null, updated_at = ${now}
        where id = ${s.outboxId}`.execute(tx);
      return;
    }
    const msg = `Unknown, not resent: the process stopped during the provider call and ${r.why}.`;
    await sql`update notification_attempt set status = 'Unknown', error = ${msg}, finished_at = ${now}, updated_at = ${now}
      where delivery_id = ${s.message.deliveryId} and attempt_no = ${s.attempt}`.execute(tx);
    await sql`update notification_delivery set status = 'Unknown', status_message = ${msg}, updated_at = ${now} where id = ${s.message.deliveryId}`.execute(tx);
    await sql`update notification_outbox set status = 'Unknown', status_message = ${msg}, locked_until = null, updated_at = ${now}
      where id = ${s.outboxId}`.execute(tx);
  });
}

import { sql } from 'kysely';
import type { Db } from '../../storage/database.ts';
import { PermanentFailure, TemporaryFailure, type SendOutcome } from '../channels/channel.ts';
import type { ClaimedSend } from './claim.ts';
import { MAX_SEND_ATTEMPTS, retryDelayMs } from './retry-policy.ts';

/** How a provider call ended, as recorded. */
export type RecordedOutcome = 'sent' | 'retry' | 'failed';

/** A short, secret-free text of an error for the logs and rows. */
export function failureText(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.length > 1000 ? `${text.slice(0, 1000)}…` : text;
}

/**
 * Records what the provider said, in one transaction: the attempt row, the delivery (status,
 * provider id, cost), the outbox row (settled, or `Pending` again for a retry with backoff)
 * and, on the first success, the run's timeline row (`Notification Sent`). Only rows still
 * `Sending` under this claim are touched, so a late answer after recovery changes nothing.
 */
export async function recordOutcome(db: Db, send: ClaimedSend, result: { ok: SendOutcome } | { error: unknown }, now: Date): Promise<RecordedOutcome> {
  const duration = Math.max(0, now.getTime() - send.startedAt.getTime());
  const attempt = send.message.attempt;
  return db.transaction().execute(async (tx) => {
    const held = await sql<{ id: string }>`select id from notification_outbox where id = ${send.outboxId} and status = 'Sending' and attempts = ${attempt}
      for update`.execute(tx);
    if (held.rows.length === 0) return 'failed';
    if ('ok' in result) {
      const o = result.ok;
      const status = o.status ?? 'Sent';
      await sql`update notification_attempt set status = 'Sent', provider_message_id = ${o.providerMessageId}, duration_ms = ${duration},
          finished_at = ${now}, updated_at = ${now} where id = ${send.attemptId}`.execute(tx);
      await sql`update notification_delivery set status = ${status}, status_message = ${`${status} (attempt ${attempt}).`},
          provider_message_id = ${o.providerMessageId}, provider_status = ${o.providerStatus ?? null},
          cost_usd_cents = coalesce(${o.costUsdCents ?? null}::numeric, cost_usd_cents),
          recipient = coalesce(${o.recipient ?? null}, recipient), from_address = coalesce(${o.fromAddress ?? null}, from_address),
          sent_at = ${now}, delivered_at = ${status === 'Delivered' ? now : null}, updated_at = ${now}
        where id = ${send.message.deliveryId}`.execute(tx);
      await sql`update notification_outbox set status = 'Sent', status_message = ${`Sent by ${send.channel.method} (attempt ${attempt}).`},
          locked_until = null, updated_at = ${now} where id = ${send.outboxId}`.execute(tx);
      if (send.timelineId) {
        await sql`update on_call_policy_execution_timeline set status = 'Notification Sent',
            status_message = ${`Notification sent by ${send.channel.method}.`}, updated_at = ${now}
          where id = ${send.timelineId} and status = 'Executing'`.execute(tx);
      }
      return 'sent';
    }
    const err = result.error;
    const text = failureText(err);
    const permanent = err instanceof PermanentFailure;
    const lastTry = !permanent && attempt >= MAX_SEND_ATTEMPTS;
    await sql`update notification_attempt set status = ${permanent ? 'PermanentFailure' : 'TemporaryFailure'}, error = ${text},
        duration_ms = ${duration}, finished_at = ${now}, updated_at = ${now} where id = ${send.attemptId}`.execute(tx);
    if (permanent || lastTry) {
      const reason = permanent ? err.reason : 'PROVIDER_ERROR';
      const message = permanent ? `Failed: ${text}` : `Failed after ${attempt} attempts: ${text}`;
      await sql`update notification_delivery set status = 'Failed', status_message = ${message}, failed_reason = ${reason}, updated_at = ${now}
        where id = ${send.message.deliveryId}`.execute(tx);
      await sql`update notification_outbox set status = 'Error', status_message = ${message}, locked_until = null, updated_at = ${now}
        where id = ${send.outboxId}`.execute(tx);
      return 'failed';
    }
    const delay = retryDelayMs(attempt, err instanceof TemporaryFailure ? err.retryAfterMs : null);
    const at = new Date(now.getTime() + delay);
    const message = `Attempt ${attempt} failed (${text}); retrying at ${at.toISOString()}.`;
    await sql`update notification_delivery set status = 'Pending', status_message = ${message}, updated_at = ${now}
      where id = ${send.message.deliveryId}`.execute(tx);
    await sql`update notification_outbox set status = 'Pending', send_after = ${at}, status_message = ${message}, locked_until = null,
        updated_at = ${now} where id = ${send.outboxId}`.execute(tx);
    return 'retry';
  });
}

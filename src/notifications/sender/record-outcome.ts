import { sql, type RawBuilder } from 'kysely';
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
 * Records what the provider said in one statement (so in one transaction): the attempt row, the
 * delivery (status, provider id, cost), the outbox row (settled, or `Pending` again for a retry
 * with backoff) and, on a success, the run's timeline row (`Notification Sent`). Nothing is
 * written unless the outbox row is still `Sending` for this attempt, so a late answer after
 * recovery changes nothing.
 */
export async function recordOutcome(db: Db, send: ClaimedSend, result: { ok: SendOutcome } | { error: unknown }, now: Date): Promise<RecordedOutcome> {
  const duration = Math.max(0, now.getTime() - send.startedAt.getTime());
  const attempt = send.message.attempt;
  const claim = (status: string, message: string, retryAt: Date | null) => sql`update notification_outbox set status = ${status},
      status_message = ${message}, locked_until = null, send_after = coalesce(${retryAt}::timestamptz, send_after), updated_at = ${now}
    where id = ${send.outboxId} and status = 'Sending' and attempts = ${attempt} returning id`;
  if ('ok' in result) {
    const o = result.ok;
    const status = o.status ?? 'Sent';
    const r = await sql<{ id: string }>`with o as (${claim('Sent', `Sent by ${send.channel.method} (attempt ${attempt}).`, null)}),
        a as (update notification_attempt set status = 'Sent', provider_message_id = ${o.providerMessageId}, duration_ms = ${duration},
            finished_at = ${now}, updated_at = ${now} where id = ${send.attemptId} and exists (select 1 from o)),
        d as (update notification_delivery set status = ${status}, status_message = ${`${status} (attempt ${attempt}).`},
            provider_message_id = ${o.providerMessageId}, provider_status = ${o.providerStatus ?? null},
            cost_usd_cents = coalesce(${o.costUsdCents ?? null}::numeric, cost_usd_cents),
            recipient = coalesce(${o.recipient ?? null}, recipient), from_address = coalesce(${o.fromAddress ?? null}, from_address),
            sent_at = ${now}, delivered_at = ${status === 'Delivered' ? now : null}, updated_at = ${now}
          where id = ${send.message.deliveryId} and exists (select 1 from o)),
        t as (update on_call_policy_execution_timeline set status = 'Notification Sent',
            status_message = ${`Notification sent by ${send.channel.method}.`}, updated_at = ${now}
          where id = ${send.timelineId} and status = 'Executing' and exists (select 1 from o))
      select id from o`.execute(db);
    return r.rows.length > 0 ? 'sent' : 'failed';
  }
  const err = result.error;
  const text = failureText(err);
  const permanent = err instanceof PermanentFailure;
  const lastTry = !permanent && attempt >= MAX_SEND_ATTEMPTS;
  const attemptStatus = permanent ? 'PermanentFailure' : 'TemporaryFailure';
  let outbox: RawBuilder<unknown>;
  let delivery: { status: string; message: string; reason: string | null };
  let outcome: RecordedOutcome;
  if (permanent || lastTry) {
    const message = permanent ? `Failed: ${text}` : `Failed after ${attempt} attempts: ${text}`;
    outbox = claim('Error', message, null);
    delivery = { status: 'Failed', message, reason: permanent ? err.reason : 'PROVIDER_ERROR' };
    outcome = 'failed';
  } else {
    const at = new Date(now.getTime() + retryDelayMs(attempt, err instanceof TemporaryFailure ? err.retryAfterMs : null));
    const message = `Attempt ${attempt} failed (${text}); retrying at ${at.toISOString()}.`;
    outbox = claim('Pending', message, at);
    delivery = { status: 'Pending', message, reason: null };
    outcome = 'retry';
  }
  const r = await sql<{ id: string }>`with o as (${outbox}),
      a as (update notification_attempt set status = ${attemptStatus}, error = ${text}, duration_ms = ${duration}, finished_at = ${now},
          updated_at = ${now} where id = ${send.attemptId} and exists (select 1 from o)),
      d as (update notification_delivery set status = ${delivery.status}, status_message = ${delivery.message},
          failed_reason = coalesce(${delivery.reason}, failed_reason), updated_at = ${now}
        where id = ${send.message.deliveryId} and exists (select 1 from o))
    select id from o`.execute(db);
  return r.rows.length > 0 ? outcome : 'failed';
}

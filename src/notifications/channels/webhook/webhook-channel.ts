import { sql } from 'kysely';
import { PermanentFailure, TemporaryFailure, type Channel, type ChannelContext, type OutgoingMessage, type SendOutcome } from '../channel.ts';
import { checkDestination } from './address-guard.ts';
import { postPinned, type PostAnswer } from './post-pinned.ts';
import { retryAfterMs } from './retry-after.ts';
import { signingKey, signStandardWebhook } from './sign.ts';
import { webhookBody } from './webhook-body.ts';

/** Why a contact method is switched off after its endpoint answered 410. */
export const GONE_REASON = 'endpoint answered 410 Gone';

/**
 * Outgoing webhooks, signed per Standard Webhooks (`webhook-id` = the delivery id, stable
 * across retries, so receivers can drop duplicates; `webhook-timestamp` from the clock;
 * `webhook-signature: v1,<base64 HMAC-SHA256>` under the contact's `whsec_` secret). The
 * contact's address is the URL, checked by the address guard and connected to only at the
 * checked addresses; redirects are not followed.
 *
 * Outcomes: 2xx → Sent; 410 → Failed and the contact method switched off (later messages are
 * Ignored as unsubscribed); 408, 429 and 5xx, timeouts and connection errors → retried
 * (honouring `Retry-After`); 3xx and other 4xx → Failed (`CLIENT_ERROR`).
 */
export const webhookChannel: Channel = {
  method: 'webhook',
  medium: 'WEBHOOK',
  contactKind: 'webhook',
  async send(message: OutgoingMessage, ctx: ChannelContext): Promise<SendOutcome> {
    const contact = message.contact;
    if (!contact?.address) throw new PermanentFailure('no URL for this webhook', 'NOT_CONFIGURED');
    const key = contact.secret ? signingKey(contact.secret) : null;
    if (!key) throw new PermanentFailure('no usable signing secret (whsec_…) for this webhook', 'NOT_CONFIGURED');

    const destination = await resolveDestination(contact.address, ctx);
    const now = ctx.clock.now();
    const timestamp = Math.floor(now.getTime() / 1000);
    const body = webhookBody(message, { acknowledgeUrl: ctx.actionUrl('acknowledge'), resolveUrl: ctx.actionUrl('resolve') }, now);
    const answer = await postPinned({
      url: destination.url,
      addresses: destination.addresses,
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Vigil-Webhooks/1',
        'webhook-id': message.deliveryId,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signStandardWebhook(key, message.deliveryId, timestamp, body),
      },
      body,
      timeoutMs: ctx.timeoutMs,
    });
    return outcomeOf(answer, contact.id, ctx);
  },
};

async function resolveDestination(address: string, ctx: ChannelContext) {
  let checked;
  try {
    checked = await checkDestination(address, ctx.providers.webhook);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException | null)?.code;
    throw new TemporaryFailure(`could not resolve the webhook's host${code ? ` (${code})` : ''}`);
  }
  if (!checked.ok) throw new PermanentFailure(checked.problem, 'CLIENT_ERROR');
  return checked;
}

async function outcomeOf(answer: PostAnswer, contactId: string, ctx: ChannelContext): Promise<SendOutcome> {
  const s = answer.status;
  if (s >= 200 && s < 300) return { providerMessageId: null, providerStatus: String(s) };
  if (s === 410) {
    const now = ctx.clock.now();
    await sql`update contact_method set is_disabled = true, disabled_reason = ${GONE_REASON}, updated_at = ${now}
      where id = ${contactId}`.execute(ctx.db);
    throw new PermanentFailure(`${GONE_REASON}; the webhook is switched off`, 'CLIENT_ERROR');
  }
  const header = answer.headers['retry-after'];
  if (s === 408 || s === 429 || s >= 500) throw new TemporaryFailure(`the endpoint answered ${s}`, retryAfterMs(header, ctx.clock.now()));
  if (s >= 300 && s < 400) throw new PermanentFailure(`the endpoint answered ${s} (a redirect; redirects are not followed)`, 'CLIENT_ERROR');
  throw new PermanentFailure(`the endpoint answered ${s}`, 'CLIENT_ERROR');
}

import type { Channel, ChannelContext, OutgoingMessage, SendOutcome } from '../channel.ts';
import { PermanentFailure } from '../channel.ts';
import { twilioApi } from '../twilio/client.ts';
import { requireTwilio } from '../twilio/failure.ts';
import { TWILIO_PATHS } from '../twilio/paths.ts';
import { registerSmsRoutes } from './sms-routes.ts';
import { smsText } from './sms-text.ts';

/** Recent messages to a number searched for one already sent. */
const LOOKUP_PAGE = 50;
/** Slack allowed between Vigil's clock and Twilio's when matching a message already sent. */
const CLOCK_SLACK_MS = 10 * 60_000;

function recipientOf(message: OutgoingMessage): string {
  const to = message.contact?.address;
  if (!to) throw new PermanentFailure('an SMS needs a phone number', 'MISSING_RECIPIENTS');
  return to;
}

/** How far back a retry looks for an earlier attempt that Twilio took after all (retries end well within it). */
const RETRY_LOOKBACK_MS = 2 * 3_600_000;

/**
 * Sends an SMS through Twilio (`Messages.json`) from the account's number, with Vigil's
 * status callback. Twilio's SID is the provider's message id. A retry first asks Twilio
 * whether an earlier attempt went out after all (an answer lost to a timeout or a reset)
 * and answers that message instead of texting the person twice.
 */
async function send(message: OutgoingMessage, ctx: ChannelContext): Promise<SendOutcome> {
  const account = requireTwilio(ctx.providers);
  const to = recipientOf(message);
  if (message.attempt > 1) {
    const earlier = await lookup(message, ctx, new Date(ctx.clock.now().getTime() - RETRY_LOOKBACK_MS));
    if (earlier) return earlier;
  }
  const sent = await twilioApi(account, ctx.timeoutMs).sendMessage({
    to,
    from: account.fromNumber,
    body: smsText(message),
    statusCallback: ctx.publicUrl(TWILIO_PATHS.smsStatus),
  });
  return { providerMessageId: sent.sid, providerStatus: sent.status, recipient: to, fromAddress: account.fromNumber };
}

/**
 * Whether Twilio holds this message (after a crash mid-send, or before a retry): the newest
 * messages to the number from the account's number are searched for exactly this text,
 * created since `sentAfter` (less some clock slack). Null when there is none (it is then sent).
 */
async function lookup(message: OutgoingMessage, ctx: ChannelContext, sentAfter: Date): Promise<SendOutcome | null> {
  const account = requireTwilio(ctx.providers);
  const to = recipientOf(message);
  const text = smsText(message);
  const recent = await twilioApi(account, ctx.timeoutMs).recentMessages({ to, from: account.fromNumber, limit: LOOKUP_PAGE });
  const earliest = sentAfter.getTime() - CLOCK_SLACK_MS;
  const found = recent.find((m) => m.body === text && (m.dateCreated === null || m.dateCreated.getTime() >= earliest));
  return found ? { providerMessageId: found.sid, providerStatus: found.status, recipient: to, fromAddress: account.fromNumber } : null;
}

/** SMS over Twilio, with reply codes, STOP / START and delivery status callbacks. */
export const smsChannel: Channel = {
  method: 'sms',
  medium: 'SMS',
  contactKind: 'sms',
  send,
  lookup,
  inbound: registerSmsRoutes,
};

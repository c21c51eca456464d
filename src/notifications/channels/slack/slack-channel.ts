import { PermanentFailure, type Channel, type ChannelContext, type OutgoingMessage, type SendOutcome } from '../channel.ts';
import { fallbackText, messageBlocks } from './blocks.ts';
import { slackApi } from './client.ts';
import { slackFailure } from './failure.ts';
import { registerSlackInteractivity } from './interactivity.ts';

/**
 * Slack through a Slack app's bot token (the project's own app, else the installation's):
 * chat.postMessage to the contact's channel id (`C…`) or member id (`U…`, a DM), with the
 * title as fallback text and Block Kit blocks carrying "Acknowledge" and "Resolve" buttons
 * when the message is about something (clicks come back through the interactivity endpoint).
 *
 * Outcomes: posted → Sent with provider id `<channel>:<ts>` (what the message is updated by);
 * 429 → retried after its `Retry-After`; 5xx, timeouts, connection errors and Slack's
 * transient errors → retried; `channel_not_found`, `not_in_channel`, `is_archived` → Failed
 * `CHANNEL_NOT_FOUND`; bad token or scopes, or no Slack app → Failed `NOT_CONFIGURED`; any
 * other Slack error → Failed `CLIENT_ERROR`.
 */
export const slackChannel: Channel = {
  method: 'slack',
  medium: 'SLACK',
  contactKind: 'slack',
  async send(message: OutgoingMessage, ctx: ChannelContext): Promise<SendOutcome> {
    const settings = ctx.providers.slack;
    if (!settings) throw new PermanentFailure('no Slack app configured', 'NOT_CONFIGURED');
    const channel = message.contact?.address;
    if (!channel) throw new PermanentFailure('no Slack channel or member id for this destination', 'MISSING_RECIPIENTS');
    let posted: { channel: string; ts: string };
    try {
      posted = await slackApi(settings, ctx.timeoutMs).postMessage({ channel, text: fallbackText(message), blocks: messageBlocks(message) });
    } catch (err) {
      throw slackFailure(err);
    }
    return { providerMessageId: `${posted.channel}:${posted.ts}`, providerStatus: 'ok', recipient: channel };
  },
  inbound: registerSlackInteractivity,
};

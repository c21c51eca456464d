import type { Channel, ChannelContext, OutgoingMessage, SendOutcome } from '../channel.ts';
import { PermanentFailure } from '../channel.ts';
import { twilioApi } from '../twilio/client.ts';
import { requireTwilio } from '../twilio/failure.ts';
import { TWILIO_PATHS } from '../twilio/paths.ts';
import { callTwiml } from './call-twiml.ts';
import { gatherPath, registerVoiceRoutes } from './voice-routes.ts';

/**
 * Places a call through Twilio (`Calls.json`) with inline TwiML: the title, then press 1 to
 * acknowledge or 2 to resolve (a `<Gather>` posting to `voice-gather?d=<deliveryId>`), and a
 * status callback on completion. Twilio's call SID is the provider's message id.
 *
 * No `lookup`: a call resource carries nothing that ties it to one delivery, so a call cut
 * short by a crash is recorded Unknown rather than placed twice.
 */
async function send(message: OutgoingMessage, ctx: ChannelContext): Promise<SendOutcome> {
  const account = requireTwilio(ctx.providers);
  const to = message.contact?.address;
  if (!to) throw new PermanentFailure('a call needs a phone number', 'MISSING_RECIPIENTS');
  const call = await twilioApi(account, ctx.timeoutMs).startCall({
    to,
    from: account.fromNumber,
    twiml: callTwiml(message, ctx.publicUrl(gatherPath(message.deliveryId))),
    statusCallback: ctx.publicUrl(TWILIO_PATHS.callStatus),
  });
  return { providerMessageId: call.sid, providerStatus: call.status, recipient: to, fromAddress: account.fromNumber };
}

/** Voice calls over Twilio, with a keypress to acknowledge or resolve and call status callbacks. */
export const voiceChannel: Channel = {
  method: 'call',
  medium: 'VOICE',
  contactKind: 'call',
  send,
  inbound: registerVoiceRoutes,
};

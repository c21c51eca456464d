import type { Channel } from './channel.ts';
import { emailChannel } from './email/email-channel.ts';
import { inAppChannel, pushChannel } from './in-app/in-app-channel.ts';
import { slackChannel } from './slack/slack-channel.ts';
import { smsChannel } from './sms/sms-channel.ts';
import { voiceChannel } from './voice/voice-channel.ts';
import { teamsChannel } from './teams/teams-channel.ts';
import { webhookChannel } from './webhook/webhook-channel.ts';

/**
 * Every notification channel. A channel is one folder under `channels/` and one line here;
 * nothing else in Vigil switches on the kind of channel.
 */
export function allChannels(): Channel[] {
  return [
    inAppChannel,
    pushChannel,
    emailChannel,
    smsChannel,
    voiceChannel,
    slackChannel,
    teamsChannel,
    webhookChannel,
  ];
}

import type { Channel } from './channel.ts';
import { inAppChannel, pushChannel } from './in-app/in-app-channel.ts';

/**
 * Every notification channel. A channel is one folder under `channels/` and one line here;
 * nothing else in Vigil switches on the kind of channel.
 */
export function allChannels(): Channel[] {
  return [
    inAppChannel,
    pushChannel,
  ];
}

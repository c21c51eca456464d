import type { Clock } from '../storage/clock.ts';
import type { Db, Listen } from '../storage/database.ts';
import type { EngineLogger } from '../engine/engine-logger.ts';
import type { Channel } from './channels/channel.ts';
import { allChannels } from './channels/index.ts';
import { ACTION_PATH, createLinkSigner, type LinkSigner } from './links.ts';
import { resolveProviders } from './providers/resolve.ts';
import type { ProviderSettings } from './providers/settings.ts';
import { createSecretBox, type SecretBox } from './secrets.ts';
import { createSender, type Sender } from './sender/create-sender.ts';
import type { ThrottleRule } from './sender/throttle.ts';
import type { Method } from './model.ts';

/** Everything the notification layer shares between the sender and the inbound routes. */
export interface Notifications {
  readonly box: SecretBox;
  readonly links: LinkSigner;
  /** The base URL people and providers reach Vigil at. */
  readonly publicUrl: string;
  /** The installation's provider settings (from the environment). */
  readonly defaults: ProviderSettings;
  readonly channels: readonly Channel[];
  readonly sender: Sender;
  /** A project's provider settings: its own, else the installation's. */
  providersFor(projectId: string): Promise<ProviderSettings>;
}

export interface NotificationOptions {
  readonly db: Db;
  readonly clock: Clock;
  readonly secretKey: string;
  readonly publicUrl: string;
  readonly defaults: ProviderSettings;
  readonly logger?: EngineLogger;
  readonly listen?: Listen;
  readonly timeoutMs?: number;
  /** Claim transactions side by side (see `SenderOptions.claimers`). */
  readonly claimers?: number;
  readonly channels?: readonly Channel[];
  readonly throttles?: Readonly<Partial<Record<Method, ThrottleRule>>>;
}

/** Wires the notification layer: secrets, signed links, provider settings, channels and the sender (not started). */
export function createNotifications(o: NotificationOptions): Notifications {
  const box = createSecretBox(o.secretKey);
  const links = createLinkSigner(box, o.clock);
  const publicUrl = o.publicUrl.replace(/\/+$/, '');
  const channels = o.channels ?? allChannels();
  const providersFor = (projectId: string) => resolveProviders(o.db, box, projectId, o.defaults);
  const sender = createSender({
    db: o.db,
    clock: o.clock,
    channels,
    box,
    links: {
      actionUrl: (deliveryId, action) => `${publicUrl}${ACTION_PATH}/${links.token(deliveryId, action)}`,
      publicUrl: (path) => `${publicUrl}${path}`,
    },
    providers: providersFor,
    ...(o.logger ? { logger: o.logger } : {}),
    ...(o.listen ? { listen: o.listen } : {}),
    ...(o.timeoutMs ? { timeoutMs: o.timeoutMs } : {}),
    ...(o.claimers ? { claimers: o.claimers } : {}),
    ...(o.throttles ? { throttles: o.throttles } : {}),
  });
  return { box, links, publicUrl, defaults: o.defaults, channels, sender, providersFor };
}

import type { FastifyInstance } from 'fastify';
import type { Clock } from '../../storage/clock.ts';
import type { Db } from '../../storage/database.ts';
import type { ContactKind, FailedReason, Medium, Method } from '../model.ts';
import type { ActionResult, DeliveryAction } from '../inbound/act-on-delivery.ts';
import type { LinkSigner } from '../links.ts';
import type { ProviderSettings } from '../providers/settings.ts';
import type { SecretBox } from '../secrets.ts';

/** The subject a message is about (what acknowledging it acts on). */
export interface MessageSubject {
  readonly type: 'incident' | 'alert' | 'alert-episode' | 'incident-episode';
  readonly id: string;
}

/** The contact method a message goes to, secrets decrypted. */
export interface MessageContact {
  readonly id: string;
  readonly kind: ContactKind;
  /** Email address, E.164 number, device name, webhook URL, Slack channel or member id. */
  readonly address: string;
  /** A webhook's signing secret (`whsec_...`) or a Teams Workflows URL; null when none. */
  readonly secret: string | null;
}

/**
 * One message to send, as a channel sees it. `deliveryId` is stable across retries: channels
 * use it as the provider's idempotency key where the provider has one (webhook-id, ...).
 */
export interface OutgoingMessage {
  readonly deliveryId: string;
  readonly projectId: string;
  readonly userId: string | null;
  readonly userName: string | null;
  readonly userEmail: string | null;
  readonly method: Method;
  readonly contact: MessageContact | null;
  readonly title: string;
  readonly body: string;
  readonly subject: MessageSubject | null;
  readonly severity: string | null;
  /** The reason it was sent: on-call-policy, sla-escalation, verification, ... */
  readonly reason: string;
  /** SMS reply code for this message (`<n>a` acknowledges), when the channel uses one. */
  readonly replyCode: number | null;
  /** 1 for the first provider call, then one more per retry. */
  readonly attempt: number;
  readonly payload: Readonly<Record<string, unknown>>;
}

/** What a channel needs beyond the message: the project's provider settings and the signed links. */
export interface ChannelContext {
  readonly providers: ProviderSettings;
  readonly clock: Clock;
  /** For channels whose delivery is a row of Vigil's own (in-app); never inside the claim's transaction. */
  readonly db: Db;
  /** Absolute signed URL that shows a confirmation page to acknowledge (or resolve) the message's subject. */
  actionUrl(action: 'acknowledge' | 'resolve'): string | null;
  /** Absolute URL of Vigil's own endpoint at `path` (for provider callbacks), e.g. `/api/notifications/twilio/status`. */
  publicUrl(path: string): string;
  /** Longest a provider call may take before it counts as a temporary failure. */
  readonly timeoutMs: number;
}

/** What the provider said when it took the message. */
export interface SendOutcome {
  readonly providerMessageId: string | null;
  /** The provider's own status word (Twilio's `queued`, ...). */
  readonly providerStatus?: string | null;
  /** `Delivered` when the provider confirms delivery at once (in-app); `Sent` otherwise. */
  readonly status?: 'Sent' | 'Delivered';
  readonly costUsdCents?: number | null;
  /** Where it went, for the logs (an address; never a secret). */
  readonly recipient?: string | null;
  readonly fromAddress?: string | null;
}

/** A failure worth retrying (connection error, timeout, 5xx, 429): retried with backoff, after `retryAfterMs` at the least. */
export class TemporaryFailure extends Error {
  constructor(
    message: string,
    readonly retryAfterMs: number | null = null,
  ) {
    super(message);
    this.name = 'TemporaryFailure';
  }
}

/** A failure that sending again will not fix (invalid number, 4xx, unknown channel, not configured): fails at once with the reason. */
export class PermanentFailure extends Error {
  constructor(
    message: string,
    readonly reason: FailedReason = 'CLIENT_ERROR',
  ) {
    super(message);
    this.name = 'PermanentFailure';
  }
}

/**
 * A notification channel: one folder under `channels/` and one line in `channels/index.ts`.
 *
 * `send` either answers the provider's outcome or throws: a {@link TemporaryFailure} (and any
 * other error: connection resets, timeouts) means "retry later"; a {@link PermanentFailure}
 * means "do not retry". It is called outside any database transaction, at most once per
 * attempt, with a row marked `Sending` before the call.
 */
export interface Channel {
  readonly method: Method;
  readonly medium: Medium;
  /** The contact method kind a message needs (`null`: the user alone suffices, as in-app). */
  readonly contactKind: ContactKind | null;
  send(message: OutgoingMessage, ctx: ChannelContext): Promise<SendOutcome>;
  /**
   * After a crash left a message `Sending`: asks the provider whether it was sent. Answers the
   * outcome, or null when the provider cannot say (the message is then recorded Unknown, not resent).
   */
  lookup?(message: OutgoingMessage, ctx: ChannelContext, sentAfter: Date): Promise<SendOutcome | null>;
  /**
   * The channel's inbound endpoints (provider status callbacks, SMS replies, keypresses, button
   * clicks), mounted by the HTTP layer. They authenticate by the provider's signature, never
   * by API key, and refuse anything unsigned or wrongly signed with nothing changed.
   */
  readonly inbound?: (app: FastifyInstance, deps: InboundDeps) => void;
  /** Releases what the channel keeps open (connection pools); called when the sender stops. */
  close?(): void | Promise<void>;
}

/** What a channel's inbound endpoints work with. */
export interface InboundDeps {
  readonly db: Db;
  readonly clock: Clock;
  readonly box: SecretBox;
  readonly links: LinkSigner;
  readonly publicUrl: string;
  /** A project's provider settings (its own, else the installation's). */
  providersFor(projectId: string): Promise<ProviderSettings>;
  /** The installation's provider settings (for requests that do not name a project yet). */
  readonly defaults: ProviderSettings;
  /** The one acknowledge / resolve path (see `actOnDelivery`). */
  act(a: DeliveryAction): Promise<ActionResult>;
}

/**
 * The words of the notification pipeline: methods (what an outbox row asks for), media (what
 * the delivery logs and notification runs call them) and the statuses a delivery goes through.
 */

/** What an outbox row may ask for; `null` in the outbox means "the user's personal rules". */
export const METHODS = ['email', 'sms', 'call', 'push', 'webhook', 'slack', 'teams', 'in-app'] as const;
export type Method = (typeof METHODS)[number];

/** The medium of each method, as delivery logs and Cortex notification runs name it. */
export const MEDIUM_OF: Readonly<Record<Method, Medium>> = {
  email: 'EMAIL',
  sms: 'SMS',
  call: 'VOICE',
  push: 'PUSH',
  'in-app': 'PUSH',
  webhook: 'WEBHOOK',
  slack: 'SLACK',
  teams: 'MICROSOFT_TEAMS',
};
export type Medium = 'EMAIL' | 'SMS' | 'VOICE' | 'PUSH' | 'WEBHOOK' | 'SLACK' | 'MICROSOFT_TEAMS';

/** Kinds of contact method (`contact_method.kind`). */
export const CONTACT_KINDS = ['email', 'sms', 'call', 'push', 'webhook', 'slack', 'teams'] as const;
export type ContactKind = (typeof CONTACT_KINDS)[number];

/**
 * A delivery's life: `Sending` while the provider call is in flight, then `Sent` (the provider
 * took it), `Delivered` (the provider confirmed it reached the person), `Failed` (permanent,
 * or out of retries), `Pending` (waiting to retry), `Unknown` (a crash cut the call short and
 * the provider could not say: not resent), `Ignored` (throttled, duplicate, opted out,
 * unverified: with its reason) or `Cancelled` (acknowledged before it was sent).
 */
export const DELIVERY_STATUSES = ['Pending', 'Sending', 'Sent', 'Delivered', 'Failed', 'Unknown', 'Ignored', 'Cancelled'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** Why a message was not sent (Cortex's ignored reasons, and Vigil's own). */
export const IGNORED_REASONS = ['USER_UNSUBSCRIBED', 'DUPLICATE', 'THROTTLED', 'NOT_VERIFIED', 'NO_RECIPIENTS', 'WORKSPACE_DISABLED'] as const;
export type IgnoredReason = (typeof IGNORED_REASONS)[number];

/** Why a message failed (Cortex's failed reasons, and Vigil's own). */
export const FAILED_REASONS = ['CLIENT_ERROR', 'CHANNEL_NOT_FOUND', 'NOT_CONFIGURED', 'PROVIDER_ERROR', 'INTERNAL_ERROR', 'MISSING_RECIPIENTS'] as const;
export type FailedReason = (typeof FAILED_REASONS)[number];

import type { Method } from '../notifications/model.ts';

/** The outbox methods a deadline escalation can ask for (see `notification_outbox.method`). */
export type OutboxMethod = Method;

/**
 * Every `EntityMedium` a recipient may name, upper-cased, and the outbox method it maps to.
 * Matching is case-insensitive (`e-mail` and `E-MAIL` are the same medium); the policy keeps
 * the spelling it was given.
 */
export const ENTITY_MEDIA: Readonly<Record<string, OutboxMethod>> = {
  MATRIX_APP_NOTIFICATION: 'in-app',
  APP_NOTIFICATION: 'in-app',
  IN_APP: 'in-app',
  EMAIL: 'email',
  'E-MAIL': 'email',
  E_MAIL: 'email',
  SMS: 'sms',
  CALL: 'call',
  VOICE: 'call',
  PHONE_CALL: 'call',
  PUSH: 'push',
  PUSH_NOTIFICATION: 'push',
  SLACK: 'slack',
  TEAMS: 'teams',
  MICROSOFT_TEAMS: 'teams',
  WEBHOOK: 'webhook',
};

/** The outbox method for a medium, or null for one Vigil does not know. */
export function methodOf(medium: string): OutboxMethod | null {
  return ENTITY_MEDIA[medium.toUpperCase()] ?? null;
}

/** What a level can do. SmartClean Matrix documents one action. */
export const ACTIONS = ['NOTIFY'] as const;

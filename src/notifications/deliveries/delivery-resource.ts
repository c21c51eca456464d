import { readOnlyPermissions } from '../../access/roles.ts';
import { defineResource } from '../../resources/definition.ts';
import { DELIVERY_STATUSES, FAILED_REASONS, IGNORED_REASONS, METHODS } from '../model.ts';

const MEDIA = ['EMAIL', 'SMS', 'VOICE', 'PUSH', 'WEBHOOK', 'SLACK', 'MICROSOFT_TEAMS'] as const;

/**
 * `notification-delivery`: every message the sender sent, or decided not to send, one row each,
 * with its status, provider id, cost, error and every id that caused it. Read-only; the
 * delivery logs (call log, SMS log, ...) are views over the same rows.
 */
export const notificationDeliveryResource = defineResource({
  name: 'notification-delivery',
  title: 'Notification Delivery',
  description: 'Every message sent (or not, with the reason): medium, recipient, status, provider id, cost and what caused it. Read-only.',
  table: 'notification_delivery_view',
  hasCreatedBy: false,
  columns: {
    medium: { kind: 'enum', values: MEDIA, description: `Medium: ${MEDIA.join(', ')}` },
    method: { kind: 'enum', values: METHODS, description: 'The method asked for' },
    reason: { kind: 'text', description: 'Why it was sent: on-call-policy, sla-escalation, verification, ...' },
    userId: { kind: 'uuid', description: 'The person it was for' },
    contactMethodId: { kind: 'uuid', description: 'The contact method it went to (none: the account email, or in-app)' },
    recipient: { kind: 'text', description: 'Where it went: address, number, channel (never a secret)' },
    fromAddress: { kind: 'text', description: 'The sender address or number' },
    title: { kind: 'longText', description: 'Title (email subject)' },
    body: { kind: 'longText', description: 'Body' },
    status: { kind: 'enum', values: DELIVERY_STATUSES, description: `Status: ${DELIVERY_STATUSES.join(', ')}` },
    statusMessage: { kind: 'longText', description: 'What happened, in words' },
    ignoredReason: { kind: 'enum', values: IGNORED_REASONS, description: 'Why it was not sent, when ignored' },
    failedReason: { kind: 'enum', values: FAILED_REASONS, description: 'Why it failed, when failed' },
    providerMessageId: { kind: 'text', description: "The provider's id (Twilio SID, Message-ID, Slack channel:ts, ...)" },
    providerStatus: { kind: 'text', description: "The provider's own last status word" },
    costInUSDCents: { kind: 'number', column: 'cost_in_usd_cents', description: 'What the provider charged, in USD cents (Twilio price), when known' },
    attempts: { kind: 'integer', description: 'Provider calls made' },
    incidentId: { kind: 'uuid', description: 'The incident it was about' },
    alertId: { kind: 'uuid', description: 'The alert it was about' },
    alertEpisodeId: { kind: 'uuid', description: 'The alert episode it was about' },
    incidentEpisodeId: { kind: 'uuid', description: 'The incident episode it was about' },
    onCallDutyPolicyId: { kind: 'uuid', description: 'The on-call duty policy that paged' },
    onCallDutyPolicyEscalationRuleId: { kind: 'uuid', description: 'The escalation rule that paged' },
    onCallDutyPolicyScheduleId: { kind: 'uuid', description: 'The schedule through which the user was paged' },
    onCallDutyPolicyExecutionLogId: { kind: 'uuid', description: 'The run (execution log)' },
    userNotificationLogId: { kind: 'uuid', description: 'The user notification log row' },
    teamId: { kind: 'uuid', description: 'The team through which the user was paged' },
    escalationPolicyId: { kind: 'uuid', description: 'The SLA escalation policy that paged' },
    sentAt: { kind: 'date', description: 'When the provider took it' },
    deliveredAt: { kind: 'date', description: 'When the provider confirmed delivery' },
    acknowledgedAt: { kind: 'date', description: 'When its recipient acknowledged through it' },
  },
  defaultSelect: ['_id', 'medium', 'method', 'userId', 'recipient', 'title', 'status', 'statusMessage', 'providerMessageId', 'costInUSDCents',
    'attempts', 'incidentId', 'alertId', 'onCallDutyPolicyExecutionLogId', 'createdAt'],
  permissions: readOnlyPermissions('Notification Delivery'),
});

const ATTEMPT_STATUSES = ['Sending', 'Sent', 'TemporaryFailure', 'PermanentFailure', 'Unknown'] as const;

/** `notification-attempt`: every provider call made for a delivery, with its outcome and duration. Read-only. */
export const notificationAttemptResource = defineResource({
  name: 'notification-attempt',
  title: 'Notification Attempt',
  description: 'Every provider call for a delivery: attempt number, outcome, provider id, error and duration. Read-only.',
  table: 'notification_attempt_view',
  hasCreatedBy: false,
  columns: {
    notificationDeliveryId: { kind: 'uuid', column: 'delivery_id', description: 'The delivery' },
    attemptNo: { kind: 'integer', description: '1 for the first call, one more per retry' },
    status: { kind: 'enum', values: ATTEMPT_STATUSES, description: `Outcome: ${ATTEMPT_STATUSES.join(', ')}` },
    providerMessageId: { kind: 'text', description: "The provider's id, when it answered with one" },
    error: { kind: 'longText', description: 'The error, for a failed attempt' },
    durationMs: { kind: 'integer', description: 'How long the call took' },
    startedAt: { kind: 'date', description: 'When the call began' },
    finishedAt: { kind: 'date', description: 'When its outcome was recorded' },
  },
  defaultSort: { field: 'createdAt', direction: 'asc' },
  permissions: readOnlyPermissions('Notification Attempt'),
});

import type { OutgoingMessage } from '../channel.ts';

/** The event type of every notification webhook. */
export const WEBHOOK_EVENT_TYPE = 'vigil.notification';

/**
 * Payload fields a receiver may see: plain descriptions of the page (its policy, rule, SLA
 * level). Anything else in a payload (contact details of SLA mediums, internal row ids) stays in.
 */
const SAFE_PAYLOAD_FIELDS = [
  'userNotificationEventType',
  'subjectType',
  'policyName',
  'ruleName',
  'ruleOrder',
  'repeat',
  'condition',
  'level',
  'breachNo',
  'priority',
  'incidentType',
] as const;

/** The links of a message, as the channel context gives them. */
export interface WebhookLinks {
  readonly acknowledgeUrl: string | null;
  readonly resolveUrl: string | null;
}

/**
 * The JSON body of a notification webhook (Standard Webhooks' `{type, timestamp, data}`):
 * the message, who it is for, its subject and signed acknowledge / resolve links, and the
 * safe payload fields (plain strings, numbers and booleans only). The message's own fields
 * win over payload fields of the same name.
 */
export function webhookBody(message: OutgoingMessage, links: WebhookLinks, now: Date): string {
  const extra: Record<string, string | number | boolean | null> = {};
  for (const name of SAFE_PAYLOAD_FIELDS) {
    const v = message.payload[name];
    if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') extra[name] = v;
  }
  return JSON.stringify({
    type: WEBHOOK_EVENT_TYPE,
    timestamp: now.toISOString(),
    data: {
      ...extra,
      deliveryId: message.deliveryId,
      projectId: message.projectId,
      title: message.title,
      body: message.body,
      severity: message.severity,
      reason: message.reason,
      subject: message.subject ? { type: message.subject.type, id: message.subject.id } : null,
      user: message.userId ? { id: message.userId, name: message.userName, email: message.userEmail } : null,
      acknowledgeUrl: links.acknowledgeUrl,
      resolveUrl: links.resolveUrl,
    },
  });
}

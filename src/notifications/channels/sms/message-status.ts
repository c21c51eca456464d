import type { StatusChange } from '../twilio/store.ts';

const DELIVERED = new Set(['delivered', 'partially_delivered', 'read']);
const FAILED = new Set(['failed', 'undelivered', 'canceled']);

/**
 * What a message status callback means: delivered (also partially delivered, read) →
 * `Delivered`; failed, undelivered, canceled → `Failed` with Twilio's error code; anything
 * else (queued, sending, sent, ...) only updates the provider's status word.
 */
export function messageStatusChange(status: string, errorCode: string | undefined): StatusChange {
  if (DELIVERED.has(status)) return { kind: 'delivered', providerStatus: status, message: `Delivered: Twilio reports the message ${status}.` };
  if (FAILED.has(status)) {
    const code = errorCode ? ` (Twilio error ${errorCode})` : '';
    return { kind: 'failed', providerStatus: status, message: `Failed: Twilio reports the message ${status}${code}.` };
  }
  return { kind: 'progress', providerStatus: status };
}

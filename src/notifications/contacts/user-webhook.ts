import { randomBytes } from 'node:crypto';
import { httpUrl, parseField } from './addresses.ts';
import { defineContactResource } from './contact-resource.ts';

/** A new Standard Webhooks signing secret: `whsec_` and the base64 of 32 random bytes. */
export function newSigningSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/**
 * OneUptime's `user-webhook`: a URL a user's notifications are POSTed to, signed per Standard
 * Webhooks. Create answers the signing secret once, in `signingSecret`; it is stored sealed and
 * never shown again. A code is sent to the URL to verify it.
 */
export const userWebhookResource = defineContactResource({
  name: 'user-webhook',
  title: 'User Webhook',
  description: 'URLs users are notified at by signed POSTs. Create answers `signingSecret` once; a 6-digit code is POSTed to verify the URL.',
  table: 'user_webhook',
  kind: 'webhook',
  address: {
    field: 'url',
    def: { kind: 'longText', description: 'The http:// or https:// URL notifications are POSTed to', maxLength: 2048 },
    normalize: (value, where) => parseField(httpUrl, value.trim(), where),
  },
  plain: {
    name: { kind: 'text', column: 'name', description: 'A name for the webhook', create: true, update: true, maxLength: 100 },
  },
  verifies: true,
  createSecret: { field: 'signingSecret', make: newSigningSecret },
});

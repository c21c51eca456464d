import { createHmac } from 'node:crypto';

const PREFIX = 'whsec_';

/**
 * The HMAC key of a Standard Webhooks secret: the base64-decoded bytes after `whsec_` (not the
 * string itself). Answers null when nothing decodes (an empty or non-base64 secret). Never throws.
 */
export function signingKey(secret: string): Buffer | null {
  const b64 = secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) return null;
  const key = Buffer.from(b64, 'base64');
  return key.length > 0 ? key : null;
}

/**
 * The `webhook-signature` value of a message under Standard Webhooks' symmetric scheme:
 * `v1,<base64 HMAC-SHA256(key, "<id>.<timestamp>.<body>")>`, `timestamp` in unix seconds and
 * `body` the exact bytes sent. The id and timestamp must not contain `.`.
 */
export function signStandardWebhook(key: Buffer, id: string, timestampSeconds: number, body: string): string {
  if (id.includes('.')) throw new RangeError('a webhook id must not contain "."');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestampSeconds}.${body}`).digest('base64')}`;
}

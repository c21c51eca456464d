import { randomBytes } from 'node:crypto';
import { hashApiKey, type NewApiKeySecret } from '../access/api-key-secret.ts';

/** Prefix that makes a feed token recognisable in logs and secret scanners. */
const TOKEN_PREFIX = 'vcal_';
const TOKEN_RE = /^vcal_[A-Za-z0-9_-]{43}$/;

/**
 * A new calendar feed token: 256 random bits. Only its SHA-256 digest is stored (as for API
 * keys, ADR 3), so the database cannot reproduce a feed URL; deleting the row revokes it.
 */
export function generateFeedToken(): NewApiKeySecret {
  const secret = TOKEN_PREFIX + randomBytes(32).toString('base64url');
  return { secret, hash: hashFeedToken(secret), prefix: secret.slice(0, TOKEN_PREFIX.length + 6) };
}

/** The stored digest of a feed token. */
export function hashFeedToken(secret: string): string {
  return hashApiKey(secret);
}

/** Whether `value` has the shape of a feed token (checked before any lookup). */
export function looksLikeFeedToken(value: string): boolean {
  return TOKEN_RE.test(value);
}

/** The path of the feed a token opens. */
export function feedPath(secret: string): string {
  return `/api/calendar/${secret}.ics`;
}

import { createHash, randomBytes } from 'node:crypto';

/** Prefix that makes a Vigil key recognisable in logs and secret scanners. */
const KEY_PREFIX = 'vgl_';

export interface NewApiKeySecret {
  /** The secret, shown once to its creator and never stored. */
  readonly secret: string;
  /** What the database keeps to recognise it. */
  readonly hash: string;
  /** The first characters, kept to help people tell keys apart. */
  readonly prefix: string;
}

/** A new random API key (256 bits) with its digest. */
export function generateApiKeySecret(): NewApiKeySecret {
  const secret = KEY_PREFIX + randomBytes(32).toString('base64url');
  return { secret, hash: hashApiKey(secret), prefix: secret.slice(0, KEY_PREFIX.length + 6) };
}

/**
 * The stored digest of a key. Keys are 256 random bits, so a fast hash is safe here:
 * nothing can be guessed from it, and lookups stay a single indexed read.
 */
export function hashApiKey(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/**
 * A new integration routing key or heartbeat key: 32 hex characters (128 bits), the
 * format PagerDuty integration keys have, so existing clients accept it. Stored as its digest.
 */
export function generateRoutingKey(): NewApiKeySecret {
  const secret = randomBytes(16).toString('hex');
  return { secret, hash: hashApiKey(secret), prefix: secret.slice(0, 6) };
}

import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes } from 'node:crypto';

/**
 * Encrypts and decrypts stored secrets (provider tokens, webhook signing secrets, Teams
 * Workflows URLs) with AES-256-GCM under a key derived from `VIGIL_SECRET_KEY`. A stored value
 * is `v1.<iv>.<tag>.<ciphertext>`, each base64url. Secrets are never returned by the API and
 * never logged; only their holders (channel senders) see them decrypted.
 */
export interface SecretBox {
  seal(plain: string): string;
  /** Throws when the value was sealed under another key or altered. */
  open(sealed: string): string;
  /** HMAC-SHA256 under a key derived from the same secret, for signed links (base64url). */
  sign(data: string): string;
}

export function createSecretBox(secretKey: string): SecretBox {
  if (secretKey.length < 16) throw new RangeError('the secret key must be at least 16 characters');
  const key = createHash('sha256').update(`vigil-encrypt:${secretKey}`).digest();
  const macKey = createHash('sha256').update(`vigil-sign:${secretKey}`).digest();
  return {
    seal(plain) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), data.toString('base64url')].join('.');
    },
    open(sealed) {
      const [v, iv, tag, data] = sealed.split('.');
      if (v !== 'v1' || !iv || !tag || data === undefined) throw new Error('not a sealed secret');
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
    },
    sign(data) {
      return createHmacB64(macKey, data);
    },
  };
}

function createHmacB64(key: Buffer, data: string): string {
  return createHmac('sha256', key).update(data).digest('base64url');
}

/** A box for places that never store secrets (the admin socket's key creation): any use is a bug. */
export function unavailableSecretBox(): SecretBox {
  const refuse = (): never => {
    throw new Error('secrets cannot be sealed or opened here');
  };
  return { seal: refuse, open: refuse, sign: refuse };
}

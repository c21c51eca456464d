import { timingSafeEqual } from 'node:crypto';
import type { Clock } from '../storage/clock.ts';
import type { SecretBox } from './secrets.ts';

/** What a signed action link stands for. */
export interface LinkClaim {
  readonly deliveryId: string;
  readonly action: 'acknowledge' | 'resolve';
  /** Expiry, unix seconds. */
  readonly expiresAt: number;
}

/** Signed links live this long (a page is acted on within hours, not weeks). */
export const LINK_TTL_SECONDS = 7 * 24 * 3600;

/** The path signed action links are served on (`GET` shows a confirmation page, `POST` acts). */
export const ACTION_PATH = '/api/notifications/action';

/**
 * Makes and checks the signed, expiring tokens of acknowledge / resolve links (emails, Teams
 * cards): `<base64url JSON>.<HMAC-SHA256>`. The token names a delivery, so whoever acts is
 * recorded as the person that delivery went to.
 */
export function createLinkSigner(box: SecretBox, clock: Clock) {
  return {
    token(deliveryId: string, action: 'acknowledge' | 'resolve'): string {
      const claim: LinkClaim = { deliveryId, action, expiresAt: Math.floor(clock.now().getTime() / 1000) + LINK_TTL_SECONDS };
      const body = Buffer.from(JSON.stringify({ d: claim.deliveryId, a: claim.action, e: claim.expiresAt })).toString('base64url');
      return `${body}.${box.sign(body)}`;
    },
    /** The claim of a token, or a reason it is refused (altered, expired, malformed). */
    verify(token: string): LinkClaim | { error: string; expired?: true } {
      const [body, sig] = token.split('.');
      if (!body || !sig || token.length > 1000) return { error: 'the link is malformed' };
      const want = Buffer.from(box.sign(body));
      const got = Buffer.from(sig);
      if (want.length !== got.length || !timingSafeEqual(want, got)) return { error: 'the link is not signed by this Vigil' };
      let parsed: { d?: unknown; a?: unknown; e?: unknown };
      try {
        parsed = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
      } catch {
        return { error: 'the link is malformed' };
      }
      if (typeof parsed.d !== 'string' || (parsed.a !== 'acknowledge' && parsed.a !== 'resolve') || typeof parsed.e !== 'number') {
        return { error: 'the link is malformed' };
      }
      if (parsed.e * 1000 <= clock.now().getTime()) return { error: 'the link has expired', expired: true };
      return { deliveryId: parsed.d, action: parsed.a, expiresAt: parsed.e };
    },
  };
}

export type LinkSigner = ReturnType<typeof createLinkSigner>;

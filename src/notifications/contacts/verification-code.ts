import { randomInt, timingSafeEqual } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from '../../storage/database.ts';
import { newId } from '../../storage/ids.ts';
import type { ContactKind } from '../model.ts';
import type { SecretBox } from '../secrets.ts';

/** OneUptime's limits: a code lives 15 minutes, allows 5 wrong tries, and is resent at most once a minute. */
export const VERIFICATION = {
  expiryMs: 15 * 60_000,
  maxAttempts: 5,
  resendCooldownMs: 60_000,
} as const;

export const VERIFICATION_TITLE = 'Your Vigil verification code';

/** A contact method a code is sent to. */
export interface VerifiableContact {
  readonly id: string;
  readonly projectId: string;
  readonly userId: string | null;
  readonly kind: ContactKind;
}

/** Six random decimal digits (leading zeros kept). */
export function newVerificationCode(): string {
  let code = '';
  for (let i = 0; i < 6; i++) code += String(randomInt(0, 10));
  return code;
}

/** What is stored of a code: an HMAC under the installation's key, bound to the contact method. */
export function codeDigest(box: SecretBox, contactId: string, code: string): string {
  return box.sign(`verify:${contactId}:${code}`);
}

/** Whether `code` is the one whose digest is stored (constant time). */
export function codeMatches(box: SecretBox, contactId: string, code: string, stored: string): boolean {
  const a = Buffer.from(codeDigest(box, contactId, code));
  const b = Buffer.from(stored);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Issues a new code for a contact method inside the caller's transaction: stores its digest,
 * expiry (15 min), zero attempts and the send time; cancels any code message not sent yet;
 * and writes the outbox request that sends the code over that very method (reason
 * `verification`, which the sender lets through to unverified methods). The code itself is
 * only in that message.
 */
export async function issueVerificationCode(tx: Db, box: SecretBox, contact: VerifiableContact, now: Date): Promise<void> {
  const code = newVerificationCode();
  await sql`update contact_method set verification_code_hash = ${codeDigest(box, contact.id, code)},
      verification_code_expires_at = ${new Date(now.getTime() + VERIFICATION.expiryMs)}, verification_attempts = 0,
      verification_code_sent_at = ${now}, updated_at = ${now}
    where id = ${contact.id} and project_id = ${contact.projectId}`.execute(tx);
  await sql`update notification_outbox set status = 'Cancelled', status_message = 'Cancelled: a newer verification code was sent.', updated_at = ${now}
    where contact_method_id = ${contact.id} and reason = 'verification' and status = 'Pending'`.execute(tx);
  const minutes = VERIFICATION.expiryMs / 60_000;
  const body = `Your Vigil verification code is ${code}. It expires in ${minutes} minutes.`;
  // Keyed by the send instant; a second code in the same millisecond (an address changed right
  // after create) gets a suffix rather than being dropped as a duplicate.
  const key = `verify:${contact.id}:${now.getTime()}`;
  const taken = await sql`select 1 from notification_outbox where idempotency_key = ${key}`.execute(tx);
  await sql`insert into notification_outbox (id, project_id, idempotency_key, user_id, method, reason, title, body, status, send_after,
      payload, contact_method_id, created_at, updated_at)
    values (${newId()}, ${contact.projectId}, ${taken.rows.length > 0 ? `${key}:${newId()}` : key}, ${contact.userId}, ${contact.kind},
      'verification', ${VERIFICATION_TITLE}, ${body}, 'Pending', ${now}, '{}', ${contact.id}, ${now}, ${now})`.execute(tx);
}

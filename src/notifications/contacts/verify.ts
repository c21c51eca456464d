import type { Actor } from '../../access/actor.ts';
import { sql } from 'kysely';
import { AppError, badRequest, invalidField } from '../../errors.ts';
import type { Clock } from '../../storage/clock.ts';
import type { Db } from '../../storage/database.ts';
import type { ContactKind } from '../model.ts';
import type { SecretBox } from '../secrets.ts';
import { lockContact } from './contact-store.ts';
import { assertMayManage } from './ownership.ts';
import { codeMatches, issueVerificationCode, VERIFICATION } from './verification-code.ts';

/** Which contact methods a verification request is about. */
export interface VerifyTarget {
  readonly projectId: string;
  readonly id: string;
  readonly kinds: readonly ContactKind[];
  readonly title: string;
  readonly actor: Actor;
}

const RESEND_HINT = 'request a new code with POST resend-verification-code';

/**
 * Checks a code for a contact method (OneUptime's `/verify`). The right code verifies it and
 * clears the code. A wrong one counts an attempt (400 saying how many are left); the fifth wrong
 * one burns the code. An expired code is 410, a burned or missing one 400, both saying to ask
 * for a new one. 404 for an unknown id, 403 for another user's method unless Owner or Admin.
 */
export async function verifyContact(db: Db, box: SecretBox, clock: Clock, t: VerifyTarget, code: string): Promise<void> {
  const refusal = await db.transaction().execute(async (tx): Promise<AppError | null> => {
    const c = await lockContact(tx, t.projectId, t.id, t.kinds, t.title);
    assertMayManage(t.actor, c.user_id, t.title);
    if (c.is_verified) return badRequest(`itemId: this ${t.title} is already verified`);
    const now = clock.now();
    if (!c.verification_code_hash) return invalidField('code', `no code is waiting to be checked (it was used up or never sent); ${RESEND_HINT}`);
    if (c.verification_attempts >= VERIFICATION.maxAttempts) {
      return invalidField('code', `too many incorrect attempts; ${RESEND_HINT}`);
    }
    if (!c.verification_code_expires_at || c.verification_code_expires_at.getTime() <= now.getTime()) {
      return new AppError(410, `code: this verification code has expired; ${RESEND_HINT}`);
    }
    if (!codeMatches(box, c.id, code, c.verification_code_hash)) {
      const attempts = c.verification_attempts + 1;
      const left = VERIFICATION.maxAttempts - attempts;
      // The last allowed wrong attempt burns the code: guessing on is pointless.
      await sql`update contact_method set verification_attempts = ${attempts},
          verification_code_hash = ${left > 0 ? c.verification_code_hash : null}, updated_at = ${now}
        where id = ${c.id}`.execute(tx);
      return left > 0
        ? invalidField('code', `does not match; ${left} attempt${left === 1 ? '' : 's'} left`)
        : invalidField('code', `does not match, and that was the last attempt; ${RESEND_HINT}`);
    }
    await sql`update contact_method set is_verified = true, verification_code_hash = null, verification_code_expires_at = null,
        verification_attempts = 0, updated_at = ${now}
      where id = ${c.id}`.execute(tx);
    return null;
  });
  if (refusal) throw refusal;
}

/**
 * Sends a new code (OneUptime's `/resend-verification-code`): at most one a minute per contact
 * method (429 with `Retry-After` otherwise); 400 when it is already verified.
 */
export async function resendCode(db: Db, box: SecretBox, clock: Clock, t: VerifyTarget): Promise<void> {
  await db.transaction().execute(async (tx) => {
    const c = await lockContact(tx, t.projectId, t.id, t.kinds, t.title);
    assertMayManage(t.actor, c.user_id, t.title);
    if (c.is_verified) throw badRequest(`itemId: this ${t.title} is already verified`);
    const now = clock.now();
    const sentAt = c.verification_code_sent_at?.getTime();
    if (sentAt !== undefined) {
      const waitMs = sentAt + VERIFICATION.resendCooldownMs - now.getTime();
      if (waitMs > 0) {
        const seconds = Math.ceil(waitMs / 1000);
        throw new AppError(429, `A code was sent less than a minute ago; try again in ${seconds} s`, { 'Retry-After': String(seconds) });
      }
    }
    await issueVerificationCode(tx, box, { id: c.id, projectId: t.projectId, userId: c.user_id, kind: c.kind }, now);
  });
}

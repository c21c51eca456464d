import { sql } from 'kysely';
import type { Db } from '../storage/database.ts';
import { newId } from '../storage/ids.ts';
import { SUBJECT_COLUMN, type SubjectRef } from './model.ts';

/**
 * Attaches policies to a subject in the caller's transaction (OneUptime's `onCallDutyPolicies`
 * on incident create). Written with the subject, before its creation event is consumed, they
 * start with the policies its integration and routing rules choose, each policy once.
 */
export async function attachPolicies(
  ctx: { tx: Db; projectId: string; now: Date; actor: { userId: string | null } },
  subject: SubjectRef,
  policyIds: readonly string[],
): Promise<void> {
  for (const policyId of new Set(policyIds)) {
    await sql`insert into on_call_policy_attachment (id, project_id, policy_id, ${sql.ref(SUBJECT_COLUMN[subject.type])}, created_at, updated_at, created_by_user_id)
      values (${newId()}, ${ctx.projectId}, ${policyId}, ${subject.id}, ${ctx.now}, ${ctx.now}, ${ctx.actor.userId})
      on conflict do nothing`.execute(ctx.tx);
  }
}

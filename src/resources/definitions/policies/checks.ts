import { sql } from 'kysely';
import { conflict, invalidField } from '../../../errors.ts';
import type { Db } from '../../../storage/database.ts';
import type { Values } from '../../definition.ts';

/** Fields a create or update may leave out but never set to null (their columns have defaults). */
export function rejectNulls(values: Values, names: readonly string[]): void {
  for (const name of names) {
    if (name in values && values[name] === null) throw invalidField(`data.${name}`, 'must not be null');
  }
}

/** The policy's rule that already has `order`, if any (other than `exceptId`): a 409 naming the field. */
export async function assertOrderFree(tx: Db, policyId: string, order: number, exceptId: string | null): Promise<void> {
  const res = await sql<{ id: string }>`select id from on_call_policy_escalation_rule
    where policy_id = ${policyId} and rule_order = ${order} and (${exceptId}::uuid is null or id <> ${exceptId}::uuid)`.execute(tx);
  const other = res.rows[0];
  if (other) throw conflict(`data.order: escalation rule ${other.id} of this policy already has order ${order}; pick another (gaps are fine)`);
}

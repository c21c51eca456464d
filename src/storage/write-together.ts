import { sql, type RawBuilder } from 'kysely';
import type { Db } from './database.ts';

/**
 * Runs writes that return nothing as one statement (each but the last a data-modifying
 * `with` part): one round trip instead of one each. They see the database as it was before
 * the statement, not each other's rows, so none may read what another writes (foreign keys
 * between them are fine: they are checked at the end of the statement). Does nothing for none.
 */
export async function writeTogether(db: Db, writes: readonly RawBuilder<unknown>[]): Promise<void> {
  if (writes.length === 0) return;
  const last = writes[writes.length - 1]!;
  if (writes.length === 1) {
    await last.execute(db);
    return;
  }
  const parts = writes.slice(0, -1).map((w, i) => sql`${sql.raw(`w${i}`)} as (${w})`);
  await sql`with ${sql.join(parts)} ${last}`.execute(db);
}

import { sql } from 'kysely';
import type { Db } from '../storage/database.ts';

/** How one claim transaction ended. */
export type ClaimOutcome<T> =
  | { readonly kind: 'none' }
  | { readonly kind: 'done'; readonly item: T }
  | { readonly kind: 'failed'; readonly item: T; readonly error: unknown };

export interface ClaimSteps<T> {
  /** Claims one item in the transaction (`... for update skip locked`), or answers undefined when none is due. */
  readonly claim: (tx: Db) => Promise<T | undefined>;
  /** The work, and the row that marks it finished, in the claiming transaction. */
  readonly work: (tx: Db, item: T) => Promise<void>;
  /** Records a failed attempt (attempts, last error, retry time or dead letter). */
  readonly recordFailure: (db: Db, item: T, error: unknown) => Promise<void>;
}

/**
 * Claims, works and commits one item in one transaction of its own, run to completion
 * before it returns (on PGlite the pool has one connection: nothing else may be awaited on
 * the pool while the transaction is open).
 *
 * The work runs under a savepoint. When it throws, everything it wrote is rolled back to
 * the savepoint and the failure is recorded in the same transaction, so the row stays
 * locked until the failure is committed and no other worker runs it again in between.
 * If even that fails (a broken connection, say), the transaction is rolled back and the
 * failure recorded in a statement of its own. A crash before commit rolls the claim back:
 * the item is claimable again at once.
 *
 * Throws only when the claim itself or recording a failure fails.
 */
export async function runInClaimTransaction<T>(db: Db, steps: ClaimSteps<T>): Promise<ClaimOutcome<T>> {
  const trx = await db.startTransaction().execute();
  let item: T | undefined;
  try {
    item = await steps.claim(trx);
    if (item === undefined) {
      await trx.commit().execute();
      return { kind: 'none' };
    }
    await sql`savepoint engine_work`.execute(trx);
  } catch (err) {
    await trx.rollback().execute().catch(() => {});
    throw err;
  }
  try {
    await steps.work(trx, item);
    await trx.commit().execute();
    return { kind: 'done', item };
  } catch (error) {
    if (trx.isCommitted) throw error;
    try {
      await sql`rollback to savepoint engine_work`.execute(trx);
      await steps.recordFailure(trx, item, error);
      await trx.commit().execute();
    } catch {
      await trx.rollback().execute().catch(() => {});
      await steps.recordFailure(db, item, error);
    }
    return { kind: 'failed', item, error };
  }
}

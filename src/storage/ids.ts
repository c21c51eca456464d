import { v7 } from 'uuid';

/**
 * A new row id: a UUIDv7, ordered by creation (monotonic within a process). Lists that
 * tie on a timestamp fall back to `_id`, so ties come back in the order rows were made,
 * and new rows land at the end of the primary-key index.
 */
export function newId(): string {
  return v7();
}

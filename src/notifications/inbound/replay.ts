import { sql } from 'kysely';
import type { Db } from '../../storage/database.ts';

/**
 * Replay refusal for inbound provider requests (Twilio callbacks and replies, Slack clicks):
 * each request's key is recorded once in `inbound_replay`; a second sighting is a replay.
 */

/** Records `key` as seen at `now`. Answers false when it was seen before (a replay). */
export async function firstSighting(db: Db, key: string, now: Date): Promise<boolean> {
  const r = await sql<{ key: string }>`insert into inbound_replay (key, seen_at) values (${key}, ${now})
    on conflict (key) do nothing returning key`.execute(db);
  return r.rows.length > 0;
}

/** Forgets the keys starting with `prefix` seen before `before` (too old to be replayed: the provider would not retry them). */
export async function pruneSightings(db: Db, prefix: string, before: Date): Promise<number> {
  const r = await sql`delete from inbound_replay where key like ${`${prefix}%`} and seen_at < ${before}`.execute(db);
  return Number(r.numAffectedRows ?? 0);
}

const lastPruned = new Map<string, number>();

/**
 * Prunes the keys of `prefix` older than `keepMs`, at most once every `everyMs` per process, so
 * the table stays the size of its recent traffic without a timer of its own.
 */
export async function pruneSightingsNowAndThen(db: Db, prefix: string, now: Date, keepMs: number, everyMs = 60_000): Promise<void> {
  const last = lastPruned.get(prefix) ?? -Infinity;
  if (now.getTime() - last < everyMs) return;
  lastPruned.set(prefix, now.getTime());
  await pruneSightings(db, prefix, new Date(now.getTime() - keepMs));
}

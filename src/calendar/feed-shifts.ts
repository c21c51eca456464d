import { sql } from 'kysely';
import { scheduleShifts, userShifts } from '../on-call/shift-queries.ts';
import type { Window } from '../schedules/model.ts';
import type { Db } from '../storage/database.ts';
import type { FeedShift } from './build-feed.ts';
import { hashFeedToken, looksLikeFeedToken } from './feed-token.ts';

/** How far around now a feed reaches: 30 days back, 90 days ahead. */
export const FEED_DAYS_BACK = 30;
export const FEED_DAYS_AHEAD = 90;
const DAY_MS = 86_400_000;

/** What a feed shows: its name and its shifts. */
export interface Feed {
  readonly name: string;
  readonly shifts: FeedShift[];
}

interface TokenRow {
  project_id: string;
  name: string | null;
  schedule_id: string | null;
  user_id: string | null;
}

/**
 * The feed a token opens, with the shifts of its schedule (or of its user across the
 * project's schedules) from 30 days before `now` to 90 days after; undefined for an unknown
 * or revoked token, or a user who has left the project. Only the token's digest is looked up.
 */
export async function feedForToken(db: Db, token: string, now: Date): Promise<Feed | undefined> {
  if (!looksLikeFeedToken(token)) return undefined;
  const found = await sql<TokenRow>`select project_id, name, schedule_id, user_id from calendar_feed_token
    where token_hash = ${hashFeedToken(token)}`.execute(db);
  const row = found.rows[0];
  if (!row) return undefined;
  const window: Window = { from: new Date(now.getTime() - FEED_DAYS_BACK * DAY_MS), to: new Date(now.getTime() + FEED_DAYS_AHEAD * DAY_MS) };

  if (row.schedule_id !== null) {
    const result = await scheduleShifts(db, row.project_id, row.schedule_id, window);
    if (!result) return undefined;
    const withUser = result.shifts.filter((s) => s.userId !== null);
    const names = await userNames(db, withUser.map((s) => s.userId!));
    return {
      name: row.name ?? `On call: ${result.stored.name}`,
      shifts: withUser.map((s) => ({ ...s, scheduleId: row.schedule_id!, scheduleName: result.stored.name, userName: names.get(s.userId!) ?? s.userId! })),
    };
  }
  const member = await sql`select 1 from project_member where project_id = ${row.project_id} and user_id = ${row.user_id}`.execute(db);
  if (member.rows.length === 0) return undefined;
  const shifts = await userShifts(db, row.project_id, row.user_id!, window);
  const names = await userNames(db, [row.user_id!]);
  const userName = names.get(row.user_id!) ?? row.user_id!;
  return { name: row.name ?? `On call: ${userName}`, shifts: shifts.map((s) => ({ ...s, userName })) };
}

async function userNames(db: Db, ids: readonly string[]): Promise<Map<string, string>> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return new Map();
  const res = await sql<{ id: string; name: string }>`select id, name from app_user where id = any(${unique}::uuid[])`.execute(db);
  return new Map(res.rows.map((r) => [r.id, r.name]));
}

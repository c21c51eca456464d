import { sql } from 'kysely';
import { conflict, notFound } from '../errors.ts';
import type { ChangeContext } from './change-context.ts';
import { journal } from './journal.ts';
import { EPISODE_OF, isEpisode, label, MEMBERS_OF, TABLE, type EpisodeType, type ItemType, type State, type SubjectType } from './subjects.ts';

export type LifecycleAction = 'acknowledge' | 'resolve' | 'reopen';

/** What each action needs the state to be, and what it makes it. */
const RULES: Record<LifecycleAction, { from: readonly State[]; to: State; kind: string }> = {
  acknowledge: { from: ['Created'], to: 'Acknowledged', kind: 'acknowledged' },
  resolve: { from: ['Created', 'Acknowledged'], to: 'Resolved', kind: 'resolved' },
  reopen: { from: ['Resolved'], to: 'Created', kind: 'reopened' },
};

export interface TransitionOptions {
  /**
   * `strict` (the API): an action that does not apply to the current state is a 409.
   * `lenient` (integrations): it is accepted and changes nothing, as PagerDuty does.
   */
  readonly mode: 'strict' | 'lenient';
  /** Extra words for the feed, e.g. "through its episode". */
  readonly note?: string;
}

interface SubjectRow {
  state: State;
  episode_id?: string | null;
}

/**
 * Applies a lifecycle action to an incident, alert or episode, with its feed entry and
 * domain event, in the caller's transaction. An episode passes acknowledge and resolve
 * on to its members; a member's change moves its episode's state to follow.
 * Returns whether anything changed.
 */
export async function transition(
  ctx: ChangeContext,
  type: SubjectType,
  id: string,
  action: LifecycleAction,
  opts: TransitionOptions,
): Promise<boolean> {
  // Episode before member, the order an episode's own actions lock in, so the two never deadlock.
  if (!isEpisode(type)) await lockEpisodeOf(ctx, type, id);
  const row = await lockSubject(ctx, type, id);
  const rule = RULES[action];
  if (!rule.from.includes(row.state)) {
    if (opts.mode === 'lenient') return false;
    throw conflict(`${label(type)} ${id} is ${row.state}; it cannot be ${rule.kind.replace('reopened', 'reopened unless Resolved')}`);
  }
  if (isEpisode(type) && action === 'reopen') await assertGroupKeyFree(ctx, type, id);
  await setState(ctx, type, id, rule.to);
  await journal(ctx, {
    subjectType: type,
    subjectId: id,
    kind: rule.kind,
    message: `${label(type)} ${rule.kind}${opts.note ? ` ${opts.note}` : ''}`,
    data: { from: row.state, to: rule.to },
  });
  if (isEpisode(type)) {
    if (action !== 'reopen') await applyToMembers(ctx, type, id, action);
  } else if (row.episode_id) {
    await followMembers(ctx, EPISODE_OF[type], row.episode_id);
  }
  return true;
}

async function lockSubject(ctx: ChangeContext, type: SubjectType, id: string): Promise<SubjectRow> {
  const cols = isEpisode(type) ? sql`state` : sql`state, episode_id`;
  const res = await sql<SubjectRow>`select ${cols} from ${sql.table(TABLE[type])}
    where id = ${id} and project_id = ${ctx.projectId} for update`.execute(ctx.tx);
  if (!res.rows[0]) throw notFound(`No ${label(type)} with _id ${id} in this project`);
  return res.rows[0];
}

/** Locks the episode an item belongs to, if any. */
async function lockEpisodeOf(ctx: ChangeContext, type: ItemType, id: string): Promise<void> {
  await sql`select id from ${sql.table(TABLE[EPISODE_OF[type]])}
    where id = (select episode_id from ${sql.table(TABLE[type])} where id = ${id} and project_id = ${ctx.projectId})
    for update`.execute(ctx.tx);
}

async function setState(ctx: ChangeContext, type: SubjectType, id: string, to: State): Promise<void> {
  const who = ctx.actor.userId;
  const t = sql.table(TABLE[type]);
  if (to === 'Acknowledged') {
    await sql`update ${t} set state = ${to}, acknowledged_at = ${ctx.now}, acknowledged_by_user_id = ${who}, updated_at = ${ctx.now}
      where id = ${id}`.execute(ctx.tx);
  } else if (to === 'Resolved') {
    await sql`update ${t} set state = ${to}, resolved_at = ${ctx.now}, resolved_by_user_id = ${who},
      acknowledged_by_user_id = case when acknowledged_at is null then ${who} else acknowledged_by_user_id end,
      acknowledged_at = coalesce(acknowledged_at, ${ctx.now}), updated_at = ${ctx.now} where id = ${id}`.execute(ctx.tx);
  } else {
    await sql`update ${t} set state = ${to}, acknowledged_at = null, acknowledged_by_user_id = null, resolved_at = null,
      resolved_by_user_id = null, updated_at = ${ctx.now} where id = ${id}`.execute(ctx.tx);
  }
}

/** Acknowledging or resolving an episode does the same to each member it applies to. */
async function applyToMembers(ctx: ChangeContext, episode: EpisodeType, episodeId: string, action: LifecycleAction): Promise<void> {
  const memberType = MEMBERS_OF[episode];
  const from = RULES[action].from;
  const members = await sql<{ id: string }>`select id from ${sql.table(TABLE[memberType])}
    where episode_id = ${episodeId} and project_id = ${ctx.projectId} and state = any(${[...from]}::text[])
    order by created_at, id for update`.execute(ctx.tx);
  for (const m of members.rows) {
    await setState(ctx, memberType, m.id, RULES[action].to);
    await journal(ctx, {
      subjectType: memberType,
      subjectId: m.id,
      kind: RULES[action].kind,
      message: `${label(memberType)} ${RULES[action].kind} through its episode`,
      data: { episodeId },
    });
  }
}

/**
 * Moves an episode to the state its members imply: Resolved when all are resolved,
 * Acknowledged when every open member is acknowledged, Created otherwise.
 */
export async function followMembers(ctx: ChangeContext, episode: EpisodeType, episodeId: string): Promise<void> {
  const memberType: ItemType = MEMBERS_OF[episode];
  // Lock first, then count: a concurrent member change is then either counted or waits for us.
  const current = await lockSubject(ctx, episode, episodeId);
  const counts = await sql<{ open: number; created: number; total: number }>`select
      count(*) filter (where state <> 'Resolved')::int as open,
      count(*) filter (where state = 'Created')::int as created,
      count(*)::int as total
    from ${sql.table(TABLE[memberType])} where episode_id = ${episodeId} and project_id = ${ctx.projectId}`.execute(ctx.tx);
  const c = counts.rows[0]!;
  if (c.total === 0) return;
  const wanted: State = c.open === 0 ? 'Resolved' : c.created === 0 ? 'Acknowledged' : 'Created';
  if (current.state === wanted) return;
  if (current.state === 'Resolved') await assertGroupKeyFree(ctx, episode, episodeId);
  await setState(ctx, episode, episodeId, wanted);
  await journal(ctx, {
    subjectType: episode,
    subjectId: episodeId,
    kind: wanted === 'Created' ? (current.state === 'Resolved' ? 'reopened' : 'unacknowledged') : wanted.toLowerCase(),
    message: `${label(episode)} ${wanted.toLowerCase()}: it follows its members`,
    data: { from: current.state, to: wanted, cause: 'members' },
  });
}

/**
 * A resolved episode may only open again while no other open episode holds its group key
 * (one open episode per key): a clear 409 instead of the unique index's error.
 */
async function assertGroupKeyFree(ctx: ChangeContext, episode: EpisodeType, episodeId: string): Promise<void> {
  const t = sql.table(TABLE[episode]);
  const res = await sql<{ id: string; group_key: string }>`select o.id, o.group_key from ${t} e
    join ${t} o on o.project_id = e.project_id and o.group_key = e.group_key
      and o.integration_id is not distinct from e.integration_id and o.id <> e.id and o.state <> 'Resolved'
    where e.id = ${episodeId} and e.project_id = ${ctx.projectId} limit 1`.execute(ctx.tx);
  const other = res.rows[0];
  if (other) {
    throw conflict(
      `${label(episode)} ${episodeId} cannot be reopened: the open ${label(episode).toLowerCase()} ${other.id} has its group key ${JSON.stringify(other.group_key)}; resolve that one first`,
    );
  }
}

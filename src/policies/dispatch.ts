import { sql } from 'kysely';
import { isEpisode, MEMBERS_OF, EPISODE_OF, TABLE, type EpisodeType, type ItemType } from '../incidents/subjects.ts';
import type { Db } from '../storage/database.ts';
import { startExecution, stopExecutionsOf, type StopCause } from './execution.ts';
import type { SubjectRef } from './model.ts';
import { policiesForSubject, type PolicyReason } from './routing.ts';
import { loadSubject } from './subjects.ts';

/** The key that makes an automatic run of a policy start once per subject. */
export function autoStartKey(policyId: string, subject: SubjectRef): string {
  return `auto:${policyId}:${subject.type}:${subject.id}`;
}

function reasonOf(m: PolicyReason): string {
  switch (m.via) {
    case 'attachment':
      return 'attached to it';
    case 'integration':
      return `through integration ${m.integrationId}`;
    case 'routing-rule':
      return `matched routing rule ${m.routingRuleId}`;
  }
}

/**
 * Starts every policy that applies to a newly created subject, each once (attached, through
 * its integration, or by routing rules). Nothing runs for a subject that no longer exists, is
 * no longer open, or was raised during scheduled maintenance (suppressed: recorded, never
 * paged). Returns the ids of the runs started.
 */
export async function startPoliciesFor(tx: Db, projectId: string, subject: SubjectRef, now: Date): Promise<string[]> {
  if (isEpisode(subject.type)) await lockEpisode(tx, projectId, subject);
  const info = await loadSubject(tx, projectId, subject);
  if (!info || info.suppressed || info.state !== 'Created') return [];
  const started: string[] = [];
  for (const m of await policiesForSubject(tx, projectId, info)) {
    const run = await startExecution(tx, {
      projectId,
      policyId: m.policyId,
      subject,
      startKey: autoStartKey(m.policyId, subject),
      reason: reasonOf(m),
      policy: m.policy,
      subjectInfo: info,
    }, now);
    if (run.started) started.push(run.id);
  }
  if (started.length > 0 && isEpisode(subject.type)) await stopIfMemberTakenOn(tx, projectId, subject, now);
  return started;
}

/**
 * Locks an episode row: an episode's run start and the stop a member's acknowledgement
 * brings take it first, so with several engine workers one always sees the other's work.
 */
async function lockEpisode(tx: Db, projectId: string, episode: SubjectRef): Promise<void> {
  await sql`select id from ${sql.table(TABLE[episode.type])} where project_id = ${projectId} and id = ${episode.id} for update`.execute(tx);
}

/**
 * A member already acknowledged (or resolved by a person) when its episode's runs start means
 * someone is on it: the runs stop at once, as they would had the member's event come later.
 */
async function stopIfMemberTakenOn(tx: Db, projectId: string, episode: SubjectRef, now: Date): Promise<void> {
  const memberType = MEMBERS_OF[episode.type as EpisodeType];
  const res = await sql<{ id: string; state: string; acknowledged_by_user_id: string | null; acknowledged_at: Date | null; resolved_by_user_id: string | null; resolved_at: Date | null }>`
    select id, state, acknowledged_by_user_id, acknowledged_at, resolved_by_user_id, resolved_at
    from ${sql.table(TABLE[memberType])}
    where project_id = ${projectId} and episode_id = ${episode.id}
      and (state = 'Acknowledged' or (state = 'Resolved' and resolved_by_user_id is not null))
    order by coalesce(acknowledged_at, resolved_at), id limit 1`.execute(tx);
  const m = res.rows[0];
  if (!m) return;
  const acknowledged = m.state === 'Acknowledged';
  await stopExecutionsOf(tx, projectId, [episode], {
    reason: acknowledged ? 'acknowledged' : 'resolved',
    subject: { type: memberType, id: m.id },
    userId: acknowledged ? m.acknowledged_by_user_id : m.resolved_by_user_id,
    at: (acknowledged ? m.acknowledged_at : m.resolved_at) ?? now,
  }, now);
}

/**
 * Stops the runs a lifecycle change ends. Acknowledging or resolving a subject stops its own
 * runs and its members' (an episode's acknowledgement reaches its members). A member
 * acknowledged, or resolved by a person, also stops its episode's runs: someone is on it. A
 * member resolved by its source alone does not (the episode resolves when all members do).
 */
export async function stopPoliciesFor(
  tx: Db,
  projectId: string,
  subject: SubjectRef,
  verb: 'acknowledged' | 'resolved' | 'deleted',
  userId: string | null,
  at: Date,
  now: Date,
  via: string | null = null,
): Promise<number> {
  const cause: StopCause = { reason: verb, subject, userId, at, via };
  const related: SubjectRef[] = [subject];
  if (verb !== 'deleted') {
    if (isEpisode(subject.type)) {
      const memberType = MEMBERS_OF[subject.type as EpisodeType];
      const members = await sql<{ id: string }>`select id from ${sql.table(TABLE[memberType])}
        where project_id = ${projectId} and episode_id = ${subject.id} order by created_at, id`.execute(tx);
      related.push(...members.rows.map((r) => ({ type: memberType, id: r.id })));
    } else if (verb === 'acknowledged' || userId !== null) {
      const res = await sql<{ episode_id: string | null }>`select episode_id from ${sql.table(TABLE[subject.type])}
        where project_id = ${projectId} and id = ${subject.id}`.execute(tx);
      const episodeId = res.rows[0]?.episode_id;
      if (episodeId) {
        const episode: SubjectRef = { type: EPISODE_OF[subject.type as ItemType], id: episodeId };
        await lockEpisode(tx, projectId, episode);
        related.push(episode);
      }
    }
  }
  return stopExecutionsOf(tx, projectId, related, cause, now);
}

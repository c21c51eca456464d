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
  return started;
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
): Promise<number> {
  const cause: StopCause = { reason: verb, subject, userId, at };
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
      if (episodeId) related.push({ type: EPISODE_OF[subject.type as ItemType], id: episodeId });
    }
  }
  return stopExecutionsOf(tx, projectId, related, cause, now);
}

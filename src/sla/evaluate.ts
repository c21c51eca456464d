import { sql } from 'kysely';
import { cancelJobGroup, enqueueJob } from '../engine/job-queue.ts';
import type { Db } from '../storage/database.ts';
import { newId } from '../storage/ids.ts';
import { firstLevel, hasLevels } from './level-timing.ts';
import { CONDITIONS, matchesIncidentType, settingsFor, targetsFor, type Condition, type TargetDuration } from './policy.ts';
import { projectPolicies, type StoredPolicy } from './policy-store.ts';

/** The incident columns deadline escalation reads. */
export interface SlaIncident {
  readonly id: string;
  readonly title: string;
  readonly state: string;
  readonly priority: string | null;
  readonly incident_type: string | null;
  readonly assignee_user_id: string | null;
  readonly acknowledged_at: Date | null;
  readonly started_at: Date | null;
  readonly created_at: Date;
}

/** An open breach. */
export interface OpenBreach {
  readonly id: string;
  readonly escalation_policy_id: string;
  readonly condition: Condition;
  readonly breach_no: number;
  readonly breached_at: Date;
}

export interface Evaluation {
  /** Null when the incident no longer exists. */
  readonly incident: SlaIncident | null;
  /** The policies that watch the incident now, by id. */
  readonly policies: ReadonlyMap<string, StoredPolicy>;
}

/** Job kinds (see `handlers.ts`). */
export const DEADLINE_JOB = 'sla.deadline';
export const LEVEL_JOB = 'sla.level';

/** The job group holding a breach's pending levels. */
export function breachGroup(breachId: string): string {
  return `sla:breach:${breachId}`;
}

/** Where a condition stands for one incident under one policy's targets. */
type Status =
  | { readonly kind: 'unwatched' }
  | { readonly kind: 'met'; readonly reason: string }
  /** Breached from `deadline` on (null: at once) unless it is met first. */
  | { readonly kind: 'pending'; readonly deadline: Date | null };

function addSeconds(d: Date, s: number): Date {
  return new Date(d.getTime() + s * 1000);
}

function statusOf(condition: Condition, inc: SlaIncident, t: TargetDuration): Status {
  switch (condition) {
    case 'start':
      if (t.StartThreshold === undefined) return { kind: 'unwatched' };
      if (inc.acknowledged_at) return { kind: 'met', reason: 'acknowledged' };
      if (inc.started_at) return { kind: 'met', reason: 'started' };
      return { kind: 'pending', deadline: addSeconds(inc.created_at, t.StartThreshold) };
    case 'due':
      if (t.DueTime === undefined) return { kind: 'unwatched' };
      return { kind: 'pending', deadline: addSeconds(inc.created_at, t.DueTime) };
    case 'unassigned':
      if (inc.assignee_user_id) return { kind: 'met', reason: 'assigned' };
      return { kind: 'pending', deadline: null };
  }
}

/**
 * Brings an incident's deadline escalation up to date with the incident and the project's
 * policies as they are now, in the caller's transaction (it locks the incident row, so
 * evaluations of one incident never interleave):
 * - a condition that is met (or no longer watched) clears its open breach and cancels the
 *   breach's pending levels; resolving or deleting the incident clears every breach;
 * - a condition whose deadline has passed at `now` and has no open breach opens one, at
 *   `asOf` or the deadline, whichever is later, and schedules its first level;
 * - a deadline still ahead schedules an `sla.deadline` job then, which evaluates again.
 * `asOf` is the instant of the change being handled (the event's or the job's time).
 * Safe to repeat: it only writes what is missing, and job keys are idempotent.
 */
export async function evaluateIncident(tx: Db, projectId: string, incidentId: string, asOf: Date, now: Date): Promise<Evaluation> {
  const res = await sql<SlaIncident>`select id, title, state, priority, incident_type, assignee_user_id, acknowledged_at, started_at, created_at
    from incident where id = ${incidentId} and project_id = ${projectId} for update`.execute(tx);
  const incident = res.rows[0] ?? null;
  const open = (
    await sql<OpenBreach>`select id, escalation_policy_id, condition, breach_no, breached_at from sla_breach
      where incident_id = ${incidentId} and project_id = ${projectId} and cleared_at is null for update`.execute(tx)
  ).rows;
  const policies = new Map<string, StoredPolicy>();
  if (!incident || incident.state === 'Resolved') {
    for (const b of open) await clearBreach(tx, b, incident ? 'incident resolved' : 'incident deleted', now);
    return { incident, policies };
  }
  for (const p of await projectPolicies(tx, projectId)) {
    if (matchesIncidentType(p.document, incident.incident_type) && targetsFor(p.document, incident.priority)) policies.set(p.id, p);
  }
  for (const b of open) {
    if (!policies.has(b.escalation_policy_id)) await clearBreach(tx, b, 'policy deleted or no longer applies to the incident', now);
  }
  const deadlines = new Set<number>();
  for (const p of policies.values()) {
    const targets = targetsFor(p.document, incident.priority)!;
    for (const condition of CONDITIONS) {
      const breach = open.find((b) => b.escalation_policy_id === p.id && b.condition === condition);
      const settings = settingsFor(p.document, condition);
      const status: Status = hasLevels(settings) ? statusOf(condition, incident, targets) : { kind: 'unwatched' };
      if (status.kind !== 'pending') {
        if (breach) await clearBreach(tx, breach, status.kind === 'met' ? status.reason : 'condition no longer watched by the policy', now);
        continue;
      }
      if (breach) continue;
      if (status.deadline === null || status.deadline.getTime() <= now.getTime()) {
        const at = status.deadline && status.deadline > asOf ? status.deadline : asOf;
        await openBreach(tx, { projectId, incidentId, policy: p, condition, at, now });
      } else {
        deadlines.add(status.deadline.getTime());
      }
    }
  }
  for (const ms of deadlines) {
    await enqueueJob(
      tx,
      { projectId, kind: DEADLINE_JOB, runAt: new Date(ms), payload: { incidentId }, key: `sla:deadline:${incidentId}:${ms}` },
      now,
    );
  }
  return { incident, policies };
}

async function openBreach(
  tx: Db,
  b: { projectId: string; incidentId: string; policy: StoredPolicy; condition: Condition; at: Date; now: Date },
): Promise<void> {
  const id = newId();
  await sql`insert into sla_breach (id, project_id, incident_id, escalation_policy_id, condition, breach_no, breached_at, created_at, updated_at)
    select ${id}, ${b.projectId}, ${b.incidentId}, ${b.policy.id}, ${b.condition}, coalesce(max(breach_no), 0) + 1, ${b.at}, ${b.now}, ${b.now}
    from sla_breach where incident_id = ${b.incidentId} and escalation_policy_id = ${b.policy.id} and condition = ${b.condition}`.execute(tx);
  const first = firstLevel(settingsFor(b.policy.document, b.condition), b.at)!;
  await enqueueJob(
    tx,
    {
      projectId: b.projectId,
      kind: LEVEL_JOB,
      runAt: first.at,
      payload: { incidentId: b.incidentId, breachId: id, level: first.level },
      key: `sla:level:${id}:${first.level}`,
      group: breachGroup(id),
    },
    b.now,
  );
}

async function clearBreach(tx: Db, b: OpenBreach, reason: string, now: Date): Promise<void> {
  await sql`update sla_breach set cleared_at = ${now}, cleared_reason = ${reason}, updated_at = ${now} where id = ${b.id}`.execute(tx);
  await cancelJobGroup(tx, breachGroup(b.id), now);
}

/** Whether an incident can matter to deadline escalation: its project has a policy, or it has an open breach. */
export async function mayConcern(db: Db, projectId: string, incidentId: string): Promise<boolean> {
  const res = await sql<{ yes: boolean }>`select exists (select 1 from escalation_policy where project_id = ${projectId})
    or exists (select 1 from sla_breach where incident_id = ${incidentId} and project_id = ${projectId} and cleared_at is null) as yes`.execute(db);
  return res.rows[0]?.yes === true;
}

import { sql } from 'kysely';
import { enqueueJob } from '../engine/job-queue.ts';
import type { DomainEventHandler, EngineHandlers, JobHandler } from '../engine/types.ts';
import type { Db } from '../storage/database.ts';
import { newId } from '../storage/ids.ts';
import { DEADLINE_JOB, LEVEL_JOB, evaluateIncident, mayConcern } from './evaluate.ts';
import { fireLevel, type FiringBreach } from './fire-level.ts';
import { nextLevel } from './level-timing.ts';
import { LEVELS, settingsFor, type Level } from './policy.ts';

/** Re-evaluates the open incidents of a project after one of its policies changed. */
export const POLICY_CHANGED_JOB = 'sla.policy-changed';
const BATCH = 100;

/** Incident events that can start or clear a breach. `incident.updated` only when priority or type changed. */
const WATCHED_EVENTS = new Set([
  'incident.created',
  'incident.assigned',
  'incident.unassigned',
  'incident.started',
  'incident.acknowledged',
  'incident.resolved',
  'incident.reopened',
  'incident.updated',
  'incident.deleted',
]);
const WATCHED_FIELDS = ['priority', 'incidentType'];

function projectOf(projectId: string | null): string {
  if (!projectId) throw new Error('sla job without a project');
  return projectId;
}

function text(payload: Record<string, unknown>, name: string): string {
  const v = payload[name];
  if (typeof v !== 'string') throw new Error(`sla job payload: ${name} missing`);
  return v;
}

/** An incident changed: evaluate it as of the event's instant. */
const onIncidentEvent: DomainEventHandler = async ({ tx, event, now }) => {
  if (event.subjectType !== 'incident' || !WATCHED_EVENTS.has(event.eventType)) return;
  if (event.eventType === 'incident.updated') {
    const fields = Array.isArray(event.payload.fields) ? (event.payload.fields as unknown[]) : [];
    if (!fields.some((f) => WATCHED_FIELDS.includes(f as string))) return;
  }
  if (!(await mayConcern(tx, event.projectId, event.subjectId))) return;
  await evaluateIncident(tx, event.projectId, event.subjectId, event.createdAt, now);
};

/** A start or due deadline is reached: evaluate the incident (the condition is re-checked, not assumed). */
const onDeadline: JobHandler = async ({ tx, job, now }) => {
  await evaluateIncident(tx, projectOf(job.projectId), text(job.payload, 'incidentId'), job.runAt, now);
};

/**
 * A level of a breach is due: evaluate the incident first (a condition met meanwhile clears
 * the breach and this level does not fire), fire the level as the policy says now, and
 * schedule the next level present.
 */
const onLevel: JobHandler = async ({ tx, job, now }) => {
  const projectId = projectOf(job.projectId);
  const level = text(job.payload, 'level') as Level;
  if (!LEVELS.includes(level)) throw new Error(`sla job payload: unknown level ${level}`);
  const ev = await evaluateIncident(tx, projectId, text(job.payload, 'incidentId'), job.runAt, now);
  const breach = (
    await sql<FiringBreach & { cleared_at: Date | null }>`select id, escalation_policy_id, condition, breach_no, breached_at, cleared_at
      from sla_breach where id = ${text(job.payload, 'breachId')} and project_id = ${projectId}`.execute(tx)
  ).rows[0];
  if (!breach || breach.cleared_at || !ev.incident) return;
  const policy = ev.policies.get(breach.escalation_policy_id);
  if (!policy) return;
  const settings = settingsFor(policy.document, breach.condition);
  const current = settings[level];
  if (current) await fireLevel(tx, { projectId, incident: ev.incident, policy, breach, level, settings: current, scheduledAt: job.runAt, now });
  const next = nextLevel(settings, level, job.runAt);
  if (next) {
    await enqueueJob(
      tx,
      {
        projectId,
        kind: LEVEL_JOB,
        runAt: next.at,
        payload: { incidentId: ev.incident.id, breachId: breach.id, level: next.level },
        key: `sla:level:${breach.id}:${next.level}`,
        group: job.group,
      },
      now,
    );
  }
};

/**
 * Evaluates the project's open incidents, a batch per run, after a policy was created, replaced
 * or deleted. Incidents are locked in creation order, the order episode actions lock members in.
 */
const onPolicyChanged: JobHandler = async ({ tx, job, now }) => {
  const projectId = projectOf(job.projectId);
  const after = typeof job.payload.afterId === 'string' ? { id: job.payload.afterId, at: text(job.payload, 'afterCreatedAt') } : null;
  const res = await sql<{ id: string; created_at: Date }>`select id, created_at from incident
    where project_id = ${projectId} and state <> 'Resolved'
      and (${after?.id ?? null}::uuid is null or (created_at, id) > (${after?.at ?? null}::timestamptz, ${after?.id ?? null}::uuid))
    order by created_at, id limit ${BATCH}`.execute(tx);
  for (const r of res.rows) await evaluateIncident(tx, projectId, r.id, job.runAt, now);
  const last = res.rows[res.rows.length - 1];
  if (res.rows.length === BATCH && last) {
    await enqueueJob(
      tx,
      { projectId, kind: POLICY_CHANGED_JOB, runAt: now, payload: { afterId: last.id, afterCreatedAt: last.created_at.toISOString() }, key: `${job.key}:${last.id}` },
      now,
    );
  }
};

/** Schedules the re-evaluation of a project's open incidents, in the transaction that changed a policy. */
export async function policyChanged(tx: Db, projectId: string, now: Date): Promise<void> {
  await enqueueJob(tx, { projectId, kind: POLICY_CHANGED_JOB, runAt: now, payload: {}, key: `sla:policy-changed:${projectId}:${newId()}` }, now);
}

/** Deadline (SLA) escalation's part of the engine: job kinds `sla.*` and the incident event consumer. */
export const slaHandlers: EngineHandlers = {
  jobs: {
    [DEADLINE_JOB]: onDeadline,
    [LEVEL_JOB]: onLevel,
    [POLICY_CHANGED_JOB]: onPolicyChanged,
  },
  events: [onIncidentEvent],
};

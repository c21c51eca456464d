import { sql } from 'kysely';
import type { Db } from '../storage/database.ts';
import { newId } from '../storage/ids.ts';
import type { SlaIncident } from './evaluate.ts';
import { methodOf, type OutboxMethod } from './media.ts';
import { ASSIGNEE, recipientApplies, type Condition, type Level, type LevelSettings, type Recipient } from './policy.ts';
import type { StoredPolicy } from './policy-store.ts';

/** A breach as a level needs it. */
export interface FiringBreach {
  readonly id: string;
  readonly escalation_policy_id: string;
  readonly condition: Condition;
  readonly breach_no: number;
  readonly breached_at: Date;
}

/** A user reached: one outbox row. */
export interface ReachedRecipient {
  readonly entity: string;
  readonly entityMedium: string;
  readonly method: OutboxMethod;
  readonly userId: string;
  /** The team the user was reached through, when the entity is a team. */
  readonly teamId: string | null;
}

/** A recipient no message was written for, and why. */
export interface SkippedRecipient {
  readonly entity: string;
  readonly entityMedium: string;
  readonly userId: string | null;
  readonly teamId: string | null;
  readonly reason: string;
}

const WHAT: Record<Condition, string> = {
  start: 'work not started in time',
  due: 'not resolved by its due time',
  unassigned: 'nobody is assigned',
};

interface Target {
  readonly userId: string;
  readonly teamId: string | null;
}

/** The users an entity stands for now, or why there are none. */
async function resolveEntity(tx: Db, projectId: string, inc: SlaIncident, r: Recipient): Promise<Target[] | string> {
  if (r.Entity === ASSIGNEE) {
    return inc.assignee_user_id ? [{ userId: inc.assignee_user_id, teamId: null }] : 'the incident has no assignee';
  }
  const id = r.Entity.toLowerCase();
  const member = await sql`select 1 from project_member where project_id = ${projectId} and user_id = ${id}`.execute(tx);
  if (member.rows.length > 0) return [{ userId: id, teamId: null }];
  const team = await sql`select 1 from team where project_id = ${projectId} and id = ${id}`.execute(tx);
  if (team.rows.length === 0) return 'no user or team with this id in the project';
  const members = await sql<{ user_id: string }>`select tm.user_id from team_member tm
    join project_member pm on pm.project_id = tm.project_id and pm.user_id = tm.user_id
    where tm.team_id = ${id} and tm.project_id = ${projectId} order by tm.created_at, tm.id`.execute(tx);
  if (members.rows.length === 0) return 'the team has no members';
  return members.rows.map((m) => ({ userId: m.user_id, teamId: id }));
}

/**
 * Fires one level of a breach in the caller's transaction: resolves each recipient (the
 * assignee as of now, a user, or every member of a team), writes one outbox row per user and
 * method (idempotency key `sla:<incident>:<policy>:<condition>:<level>:<breachNo>:<user>:<method>`)
 * and one `sla_escalation_log` row with who was reached and who was skipped. Safe to repeat.
 */
export async function fireLevel(
  tx: Db,
  f: {
    projectId: string;
    incident: SlaIncident;
    policy: StoredPolicy;
    breach: FiringBreach;
    level: Level;
    settings: LevelSettings;
    scheduledAt: Date;
    now: Date;
  },
): Promise<{ reached: ReachedRecipient[]; skipped: SkippedRecipient[] }> {
  const { incident: inc, policy, breach, level } = f;
  const reached: ReachedRecipient[] = [];
  const skipped: SkippedRecipient[] = [];
  const seen = new Set<string>();
  const title = `SLA ${level}: ${WHAT[breach.condition]}: ${inc.title}`.slice(0, 1024);
  const body =
    `Incident "${inc.title}" (priority ${inc.priority ?? '-'}, type ${inc.incident_type ?? '-'}) breached escalation policy ` +
    `"${policy.document.Name}": ${WHAT[breach.condition]} (breach ${breach.breach_no} at ${breach.breached_at.toISOString()}). Escalation level ${level}.`;
  for (const r of f.settings.Recipients) {
    const base = { entity: r.Entity, entityMedium: r.EntityMedium };
    const method = methodOf(r.EntityMedium);
    if (method === null) {
      skipped.push({ ...base, userId: null, teamId: null, reason: 'unknown medium' });
      continue;
    }
    if (!recipientApplies(r, inc.incident_type)) {
      skipped.push({ ...base, userId: null, teamId: null, reason: `incident type ${inc.incident_type ?? '(none)'} is not in NotifyForIncidents` });
      continue;
    }
    const targets = await resolveEntity(tx, f.projectId, inc, r);
    if (typeof targets === 'string') {
      skipped.push({ ...base, userId: null, teamId: null, reason: targets });
      continue;
    }
    for (const t of targets) {
      if (seen.has(`${t.userId}|${method}`)) {
        skipped.push({ ...base, ...t, reason: `already reached over ${method} at this level` });
        continue;
      }
      seen.add(`${t.userId}|${method}`);
      const key = `sla:${inc.id}:${policy.id}:${breach.condition}:${level}:${breach.breach_no}:${t.userId}:${method}`;
      const payload = {
        condition: breach.condition,
        level,
        breachNo: breach.breach_no,
        escalationPolicyId: policy.id,
        policyName: policy.document.Name,
        entity: r.Entity,
        entityMedium: r.EntityMedium,
        mediumDetails: r.MediumDetails ?? {},
        priority: inc.priority,
        incidentType: inc.incident_type,
      };
      await sql`insert into notification_outbox (id, project_id, idempotency_key, user_id, method, reason, title, body, send_after,
          incident_id, team_id, escalation_policy_id, payload, created_at, updated_at)
        values (${newId()}, ${f.projectId}, ${key}, ${t.userId}, ${method}, 'sla-escalation', ${title}, ${body}, ${f.now},
          ${inc.id}, ${t.teamId}, ${policy.id}::uuid, ${JSON.stringify(payload)}, ${f.now}, ${f.now})
        on conflict (idempotency_key) do nothing`.execute(tx);
      reached.push({ ...base, method, ...t });
    }
  }
  await sql`insert into sla_escalation_log (id, project_id, incident_id, escalation_policy_id, policy_name, breach_id, condition, breach_no,
      level, breached_at, scheduled_at, fired_at, recipients, skipped_recipients, created_at, updated_at)
    values (${newId()}, ${f.projectId}, ${inc.id}, ${policy.id}, ${policy.document.Name}, ${breach.id}, ${breach.condition}, ${breach.breach_no},
      ${level}, ${breach.breached_at}, ${f.scheduledAt}, ${f.now}, ${JSON.stringify(reached)}, ${JSON.stringify(skipped)}, ${f.now}, ${f.now})
    on conflict (breach_id, level) do nothing`.execute(tx);
  return { reached, skipped };
}

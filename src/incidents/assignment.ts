import { sql } from 'kysely';
import { conflict, invalidField, notFound } from '../errors.ts';
import { isMember } from '../access/users.ts';
import type { ChangeContext } from './change-context.ts';
import { journal } from './journal.ts';

interface IncidentRow {
  state: string;
  assignee_user_id: string | null;
  started_at: Date | null;
}

async function lockIncident(ctx: ChangeContext, id: string): Promise<IncidentRow> {
  const res = await sql<IncidentRow>`select state, assignee_user_id, started_at from incident
    where id = ${id} and project_id = ${ctx.projectId} for update`.execute(ctx.tx);
  if (!res.rows[0]) throw notFound(`No Incident with _id ${id} in this project`);
  return res.rows[0];
}

/** Assigns an incident to a project member (deadline escalation watches the assignee). */
export async function assign(ctx: ChangeContext, id: string, userId: string): Promise<void> {
  const row = await lockIncident(ctx, id);
  if (!(await isMember(ctx.tx, ctx.projectId, userId))) throw invalidField('userId', `no Project User with _id ${userId} in this project`);
  if (row.state === 'Resolved') throw conflict(`Incident ${id} is Resolved; reopen it before assigning it`);
  if (row.assignee_user_id === userId) throw conflict(`Incident ${id} is already assigned to ${userId}`);
  await sql`update incident set assignee_user_id = ${userId}, assigned_at = ${ctx.now}, updated_at = ${ctx.now} where id = ${id}`.execute(ctx.tx);
  await journal(ctx, {
    subjectType: 'incident',
    subjectId: id,
    kind: 'assigned',
    message: `Incident assigned to user ${userId}`,
    data: { assigneeUserId: userId, previousAssigneeUserId: row.assignee_user_id },
  });
}

export async function unassign(ctx: ChangeContext, id: string): Promise<void> {
  const row = await lockIncident(ctx, id);
  if (!row.assignee_user_id) throw conflict(`Incident ${id} has no assignee`);
  await sql`update incident set assignee_user_id = null, assigned_at = null, updated_at = ${ctx.now} where id = ${id}`.execute(ctx.tx);
  await journal(ctx, {
    subjectType: 'incident',
    subjectId: id,
    kind: 'unassigned',
    message: 'Incident unassigned',
    data: { previousAssigneeUserId: row.assignee_user_id },
  });
}

/** Records that work on an incident has started (the deadline policies' start threshold). */
export async function markStarted(ctx: ChangeContext, id: string, at: Date): Promise<void> {
  const row = await lockIncident(ctx, id);
  if (row.state === 'Resolved') throw conflict(`Incident ${id} is Resolved; it cannot be started`);
  await sql`update incident set started_at = ${at}, updated_at = ${ctx.now} where id = ${id}`.execute(ctx.tx);
  await journal(ctx, {
    subjectType: 'incident',
    subjectId: id,
    kind: 'started',
    message: 'Work on the incident started',
    data: { startedAt: at.toISOString(), previousStartedAt: row.started_at?.toISOString() ?? null },
  });
}

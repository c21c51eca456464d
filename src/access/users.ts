import { newId } from '../storage/ids.ts';
import { sql } from 'kysely';
import type { Db } from '../storage/database.ts';
import type { Role } from './roles.ts';

/** The id of the user with this email (case-insensitive), created with `name` if there is none. */
export async function findOrCreateUser(db: Db, email: string, name: string, now: Date): Promise<{ id: string; created: boolean }> {
  const existing = await sql<{ id: string }>`select id from app_user where lower(email) = lower(${email})`.execute(db);
  if (existing.rows[0]) return { id: existing.rows[0].id, created: false };
  const id = newId();
  await sql`insert into app_user (id, email, name, created_at, updated_at)
    values (${id}, ${email}, ${name}, ${now}, ${now})`.execute(db);
  return { id, created: true };
}

/** Adds a user to a project with a role. */
export async function addMember(
  db: Db,
  m: { projectId: string; userId: string; role: Role; now: Date; createdBy: string | null },
): Promise<void> {
  await sql`insert into project_member (project_id, user_id, role, created_at, updated_at, created_by_user_id)
    values (${m.projectId}, ${m.userId}, ${m.role}, ${m.now}, ${m.now}, ${m.createdBy})`.execute(db);
}

export async function isMember(db: Db, projectId: string, userId: string): Promise<boolean> {
  const r = await sql`select 1 from project_member where project_id = ${projectId} and user_id = ${userId}`.execute(db);
  return r.rows.length > 0;
}

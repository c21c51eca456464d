import { sql } from 'kysely';
import type { Db } from '../storage/database.ts';
import { effectivePermissions, type Role } from './roles.ts';

/**
 * What a user may do in a project: their member role, plus every permission granted to
 * a team of theirs in that project. `null` when they are not a member. (API keys carry
 * their own role and permissions; this is for people signed in to the dashboard.)
 */
export async function userPermissions(db: Db, projectId: string, userId: string): Promise<{ role: Role; permissions: Set<string> } | null> {
  const member = await sql<{ role: Role }>`select role from project_member
    where project_id = ${projectId} and user_id = ${userId}`.execute(db);
  const role = member.rows[0]?.role;
  if (!role) return null;
  const granted = await sql<{ permission: string }>`select distinct tp.permission
    from team_permission tp
    join team_member tm on tm.team_id = tp.team_id and tm.project_id = tp.project_id
    where tp.project_id = ${projectId} and tm.user_id = ${userId}`.execute(db);
  return { role, permissions: effectivePermissions(role, granted.rows.map((r) => r.permission)) };
}

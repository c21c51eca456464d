import { sql } from 'kysely';
import { assertCanGrant } from '../../access/grants.ts';
import { ROLES, roleRank, standardPermissions, type Role } from '../../access/roles.ts';
import { conflict, forbidden } from '../../errors.ts';
import { addMember, findOrCreateUser, isMember } from '../../access/users.ts';
import { defineResource, type WriteContext } from '../definition.ts';

/**
 * The project's members. A person is one global user (by email); membership carries
 * the project role. Creating adds the person (new or existing) to the project;
 * deleting removes them from the project and its teams, never the person.
 */
export const userResource = defineResource({
  name: 'user',
  title: 'Project User',
  description: 'Members of the project, with their role.',
  table: 'project_user',
  columns: {
    email: { kind: 'email', description: 'Email address of the user', required: true, maxLength: 320 },
    name: { kind: 'text', description: 'Full name of the user', required: true, update: true, maxLength: 100 },
    role: {
      kind: 'enum',
      description: 'Role of the user in this project',
      values: ROLES,
      create: true,
      update: true,
      default: 'Project Member',
    },
  },
  permissions: standardPermissions('Project User', { membersWrite: false }),
  hooks: {
    async create(ctx, values) {
      const role = (values.role ?? 'Project Member') as Role;
      assertCanGrant(ctx.actor, role);
      const email = String(values.email).trim();
      const user = await findOrCreateUser(ctx.tx, email, values.name as string, ctx.now);
      if (!user.created && (await isMember(ctx.tx, ctx.projectId, user.id))) {
        throw conflict(`${email} is already a member of this project`);
      }
      const userId = user.id;
      await addMember(ctx.tx, { projectId: ctx.projectId, userId, role, now: ctx.now, createdBy: ctx.actor.userId });
      return { id: userId };
    },
    async update(ctx, id, values) {
      const current = await memberRole(ctx, id);
      if (values.name !== undefined && (await belongsToOtherProjects(ctx, id))) {
        // The name is the person's, shared by every project they belong to: one project must not rename them in another.
        throw conflict('data.name: this user also belongs to other projects, so their name cannot be changed from this one');
      }
      if (values.role !== undefined) {
        if (roleRank(current) > roleRank(ctx.actor.role)) throw forbidden(`Permission denied: this user is ${current}, above your own role`);
        assertCanGrant(ctx.actor, values.role as Role);
        if (current === 'Project Owner' && values.role !== 'Project Owner') await assertAnotherOwner(ctx, id);
        await sql`update project_member set role = ${values.role}, updated_at = ${ctx.now}
          where project_id = ${ctx.projectId} and user_id = ${id}`.execute(ctx.tx);
      }
      if (values.name !== undefined) {
        await sql`update app_user set name = ${values.name}, updated_at = ${ctx.now} where id = ${id}`.execute(ctx.tx);
      }
    },
    async delete(ctx, id) {
      const current = await memberRole(ctx, id);
      if (roleRank(current) > roleRank(ctx.actor.role)) throw forbidden(`Permission denied: this user is ${current}, above your own role`);
      if (current === 'Project Owner') await assertAnotherOwner(ctx, id);
      await sql`delete from team_member where project_id = ${ctx.projectId} and user_id = ${id}`.execute(ctx.tx);
      await sql`update api_key set user_id = null where project_id = ${ctx.projectId} and user_id = ${id}`.execute(ctx.tx);
      // Nobody is paged who has left: the rotations close up around them and their overrides
      // that have not ended are withdrawn (ended ones stay as history).
      await sql`delete from on_call_schedule_layer_user where project_id = ${ctx.projectId} and user_id = ${id}`.execute(ctx.tx);
      await sql`delete from on_call_user_override where project_id = ${ctx.projectId} and ends_at > ${ctx.now}
        and (override_user_id = ${id} or route_alerts_to_user_id = ${id})`.execute(ctx.tx);
      await sql`delete from project_member where project_id = ${ctx.projectId} and user_id = ${id}`.execute(ctx.tx);
    },
  },
});

async function memberRole(ctx: WriteContext, userId: string): Promise<Role> {
  const res = await sql<{ role: Role }>`select role from project_member
    where project_id = ${ctx.projectId} and user_id = ${userId} for update`.execute(ctx.tx);
  return res.rows[0]!.role;
}

async function belongsToOtherProjects(ctx: WriteContext, userId: string): Promise<boolean> {
  const res = await sql`select 1 from project_member where user_id = ${userId} and project_id <> ${ctx.projectId} limit 1`.execute(ctx.tx);
  return res.rows.length > 0;
}

/** A project must always keep at least one owner. */
async function assertAnotherOwner(ctx: WriteContext, userId: string): Promise<void> {
  const res = await sql<{ n: number }>`select count(*)::int as n from project_member
    where project_id = ${ctx.projectId} and role = 'Project Owner' and user_id <> ${userId}`.execute(ctx.tx);
  if ((res.rows[0]?.n ?? 0) === 0) throw conflict('A project must keep at least one Project Owner');
}

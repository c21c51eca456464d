import { sql } from 'kysely';
import { insertApiKey } from '../../access/api-keys.ts';
import { assertCanGrant } from '../../access/grants.ts';
import { PERMISSIONS } from '../../access/permission-catalog.ts';
import { ROLES, roleRank, standardPermissions, type Role } from '../../access/roles.ts';
import { badRequest, forbidden } from '../../errors.ts';
import { defineResource, type WriteContext } from '../definition.ts';

/**
 * API keys of the project. Create answers the secret once, in `apiKey`; only its
 * SHA-256 digest is stored. Deleting a key revokes it at once.
 */
export const apiKeyResource = defineResource({
  name: 'api-key',
  title: 'API Key',
  description: 'Keys for the API. The secret is returned once, on create.',
  table: 'api_key',
  columns: {
    name: { kind: 'text', description: 'Name of the key', required: true, update: true, maxLength: 100 },
    description: { kind: 'longText', description: 'What the key is for', create: true, update: true, maxLength: 10_000 },
    role: { kind: 'enum', description: 'Role the key acts with', values: ROLES, create: true, update: true },
    permissions: {
      kind: 'textArray',
      description: 'Permissions granted on top of the role',
      values: PERMISSIONS,
      create: true,
      update: true,
      default: [],
    },
    expiresAt: { kind: 'date', description: 'When the key stops working (never if null)', create: true, update: true },
    keyPrefix: { kind: 'text', description: 'First characters of the secret, to tell keys apart' },
    userId: { kind: 'uuid', description: 'User the key acts for; rows it creates record this user', create: true, references: 'user' },
  },
  defaultSelect: ['_id', 'projectId', 'name', 'description', 'role', 'permissions', 'expiresAt', 'keyPrefix', 'userId', 'createdAt', 'updatedAt'],
  permissions: standardPermissions('API Key', { membersWrite: false }),
  hooks: {
    async beforeCreate(ctx, values) {
      const role = (values.role ?? null) as Role | null;
      const permissions = (values.permissions ?? []) as string[];
      if (!role && permissions.length === 0) throw badRequest('data.role: give a role or at least one permission');
      assertCanGrant(ctx.actor, role, permissions);
    },
    async create(ctx, values) {
      const key = await insertApiKey(ctx.tx, {
        projectId: ctx.projectId,
        name: values.name as string,
        description: (values.description ?? null) as string | null,
        role: (values.role ?? null) as Role | null,
        permissions: (values.permissions ?? []) as string[],
        expiresAt: (values.expiresAt ?? null) as Date | null,
        userId: (values.userId ?? null) as string | null,
        createdByUserId: ctx.actor.userId,
        now: ctx.now,
      });
      return { id: key.id, extra: { apiKey: key.secret } };
    },
    async beforeUpdate(ctx, id, values) {
      await assertNotAboveCaller(ctx, id);
      assertCanGrant(ctx.actor, values.role as Role | null | undefined, (values.permissions ?? []) as string[]);
    },
    async beforeDelete(ctx, id) {
      await assertNotAboveCaller(ctx, id);
    },
  },
});

/** A caller may not change or revoke a key that holds a higher role than its own. */
async function assertNotAboveCaller(ctx: WriteContext, id: string): Promise<void> {
  const res = await sql<{ role: Role | null }>`select role from api_key where id = ${id} and project_id = ${ctx.projectId}`.execute(ctx.tx);
  const role = res.rows[0]?.role;
  if (roleRank(role) > roleRank(ctx.actor.role)) {
    throw forbidden(`Permission denied: this key has the role ${role}, which is above your own`);
  }
}

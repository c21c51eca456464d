import { assertCanGrant } from '../../access/grants.ts';
import { PERMISSIONS } from '../../access/permission-catalog.ts';
import { standardPermissions } from '../../access/roles.ts';
import { defineResource } from '../definition.ts';

/** Permissions granted to every member of a team, on top of their project role. */
export const teamPermissionResource = defineResource({
  name: 'team-permission',
  title: 'Team Permission',
  description: 'A permission granted to every member of a team.',
  table: 'team_permission',
  columns: {
    teamId: { kind: 'uuid', description: 'ID of the team', required: true, references: 'team' },
    permission: { kind: 'enum', description: 'The permission granted', required: true, values: PERMISSIONS },
  },
  permissions: { ...standardPermissions('Team Permission', { membersWrite: false }), update: null },
  hooks: {
    // Members of the team get this permission: granting it is handing it out.
    async beforeCreate(ctx, values) {
      assertCanGrant(ctx.actor, null, [values.permission as string]);
    },
  },
});

import { standardPermissions } from '../../access/roles.ts';
import { defineResource } from '../definition.ts';

export const teamMemberResource = defineResource({
  name: 'team-member',
  title: 'Team Member',
  description: 'A user belonging to a team. Immutable: delete and create again to move someone.',
  table: 'team_member',
  columns: {
    teamId: { kind: 'uuid', description: 'ID of the team', required: true, references: 'team' },
    userId: { kind: 'uuid', description: 'ID of the user (a member of the project)', required: true, references: 'user' },
  },
  permissions: { ...standardPermissions('Team Member'), update: null },
});

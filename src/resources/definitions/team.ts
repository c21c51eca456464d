import { standardPermissions } from '../../access/roles.ts';
import { defineResource } from '../definition.ts';

export const teamResource = defineResource({
  name: 'team',
  title: 'Team',
  description: 'Teams of users; escalation rules and permissions can target a team.',
  table: 'team',
  columns: {
    name: { kind: 'text', description: 'Name of the team, unique in the project', required: true, update: true, maxLength: 100 },
    description: { kind: 'longText', description: 'Description of the team', create: true, update: true, maxLength: 10_000 },
    labels: {
      kind: 'uuidArray',
      column: 'label_ids',
      description: 'IDs of labels on this team',
      create: true,
      update: true,
      references: 'label',
      default: [],
    },
  },
  permissions: standardPermissions('Team'),
});

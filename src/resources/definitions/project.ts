import { defineResource } from '../definition.ts';

/** The caller's own project. Projects are created with the CLI; a key sees only its project. */
export const projectResource = defineResource({
  name: 'project',
  title: 'Project',
  description: 'The project (tenant) your API key belongs to.',
  table: 'project',
  tenantColumn: 'id',
  columns: {
    name: { kind: 'text', description: 'Name of the project', required: true, update: true, maxLength: 100 },
    description: { kind: 'longText', description: 'Description of the project', create: true, update: true, maxLength: 10_000 },
    disableOnCallNotificationFallback: {
      kind: 'boolean',
      description: 'When true, a paged user with no notification rule for the event is not emailed at their account address (OneUptime\'s fallback)',
      update: true,
    },
  },
  permissions: {
    read: ['Project Owner', 'Project Admin', 'Project Member', 'Read Project', 'Read All Project Resources'],
    create: null,
    update: ['Project Owner', 'Project Admin', 'Edit Project'],
    delete: null,
  },
});

import { readOnlyPermissions } from '../../../access/roles.ts';
import { defineResource } from '../../definition.ts';

/** Change events (deploys, config changes) received on PagerDuty's `/v2/change/enqueue`. Read-only. */
export const changeEventResource = defineResource({
  name: 'change-event',
  title: 'Change Event',
  description: 'Changes reported by integrations (deploys, configuration changes), for context. Read-only.',
  table: 'change_event',
  hasCreatedBy: false,
  columns: {
    integrationId: { kind: 'uuid', description: 'Integration that reported it' },
    summary: { kind: 'text', description: 'What changed' },
    source: { kind: 'text', description: 'Where the change happened' },
    occurredAt: { kind: 'date', description: 'When the change happened, as reported' },
    customDetails: { kind: 'json', description: 'Details, as reported' },
    links: { kind: 'json', description: 'Links, as reported' },
  },
  permissions: readOnlyPermissions('Change Event'),
});

import { readOnlyPermissions } from '../../../access/roles.ts';
import { defineResource } from '../../definition.ts';

/** The durable log of domain events (`incident.created`, `alert.acknowledged`, ...), in commit order of `seq`. Read-only. */
export const domainEventResource = defineResource({
  name: 'domain-event',
  title: 'Domain Event',
  description: 'Every lifecycle transition as an event, written in the same transaction as the change. Read-only.',
  table: 'domain_event',
  hasCreatedBy: false,
  defaultSort: { field: 'seq', direction: 'desc' },
  columns: {
    seq: { kind: 'integer', description: 'Position in the log: later events have larger numbers' },
    eventType: { kind: 'text', description: 'e.g. incident.created, alert.acknowledged, alert_episode.resolved' },
    subjectType: { kind: 'text', description: 'incident, alert, alert-episode or incident-episode' },
    subjectId: { kind: 'uuid', description: 'ID of the incident, alert or episode' },
    payload: { kind: 'json', description: 'Details, including the actor' },
  },
  permissions: readOnlyPermissions('Domain Event'),
});

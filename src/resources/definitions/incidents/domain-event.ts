import { readOnlyPermissions } from '../../../access/roles.ts';
import { defineResource } from '../../definition.ts';

/** The durable log of domain events (`incident.created`, `alert.acknowledged`, ...), in commit order of `seq`. Read-only. */
export const domainEventResource = defineResource({
  name: 'domain-event',
  title: 'Domain Event',
  description: 'Every lifecycle transition and on-call hand-off as an event, written in the same transaction as the change. Read-only.',
  table: 'domain_event',
  hasCreatedBy: false,
  defaultSort: { field: 'seq', direction: 'desc' },
  columns: {
    seq: { kind: 'integer', description: 'Position in the log: later events have larger numbers' },
    eventType: { kind: 'text', description: 'e.g. incident.created, alert.acknowledged, alert_episode.resolved, schedule.oncall_person_changed' },
    subjectType: { kind: 'text', description: 'incident, alert, alert-episode, incident-episode or schedule' },
    subjectId: { kind: 'uuid', description: 'ID of the incident, alert, episode or schedule' },
    payload: { kind: 'json', description: 'Details, including the actor' },
  },
  permissions: readOnlyPermissions('Domain Event'),
});

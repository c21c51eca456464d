import { readOnlyPermissions } from '../../../access/roles.ts';
import type { SubjectType } from '../../../incidents/subjects.ts';
import { defineResource, type Resource } from '../../definition.ts';

const NAMES: Record<SubjectType, { title: string; idField: string }> = {
  incident: { title: 'Incident Feed', idField: 'incidentId' },
  alert: { title: 'Alert Feed', idField: 'alertId' },
  'alert-episode': { title: 'Alert Episode Feed', idField: 'alertEpisodeId' },
  'incident-episode': { title: 'Incident Episode Feed', idField: 'incidentEpisodeId' },
};

/** The read-only activity feed of incidents, alerts or episodes: every change, who made it, through what. */
export function feedResource(type: SubjectType): Resource {
  const { title, idField } = NAMES[type];
  return defineResource({
    name: `${type}-feed`,
    title,
    description: `Every change to ${type.replace('-', ' ')}s, written in the same transaction as the change. Read-only.`,
    table: `${type.replace('-', '_')}_feed`,
    hasCreatedBy: false,
    defaultSort: { field: 'seq', direction: 'desc' },
    columns: {
      seq: { kind: 'integer', description: 'Position in the feed: later entries have larger numbers' },
      [idField]: { kind: 'uuid', column: 'subject_id', description: `ID of the ${type.replace('-', ' ')}` },
      kind: { kind: 'text', description: 'What happened: created, acknowledged, resolved, reopened, assigned, note_added, ...' },
      message: { kind: 'longText', description: 'What happened, in words' },
      actorType: { kind: 'text', description: 'Who did it: user, api-key, integration, monitor or system' },
      actorId: { kind: 'uuid', description: 'ID of the API key, integration or monitor that did it' },
      userId: { kind: 'uuid', description: 'The person behind it, when there is one' },
      via: { kind: 'text', description: 'Through what: api, integration, dashboard, sms, slack, system' },
      data: { kind: 'json', description: 'Details of the change' },
    },
    permissions: readOnlyPermissions(title),
  });
}

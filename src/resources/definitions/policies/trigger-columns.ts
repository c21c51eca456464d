import type { ColumnDef } from '../../column.ts';

/** The four ids of what triggered a run, as its log rows carry them. */
export function triggerColumns(): Record<string, ColumnDef> {
  return {
    triggeredByIncidentId: { kind: 'uuid', description: 'ID of the incident which triggered the run' },
    triggeredByAlertId: { kind: 'uuid', description: 'ID of the alert which triggered the run' },
    triggeredByAlertEpisodeId: { kind: 'uuid', description: 'ID of the alert episode which triggered the run' },
    triggeredByIncidentEpisodeId: { kind: 'uuid', description: 'ID of the incident episode which triggered the run' },
  };
}

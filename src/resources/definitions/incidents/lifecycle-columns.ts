import { STATES } from '../../../incidents/subjects.ts';
import type { ColumnDef } from '../../column.ts';

/** The state and its who-and-when columns, shared by incidents, alerts and episodes. */
export function lifecycleColumns(title: string): Record<string, ColumnDef> {
  return {
    state: {
      kind: 'enum',
      description: `State of the ${title.toLowerCase()}: Created, Acknowledged or Resolved. Changing it acknowledges, resolves or reopens.`,
      values: STATES,
      update: true,
    },
    acknowledgedAt: { kind: 'date', description: 'When it was acknowledged' },
    acknowledgedByUserId: { kind: 'uuid', description: 'Who acknowledged it, if a user did' },
    resolvedAt: { kind: 'date', description: 'When it was resolved' },
    resolvedByUserId: { kind: 'uuid', description: 'Who resolved it, if a user did' },
  };
}

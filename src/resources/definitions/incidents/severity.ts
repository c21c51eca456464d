import { standardPermissions } from '../../../access/roles.ts';
import type { ItemType } from '../../../incidents/subjects.ts';
import { defineResource, type Resource } from '../../definition.ts';

/** Project-defined severities, ordered (1 = most severe); every project starts with Critical, Major, Minor, Info. */
export function severityResource(type: ItemType): Resource {
  const title = type === 'incident' ? 'Incident Severity' : 'Alert Severity';
  return defineResource({
    name: `${type}-severity`,
    title,
    description: `Severities of ${type}s, most severe first by order.`,
    table: `${type}_severity`,
    columns: {
      name: { kind: 'text', description: 'Name, unique in the project', required: true, update: true, maxLength: 100 },
      description: { kind: 'longText', description: 'What this severity means', create: true, update: true, maxLength: 10_000 },
      color: { kind: 'text', description: 'Colour, as #RRGGBB', create: true, update: true, maxLength: 7 },
      order: { kind: 'integer', column: 'severity_order', description: 'Rank: 1 is the most severe', required: true, update: true, min: 1, max: 1000 },
    },
    permissions: standardPermissions(title),
  });
}

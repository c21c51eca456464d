import { standardPermissions } from '../../access/roles.ts';
import { defineResource } from '../definition.ts';

export const labelResource = defineResource({
  name: 'label',
  title: 'Label',
  description: 'Labels group and filter resources (teams, policies, monitors, ...).',
  table: 'label',
  columns: {
    name: { kind: 'text', description: 'Name of the label, unique in the project', required: true, update: true, maxLength: 100 },
    description: { kind: 'longText', description: 'Description of the label', create: true, update: true, maxLength: 10_000 },
    color: { kind: 'text', description: 'Colour, as #RRGGBB', create: true, update: true, maxLength: 7 },
  },
  permissions: standardPermissions('Label'),
});

import { standardPermissions } from '../../../access/roles.ts';
import { defineResource } from '../../definition.ts';
import { rejectNulls } from './checks.ts';

const NOT_NULL = ['labels', 'repeatPolicyIfNoOneAcknowledges', 'repeatPolicyIfNoOneAcknowledgesNoOfTimes'];

/**
 * An on-call duty policy (OneUptime's `on-call-duty-policy`): ordered escalation rules that page
 * users, teams and schedules until someone acknowledges. With `repeatPolicyIfNoOneAcknowledges`,
 * a run that reaches its last rule unacknowledged starts again from the first,
 * `repeatPolicyIfNoOneAcknowledgesNoOfTimes` more times.
 */
export const policyResource = defineResource({
  name: 'on-call-duty-policy',
  title: 'On-Call Duty Policy',
  description: 'On-call duty policies: escalation rules run in order until someone acknowledges.',
  table: 'on_call_policy',
  columns: {
    name: { kind: 'text', description: 'Name of the policy', required: true, update: true, maxLength: 200 },
    description: { kind: 'longText', description: 'Description', create: true, update: true, maxLength: 10_000 },
    labels: { kind: 'uuidArray', column: 'label_ids', description: 'IDs of labels', create: true, update: true, references: 'label', default: [] },
    repeatPolicyIfNoOneAcknowledges: {
      kind: 'boolean',
      description: 'Start again from the first rule when the last rule ran and no one acknowledged (default false)',
      create: true,
      update: true,
      default: false,
    },
    repeatPolicyIfNoOneAcknowledgesNoOfTimes: {
      kind: 'integer',
      description: 'How many times to start again (default 1; used only with repeatPolicyIfNoOneAcknowledges)',
      create: true,
      update: true,
      min: 0,
      max: 100,
      default: 1,
    },
  },
  permissions: standardPermissions('On-Call Duty Policy'),
  hooks: {
    async beforeCreate(_ctx, v) {
      rejectNulls(v, NOT_NULL);
    },
    async beforeUpdate(_ctx, _id, v) {
      rejectNulls(v, NOT_NULL);
    },
  },
});

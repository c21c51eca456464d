import { readOnlyPermissions } from '../../../access/roles.ts';
import { defineResource } from '../../definition.ts';

/**
 * Who was on call when (OneUptime's `on-call-duty-policy-time-log`), for reporting. Written
 * only by the roster refresher at hand-offs; `endsAt` is null while the person is still on
 * call. Read-only over the API.
 */
export const timeLogResource = defineResource({
  name: 'on-call-duty-policy-time-log',
  title: 'On-Call Duty Policy Time Log',
  description: 'Who was on call in which schedule, from when to when. Read-only.',
  table: 'on_call_time_log',
  hasCreatedBy: false,
  defaultSort: { field: 'startsAt', direction: 'desc' },
  columns: {
    onCallDutyPolicyScheduleId: { kind: 'uuid', column: 'schedule_id', description: 'ID of the schedule' },
    userId: { kind: 'uuid', description: 'ID of the user on call' },
    startsAt: { kind: 'date', description: 'When the user went on call' },
    endsAt: { kind: 'date', description: 'When the user went off call; null while still on call' },
  },
  permissions: readOnlyPermissions('On-Call Duty Policy Time Log'),
});

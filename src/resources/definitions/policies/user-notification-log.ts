import { readOnlyPermissions } from '../../../access/roles.ts';
import { EVENT_TYPE_ALIASES, EVENT_TYPES, USER_LOG_STATUSES } from '../../../policies/model.ts';
import { defineResource } from '../../definition.ts';
import { triggerColumns } from './trigger-columns.ts';

/**
 * The user notification log (OneUptime's `user-notification-log`, its "user on-call log"): one
 * row each time a rule of a policy run pages a user, with everything that caused it. The
 * notification layer works through these rows and the outbox requests that point at them.
 * Read-only.
 */
export const userNotificationLogResource = defineResource({
  name: 'user-notification-log',
  title: 'User Notification Log',
  description: 'Each time a policy run paged a user: status, trigger, policy, rule, schedule and team. Read-only.',
  table: 'user_notification_log',
  hasCreatedBy: false,
  columns: {
    userId: { kind: 'uuid', description: 'The user paged' },
    onCallDutyPolicyExecutionLogId: { kind: 'uuid', column: 'execution_id', description: 'ID of the execution log (the run)' },
    onCallDutyPolicyExecutionLogTimelineId: { kind: 'uuid', column: 'timeline_id', description: 'ID of the timeline row' },
    onCallDutyPolicyId: { kind: 'uuid', column: 'policy_id', description: 'ID of the policy' },
    onCallDutyPolicyEscalationRuleId: { kind: 'uuid', column: 'rule_id', description: 'ID of the escalation rule' },
    onCallDutyPolicyScheduleId: { kind: 'uuid', column: 'schedule_id', description: 'The schedule through which the user was paged' },
    userBelongsToTeamId: { kind: 'uuid', column: 'team_id', description: 'The team through which the user was paged' },
    ...triggerColumns(),
    userNotificationEventType: { kind: 'enum', description: 'Type of event that triggered the run', values: EVENT_TYPES, aliases: EVENT_TYPE_ALIASES },
    overridedByUserId: { kind: 'uuid', description: 'The user an override replaced with this one' },
    status: { kind: 'enum', description: `Status: ${USER_LOG_STATUSES.join(', ')}`, values: USER_LOG_STATUSES },
    statusMessage: { kind: 'longText', description: 'What happened' },
    isAcknowledged: { kind: 'boolean', description: 'Whether the run was acknowledged' },
    acknowledgedAt: { kind: 'date', description: 'When it was acknowledged' },
  },
  permissions: readOnlyPermissions('User Notification Log'),
});

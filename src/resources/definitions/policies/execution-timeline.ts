import { readOnlyPermissions } from '../../../access/roles.ts';
import { EVENT_TYPE_ALIASES, EVENT_TYPES, TIMELINE_STATUS_ALIASES, TIMELINE_STATUSES } from '../../../policies/model.ts';
import { defineResource } from '../../definition.ts';
import { triggerColumns } from './trigger-columns.ts';

/**
 * The timeline of policy runs (OneUptime's `on-call-duty-policy-execution-log-timeline`): one
 * row per user a rule paged or per target it skipped (already paged, nobody on call in a
 * schedule, empty team, not a project member, nobody reached). Read-only.
 */
export const executionTimelineResource = defineResource({
  name: 'on-call-duty-policy-execution-log-timeline',
  title: 'On-Call Duty Policy Execution Log Timeline',
  description: 'What each rule of a policy run did: one row per user paged or target skipped. Read-only.',
  table: 'on_call_policy_execution_timeline',
  hasCreatedBy: false,
  columns: {
    onCallDutyPolicyExecutionLogId: { kind: 'uuid', column: 'execution_id', description: 'ID of the execution log (the run)' },
    onCallDutyPolicyId: { kind: 'uuid', column: 'policy_id', description: 'ID of the policy' },
    onCallDutyPolicyEscalationRuleId: { kind: 'uuid', column: 'rule_id', description: 'ID of the escalation rule' },
    ...triggerColumns(),
    userNotificationEventType: { kind: 'enum', description: 'Type of event that triggered the run', values: EVENT_TYPES, aliases: EVENT_TYPE_ALIASES },
    onCallPolicyExecutionRepeatCount: { kind: 'integer', column: 'repeat_count', description: 'The pass over the rules (1, then one more per repeat)' },
    escalationRuleOrder: { kind: 'integer', column: 'rule_order', description: 'Order of the rule when it ran' },
    alertSentToUserId: { kind: 'uuid', description: 'The user paged (or skipped)' },
    userBelongsToTeamId: { kind: 'uuid', description: 'The team through which the user was paged' },
    onCallDutyScheduleId: { kind: 'uuid', description: 'The schedule through which the user was paged (or in which nobody was on call)' },
    overridedByUserId: { kind: 'uuid', description: 'The user an override replaced with alertSentToUserId' },
    status: {
      kind: 'enum',
      description: `Status: ${TIMELINE_STATUSES.join(', ')}`,
      values: TIMELINE_STATUSES,
      aliases: TIMELINE_STATUS_ALIASES,
    },
    statusMessage: { kind: 'longText', description: 'What happened' },
    isAcknowledged: { kind: 'boolean', description: 'Whether the run was acknowledged while this user was paged' },
    acknowledgedAt: { kind: 'date', description: 'When it was acknowledged' },
  },
  permissions: readOnlyPermissions('On-Call Duty Policy Execution Log Timeline'),
});

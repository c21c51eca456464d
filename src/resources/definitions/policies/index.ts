import type { Resource } from '../../definition.ts';
import { attachmentResource } from './attachment.ts';
import { escalationRuleResource } from './escalation-rule.ts';
import { executionLogResource } from './execution-log.ts';
import { executionTimelineResource } from './execution-timeline.ts';
import { integrationPolicyResource } from './integration-policy.ts';
import { policyResource } from './policy.ts';
import { routingRuleResource } from './routing-rule.ts';
import { ruleScheduleResource, ruleTeamResource, ruleUserResource } from './rule-targets.ts';
import { userNotificationLogResource } from './user-notification-log.ts';

/** On-call duty policies, their rules and targets, what runs them, and the logs of their runs. */
export const POLICY_RESOURCES: readonly Resource[] = [
  policyResource,
  escalationRuleResource,
  ruleUserResource,
  ruleTeamResource,
  ruleScheduleResource,
  routingRuleResource,
  attachmentResource,
  integrationPolicyResource,
  executionLogResource,
  executionTimelineResource,
  userNotificationLogResource,
];

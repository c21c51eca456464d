/**
 * OneUptime's `NotificationRuleType` values (the stored strings), and which severity each is
 * scoped by: incident rules by an incident severity, alert rules by an alert severity, on/off
 * call rules by none.
 */
export const RULE_TYPES = {
  incident: 'When incident on-call policy is executed',
  alert: 'When alert on-call policy is executed',
  alertEpisode: 'When alert episode on-call policy is executed',
  incidentEpisode: 'When incident episode on-call policy is executed',
  onCall: 'When user goes on call',
  offCall: 'When user goes off call',
} as const;

export type RuleType = (typeof RULE_TYPES)[keyof typeof RULE_TYPES];

export const RULE_TYPE_VALUES: readonly RuleType[] = Object.values(RULE_TYPES);

/** The severity field a rule type takes, or null for none. */
export function severityFieldOf(ruleType: RuleType): 'incidentSeverityId' | 'alertSeverityId' | null {
  if (ruleType === RULE_TYPES.incident || ruleType === RULE_TYPES.incidentEpisode) return 'incidentSeverityId';
  if (ruleType === RULE_TYPES.alert || ruleType === RULE_TYPES.alertEpisode) return 'alertSeverityId';
  return null;
}

/** A rule's contact-method fields, each with its column and the kinds of contact method it may name. */
export const RULE_METHOD_FIELDS = [
  { field: 'userEmailId', column: 'user_email_id', kinds: ['email'], references: 'user-email' },
  { field: 'userSmsId', column: 'user_sms_id', kinds: ['sms'], references: 'user-sms' },
  { field: 'userCallId', column: 'user_call_id', kinds: ['call'], references: 'user-call' },
  { field: 'userPushId', column: 'user_push_id', kinds: ['push'], references: 'user-push' },
  { field: 'userWebhookId', column: 'user_webhook_id', kinds: ['webhook'], references: 'user-webhook' },
  { field: 'workspaceDestinationId', column: 'workspace_destination_id', kinds: ['slack', 'teams'], references: 'workspace-destination' },
] as const;

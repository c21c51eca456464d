/**
 * The fine-grained permission subjects of on-call duty policies (`Create`, `Read`, `Edit` and
 * `Delete` each), OneUptime's names; the permission catalog includes them.
 */
export const POLICY_PERMISSION_SUBJECTS = [
  'On-Call Duty Policy',
  'On-Call Duty Policy Escalation Rule',
  'On-Call Duty Policy Escalation Rule User',
  'On-Call Duty Policy Escalation Rule Team',
  'On-Call Duty Policy Escalation Rule Schedule',
  'On-Call Duty Policy Routing Rule',
  'On-Call Duty Policy Attachment',
  'Integration On-Call Duty Policy',
  'On-Call Duty Policy Execution Log',
  'On-Call Duty Policy Execution Log Timeline',
  'User Notification Log',
] as const;

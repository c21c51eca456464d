/**
 * The fine-grained permission subjects of the notification resources (`Create`, `Read`, `Edit`
 * and `Delete` each), OneUptime's titles; the permission catalog includes them.
 */
export const NOTIFICATION_PERMISSION_SUBJECTS = [
  'User Email',
  'User SMS',
  'User Call',
  'User Push',
  'User Webhook',
  'Workspace Destination',
  'User Notification Rule',
  'SMTP Config',
  'Call and SMS Config',
  'Slack Config',
  'Notification Delivery',
  'Notification Attempt',
] as const;

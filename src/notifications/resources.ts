import type { Resource } from '../resources/definition.ts';
import { userCallResource } from './contacts/user-call.ts';
import { userEmailResource } from './contacts/user-email.ts';
import { userPushResource } from './contacts/user-push.ts';
import { userSmsResource } from './contacts/user-sms.ts';
import { userWebhookResource } from './contacts/user-webhook.ts';
import { workspaceDestinationResource } from './contacts/workspace-destination.ts';
import { callSmsConfigResource } from './providers/call-sms-config.ts';
import { slackConfigResource } from './providers/slack-config.ts';
import { smtpConfigResource } from './providers/smtp-config.ts';
import { userNotificationRuleResource } from './rules/user-notification-rule.ts';
import { notificationAttemptResource, notificationDeliveryResource } from './deliveries/delivery-resource.ts';

/** The notification layer's resources: contact methods, personal rules, per-project provider settings, and the read-only deliveries and attempts. */
export const NOTIFICATION_RESOURCES: readonly Resource[] = [
  userEmailResource,
  userSmsResource,
  userCallResource,
  userPushResource,
  userWebhookResource,
  workspaceDestinationResource,
  userNotificationRuleResource,
  smtpConfigResource,
  callSmsConfigResource,
  slackConfigResource,
  notificationDeliveryResource,
  notificationAttemptResource,
];

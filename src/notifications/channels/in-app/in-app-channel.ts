import type { Channel, ChannelContext, OutgoingMessage, SendOutcome } from '../channel.ts';
import { PermanentFailure } from '../channel.ts';
import type { Method } from '../../model.ts';
import { findByDelivery, insertInAppNotification } from './insert-notification.ts';

/**
 * Puts a message in the user's in-app feed: one `in_app_notification` row per delivery (a
 * retry writes nothing new), whose insert wakes the user's open live feeds. Delivered at
 * once, with the row's id as the provider's message id. A message without a user fails
 * permanently (`MISSING_RECIPIENTS`).
 */
async function deliver(message: OutgoingMessage, ctx: ChannelContext): Promise<SendOutcome> {
  if (!message.userId) throw new PermanentFailure('in-app notifications need a user', 'MISSING_RECIPIENTS');
  const id = await insertInAppNotification(ctx.db, {
    projectId: message.projectId,
    userId: message.userId,
    deliveryId: message.deliveryId,
    title: message.title,
    body: message.body,
    data: {
      subject: message.subject,
      severity: message.severity,
      reason: message.reason,
      acknowledgeUrl: ctx.actionUrl('acknowledge'),
      resolveUrl: ctx.actionUrl('resolve'),
    },
    now: ctx.clock.now(),
  });
  return outcome(id, message.userId);
}

function outcome(id: string, userId: string): SendOutcome {
  return { providerMessageId: id, status: 'Delivered', recipient: `user:${userId}` };
}

/** A stranded send was delivered if its row exists; otherwise it is sent again (safely: once per delivery). */
async function lookup(message: OutgoingMessage, ctx: ChannelContext): Promise<SendOutcome | null> {
  const id = await findByDelivery(ctx.db, message.deliveryId);
  return id && message.userId ? outcome(id, message.userId) : null;
}

function feedChannel(method: Method): Channel {
  return { method, medium: 'PUSH', contactKind: null, send: deliver, lookup };
}

/** Outbox method `in-app` (SmartClean Matrix's `MATRIX_APP_NOTIFICATION`): the user's in-app feed. */
export const inAppChannel: Channel = feedChannel('in-app');

/**
 * Outbox method `push`: Vigil has no mobile push provider, so rules and channel orders that
 * name `push` reach the same in-app feed (a `user-push` contact method only marks the wish).
 */
export const pushChannel: Channel = feedChannel('push');

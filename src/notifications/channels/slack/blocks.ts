import type { OutgoingMessage } from '../channel.ts';
import { clip } from '../text.ts';

/** A Block Kit block as Vigil builds and reads it (Slack's own shapes are not modelled beyond `type`). */
export type SlackBlock = Readonly<Record<string, unknown>> & { readonly type: string };

/** The `action_id`s of the message's buttons, and the `block_id` of the block that holds them. */
export const ACK_ACTION = 'vigil_ack';
export const RESOLVE_ACTION = 'vigil_resolve';
export const ACTIONS_BLOCK_ID = 'vigil_actions';

/** Slack's limits: a section's text, a message's fallback `text`. */
const MAX_SECTION_CHARS = 3000;
const MAX_TITLE_CHARS = 500;

/** Escapes the three characters Slack's mrkdwn treats as control characters (`&`, `<`, `>`). */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The message's fallback text (notifications, screen readers): its title, cut to a line. */
export function fallbackText(message: Pick<OutgoingMessage, 'title'>): string {
  return clip(message.title, MAX_TITLE_CHARS);
}

/**
 * A page as Block Kit: a section with the title (and severity), a section with the body, and,
 * when the message is about an incident, alert or episode, an actions block with
 * "Acknowledge" (primary) and "Resolve" (danger) buttons whose `value` is the delivery id.
 */
export function messageBlocks(message: OutgoingMessage): SlackBlock[] {
  const heading = `*${escapeMrkdwn(clip(message.title, MAX_TITLE_CHARS))}*${message.severity ? `\nSeverity: *${escapeMrkdwn(clip(message.severity, 100))}*` : ''}`;
  const blocks: SlackBlock[] = [{ type: 'section', text: { type: 'mrkdwn', text: heading } }];
  const body = message.body.trim();
  if (body) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: clip(escapeMrkdwn(body), MAX_SECTION_CHARS) } });
  if (message.subject) {
    blocks.push({
      type: 'actions',
      block_id: ACTIONS_BLOCK_ID,
      elements: [
        { type: 'button', action_id: ACK_ACTION, style: 'primary', value: message.deliveryId, text: { type: 'plain_text', text: 'Acknowledge' } },
        { type: 'button', action_id: RESOLVE_ACTION, style: 'danger', value: message.deliveryId, text: { type: 'plain_text', text: 'Resolve' } },
      ],
    });
  }
  return blocks;
}

/**
 * The message's blocks after someone acted on it: every actions block replaced by one context
 * line (`line`, mrkdwn: may mention `<@U…>`), so nobody clicks again.
 */
export function actedBlocks(original: readonly SlackBlock[], line: string): SlackBlock[] {
  const kept = original.filter((b) => b.type !== 'actions');
  return [...kept, { type: 'context', elements: [{ type: 'mrkdwn', text: line }] }];
}

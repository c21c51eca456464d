import type { OutgoingMessage } from '../channel.ts';

/** A Block Kit block as Vigil builds and reads it (Slack's own shapes are not modelled beyond `type`). */
export type SlackBlock = Readonly<Record<string, unknown>> & { readonly type: string };

/** The `action_id`s of the message's buttons, and the `block_id` of the block that holds them. */
export const ACK_ACTION = 'vigil_ack';
export const RESOLVE_ACTION = 'vigil_resolve';
export const ACTIONS_BLOCK_ID = 'vigil_actions';

/** Slack's limits: a section's text, a message's fallback `text`. */
const MAX_SECTION_CHARS = 3000;
const MAX_TITLE_CHARS = 500;

/** `text` cut to at most `max` characters (whole code points), with `…` when cut. */
function cut(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, Math.max(0, max - 1)).join('')}…`;
}

/** Escapes the three characters Slack's mrkdwn treats as control characters (`&`, `<`, `>`). */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The message's fallback text (notifications, screen readers): its title, cut to a line. */
export function fallbackText(message: Pick<OutgoingMessage, 'title'>): string {
  return cut(message.title, MAX_TITLE_CHARS);
}

/**
 * A page as Block Kit: a section with the title (and severity), a section with the body, and,
 * when the message is about an incident, alert or episode, an actions block with
 * "Acknowledge" (primary) and "Resolve" (danger) buttons whose `value` is the delivery id.
 */
export function messageBlocks(message: OutgoingMessage): SlackBlock[] {
  const heading = `*${escapeMrkdwn(cut(message.title, MAX_TITLE_CHARS))}*${message.severity ? `\nSeverity: *${escapeMrkdwn(cut(message.severity, 100))}*` : ''}`;
  const blocks: SlackBlock[] = [{ type: 'section', text: { type: 'mrkdwn', text: heading } }];
  const body = message.body.trim();
  if (body) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: cut(escapeMrkdwn(body), MAX_SECTION_CHARS) } });
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

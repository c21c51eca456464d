import type { OutgoingMessage } from '../channel.ts';
import { clip } from '../text.ts';
import { label } from '../../../incidents/subjects.ts';

/** Teams refuses messages above about 28 KB; an envelope is kept at or under this many bytes. */
export const MAX_TEAMS_MESSAGE_BYTES = 28_000;

/** Titles longer than this are cut (a title is a line, not a document). */
const MAX_TITLE_CHARS = 500;

/** The signed links a card's buttons open. */
export interface CardLinks {
  readonly acknowledgeUrl: string | null;
  readonly resolveUrl: string | null;
}

function envelope(message: OutgoingMessage, links: CardLinks, title: string, body: string): Record<string, unknown> {
  const facts: Array<{ title: string; value: string }> = [];
  if (message.severity) facts.push({ title: 'Severity', value: message.severity });
  if (message.subject) facts.push({ title: 'About', value: label(message.subject.type) });
  facts.push({ title: 'Reason', value: message.reason });
  const actions: Array<Record<string, unknown>> = [];
  if (links.acknowledgeUrl) actions.push({ type: 'Action.OpenUrl', title: 'Acknowledge', url: links.acknowledgeUrl });
  if (links.resolveUrl) actions.push({ type: 'Action.OpenUrl', title: 'Resolve', url: links.resolveUrl });
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          type: 'AdaptiveCard',
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          version: '1.4',
          body: [
            { type: 'TextBlock', text: title, weight: 'Bolder', size: 'Medium', wrap: true },
            { type: 'FactSet', facts },
            { type: 'TextBlock', text: body, wrap: true },
          ],
          ...(actions.length > 0 ? { actions } : {}),
        },
      },
    ],
  };
}

/** The bytes `text` takes inside a JSON string (escapes included). */
const jsonBytes = (text: string): number => Buffer.byteLength(JSON.stringify(text)) - 2;

/** The longest prefix of `text` (whole code points) that takes at most `budget` bytes inside a JSON string, with `…` when cut. */
function cutToJsonBytes(text: string, budget: number): string {
  const room = budget - jsonBytes('…');
  let used = 0;
  let end = 0;
  for (const ch of text) {
    const size = jsonBytes(ch);
    if (used + size > room) break;
    used += size;
    end += ch.length;
  }
  return room <= 0 ? '' : `${text.slice(0, end)}…`;
}

/**
 * The JSON a Power Automate "When a Teams webhook request is received" flow posts to a
 * channel: the message envelope with one Adaptive Card 1.4 (bold title, a fact set of
 * severity, subject and reason, the body) and `Action.OpenUrl` buttons to the signed
 * acknowledge / resolve links when there are links. The body is cut (never the links) so that
 * the whole JSON stays within {@link MAX_TEAMS_MESSAGE_BYTES}.
 */
export function teamsEnvelope(message: OutgoingMessage, links: CardLinks): string {
  const title = clip(message.title, MAX_TITLE_CHARS);
  const json = JSON.stringify(envelope(message, links, title, message.body));
  const excess = Buffer.byteLength(json) - MAX_TEAMS_MESSAGE_BYTES;
  if (excess <= 0) return json;
  const body = cutToJsonBytes(message.body, jsonBytes(message.body) - excess);
  return JSON.stringify(envelope(message, links, title, body));
}

import type { OutgoingMessage } from '../channel.ts';
import { clip } from '../text.ts';

/** Twilio's longest message body. */
export const SMS_MAX_CHARS = 1600;

/**
 * The text of an SMS, at most 1,600 characters: the title; the body too when the message is
 * about no incident or alert (a verification code, a test); then, when it has a reply code n,
 * `Reply <n>a to acknowledge, <n>c to resolve.` (GoAlert's style).
 */
export function smsText(m: Pick<OutgoingMessage, 'title' | 'body' | 'subject' | 'replyCode'>): string {
  const tail = m.replyCode !== null ? `Reply ${m.replyCode}a to acknowledge, ${m.replyCode}c to resolve.` : null;
  const body = m.subject === null && m.body.trim() !== '' && m.body.trim() !== m.title.trim() ? m.body.trim() : null;
  const room = SMS_MAX_CHARS - (tail ? tail.length + 1 : 0);
  // A body that already says what the title says (a verification code) is sent alone.
  const text = body ? (body.startsWith(m.title.trim()) ? body : `${m.title.trim()}\n${body}`) : m.title.trim();
  const head = clip(text, room);
  return tail ? `${head}\n${tail}` : head;
}

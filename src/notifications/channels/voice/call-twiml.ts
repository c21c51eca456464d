import twilio from 'twilio';
import type { OutgoingMessage } from '../channel.ts';
import { clip } from '../twilio/clip.ts';
import { gatherTwiml } from '../twilio/twiml.ts';

/** Longest title spoken (Twilio takes at most 4,000 characters of TwiML). */
const SPOKEN_TITLE_MAX = 1000;

function sentence(text: string): string {
  const t = text.trim();
  return /[.!?]$/.test(t) ? t : `${t}.`;
}

/**
 * The TwiML of a call. About an incident or alert: `<Gather input="dtmf" numDigits="1"
 * action="<gatherUrl>" method="POST" timeout="10">` saying the title and "Press 1 to
 * acknowledge, press 2 to resolve.", then "No input received. Goodbye.". About nothing to act
 * on (a verification code): the title and body, said twice. Text is XML-escaped.
 */
export function callTwiml(m: Pick<OutgoingMessage, 'title' | 'body' | 'subject'>, gatherUrl: string): string {
  const title = sentence(clip(m.title, SPOKEN_TITLE_MAX));
  if (m.subject) return gatherTwiml(`This is Vigil. ${title} Press 1 to acknowledge, press 2 to resolve.`, gatherUrl, 'No input received. Goodbye.');
  const body = m.body.trim() && m.body.trim() !== m.title.trim() ? ` ${sentence(clip(m.body, SPOKEN_TITLE_MAX))}` : '';
  const r = new twilio.twiml.VoiceResponse();
  r.say(`This is Vigil. ${title}${body}`);
  r.pause({ length: 1 });
  r.say(`Again: ${title}${body} Goodbye.`);
  return r.toString();
}

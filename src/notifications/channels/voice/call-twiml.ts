import twilio from 'twilio';
import type { OutgoingMessage } from '../channel.ts';
import { clip } from '../text.ts';
import { gatherTwiml } from '../twilio/twiml.ts';

/** Longest title spoken (Twilio takes at most 4,000 characters of TwiML). */
const SPOKEN_TITLE_MAX = 1000;

/** Codes are read digit by digit ("7 0 3 9 2 7", not "seven hundred and three thousand..."). */
function spellCodes(text: string): string {
  return text.replace(/\b\d{4,8}\b/g, (code) => code.split('').join(' '));
}

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
  const spoken = m.body.trim().startsWith(m.title.trim()) ? m.body.trim() : `${title} ${m.body.trim()}`;
  const text = spellCodes(sentence(clip(m.body.trim() ? spoken : title, SPOKEN_TITLE_MAX)));
  const r = new twilio.twiml.VoiceResponse();
  r.say(`This is Vigil. ${text}`);
  r.pause({ length: 1 });
  r.say(`Again: ${text} Goodbye.`);
  return r.toString();
}

import type { FastifyReply } from 'fastify';
import twilio from 'twilio';

/** An SMS webhook's answer: `<Response><Message>text</Message></Response>`, or `<Response/>` for no reply (XML-escaped). */
export function messageReply(text: string | null): string {
  const r = new twilio.twiml.MessagingResponse();
  if (text !== null) r.message(text);
  return r.toString();
}

/** A voice webhook's answer that says `text` (the call then ends). */
export function sayReply(text: string): string {
  const r = new twilio.twiml.VoiceResponse();
  r.say(text);
  return r.toString();
}

/**
 * A prompt that asks for one key: says `prompt` inside a `<Gather>` posting to `action`,
 * then `fallback` when no key is pressed within 10 s.
 */
export function gatherTwiml(prompt: string, action: string, fallback: string): string {
  const r = new twilio.twiml.VoiceResponse();
  r.gather({ input: ['dtmf'], numDigits: 1, action, method: 'POST', timeout: 10 }).say(prompt);
  r.say(fallback);
  return r.toString();
}

/** Sends TwiML with status 200 and `text/xml`. */
export function sendTwiml(reply: FastifyReply, xml: string): FastifyReply {
  return reply.code(200).type('text/xml; charset=utf-8').send(xml);
}

/** What an SMS reply asks for. */
export type ReplyCommand =
  | { readonly kind: 'act'; readonly code: number; readonly action: 'acknowledge' | 'resolve' }
  | { readonly kind: 'stop' }
  | { readonly kind: 'start' }
  | { readonly kind: 'unknown' };

/** Twilio's opt-out and opt-in keywords (the whole message, any case). */
const STOP_WORDS = new Set(['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT']);
const START_WORDS = new Set(['START', 'UNSTOP']);

/**
 * Reads an SMS reply: `<n>a` / `<n>ack` acknowledges and `<n>c` / `<n>close` resolves the
 * message with reply code n (1–99; spaces and case ignored); `STOP` (and Twilio's other
 * opt-out words) and `START` / `UNSTOP` switch the number off and on. Anything else is unknown.
 */
export function parseReply(body: string): ReplyCommand {
  const text = body.trim().replace(/\s+/g, ' ').toUpperCase();
  if (STOP_WORDS.has(text)) return { kind: 'stop' };
  if (START_WORDS.has(text)) return { kind: 'start' };
  const m = /^(\d{1,2}) ?(A|ACK|C|CLOSE)$/.exec(text);
  const code = m ? Number(m[1]) : 0;
  if (!m || code < 1) return { kind: 'unknown' };
  return { kind: 'act', code, action: m[2]!.startsWith('A') ? 'acknowledge' : 'resolve' };
}

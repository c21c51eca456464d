import { PermanentFailure, TemporaryFailure } from '../channel.ts';
import type { MailSent } from './smtp-transport.ts';

/** The fields of a nodemailer error that say what went wrong (PROVIDERS.md §4). */
interface SmtpErrorFields {
  readonly code?: unknown;
  readonly responseCode?: unknown;
  readonly command?: unknown;
  readonly response?: unknown;
  readonly message?: unknown;
}

/** Connection-level failures: the server was not reached or the line dropped; worth retrying. */
const CONNECTION_CODES = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS']);

const clip = (text: string, max = 300): string => (text.length > max ? `${text.slice(0, max)}…` : text);

function fieldsOf(err: unknown): SmtpErrorFields {
  return typeof err === 'object' && err !== null ? (err as SmtpErrorFields) : { message: String(err) };
}

/** What the server said, for the delivery's status message: `550 at RCPT TO: 5.1.1 No such user`. */
function said(f: SmtpErrorFields): string {
  const code = typeof f.responseCode === 'number' ? f.responseCode : null;
  const command = typeof f.command === 'string' && f.command !== 'API' ? ` at ${f.command}` : '';
  const line = typeof f.response === 'string' ? f.response.replace(/^\d{3}[ -]?/, '') : typeof f.message === 'string' ? f.message : '';
  return clip(`${code ?? (typeof f.code === 'string' ? f.code : 'error')}${command}${line ? `: ${line.replace(/\s+/g, ' ').trim()}` : ''}`);
}

/**
 * What a nodemailer rejection means for the sender, per PROVIDERS.md §4: authentication
 * refused (`EAUTH`, `ENOAUTH`) → permanent `NOT_CONFIGURED`; a 5xx reply → permanent
 * (`CLIENT_ERROR` when a recipient was refused, `PROVIDER_ERROR` otherwise); a 4xx reply →
 * temporary; a connection failure without a reply (`ECONNECTION`, `ETIMEDOUT`, `ESOCKET`,
 * `EDNS`) → temporary; an envelope nodemailer itself refuses (no reply code) → permanent
 * `CLIENT_ERROR`; anything else → temporary. Never throws; the text holds no credentials.
 */
export function classifySmtpError(err: unknown): TemporaryFailure | PermanentFailure {
  const f = fieldsOf(err);
  const code = typeof f.code === 'string' ? f.code : null;
  const reply = typeof f.responseCode === 'number' ? f.responseCode : null;
  if (code === 'EAUTH' || code === 'ENOAUTH') {
    return new PermanentFailure(`the SMTP server refused Vigil's credentials (${said(f)})`, 'NOT_CONFIGURED');
  }
  if (reply !== null && reply >= 500 && reply <= 599) {
    return new PermanentFailure(`the SMTP server answered ${said(f)}`, f.command === 'RCPT TO' ? 'CLIENT_ERROR' : 'PROVIDER_ERROR');
  }
  if (reply !== null && reply >= 400 && reply <= 499) return new TemporaryFailure(`the SMTP server answered ${said(f)}`);
  if (code && CONNECTION_CODES.has(code)) return new TemporaryFailure(`could not talk to the SMTP server (${said(f)})`);
  if (reply === null && (code === 'EENVELOPE' || code === 'EMESSAGE')) {
    return new PermanentFailure(`the message was refused before sending (${said(f)})`, 'CLIENT_ERROR');
  }
  return new TemporaryFailure(`sending the email failed (${said(f)})`);
}

/**
 * A send that resolved although the server refused a recipient (a partial RCPT rejection
 * still resolves): the failure its `rejectedErrors` call for (a 4xx one → temporary, else
 * permanent), or null when every recipient was accepted.
 */
export function refusedRecipientFailure(info: MailSent): TemporaryFailure | PermanentFailure | null {
  if (info.rejected.length === 0) return null;
  const errors = (info.rejectedErrors ?? []).map(fieldsOf);
  const deferred = errors.find((e) => typeof e.responseCode === 'number' && e.responseCode >= 400 && e.responseCode < 500);
  if (deferred) return new TemporaryFailure(`the SMTP server deferred the recipient (${said(deferred)})`);
  const first = errors[0];
  return new PermanentFailure(`the SMTP server refused the recipient (${first ? said(first) : 'no reason given'})`, 'CLIENT_ERROR');
}

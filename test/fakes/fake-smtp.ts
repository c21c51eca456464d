/**
 * A fake SMTP server on 127.0.0.1 (random port) built on `smtp-server`: it accepts mail
 * without TLS (STARTTLS disabled), parses each message back with mailparser, and can be
 * told to refuse RCPT TO or DATA with a given reply code (4xx temporary, 5xx permanent).
 *
 * Drive it with nodemailer: createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true }).
 */
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerAddress, type SMTPServerSession } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';
import { arrivals } from './arrivals.ts';

export interface FakeSmtpOptions {
  /** When set, clients must AUTH with these credentials (535 otherwise); without it auth is optional and anything is accepted. */
  auth?: { user: string; pass: string };
}

export interface FakeSmtpMessage {
  /** Envelope sender (MAIL FROM). */
  from: string;
  /** Envelope recipients (RCPT TO) that were accepted, in order; includes Bcc recipients. */
  to: string[];
  /** Parsed headers, as text. */
  headerFrom: string;
  headerTo: string;
  subject: string;
  /** Plain-text body ('' when absent). */
  text: string;
  /** HTML body (null when absent). */
  html: string | null;
  /** Header lines, keyed by lower-case name; repeated headers joined with '\n'. Values are unfolded raw text. */
  headers: Record<string, string>;
  /** The exact message bytes received after DATA, as UTF-8 text. */
  raw: string;
  /** The user name given with AUTH, if any. */
  user: string | null;
  /** Everything mailparser found (attachments, messageId, Map of structured headers, …). */
  parsed: ParsedMail;
}

export type SmtpFailStage = 'rcpt' | 'data';

export interface FakeSmtp {
  port: number;
  /** smtp://127.0.0.1:port */
  url: string;
  messages: FakeSmtpMessage[];
  /** Resolves with `messages` once at least n are stored; rejects after ms (default 2000). */
  waitFor(n: number, ms?: number): Promise<FakeSmtpMessage[]>;
  /**
   * Every RCPT TO (stage 'rcpt', the default) or every DATA (stage 'data') is answered with
   * this code until failWith(null). 4xx codes read as temporary, 5xx as permanent.
   */
  failWith(responseCode: number | null, stage?: SmtpFailStage): void;
  /** Refuse one recipient address at RCPT TO with this code (default 550); the others still go through. */
  rejectRecipient(address: string, responseCode?: number): void;
  close(): Promise<void>;
}

function smtpError(code: number, message: string): Error & { responseCode: number } {
  return Object.assign(new Error(message), { responseCode: code });
}

function failureText(code: number, what: string): string {
  return code >= 500 ? `5.0.0 ${what}: permanent failure (fake)` : `4.0.0 ${what}: temporary failure, try again later (fake)`;
}

function headersOf(parsed: ParsedMail): Record<string, string> {
  const out: Record<string, string> = {};
  for (const { key, line } of parsed.headerLines) {
    const colon = line.indexOf(':');
    const value = (colon === -1 ? '' : line.slice(colon + 1)).replace(/\r?\n[ \t]+/g, ' ').trim();
    out[key] = out[key] === undefined ? value : `${out[key]}\n${value}`;
  }
  return out;
}

function addressText(value: ParsedMail['to']): string {
  if (!value) return '';
  return Array.isArray(value) ? value.map((v) => v.text).join(', ') : value.text;
}

export async function startFakeSmtp(opts: FakeSmtpOptions = {}): Promise<FakeSmtp> {
  const messages: FakeSmtpMessage[] = [];
  const arrived = arrivals('fake SMTP');
  let failure: { code: number; stage: SmtpFailStage } | null = null;
  const rejected = new Map<string, number>();

  const server = new SMTPServer({
    logger: false,
    secure: false,
    authOptional: !opts.auth,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    closeTimeout: 100,
    onAuth(auth, _session, callback) {
      if (opts.auth && (auth.username !== opts.auth.user || auth.password !== opts.auth.pass)) {
        callback(smtpError(535, '5.7.8 Authentication credentials invalid'));
        return;
      }
      callback(null, { user: auth.username ?? '' });
    },
    onRcptTo(address: SMTPServerAddress, _session: SMTPServerSession, callback: (err?: Error | null) => void) {
      const code = rejected.get(address.address.toLowerCase());
      if (code !== undefined) return callback(smtpError(code, failureText(code, `Recipient <${address.address}> refused`)));
      if (failure?.stage === 'rcpt') return callback(smtpError(failure.code, failureText(failure.code, 'Recipient refused')));
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('error', (err: Error) => callback(err));
      stream.on('end', () => {
        if (failure?.stage === 'data') {
          callback(smtpError(failure.code, failureText(failure.code, 'Message refused')));
          return;
        }
        const raw = Buffer.concat(chunks);
        simpleParser(raw).then(
          (parsed) => {
            const mailFrom = session.envelope.mailFrom;
            messages.push({
              from: mailFrom ? mailFrom.address : '',
              to: session.envelope.rcptTo.map((r) => r.address),
              headerFrom: addressText(parsed.from),
              headerTo: addressText(parsed.to),
              subject: parsed.subject ?? '',
              text: parsed.text ?? '',
              html: typeof parsed.html === 'string' ? parsed.html : null,
              headers: headersOf(parsed),
              raw: raw.toString('utf8'),
              user: typeof session.user === 'string' && session.user ? session.user : null,
              parsed,
            });
            arrived.notify();
            callback(null, 'OK: queued as fake');
          },
          (err: unknown) => callback(smtpError(554, `5.6.0 Unparseable message: ${String(err)}`)),
        );
      });
    },
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  // Errors on client sockets (a client hanging up mid-session) must not crash the test process.
  server.on('error', () => {});
  const port = (server.server.address() as AddressInfo).port;

  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    messages,
    waitFor(n, ms = 2000) {
      return arrived.waitFor(messages, n, ms, 'message(s)');
    },
    failWith(responseCode, stage = 'rcpt') {
      failure = responseCode === null ? null : { code: responseCode, stage };
    },
    rejectRecipient(address, responseCode = 550) {
      rejected.set(address.toLowerCase(), responseCode);
    },
    close() {
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const connection of server.connections) connection.close();
      });
    },
  };
}

import { createHash } from 'node:crypto';
import nodemailer from 'nodemailer';
import type { SmtpSettings } from '../../providers/settings.ts';

/** An address as nodemailer takes it: the display name is encoded, never spliced into the header. */
export interface MailAddress {
  readonly name: string;
  readonly address: string;
}

/** The one message a channel hands the transport. */
export interface MailToSend {
  readonly from: MailAddress;
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  /** The Message-ID header, `<id@host>`; the same on every retry of one delivery. */
  readonly messageId: string;
  readonly date: Date;
  readonly headers: Readonly<Record<string, string>>;
}

/** What the server said when it took the message (nodemailer's `info`, narrowed to what Vigil reads). */
export interface MailSent {
  readonly messageId: string;
  readonly response: string;
  readonly accepted: readonly unknown[];
  readonly rejected: readonly unknown[];
  readonly rejectedErrors?: readonly unknown[];
}

/** The part of a nodemailer transporter Vigil depends on. */
export interface MailTransport {
  sendMail(mail: MailToSend): Promise<MailSent>;
  close(): void;
}

/** Pooled transports kept at once (one per distinct SMTP setting in use); the least recently used is closed beyond this. */
const MAX_TRANSPORTS = 32;
const transports = new Map<string, MailTransport>();

/** Whether `host` names this machine (then plain SMTP without STARTTLS is allowed, for local relays and test fakes). */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h);
}

/**
 * The pooled nodemailer transport for these settings, created on first use and cached by a
 * hash of the settings (so a changed password or host gets a fresh pool; secrets never form a
 * readable key). TLS: `secure` means TLS from connect; otherwise STARTTLS when offered, which
 * is skipped only for loopback hosts, and insisted on when credentials go to a remote host.
 * Every socket wait is bounded by `timeoutMs`.
 */
export function transportFor(settings: SmtpSettings, timeoutMs: number): MailTransport {
  const key = createHash('sha256')
    .update(JSON.stringify([settings.host, settings.port, settings.secure, settings.user, settings.password, timeoutMs]))
    .digest('hex');
  const cached = transports.get(key);
  if (cached) {
    transports.delete(key);
    transports.set(key, cached);
    return cached;
  }
  const loopback = isLoopbackHost(settings.host);
  const credentials = settings.user !== null && settings.password !== null;
  const transport = nodemailer.createTransport({
    pool: true,
    maxConnections: 5,
    maxMessages: 100,
    host: settings.host,
    port: settings.port,
    secure: settings.secure,
    ...(!settings.secure && loopback ? { ignoreTLS: true } : {}),
    ...(!settings.secure && !loopback && credentials ? { requireTLS: true } : {}),
    ...(credentials ? { auth: { user: settings.user ?? '', pass: settings.password ?? '' } } : {}),
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
    disableFileAccess: true,
    disableUrlAccess: true,
    logger: false,
  });
  const narrow: MailTransport = {
    sendMail: async (mail) => (await transport.sendMail({ ...mail, headers: { ...mail.headers } })) as MailSent,
    close: () => transport.close(),
  };
  transports.set(key, narrow);
  if (transports.size > MAX_TRANSPORTS) {
    const [oldestKey, oldest] = transports.entries().next().value as [string, MailTransport];
    transports.delete(oldestKey);
    oldest.close();
  }
  return narrow;
}

/** Closes every cached pool (at shutdown, or between tests). Later sends open new ones. */
export function closeSmtpTransports(): void {
  for (const t of transports.values()) t.close();
  transports.clear();
}

/**
 * The provider settings a message is sent with: the project's own (`notification_provider`
 * rows) where it has them, else the installation's defaults from the environment. Secrets are
 * decrypted only here, for the channel that needs them.
 */
export interface SmtpSettings {
  readonly host: string;
  readonly port: number;
  /** TLS from connect (port 465); otherwise STARTTLS when the server offers it. */
  readonly secure: boolean;
  readonly user: string | null;
  readonly password: string | null;
  /** The From address, e.g. `vigil@example.com`. */
  readonly fromEmail: string;
  readonly fromName: string;
}

export interface TwilioSettings {
  readonly accountSid: string;
  readonly authToken: string;
  /** E.164 number messages and calls come from. */
  readonly fromNumber: string;
  /** Twilio's REST base (`https://api.twilio.com`); a loopback fake's in tests. */
  readonly apiBaseUrl: string;
}

export interface SlackSettings {
  readonly botToken: string;
  readonly signingSecret: string | null;
  /** Slack's Web API base (`https://slack.com/api/`); a loopback fake's in tests. */
  readonly apiUrl: string;
}

export interface WebhookSettings {
  /** Whether outgoing webhooks may reach private, loopback and link-local addresses. */
  readonly allowPrivateAddresses: boolean;
  /** Host names (or IPs) allowed even when private. */
  readonly allowedHosts: readonly string[];
}

export interface ProviderSettings {
  readonly smtp: SmtpSettings | null;
  readonly twilio: TwilioSettings | null;
  readonly slack: SlackSettings | null;
  readonly webhook: WebhookSettings;
}

export const TWILIO_API_BASE = 'https://api.twilio.com';
export const SLACK_API_URL = 'https://slack.com/api/';

/** Parses `smtp://user:pass@host:port` or `smtps://...` (with `?from=` optional) into settings. */
export function smtpFromUrl(url: string, fromEmail: string | null, fromName = 'Vigil'): SmtpSettings {
  const u = new URL(url);
  if (u.protocol !== 'smtp:' && u.protocol !== 'smtps:') throw new RangeError('must be an smtp:// or smtps:// URL');
  const secure = u.protocol === 'smtps:';
  const from = fromEmail ?? u.searchParams.get('from') ?? `vigil@${u.hostname || 'localhost'}`;
  return {
    host: u.hostname,
    port: u.port ? Number(u.port) : secure ? 465 : 587,
    secure,
    user: u.username ? decodeURIComponent(u.username) : null,
    password: u.password ? decodeURIComponent(u.password) : null,
    fromEmail: from,
    fromName,
  };
}

import { sql } from 'kysely';
import type { Db } from '../../storage/database.ts';
import type { SecretBox } from '../secrets.ts';
import { SLACK_API_URL, TWILIO_API_BASE, type ProviderSettings, type SlackSettings, type SmtpSettings, type TwilioSettings } from './settings.ts';

interface ProviderRow {
  provider: 'smtp' | 'twilio' | 'slack';
  settings: Record<string, unknown>;
  secret_encrypted: string | null;
}

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

/**
 * The settings a project's messages are sent with: each provider the project configured
 * (`notification_provider`) replaces the installation's default for that provider.
 */
export async function resolveProviders(db: Db, box: SecretBox, projectId: string, defaults: ProviderSettings): Promise<ProviderSettings> {
  const r = await sql<ProviderRow>`select provider, settings, secret_encrypted from notification_provider where project_id = ${projectId}`.execute(db);
  let { smtp, twilio, slack } = defaults;
  for (const row of r.rows) {
    const s = row.settings ?? {};
    const secret = row.secret_encrypted ? (JSON.parse(box.open(row.secret_encrypted)) as Record<string, unknown>) : {};
    if (row.provider === 'smtp') smtp = smtpOf(s, secret) ?? smtp;
    if (row.provider === 'twilio') twilio = twilioOf(s, secret) ?? twilio;
    if (row.provider === 'slack') slack = slackOf(s, secret) ?? slack;
  }
  return { smtp, twilio, slack, webhook: defaults.webhook };
}

function smtpOf(s: Record<string, unknown>, secret: Record<string, unknown>): SmtpSettings | null {
  const host = str(s.hostname);
  const fromEmail = str(s.fromEmail);
  if (!host || !fromEmail) return null;
  const secure = s.secure === true;
  return {
    host,
    port: typeof s.port === 'number' ? s.port : secure ? 465 : 587,
    secure,
    user: str(s.username),
    password: str(secret.password),
    fromEmail,
    fromName: str(s.fromName) ?? 'Vigil',
  };
}

function twilioOf(s: Record<string, unknown>, secret: Record<string, unknown>): TwilioSettings | null {
  const accountSid = str(s.twilioAccountSID);
  const authToken = str(secret.twilioAuthToken);
  const fromNumber = str(s.twilioPrimaryPhoneNumber);
  if (!accountSid || !authToken || !fromNumber) return null;
  return { accountSid, authToken, fromNumber, apiBaseUrl: str(s.apiBaseUrl) ?? TWILIO_API_BASE };
}

function slackOf(s: Record<string, unknown>, secret: Record<string, unknown>): SlackSettings | null {
  const botToken = str(secret.botToken);
  if (!botToken) return null;
  return { botToken, signingSecret: str(secret.signingSecret), apiUrl: str(s.apiUrl) ?? SLACK_API_URL };
}

import { smtpFromUrl, SLACK_API_URL, TWILIO_API_BASE, type ProviderSettings } from './settings.ts';

/** The environment's provider settings, as the app's config parsed them. */
export interface ProviderEnvironment {
  readonly smtpUrl: string | undefined;
  readonly smtpFrom: string | undefined;
  readonly twilio: { readonly accountSid: string; readonly authToken: string; readonly fromNumber: string } | undefined;
  readonly twilioApiUrl: string | undefined;
  readonly slack: { readonly botToken: string; readonly signingSecret: string | undefined } | undefined;
  readonly slackApiUrl: string | undefined;
  readonly webhookAllowPrivate: boolean;
  readonly webhookAllowedHosts: readonly string[];
}

/** The installation's provider settings, from the environment (see the README's configuration table). */
export function providerDefaults(c: ProviderEnvironment): ProviderSettings {
  return {
    smtp: c.smtpUrl ? smtpFromUrl(c.smtpUrl, c.smtpFrom ?? null) : null,
    twilio: c.twilio ? { ...c.twilio, apiBaseUrl: c.twilioApiUrl ?? TWILIO_API_BASE } : null,
    slack: c.slack ? { botToken: c.slack.botToken, signingSecret: c.slack.signingSecret ?? null, apiUrl: c.slackApiUrl ?? SLACK_API_URL } : null,
    webhook: { allowPrivateAddresses: c.webhookAllowPrivate, allowedHosts: c.webhookAllowedHosts },
  };
}

import { e164, httpUrl, parseField, twilioAccountSid } from '../contacts/addresses.ts';
import { compact, defineProviderResource } from './provider-resource.ts';

/**
 * The project's own Twilio account (OneUptime's `call-sms-config`) for SMS and voice calls.
 * `twilioAuthToken` is write-only (sealed; reads show `hasAuthToken`). `apiBaseUrl` points at a
 * Twilio-compatible endpoint instead of api.twilio.com.
 */
export const callSmsConfigResource = defineProviderResource({
  name: 'call-sms-config',
  title: 'Call and SMS Config',
  description: 'The Twilio account this project sends SMS and places calls with. The auth token is write-only; reads show hasAuthToken.',
  view: 'call_sms_config',
  provider: 'twilio',
  columns: {
    twilioAccountSID: { kind: 'text', column: 'twilio_account_sid', description: 'Twilio account SID (AC…)', required: true, update: true, maxLength: 66 },
    twilioAuthToken: {
      kind: 'text',
      description: 'Twilio auth token (write-only: stored sealed, never returned)',
      required: true,
      update: true,
      read: false,
      maxLength: 200,
    },
    twilioPrimaryPhoneNumber: {
      kind: 'text',
      column: 'twilio_primary_phone_number',
      description: 'The number messages and calls come from (E.164)',
      required: true,
      update: true,
      maxLength: 32,
    },
    apiBaseUrl: { kind: 'text', column: 'api_base_url', description: 'A Twilio-compatible API base URL (default https://api.twilio.com)', create: true, update: true, maxLength: 2048 },
    hasAuthToken: { kind: 'boolean', column: 'has_auth_token', description: 'Whether an auth token is stored (read-only)' },
  },
  secrets: { twilioAuthToken: 'twilioAuthToken' },
  requiredSecrets: ['twilioAuthToken'],
  settingsOf(m) {
    return compact({
      twilioAccountSID: parseField(twilioAccountSid, m.twilioAccountSID, 'data.twilioAccountSID'),
      twilioPrimaryPhoneNumber: parseField(e164, m.twilioPrimaryPhoneNumber, 'data.twilioPrimaryPhoneNumber'),
      apiBaseUrl: m.apiBaseUrl === null || m.apiBaseUrl === undefined ? null : parseField(httpUrl, m.apiBaseUrl, 'data.apiBaseUrl'),
    });
  },
});

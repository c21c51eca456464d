import { httpUrl, parseField } from '../contacts/addresses.ts';
import { compact, defineProviderResource } from './provider-resource.ts';

/**
 * The project's own Slack app: its bot token (and signing secret, for button clicks), both
 * write-only (sealed; reads show `hasBotToken`). `apiUrl` points at a Slack-compatible Web API.
 */
export const slackConfigResource = defineProviderResource({
  name: 'slack-config',
  title: 'Slack Config',
  description: 'The Slack app this project posts with. The bot token and signing secret are write-only; reads show hasBotToken.',
  view: 'slack_config',
  provider: 'slack',
  columns: {
    botToken: { kind: 'text', description: 'Bot token (xoxb-…; write-only: stored sealed, never returned)', required: true, update: true, read: false, maxLength: 500 },
    signingSecret: {
      kind: 'text',
      description: 'Signing secret that authenticates Slack\'s button clicks (write-only: stored sealed, never returned)',
      create: true,
      update: true,
      read: false,
      maxLength: 500,
    },
    apiUrl: { kind: 'text', column: 'api_url', description: 'A Slack-compatible Web API base URL (default https://slack.com/api/)', create: true, update: true, maxLength: 2048 },
    hasBotToken: { kind: 'boolean', column: 'has_bot_token', description: 'Whether a bot token is stored (read-only)' },
  },
  secrets: { botToken: 'botToken', signingSecret: 'signingSecret' },
  requiredSecrets: ['botToken'],
  settingsOf(m) {
    return compact({ apiUrl: m.apiUrl === null || m.apiUrl === undefined ? null : parseField(httpUrl, m.apiUrl, 'data.apiUrl') });
  },
});

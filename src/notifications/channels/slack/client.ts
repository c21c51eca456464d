import { LogLevel, WebClient, type ChatPostMessageArguments, type ChatUpdateArguments } from '@slack/web-api';
import type { SlackSettings } from '../../providers/settings.ts';
import type { SlackBlock } from './blocks.ts';

/** The two Web API methods Vigil calls, nothing more of the SDK. */
export interface SlackApi {
  /** chat.postMessage: answers where the message landed (`channel` is the id Slack resolved, a `D…` for a member id). */
  postMessage(args: { channel: string; text: string; blocks: readonly SlackBlock[] }): Promise<{ channel: string; ts: string }>;
  /** chat.update of the message at `channel`/`ts`. */
  update(args: { channel: string; ts: string; text: string; blocks: readonly SlackBlock[] }): Promise<void>;
}

/** Clients kept at most; past this the cache starts again (a token rotation leaves old ones behind). */
const MAX_CLIENTS = 100;
const clients = new Map<string, WebClient>();

/**
 * A Web API client for a Slack app, cached per token, API URL and timeout. It never retries
 * by itself (`retries: 0`) and throws `WebAPIRateLimitedError` on 429 instead of waiting: the
 * sender owns retries and backoff. Its own logging is off (errors come back as exceptions).
 */
export function slackApi(settings: SlackSettings, timeoutMs: number): SlackApi {
  const key = `${settings.apiUrl}\n${timeoutMs}\n${settings.botToken}`;
  let client = clients.get(key);
  if (!client) {
    if (clients.size >= MAX_CLIENTS) clients.clear();
    client = new WebClient(settings.botToken, {
      slackApiUrl: settings.apiUrl,
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
      timeout: timeoutMs,
      logLevel: LogLevel.ERROR,
    });
    clients.set(key, client);
  }
  const web = client;
  return {
    async postMessage(args) {
      // Our blocks are plain JSON Block Kit; the SDK's argument union (over @slack/types blocks) is wider than we spell out.
      const r = await web.chat.postMessage({ channel: args.channel, text: args.text, blocks: args.blocks } as unknown as ChatPostMessageArguments);
      return { channel: typeof r.channel === 'string' && r.channel ? r.channel : args.channel, ts: String(r.ts ?? '') };
    },
    async update(args) {
      await web.chat.update({ channel: args.channel, ts: args.ts, text: args.text, blocks: args.blocks } as unknown as ChatUpdateArguments);
    },
  };
}

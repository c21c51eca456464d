/**
 * A fake Slack Web API (chat.postMessage, chat.update) on 127.0.0.1, plus `clickButton`, which
 * sends a signed block_actions interactivity request to our app as Slack does, and a
 * response_url endpoint that records what the app posts back. See /work/shared/PROVIDERS.md §2.
 *
 * Drive it with new WebClient(token, { slackApiUrl: fake.baseUrl, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true }).
 */
import { createHmac, randomBytes } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { arrivals } from './arrivals.ts';

export interface FakeSlackOptions {
  /** The bot token the API accepts (Authorization: Bearer …, or a `token` body field). */
  token: string;
  /** Team id used in messages and interactivity payloads (default T0FAKETEAM). */
  teamId?: string;
}

/** A Block Kit block as parsed from the request (shape not checked beyond being JSON objects). */
export type SlackBlock = Record<string, unknown> & { type?: string; block_id?: string };

export interface SlackCall {
  /** 'chat.postMessage' or 'chat.update' (or any other method name requested). */
  method: string;
  contentType: 'form' | 'json';
  /** All body fields; form values are strings, JSON values as sent. */
  fields: Record<string, unknown>;
  channel: string;
  text: string | undefined;
  /** Parsed blocks (from the JSON string in a form body, or the JSON array). */
  blocks: SlackBlock[] | undefined;
  threadTs: string | undefined;
  /** ts of the new message (postMessage) or the updated one (update). */
  ts: string;
}

export interface SlackStoredMessage {
  channel: string;
  ts: string;
  text: string;
  blocks: SlackBlock[] | undefined;
  threadTs: string | undefined;
}

export interface SlackRequestRecord {
  method: string;
  status: number;
  /** The JSON answered (`ok`, `error`, …). */
  response: Record<string, unknown>;
}

export interface ClickButtonOptions {
  /** Our app's interactivity endpoint. */
  url: string;
  signingSecret: string;
  actionId: string;
  value: string;
  userId: string;
  channelId: string;
  messageTs: string;
  /** Unix seconds for X-Slack-Request-Timestamp (default now); the signature is computed with it. */
  timestamp?: number;
  /** Send this X-Slack-Signature verbatim instead of the correct one. */
  signature?: string;
  username?: string;
  channelName?: string;
  /** block_id of the actions block; default: found in the stored message's blocks, else 'actions'. */
  blockId?: string;
  /** Message text and blocks; default: the stored message at channelId/messageTs (posted through the fake). */
  messageText?: string;
  messageBlocks?: SlackBlock[];
}

export interface ClickResult {
  status: number;
  body: string;
  headers: http.IncomingHttpHeaders;
  /** The payload object that was sent, and the exact raw body bytes. */
  payload: Record<string, unknown>;
  rawBody: string;
  /** The response_url in the payload (POSTs to it land in `responses`). */
  responseUrl: string;
}

export interface FakeSlack {
  /** http://127.0.0.1:port/api/ — WebClient's slackApiUrl. */
  baseUrl: string;
  port: number;
  /** Successful chat.postMessage calls. */
  posts: SlackCall[];
  /** Successful chat.update calls. */
  updates: SlackCall[];
  /** Every API call with the status and JSON answered. */
  requests: SlackRequestRecord[];
  /** JSON bodies POSTed to response_url links from clickButton. */
  responses: Array<{ path: string; body: unknown }>;
  /** Current state of a message posted through the fake (after updates). */
  message(channel: string, ts: string): SlackStoredMessage | undefined;
  /** Resolves once `posts` holds at least n records; rejects after ms (default 2000). */
  waitFor(n: number, ms?: number): Promise<SlackCall[]>;
  /** The next n API calls answer HTTP 200 {ok:false, error}. */
  failNext(n: number, failure: { error: string }): void;
  /** The next n API calls answer HTTP 429 with Retry-After: seconds. */
  rateLimitNext(n: number, retryAfterSeconds: number): void;
  /** While on, API calls answer HTTP 503. */
  setOutage(on: boolean): void;
  clickButton(opts: ClickButtonOptions): Promise<ClickResult>;
  close(): Promise<void>;
}

/** v0=hex(HMAC-SHA256(signingSecret, `v0:${timestamp}:${rawBody}`)) */
export function slackSignature(signingSecret: string, timestamp: number | string, rawBody: string): string {
  return `v0=${createHmac('sha256', signingSecret).update(`v0:${timestamp}:${rawBody}`).digest('hex')}`;
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function post(url: string, headers: Record<string, string>, body: string): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const lib = target.protocol === 'https:' ? https : http;
    const req = lib.request(target, { method: 'POST', headers: { ...headers, Connection: 'close' }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined);

export async function startFakeSlack(options: FakeSlackOptions): Promise<FakeSlack> {
  const teamId = options.teamId ?? 'T0FAKETEAM';
  const posts: SlackCall[] = [];
  const updates: SlackCall[] = [];
  const requests: SlackRequestRecord[] = [];
  const responses: Array<{ path: string; body: unknown }> = [];
  const stored = new Map<string, SlackStoredMessage>();
  const failures: string[] = [];
  const rateLimits: number[] = [];
  const arrived = arrivals('fake Slack');
  let outage = false;
  let lastTs = 0;
  const nextTs = (): string => {
    // Unique, increasing "<unix>.<6 digits>" like Slack's message ids.
    lastTs = Math.max(lastTs + 1, Date.now() * 1000);
    return `${Math.floor(lastTs / 1_000_000)}.${String(lastTs % 1_000_000).padStart(6, '0')}`;
  };
  const key = (channel: string, ts: string): string => `${channel}/${ts}`;

  const server = http.createServer((req, res) => {
    void handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) {
        res.writeHead(500, { 'Content-Type': 'text/plain' });
        res.end(String(err));
      }
    });
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const raw = await readBody(req);

    if (url.pathname.startsWith('/actions/') && req.method === 'POST') {
      let body: unknown = raw;
      try {
        body = JSON.parse(raw);
      } catch {
        // keep the raw text
      }
      responses.push({ path: url.pathname, body });
      res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify({ ok: true }));
      return;
    }

    const method = url.pathname.startsWith('/api/') ? url.pathname.slice('/api/'.length) : '';
    const record: SlackRequestRecord = { method, status: 0, response: {} };
    requests.push(record);
    const reply = (status: number, body: Record<string, unknown>, headers: Record<string, string> = {}): void => {
      record.status = status;
      record.response = body;
      res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', ...headers });
      res.end(JSON.stringify(body));
    };
    if (req.method !== 'POST' || !method) return reply(404, { ok: false, error: 'unknown_method' });
    if (outage) return reply(503, { ok: false, error: 'service_unavailable' });

    const contentType = (req.headers['content-type'] ?? '').toLowerCase();
    let fields: Record<string, unknown> = {};
    const isJson = contentType.startsWith('application/json');
    if (isJson) {
      try {
        const parsed: unknown = JSON.parse(raw);
        if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) fields = parsed as Record<string, unknown>;
      } catch {
        return reply(200, { ok: false, error: 'invalid_json' });
      }
    } else {
      fields = Object.fromEntries(new URLSearchParams(raw));
    }

    const auth = req.headers.authorization;
    const token = auth?.startsWith('Bearer ') ? auth.slice('Bearer '.length) : isJson ? undefined : str(fields.token);
    if (!token) return reply(200, { ok: false, error: 'not_authed' });
    if (token !== options.token) return reply(200, { ok: false, error: 'invalid_auth' });

    const retryAfter = rateLimits.shift();
    if (retryAfter !== undefined) return reply(429, { ok: false, error: 'ratelimited' }, { 'Retry-After': String(retryAfter) });
    const failure = failures.shift();
    if (failure !== undefined) return reply(200, { ok: false, error: failure });

    if (method !== 'chat.postMessage' && method !== 'chat.update') return reply(200, { ok: false, error: 'unknown_method' });

    let blocks: SlackBlock[] | undefined;
    if (fields.blocks !== undefined) {
      const value = typeof fields.blocks === 'string' ? safeJson(fields.blocks) : fields.blocks;
      if (!Array.isArray(value) || !value.every((b) => b && typeof b === 'object' && typeof (b as SlackBlock).type === 'string')) {
        return reply(200, { ok: false, error: 'invalid_blocks' });
      }
      blocks = value as SlackBlock[];
    }
    const channel = str(fields.channel);
    const text = str(fields.text);
    if (!channel) return reply(200, { ok: false, error: 'channel_not_found' });
    if (text !== undefined && text.length > 40_000) return reply(200, { ok: false, error: 'msg_too_long' });

    const threadTs = str(fields.thread_ts);
    if (method === 'chat.postMessage') {
      if (!text && !blocks && fields.attachments === undefined) return reply(200, { ok: false, error: 'no_text' });
      const ts = nextTs();
      const msg: SlackStoredMessage = { channel, ts, text: text ?? '', blocks, threadTs };
      stored.set(key(channel, ts), msg);
      posts.push({ method, contentType: isJson ? 'json' : 'form', fields, channel, text, blocks, threadTs, ts });
      arrived.notify();
      return reply(200, { ok: true, channel, ts, message: messageJson(msg) });
    }

    const ts = str(fields.ts);
    const msg = ts === undefined ? undefined : stored.get(key(channel, ts));
    if (!ts || !msg) return reply(200, { ok: false, error: 'message_not_found' });
    if (text !== undefined) msg.text = text;
    if (blocks !== undefined) msg.blocks = blocks;
    updates.push({ method, contentType: isJson ? 'json' : 'form', fields, channel, text, blocks, threadTs, ts });
    return reply(200, { ok: true, channel, ts, text: msg.text, message: { ...messageJson(msg), edited: { user: 'U0FAKEBOT', ts: nextTs() } } });
  }

  function messageJson(msg: SlackStoredMessage): Record<string, unknown> {
    return {
      type: 'message',
      subtype: 'bot_message',
      text: msg.text,
      user: 'U0FAKEBOT',
      bot_id: 'B0FAKEBOT',
      app_id: 'A0FAKEAPP',
      team: teamId,
      ts: msg.ts,
      ...(msg.threadTs ? { thread_ts: msg.threadTs } : {}),
      ...(msg.blocks ? { blocks: msg.blocks } : {}),
    };
  }

  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
  const origin = `http://127.0.0.1:${port}`;

  return {
    baseUrl: `${origin}/api/`,
    port,
    posts,
    updates,
    requests,
    responses,
    message: (channel, ts) => stored.get(key(channel, ts)),
    waitFor(n, ms = 2000) {
      return arrived.waitFor(posts, n, ms, 'post(s)');
    },
    failNext(n, failure) {
      for (let i = 0; i < n; i++) failures.push(failure.error);
    },
    rateLimitNext(n, retryAfterSeconds) {
      for (let i = 0; i < n; i++) rateLimits.push(retryAfterSeconds);
    },
    setOutage(on) {
      outage = on;
    },
    async clickButton(o) {
      const msg = stored.get(key(o.channelId, o.messageTs));
      const messageBlocks = o.messageBlocks ?? msg?.blocks ?? [];
      const blockId =
        o.blockId ??
        messageBlocks.find((b) => Array.isArray(b.elements) && (b.elements as Array<Record<string, unknown>>).some((e) => e.action_id === o.actionId))?.block_id ??
        'actions';
      const actionTs = `${(Date.now() / 1000).toFixed(6)}`;
      const responseUrl = `${origin}/actions/${teamId}/${Date.now()}/${randomBytes(12).toString('hex')}`;
      const payload: Record<string, unknown> = {
        type: 'block_actions',
        user: { id: o.userId, username: o.username ?? `user-${o.userId.toLowerCase()}`, name: o.username ?? `user-${o.userId.toLowerCase()}`, team_id: teamId },
        api_app_id: 'A0FAKEAPP',
        token: 'deprecated-verification-token',
        container: { type: 'message', message_ts: o.messageTs, channel_id: o.channelId, is_ephemeral: false },
        trigger_id: `${Date.now()}.${randomBytes(6).toString('hex')}`,
        team: { id: teamId, domain: 'fake-team' },
        enterprise: null,
        is_enterprise_install: false,
        channel: { id: o.channelId, name: o.channelName ?? 'incidents' },
        message: {
          type: 'message',
          subtype: 'bot_message',
          text: o.messageText ?? msg?.text ?? '',
          ts: o.messageTs,
          bot_id: 'B0FAKEBOT',
          blocks: messageBlocks,
        },
        state: { values: {} },
        response_url: responseUrl,
        actions: [{ type: 'button', block_id: blockId, action_id: o.actionId, text: { type: 'plain_text', text: o.actionId, emoji: true }, value: o.value, action_ts: actionTs }],
      };
      const rawBody = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
      const timestamp = o.timestamp ?? Math.floor(Date.now() / 1000);
      const res = await post(
        o.url,
        {
          'Content-Type': 'application/x-www-form-urlencoded',
          'User-Agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
          'X-Slack-Request-Timestamp': String(timestamp),
          'X-Slack-Signature': o.signature ?? slackSignature(o.signingSecret, timestamp, rawBody),
        },
        rawBody,
      );
      return { ...res, payload, rawBody, responseUrl };
    },
    close() {
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections?.();
      });
    },
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

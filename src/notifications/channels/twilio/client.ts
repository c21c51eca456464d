import { createHash } from 'node:crypto';
import twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient.js';
import { TWILIO_API_BASE, type TwilioSettings } from '../../providers/settings.ts';
import { retryAfterMs } from '../webhook/retry-after.ts';
import { TemporaryFailure } from '../channel.ts';
import { twilioFailure } from './failure.ts';

/** A message resource as Vigil reads it. */
export interface TwilioMessage {
  readonly sid: string;
  readonly status: string;
  readonly to: string;
  readonly from: string | null;
  readonly body: string;
  /** Negative decimal USD (`"-0.00790"`) once Twilio has priced it; null before. */
  readonly price: string | null;
  /** The price's currency (`USD`, ...). */
  readonly priceUnit: string | null;
  readonly dateCreated: Date | null;
}

/** A call resource as Vigil reads it. */
export interface TwilioCall {
  readonly sid: string;
  readonly status: string;
  /** Negative decimal USD once the call ended and Twilio priced it; null before. */
  readonly price: string | null;
  readonly priceUnit: string | null;
}

/**
 * The few Twilio REST operations Vigil uses. Every method rejects only with a
 * `TemporaryFailure` (429, 5xx, network, timeout; with Twilio's `Retry-After` when given) or a
 * `PermanentFailure` (any other 4xx: Twilio's code and message, `NOT_CONFIGURED` for 20003).
 */
export interface TwilioApi {
  sendMessage(p: { to: string; from: string; body: string; statusCallback: string }): Promise<TwilioMessage>;
  /** The newest messages (at most `limit`, one page) sent to `to` from `from`. */
  recentMessages(p: { to: string; from: string; limit: number }): Promise<TwilioMessage[]>;
  fetchMessage(sid: string): Promise<TwilioMessage>;
  startCall(p: { to: string; from: string; twiml: string; statusCallback: string }): Promise<TwilioCall>;
  fetchCall(sid: string): Promise<TwilioCall>;
}

/**
 * twilio-node's HTTP client, pointed at `baseUrl` instead of `https://api.twilio.com` (a
 * loopback fake in tests; PROVIDERS.md §1), and answering 429 and 5xx with a
 * `TemporaryFailure` that keeps Twilio's `Retry-After` (twilio-node's own exceptions drop headers).
 */
class VigilRequestClient extends twilio.RequestClient {
  constructor(
    private readonly baseUrl: string | null,
    timeoutMs: number,
  ) {
    super({ timeout: timeoutMs });
  }

  // eslint-disable-next-line @typescript-eslint/explicit-function-return-type -- inferred Promise<Response<TData>>
  override async request<TData>(opts: RequestClient.RequestOptions<TData>) {
    const uri = this.baseUrl ? opts.uri.replace(/^https:\/\/api(\.[a-z0-9-]+)*\.twilio\.com/, this.baseUrl) : opts.uri;
    const res = await super.request({ ...opts, uri });
    if (res.statusCode === 429 || res.statusCode >= 500) {
      const headers = (res.headers ?? {}) as Record<string, string | undefined>;
      const body = (typeof res.body === 'string' ? safeJson(res.body) : res.body) as { code?: unknown; message?: unknown } | null;
      const detail = body && typeof body.message === 'string' ? `${String(body.code ?? '')} ${body.message}`.trim() : 'no details';
      throw new TemporaryFailure(`Twilio answered ${res.statusCode} (${detail})`, waitAsked(headers));
    }
    return res;
  }
}

/** What `Retry-After` asks: delay-seconds, or an HTTP-date measured from the answer's own `Date`; null otherwise. */
function waitAsked(headers: Record<string, string | undefined>): number | null {
  const header = headers['retry-after'];
  if (!header) return null;
  if (/^\s*\d+\s*$/.test(header)) return retryAfterMs(header, new Date(0)); // delay-seconds: the instant is not used
  const served = headers.date ? Date.parse(headers.date) : Number.NaN;
  return Number.isNaN(served) ? null : retryAfterMs(header, new Date(served));
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

const MAX_CACHED = 64;
const clients = new Map<string, TwilioApi>();

/**
 * The Twilio client for one account, cached per settings (account, token, base URL, timeout):
 * HTTP connections are reused across messages. Never throws; its methods reject as
 * {@link TwilioApi} says.
 */
export function twilioApi(settings: TwilioSettings, timeoutMs: number): TwilioApi {
  const base = settings.apiBaseUrl.replace(/\/+$/, '');
  const key = createHash('sha256').update(JSON.stringify([settings.accountSid, settings.authToken, base, timeoutMs])).digest('hex');
  let api = clients.get(key);
  if (!api) {
    if (clients.size >= MAX_CACHED) clients.delete(clients.keys().next().value as string);
    api = createApi(settings, base === TWILIO_API_BASE ? null : base, timeoutMs);
    clients.set(key, api);
  }
  return api;
}

function createApi(settings: TwilioSettings, baseUrl: string | null, timeoutMs: number): TwilioApi {
  const client = twilio(settings.accountSid, settings.authToken, {
    accountSid: settings.accountSid,
    httpClient: new VigilRequestClient(baseUrl, timeoutMs),
  });
  const classified = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (err) {
      throw twilioFailure(err);
    }
  };
  type Priced = { price: string | null; priceUnit: string | null };
  type Msg = Priced & { sid: string; status: string; to: string; from: string | null; body: string; dateCreated: Date | null };
  const message = (m: Msg): TwilioMessage => ({
    sid: m.sid,
    status: String(m.status),
    to: m.to,
    from: m.from ?? null,
    body: m.body ?? '',
    price: m.price ?? null,
    priceUnit: m.priceUnit ?? null,
    dateCreated: m.dateCreated ?? null,
  });
  const call = (c: Priced & { sid: string; status: string }): TwilioCall => ({
    sid: c.sid,
    status: String(c.status),
    price: c.price ?? null,
    priceUnit: c.priceUnit ?? null,
  });
  return {
    sendMessage: (p) => classified(async () => message(await client.messages.create({ to: p.to, from: p.from, body: p.body, statusCallback: p.statusCallback }))),
    recentMessages: (p) =>
      classified(async () => (await client.messages.page({ to: p.to, from: p.from, pageSize: p.limit })).instances.map(message)),
    fetchMessage: (sid) => classified(async () => message(await client.messages(sid).fetch())),
    startCall: (p) =>
      classified(async () =>
        call(
          await client.calls.create({
            to: p.to,
            from: p.from,
            twiml: p.twiml,
            statusCallback: p.statusCallback,
            statusCallbackMethod: 'POST',
            statusCallbackEvent: ['completed'],
          }),
        ),
      ),
    fetchCall: (sid) => classified(async () => call(await client.calls(sid).fetch())),
  };
}

/**
 * A fake Twilio REST API (2010-04-01 Messages and Calls) on 127.0.0.1, plus helpers that act
 * like Twilio calling our app back (status callbacks, inbound SMS, <Gather> results, fetching
 * TwiML), signed with X-Twilio-Signature exactly as twilio-node validates it.
 *
 * Point twilio-node at it with `twilioClientFor(fake)` (a RequestClient that rewrites
 * https://api.twilio.com to the fake's baseUrl). See /work/shared/PROVIDERS.md §1.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient.js';
import { arrivals } from './arrivals.ts';

export interface FakeTwilioOptions {
  accountSid: string;
  authToken: string;
  /**
   * Maps a callback URL the app handed to Twilio (e.g. its public https URL) to where the fake
   * actually sends the request. The signature is always computed over the original URL, as Twilio does.
   */
  rewriteCallbackUrl?: (url: string) => string;
}

/** Form fields: first value of each key; `fieldsAll` keeps every value of repeated keys. */
export type FormFields = Record<string, string>;
export type FormFieldsAll = Record<string, string[]>;

export interface TwilioMessageRecord {
  sid: string;
  fields: FormFields;
  fieldsAll: FormFieldsAll;
  to: string;
  from: string | null;
  body: string;
  messagingServiceSid: string | null;
  statusCallback: string | null;
  status: string;
  /** Negative decimal string such as "-0.00790" once sent/delivered/undelivered; null before. */
  price: string | null;
  errorCode: number | null;
  numSegments: number;
  dateCreated: Date;
  dateUpdated: Date;
}

export interface TwilioCallRecord {
  sid: string;
  fields: FormFields;
  fieldsAll: FormFieldsAll;
  to: string;
  from: string;
  url: string | null;
  /** Method for `url` (default POST). */
  method: string;
  twiml: string | null;
  statusCallback: string | null;
  statusCallbackMethod: string;
  /** StatusCallbackEvent values as sent (default ['completed']). The fake does not filter callbacks by them. */
  statusCallbackEvents: string[];
  timeout: number;
  status: string;
  /** Seconds, set on completion. */
  duration: number | null;
  price: string | null;
  startTime: Date | null;
  endTime: Date | null;
  dateCreated: Date;
  dateUpdated: Date;
  /** Next SequenceNumber for call-progress callbacks. */
  sequence: number;
}

export interface TwilioRequestRecord {
  method: string;
  path: string;
  /** HTTP status the fake answered. */
  status: number;
  fields: FormFields;
  fieldsAll: FormFieldsAll;
  /** Basic-auth user name, if any. */
  username: string | null;
}

export interface TwilioFailure {
  status: number;
  code: number;
  message: string;
  /** Seconds, sent as Retry-After. */
  retryAfter?: number;
}

export interface SignOptions {
  /** false: send no X-Twilio-Signature header. */
  sign?: boolean;
  /** Sign with this token instead of the account's auth token (wrong-signature tests). */
  signWith?: string;
  /** URL to compute the signature over (default: the URL the request goes to; for GET the query is appended to it too). */
  signedUrl?: string;
  /** HTTP method (default POST; GET puts the fields in the query string, as Twilio does). */
  method?: 'GET' | 'POST';
  /** Extra request headers. */
  headers?: Record<string, string>;
}

export interface CallbackResponse {
  status: number;
  body: string;
  headers: http.IncomingHttpHeaders;
  /** The exact fields sent. */
  sent: Record<string, string>;
}

export interface FakeTwilio {
  /** http://127.0.0.1:port (no trailing slash) */
  baseUrl: string;
  port: number;
  accountSid: string;
  authToken: string;
  messages: TwilioMessageRecord[];
  calls: TwilioCallRecord[];
  /** Every REST request, including refused ones. */
  requests: TwilioRequestRecord[];
  /** Resolves once `messages` (or `calls`) holds at least n records; rejects after ms (default 2000). */
  waitFor(kind: 'messages' | 'calls', n: number, ms?: number): Promise<void>;
  /** The next n REST requests (after the auth check) fail with this legacy error body. */
  failNext(n: number, failure: TwilioFailure): void;
  /** While on, every REST request gets 503 (code 20503). */
  setOutage(on: boolean): void;
  /** Holds every answer to a POST this long after the resource is created (a slow Twilio: the message is taken, the answer late). */
  setDelay(ms: number): void;
  /** Creating a message or call to this number fails with 400 and this code (default 21211 for messages, 21217 for calls). */
  rejectNumber(to: string, code?: number): void;
  /** Change a resource's status without a callback (price is filled in as for a callback). */
  setStatus(sid: string, status: string, extra?: Record<string, string | undefined>): void;
  setPrice(sid: string, price: string | null): void;
  /**
   * Set the status of message SM… or call CA…, then POST the status callback to the StatusCallback
   * it was created with (throws if none). `extra` adds or overrides fields (undefined removes one).
   */
  sendStatusCallback(sid: string, status: string, extra?: Record<string, string | undefined>, opts?: SignOptions): Promise<CallbackResponse>;
  /** POST Twilio's inbound-SMS webhook to webhookUrl. */
  sendInboundSms(
    webhookUrl: string,
    msg: { from: string; to: string; body: string; messagingServiceSid?: string; extra?: Record<string, string | undefined> },
    opts?: SignOptions,
  ): Promise<CallbackResponse & { sid: string }>;
  /** POST <Gather> results (voice fields + Digits) to actionUrl. */
  pressDigits(actionUrl: string, callSid: string, digits: string, opts?: SignOptions & { extra?: Record<string, string | undefined> }): Promise<CallbackResponse>;
  /**
   * Request a call's TwiML as Twilio does when the call is answered (method: the call's Method,
   * default POST) and return the body. Marks the call in-progress. Throws an Error with `status`
   * and `body` properties on a non-2xx answer.
   */
  fetchTwiml(url: string, callSid: string, opts?: SignOptions & { extra?: Record<string, string | undefined> }): Promise<string>;
  close(): Promise<void>;
}

const API_VERSION = '2010-04-01';
const MESSAGE_PRICE = 0.0079;
const CALL_PRICE_PER_MINUTE = 0.014;

const sid = (prefix: string): string => prefix + randomBytes(16).toString('hex');
const rfc2822 = (d: Date): string => d.toUTCString().replace('GMT', '+0000');
const rfc2822OrNull = (d: Date | null): string | null => (d ? rfc2822(d) : null);
const price = (amount: number): string => (-amount).toFixed(5);

const ERROR_MESSAGES: Record<number, string> = {
  21211: "Invalid 'To' Phone Number",
  21217: 'Phone number is not a valid phone number',
  21408: "Permission to send an SMS has not been enabled for the region indicated by the 'To' number",
  21608: 'The number is unverified. Trial accounts cannot send messages to unverified numbers',
  21610: 'Attempt to send to unsubscribed recipient',
  21612: "The 'To' phone number is not currently reachable using the 'From' phone number via SMS.",
  21614: "'To' number is not a valid mobile number",
  21635: "'To' number cannot be a landline",
};

function parseForm(text: string): { fields: FormFields; fieldsAll: FormFieldsAll } {
  const fields: FormFields = {};
  const fieldsAll: FormFieldsAll = {};
  for (const [k, v] of new URLSearchParams(text)) {
    if (fields[k] === undefined) fields[k] = v;
    (fieldsAll[k] ??= []).push(v);
  }
  return { fields, fieldsAll };
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function clean(fields: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) out[k] = v;
  return out;
}

/** One HTTP request over a fresh connection (no keep-alive, so nothing lingers after a test). */
function send(
  url: string,
  method: 'GET' | 'POST',
  headers: Record<string, string>,
  body: string | null,
): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const lib = target.protocol === 'https:' ? https : http;
    const req = lib.request(target, { method, headers: { ...headers, Connection: 'close' }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body ?? undefined);
  });
}

function messageJson(m: TwilioMessageRecord, accountSid: string): Record<string, unknown> {
  const uri = `/${API_VERSION}/Accounts/${accountSid}/Messages/${m.sid}.json`;
  return {
    account_sid: accountSid,
    api_version: API_VERSION,
    body: m.body,
    date_created: rfc2822(m.dateCreated),
    date_sent: m.status === 'queued' || m.status === 'accepted' ? null : rfc2822(m.dateUpdated),
    date_updated: rfc2822(m.dateUpdated),
    direction: 'outbound-api',
    error_code: m.errorCode,
    error_message: null,
    from: m.from,
    messaging_service_sid: m.messagingServiceSid,
    num_media: String((m.fieldsAll.MediaUrl ?? []).length),
    num_segments: String(m.numSegments),
    price: m.price,
    price_unit: 'USD',
    sid: m.sid,
    status: m.status,
    subresource_uris: { media: uri.replace(/\.json$/, '/Media.json') },
    to: m.to,
    uri,
  };
}

function callJson(c: TwilioCallRecord, accountSid: string): Record<string, unknown> {
  const uri = `/${API_VERSION}/Accounts/${accountSid}/Calls/${c.sid}.json`;
  const base = uri.replace(/\.json$/, '');
  return {
    account_sid: accountSid,
    annotation: null,
    answered_by: null,
    api_version: API_VERSION,
    caller_name: null,
    date_created: rfc2822(c.dateCreated),
    date_updated: rfc2822(c.dateUpdated),
    direction: 'outbound-api',
    duration: c.duration === null ? null : String(c.duration),
    end_time: rfc2822OrNull(c.endTime),
    forwarded_from: null,
    from: c.from,
    from_formatted: c.from,
    group_sid: null,
    parent_call_sid: null,
    phone_number_sid: null,
    price: c.price,
    price_unit: 'USD',
    queue_time: '0',
    sid: c.sid,
    start_time: rfc2822OrNull(c.startTime),
    status: c.status,
    subresource_uris: {
      notifications: `${base}/Notifications.json`,
      recordings: `${base}/Recordings.json`,
      events: `${base}/Events.json`,
    },
    to: c.to,
    to_formatted: c.to,
    trunk_sid: null,
    uri,
  };
}

function segments(body: string): number {
  if (body.length === 0) return 1;
  return body.length <= 160 ? 1 : Math.ceil(body.length / 153);
}

const TERMINAL_CALL = new Set(['completed', 'busy', 'no-answer', 'failed', 'canceled']);
const PRICED_MESSAGE = new Set(['sent', 'delivered', 'undelivered']);

export async function startFakeTwilio(options: FakeTwilioOptions): Promise<FakeTwilio> {
  const { accountSid, authToken } = options;
  const messages: TwilioMessageRecord[] = [];
  const calls: TwilioCallRecord[] = [];
  const requests: TwilioRequestRecord[] = [];
  const failures: TwilioFailure[] = [];
  const rejected = new Map<string, number | undefined>();
  const arrived = arrivals('fake Twilio');
  let outage = false;
  let delayMs = 0;

  const findMessage = (s: string): TwilioMessageRecord | undefined => messages.find((m) => m.sid === s);
  const findCall = (s: string): TwilioCallRecord | undefined => calls.find((c) => c.sid === s);

  const server = http.createServer((req, res) => {
    void handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) {
        res.writeHead(500, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ code: 20500, message: String(err), more_info: 'https://www.twilio.com/docs/errors/20500', status: 500 }));
      }
    });
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const raw = await readBody(req);
    const { fields, fieldsAll } = parseForm(req.method === 'GET' ? url.searchParams.toString() : raw);
    const auth = req.headers.authorization ?? '';
    let username: string | null = null;
    let password: string | null = null;
    if (auth.startsWith('Basic ')) {
      const decoded = Buffer.from(auth.slice(6), 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      username = colon === -1 ? decoded : decoded.slice(0, colon);
      password = colon === -1 ? '' : decoded.slice(colon + 1);
    }
    const record: TwilioRequestRecord = { method: req.method ?? '', path: url.pathname, status: 0, fields, fieldsAll, username };
    requests.push(record);

    const reply = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
      record.status = status;
      const write = () => {
        if (res.destroyed) return;
        res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', ...headers });
        res.end(JSON.stringify(body));
      };
      if (delayMs > 0 && req.method === 'POST') setTimeout(write, delayMs);
      else write();
    };
    const error = (status: number, code: number, message: string, headers: Record<string, string> = {}, extra: Record<string, unknown> = {}): void =>
      reply(status, { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status, ...extra }, headers);

    if (outage) return error(503, 20503, 'Service Unavailable');
    if (username !== accountSid || password !== authToken) {
      return error(401, 20003, 'Authenticate', { 'WWW-Authenticate': 'Basic realm="Twilio API"' }, { detail: 'Your AccountSid or AuthToken was incorrect.' });
    }
    const failure = failures.shift();
    if (failure) {
      return error(failure.status, failure.code, failure.message, failure.retryAfter === undefined ? {} : { 'Retry-After': String(failure.retryAfter) });
    }

    const collection = /^\/2010-04-01\/Accounts\/([^/]+)\/(Messages|Calls)\.json$/.exec(url.pathname);
    const instance = /^\/2010-04-01\/Accounts\/([^/]+)\/(Messages|Calls)\/([^/]+)\.json$/.exec(url.pathname);
    const notFound = (): void => error(404, 20404, `The requested resource ${url.pathname} was not found`);
    const account = collection?.[1] ?? instance?.[1];
    if (account !== undefined && account !== accountSid) return notFound();

    if (collection && req.method === 'POST' && collection[2] === 'Messages') {
      const to = fields.To;
      if (!to) return error(400, 21604, "A 'To' phone number is required.");
      if (!fields.From && !fields.MessagingServiceSid) return error(400, 21603, "A 'From' phone number is required.");
      const body = fields.Body ?? '';
      if (!body && !fields.MediaUrl && !fields.ContentSid) return error(400, 21602, 'Message body is required.');
      if (body.length > 1600) return error(400, 21617, 'The concatenated message body exceeds the 1600 character limit.');
      if (rejected.has(to)) {
        const code = rejected.get(to) ?? 21211;
        return error(400, code, `${ERROR_MESSAGES[code] ?? 'Invalid number'}: ${to}`);
      }
      if (!/^\+[1-9]\d{1,14}$/.test(to)) return error(400, 21211, `The 'To' number ${to} is not a valid phone number.`);
      const now = new Date();
      const m: TwilioMessageRecord = {
        sid: sid('SM'),
        fields,
        fieldsAll,
        to,
        from: fields.From ?? null,
        body,
        messagingServiceSid: fields.MessagingServiceSid ?? null,
        statusCallback: fields.StatusCallback ?? null,
        status: fields.MessagingServiceSid ? (fields.SendAt ? 'scheduled' : 'accepted') : 'queued',
        price: null,
        errorCode: null,
        numSegments: segments(body),
        dateCreated: now,
        dateUpdated: now,
      };
      messages.push(m);
      arrived.notify();
      return reply(201, messageJson(m, accountSid));
    }

    if (collection && req.method === 'POST' && collection[2] === 'Calls') {
      const to = fields.To;
      if (!to) return error(400, 21201, "No 'To' number is specified");
      if (!fields.From) return error(400, 21213, "No 'From' number is specified");
      if (!fields.Url && !fields.Twiml && !fields.ApplicationSid) return error(400, 21205, 'Url parameter is required.');
      if (rejected.has(to)) {
        const code = rejected.get(to) ?? 21217;
        return error(400, code, `${ERROR_MESSAGES[code] ?? 'Invalid number'}: ${to}`);
      }
      if (!/^\+[1-9]\d{1,14}$/.test(to) && !to.startsWith('client:') && !to.startsWith('sip:')) {
        return error(400, 21217, `Phone number ${to} is not a valid phone number`);
      }
      const now = new Date();
      const c: TwilioCallRecord = {
        sid: sid('CA'),
        fields,
        fieldsAll,
        to,
        from: fields.From,
        url: fields.Url ?? null,
        method: (fields.Method ?? 'POST').toUpperCase(),
        twiml: fields.Url ? null : (fields.Twiml ?? null),
        statusCallback: fields.StatusCallback ?? null,
        statusCallbackMethod: (fields.StatusCallbackMethod ?? 'POST').toUpperCase(),
        statusCallbackEvents: fieldsAll.StatusCallbackEvent ?? ['completed'],
        timeout: Number(fields.Timeout ?? 60),
        status: 'queued',
        duration: null,
        price: null,
        startTime: null,
        endTime: null,
        dateCreated: now,
        dateUpdated: now,
        sequence: 0,
      };
      calls.push(c);
      arrived.notify();
      return reply(201, callJson(c, accountSid));
    }

    if (collection && req.method === 'GET' && collection[2] === 'Messages') {
      // Read multiple: newest first, filtered by To, From and DateSent (`DateSent>` / `DateSent<`), one page.
      const after = fields['DateSent>'] ? new Date(fields['DateSent>']) : null;
      const before = fields['DateSent<'] ? new Date(fields['DateSent<']) : null;
      const pageSize = Math.min(1000, Math.max(1, Number(fields.PageSize ?? 50) || 50));
      const found = messages
        .filter((m) => (!fields.To || m.to === fields.To) && (!fields.From || m.from === fields.From))
        .filter((m) => (!after || m.dateCreated >= after) && (!before || m.dateCreated < before))
        .slice()
        .reverse()
        .slice(0, pageSize);
      const uri = `/${API_VERSION}/Accounts/${accountSid}/Messages.json?PageSize=${pageSize}&Page=0`;
      return reply(200, {
        messages: found.map((m) => messageJson(m, accountSid)),
        end: Math.max(0, found.length - 1),
        first_page_uri: uri,
        next_page_uri: null,
        page: 0,
        page_size: pageSize,
        previous_page_uri: null,
        start: 0,
        uri,
      });
    }

    if (instance && instance[2] === 'Messages' && req.method === 'GET') {
      const m = findMessage(instance[3] ?? '');
      return m ? reply(200, messageJson(m, accountSid)) : notFound();
    }
    if (instance && instance[2] === 'Calls' && (req.method === 'GET' || req.method === 'POST')) {
      const c = findCall(instance[3] ?? '');
      if (!c) return notFound();
      if (req.method === 'POST') {
        // Modify a live call: Status=canceled|completed ends it; Url/Twiml redirect it.
        if (fields.Status) applyStatus(c, fields.Status, {});
        if (fields.Url) c.url = fields.Url;
        if (fields.Twiml) c.twiml = fields.Twiml;
        c.dateUpdated = new Date();
      }
      return reply(200, callJson(c, accountSid));
    }
    return notFound();
  }

  function applyStatus(target: TwilioMessageRecord | TwilioCallRecord, status: string, extra: Record<string, string | undefined>): void {
    const now = new Date();
    target.status = status;
    target.dateUpdated = now;
    if (target.sid.startsWith('SM')) {
      const m = target as TwilioMessageRecord;
      if (status === 'failed' || status === 'undelivered') m.errorCode = Number(extra.ErrorCode ?? (status === 'failed' ? 30008 : 30003));
      if (PRICED_MESSAGE.has(status) && m.price === null) m.price = price(MESSAGE_PRICE * m.numSegments);
      return;
    }
    const c = target as TwilioCallRecord;
    if (status === 'in-progress' && !c.startTime) c.startTime = now;
    if (TERMINAL_CALL.has(status)) {
      c.endTime = now;
      c.duration = Number(extra.CallDuration ?? (status === 'completed' ? 30 : 0));
      if (c.price === null) c.price = status === 'completed' ? price(CALL_PRICE_PER_MINUTE * Math.max(1, Math.ceil(c.duration / 60))) : null;
    }
  }

  async function signedRequest(url: string, params: Record<string, string>, opts: SignOptions = {}): Promise<CallbackResponse> {
    const method = opts.method ?? 'POST';
    const withQuery = (u: string): string => (method === 'GET' ? `${u}${u.includes('?') ? '&' : '?'}${new URLSearchParams(params).toString()}` : u);
    const target = withQuery(url);
    // Twilio signs a GET's full URL (query included) with no POST params.
    const signedUrl = withQuery(opts.signedUrl ?? url);
    const headers: Record<string, string> = { 'User-Agent': 'TwilioProxy/1.1', 'I-Twilio-Idempotency-Token': randomBytes(16).toString('hex'), ...opts.headers };
    if (opts.sign !== false) {
      headers['X-Twilio-Signature'] = twilio.getExpectedTwilioSignature(opts.signWith ?? authToken, signedUrl, method === 'GET' ? {} : params);
    }
    let body: string | null = null;
    if (method === 'POST') {
      headers['Content-Type'] = 'application/x-www-form-urlencoded; charset=utf-8';
      body = new URLSearchParams(params).toString();
    }
    const res = await send(target, method, headers, body);
    return { ...res, sent: params };
  }

  function voiceFields(callSid: string, status: string): Record<string, string> {
    const c = findCall(callSid);
    const from = c?.from ?? '+15005550006';
    const to = c?.to ?? '+15005550001';
    return {
      AccountSid: accountSid,
      ApiVersion: API_VERSION,
      CallSid: callSid,
      CallStatus: status,
      Called: to,
      CalledCountry: 'US',
      Caller: from,
      CallerCountry: 'US',
      Direction: 'outbound-api',
      From: from,
      FromCountry: 'US',
      To: to,
      ToCountry: 'US',
    };
  }

  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });

  return {
    baseUrl: `http://127.0.0.1:${port}`,
    port,
    accountSid,
    authToken,
    messages,
    calls,
    requests,
    async waitFor(kind, n, ms = 2000) {
      if (kind === 'messages') await arrived.waitFor(messages, n, ms, kind);
      else await arrived.waitFor(calls, n, ms, kind);
    },
    failNext(n, failure) {
      for (let i = 0; i < n; i++) failures.push(failure);
    },
    setDelay(ms) {
      delayMs = ms;
    },
    setOutage(on) {
      outage = on;
    },
    rejectNumber(to, code) {
      rejected.set(to, code);
    },
    setStatus(s, status, extra = {}) {
      const target = findMessage(s) ?? findCall(s);
      if (!target) throw new Error(`fake Twilio: no message or call ${s}`);
      applyStatus(target, status, extra);
    },
    setPrice(s, p) {
      const target = findMessage(s) ?? findCall(s);
      if (!target) throw new Error(`fake Twilio: no message or call ${s}`);
      target.price = p;
    },
    async sendStatusCallback(s, status, extra = {}, opts = {}) {
      const m = findMessage(s);
      const c = m ? undefined : findCall(s);
      const target = m ?? c;
      if (!target) throw new Error(`fake Twilio: no message or call ${s}`);
      applyStatus(target, status, extra);
      if (!target.statusCallback) throw new Error(`fake Twilio: ${s} was created without a StatusCallback`);
      let fields: Record<string, string | undefined>;
      let method: 'GET' | 'POST' = 'POST';
      if (m) {
        fields = {
          AccountSid: accountSid,
          ApiVersion: API_VERSION,
          From: m.from ?? undefined,
          MessageSid: m.sid,
          MessageStatus: status,
          MessagingServiceSid: m.messagingServiceSid ?? undefined,
          SmsSid: m.sid,
          SmsStatus: status,
          To: m.to,
          ErrorCode: m.errorCode !== null && (status === 'failed' || status === 'undelivered') ? String(m.errorCode) : undefined,
        };
      } else {
        const call = c as TwilioCallRecord;
        method = call.statusCallbackMethod === 'GET' ? 'GET' : 'POST';
        fields = {
          ...voiceFields(call.sid, status),
          CallbackSource: 'call-progress-events',
          SequenceNumber: String(call.sequence++),
          Timestamp: rfc2822(new Date()),
          CallDuration: TERMINAL_CALL.has(status) ? String(call.duration ?? 0) : undefined,
          Duration: TERMINAL_CALL.has(status) ? String(Math.ceil((call.duration ?? 0) / 60)) : undefined,
        };
      }
      const params = clean({ ...fields, ...extra });
      const original = target.statusCallback;
      const deliverTo = options.rewriteCallbackUrl ? options.rewriteCallbackUrl(original) : original;
      return signedRequest(deliverTo, params, { method, signedUrl: original, ...opts });
    },
    async sendInboundSms(webhookUrl, msg, opts = {}) {
      const messageSid = sid('SM');
      const params = clean({
        ToCountry: 'US',
        ToState: 'CA',
        SmsMessageSid: messageSid,
        NumMedia: '0',
        ToCity: 'SAN FRANCISCO',
        FromZip: '94105',
        SmsSid: messageSid,
        FromState: 'CA',
        SmsStatus: 'received',
        FromCity: 'SAN FRANCISCO',
        Body: msg.body,
        FromCountry: 'US',
        To: msg.to,
        MessagingServiceSid: msg.messagingServiceSid,
        ToZip: '94105',
        NumSegments: String(segments(msg.body)),
        MessageSid: messageSid,
        AccountSid: accountSid,
        From: msg.from,
        ApiVersion: API_VERSION,
        ...msg.extra,
      });
      return { ...(await signedRequest(webhookUrl, params, opts)), sid: messageSid };
    },
    async pressDigits(actionUrl, callSid, digits, opts = {}) {
      const params = clean({ ...voiceFields(callSid, 'in-progress'), Digits: digits, FinishedOnKey: '', msg: 'Gather End', ...opts.extra });
      return signedRequest(actionUrl, params, opts);
    },
    async fetchTwiml(url, callSid, opts = {}) {
      const c = findCall(callSid);
      if (c && c.status !== 'in-progress') applyStatus(c, 'in-progress', {});
      const params = clean({ ...voiceFields(callSid, 'in-progress'), ...opts.extra });
      const method = opts.method ?? (c?.method === 'GET' ? 'GET' : 'POST');
      const res = await signedRequest(url, params, { ...opts, method });
      if (res.status < 200 || res.status >= 300) {
        throw Object.assign(new Error(`fake Twilio: TwiML fetch from ${url} answered ${res.status}`), { status: res.status, body: res.body });
      }
      return res.body;
    },
    close() {
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections?.();
      });
    },
  };
}

/** A twilio-node HTTP client that sends every https://api.twilio.com request to `baseUrl` instead. */
export class LoopbackRequestClient extends twilio.RequestClient {
  constructor(private readonly baseUrl: string) {
    super();
  }

  // Return type inferred: Promise<Response<TData>>, as in the base class.
  override request<TData>(opts: RequestClient.RequestOptions<TData>) {
    return super.request({ ...opts, uri: opts.uri.replace(/^https:\/\/api(\.[a-z0-9-]+)*\.twilio\.com/, this.baseUrl) });
  }
}

/** A twilio-node client talking to the fake (credentials default to the fake's). */
export function twilioClientFor(fake: Pick<FakeTwilio, 'baseUrl' | 'accountSid' | 'authToken'>, creds: { accountSid?: string; authToken?: string } = {}): twilio.Twilio {
  return twilio(creds.accountSid ?? fake.accountSid, creds.authToken ?? fake.authToken, {
    accountSid: creds.accountSid ?? fake.accountSid,
    httpClient: new LoopbackRequestClient(fake.baseUrl),
  });
}

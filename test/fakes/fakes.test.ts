/**
 * Proves each provider fake speaks the real protocol: every fake is driven by the provider's
 * real client library (nodemailer, twilio-node, @slack/web-api, standardwebhooks) or, for
 * callbacks into our app, checked with the provider's own verification helpers.
 */
import assert from 'node:assert/strict';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import nodemailer, { type Transporter } from 'nodemailer';
import twilio from 'twilio';
import { WebAPIHTTPError, WebAPIPlatformError, WebAPIRateLimitedError, WebClient } from '@slack/web-api';
import { Webhook } from 'standardwebhooks';
import { startFakeSmtp, type FakeSmtp } from './fake-smtp.ts';
import { startFakeTwilio, twilioClientFor, type FakeTwilio } from './fake-twilio.ts';
import { slackSignature, startFakeSlack, type FakeSlack } from './fake-slack.ts';
import { startFakeTeams, type FakeTeams } from './fake-teams.ts';
import { startWebhookReceiver, type WebhookReceiver } from './fake-webhook-receiver.ts';

/** A stand-in for our app's webhook endpoints: records requests, answers with `reply`. */
interface StubRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  rawBody: string;
}
async function startStub(reply: (r: StubRequest) => { status: number; body: string; contentType?: string }): Promise<{
  base: string;
  requests: StubRequest[];
  close(): Promise<void>;
}> {
  const requests: StubRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r: StubRequest = { method: req.method ?? '', url: req.url ?? '/', headers: req.headers, rawBody: Buffer.concat(chunks).toString('utf8') };
      requests.push(r);
      const out = reply(r);
      res.writeHead(out.status, { 'Content-Type': out.contentType ?? 'text/plain' });
      res.end(out.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Form body → params object as express.urlencoded would give (repeated keys → arrays). */
function formParams(raw: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of new URLSearchParams(raw)) {
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  assert.fail('expected a rejection');
}

describe('fake SMTP with nodemailer', () => {
  let smtp: FakeSmtp;
  before(async () => {
    smtp = await startFakeSmtp();
  });
  after(() => smtp.close());
  const transport = (): Transporter => nodemailer.createTransport({ host: '127.0.0.1', port: smtp.port, secure: false, ignoreTLS: true });

  test('delivers and parses a message', async () => {
    assert.equal(smtp.url, `smtp://127.0.0.1:${smtp.port}`);
    const t = transport();
    const info = await t.sendMail({
      from: 'Vigil <vigil@example.com>',
      to: 'oncall@example.com',
      bcc: 'audit@example.com',
      subject: 'INC-1 triggered',
      text: 'Disk full on db-1',
      html: '<p>Disk full on <b>db-1</b></p>',
      headers: { 'X-Vigil-Incident': 'INC-1' },
    });
    t.close();
    assert.deepEqual(info.accepted, ['oncall@example.com', 'audit@example.com']);
    assert.match(info.response ?? '', /^250 /);
    const [m] = await smtp.waitFor(1);
    assert.ok(m);
    assert.equal(m.from, 'vigil@example.com');
    assert.deepEqual(m.to, ['oncall@example.com', 'audit@example.com']);
    assert.equal(m.headerTo, 'oncall@example.com');
    assert.equal(m.subject, 'INC-1 triggered');
    assert.equal(m.text.trim(), 'Disk full on db-1');
    assert.equal(m.html, '<p>Disk full on <b>db-1</b></p>');
    assert.equal(m.headers['x-vigil-incident'], 'INC-1');
    assert.equal(m.headers['message-id'], info.messageId);
    assert.match(m.raw, /Subject: INC-1 triggered/);
  });

  test('failWith: 451 at RCPT is temporary, 550 at DATA permanent; partial rejection resolves', async () => {
    const t = transport();
    smtp.failWith(451);
    const temp = (await rejection(t.sendMail({ from: 'a@example.com', to: 'b@example.com', subject: 's', text: 't' }))) as { code: string; responseCode: number };
    assert.equal(temp.code, 'EENVELOPE');
    assert.equal(temp.responseCode, 451);
    smtp.failWith(550, 'data');
    const perm = (await rejection(t.sendMail({ from: 'a@example.com', to: 'b@example.com', subject: 's', text: 't' }))) as { code: string; responseCode: number; command: string };
    assert.equal(perm.responseCode, 550);
    assert.equal(perm.command, 'DATA');
    smtp.failWith(null);
    smtp.rejectRecipient('gone@example.com', 550);
    const info = await t.sendMail({ from: 'a@example.com', to: ['gone@example.com', 'ok@example.com'], subject: 's', text: 't' });
    assert.deepEqual(info.rejected, ['gone@example.com']);
    assert.deepEqual(info.accepted, ['ok@example.com']);
    t.close();
  });

  test('auth option checks credentials', async () => {
    const authed = await startFakeSmtp({ auth: { user: 'u', pass: 'p' } });
    try {
      const ok = nodemailer.createTransport({ host: '127.0.0.1', port: authed.port, secure: false, ignoreTLS: true, auth: { user: 'u', pass: 'p' } });
      await ok.sendMail({ from: 'a@example.com', to: 'b@example.com', subject: 's', text: 't' });
      ok.close();
      assert.equal(authed.messages[0]?.user, 'u');
      const bad = nodemailer.createTransport({ host: '127.0.0.1', port: authed.port, secure: false, ignoreTLS: true, auth: { user: 'u', pass: 'x' } });
      const err = (await rejection(bad.sendMail({ from: 'a@example.com', to: 'b@example.com', subject: 's', text: 't' }))) as { code: string; responseCode: number };
      bad.close();
      assert.equal(err.code, 'EAUTH');
      assert.equal(err.responseCode, 535);
    } finally {
      await authed.close();
    }
  });
});

describe('fake Twilio with twilio-node', () => {
  const accountSid = `AC${randomBytes(16).toString('hex')}`;
  const authToken = randomBytes(16).toString('hex');
  let fake: FakeTwilio;
  let app: Awaited<ReturnType<typeof startStub>>;
  /** What our app would do: validate X-Twilio-Signature over its URL and params. */
  const signatureOk = (r: StubRequest): boolean =>
    twilio.validateRequest(authToken, String(r.headers['x-twilio-signature'] ?? ''), `${app.base}${r.url}`, r.method === 'GET' ? {} : formParams(r.rawBody));

  before(async () => {
    fake = await startFakeTwilio({ accountSid, authToken });
    app = await startStub((r) => {
      if (!signatureOk(r)) return { status: 403, body: 'bad signature' };
      if (r.url.startsWith('/twiml')) {
        return { status: 200, contentType: 'text/xml', body: '<?xml version="1.0" encoding="UTF-8"?><Response><Gather numDigits="1" action="/gather"><Say>Press 1</Say></Gather></Response>' };
      }
      if (r.url.startsWith('/sms')) return { status: 200, contentType: 'text/xml', body: '<Response/>' };
      return { status: 204, body: '' };
    });
  });
  after(async () => {
    await fake.close();
    await app.close();
  });

  test('messages.create, status callback, fetch with price', async () => {
    const client = twilioClientFor(fake);
    const msg = await client.messages.create({ to: '+15551230001', from: '+15550000000', body: 'INC-1 triggered', statusCallback: `${app.base}/status?x=1` });
    assert.match(msg.sid, /^SM[0-9a-f]{32}$/);
    assert.equal(msg.status, 'queued');
    assert.equal(msg.price, null);
    assert.equal(msg.direction, 'outbound-api');
    assert.equal(msg.accountSid, accountSid);
    assert.ok(msg.dateCreated instanceof Date && !Number.isNaN(msg.dateCreated.getTime()));
    const rec = fake.messages[0];
    assert.equal(rec?.fields.Body, 'INC-1 triggered');
    assert.equal(rec?.fields.StatusCallback, `${app.base}/status?x=1`);

    const cb = await fake.sendStatusCallback(msg.sid, 'delivered');
    assert.equal(cb.status, 204);
    const sent = formParams(app.requests.at(-1)?.rawBody ?? '');
    assert.equal(sent.MessageSid, msg.sid);
    assert.equal(sent.SmsSid, msg.sid);
    assert.equal(sent.MessageStatus, 'delivered');
    assert.equal(sent.SmsStatus, 'delivered');
    assert.equal(sent.AccountSid, accountSid);
    assert.equal(sent.ApiVersion, '2010-04-01');
    assert.equal(sent.Price, undefined);

    const fetched = await client.messages(msg.sid).fetch();
    assert.equal(fetched.status, 'delivered');
    assert.equal(fetched.price, '-0.00790');
    assert.equal(fetched.priceUnit, 'USD');

    const failed = await client.messages.create({ to: '+15551230002', from: '+15550000000', body: 'x', statusCallback: `${app.base}/status` });
    await fake.sendStatusCallback(failed.sid, 'undelivered', { ErrorCode: '30005' });
    assert.equal(formParams(app.requests.at(-1)?.rawBody ?? '').ErrorCode, '30005');
    assert.equal((await client.messages(failed.sid).fetch()).errorCode, 30005);
  });

  test('calls.create with repeated StatusCallbackEvent; TwiML, Gather and call callbacks', async () => {
    const client = twilioClientFor(fake);
    const call = await client.calls.create({
      to: '+15551230003',
      from: '+15550000000',
      url: `${app.base}/twiml?incident=INC-1`,
      statusCallback: `${app.base}/call-status`,
      statusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'],
      timeout: 30,
    });
    assert.match(call.sid, /^CA[0-9a-f]{32}$/);
    assert.equal(call.sid.length, 34);
    assert.equal(call.status, 'queued');
    assert.equal(call.price, null);
    assert.equal(call.duration, null);
    const rec = fake.calls.find((c) => c.sid === call.sid);
    assert.deepEqual(rec?.fieldsAll.StatusCallbackEvent, ['initiated', 'ringing', 'answered', 'completed']);
    assert.deepEqual(rec?.statusCallbackEvents, ['initiated', 'ringing', 'answered', 'completed']);
    assert.equal(rec?.fields.Timeout, '30');

    const twiml = await fake.fetchTwiml(rec?.url ?? '', call.sid);
    assert.match(twiml, /<Gather numDigits="1"/);
    const press = await fake.pressDigits(`${app.base}/gather`, call.sid, '1');
    assert.equal(press.status, 204);
    const gather = formParams(app.requests.at(-1)?.rawBody ?? '');
    assert.equal(gather.Digits, '1');
    assert.equal(gather.CallSid, call.sid);
    assert.equal(gather.To, '+15551230003');

    const done = await fake.sendStatusCallback(call.sid, 'completed', { CallDuration: '75' });
    assert.equal(done.status, 204);
    assert.equal(done.sent.CallStatus, 'completed');
    assert.equal(done.sent.CallDuration, '75');
    assert.equal(done.sent.CallbackSource, 'call-progress-events');
    const fetched = await client.calls(call.sid).fetch();
    assert.equal(fetched.status, 'completed');
    assert.equal(fetched.duration, '75');
    assert.equal(fetched.price, '-0.02800');
    assert.equal(fetched.priceUnit, 'USD');
  });

  test('unsigned and wrongly signed callbacks are refused by the app; inbound SMS', async () => {
    const client = twilioClientFor(fake);
    const msg = await client.messages.create({ to: '+15551230004', from: '+15550000000', body: 'x', statusCallback: `${app.base}/status` });
    assert.equal((await fake.sendStatusCallback(msg.sid, 'sent', {}, { sign: false })).status, 403);
    assert.equal((await fake.sendStatusCallback(msg.sid, 'sent', {}, { signWith: 'wrong-token' })).status, 403);
    const sms = await fake.sendInboundSms(`${app.base}/sms`, { from: '+15551230004', to: '+15550000000', body: 'ACK 1' });
    assert.equal(sms.status, 200);
    assert.equal(sms.body, '<Response/>');
    assert.equal(sms.sent.Body, 'ACK 1');
    assert.equal(sms.sent.SmsStatus, 'received');
    assert.equal(sms.sent.MessageSid, sms.sid);
    await assert.rejects(fake.fetchTwiml(`${app.base}/twiml`, 'CA00000000000000000000000000000000', { sign: false }), (err: Error & { status?: number }) => err.status === 403);
  });

  test('errors: bad credentials 20003, rejected number 21211, injected 429 and outage', async () => {
    const wrong = twilioClientFor(fake, { authToken: 'nope' });
    const auth = await rejection(wrong.messages.create({ to: '+15551230005', from: '+15550000000', body: 'x' }));
    assert.ok(auth instanceof twilio.RestException);
    assert.equal(auth.status, 401);
    assert.equal(auth.code, 20003);

    const client = twilioClientFor(fake);
    fake.rejectNumber('+15559990000');
    const bad = await rejection(client.messages.create({ to: '+15559990000', from: '+15550000000', body: 'x' }));
    assert.ok(bad instanceof twilio.RestException);
    assert.equal(bad.status, 400);
    assert.equal(bad.code, 21211);
    assert.equal(bad.moreInfo, 'https://www.twilio.com/docs/errors/21211');
    const badCall = await rejection(client.calls.create({ to: '+15559990000', from: '+15550000000', twiml: '<Response/>' }));
    assert.ok(badCall instanceof twilio.RestException);
    assert.equal(badCall.code, 21217);

    fake.failNext(1, { status: 429, code: 20429, message: 'Too Many Requests', retryAfter: 1 });
    const limited = await rejection(client.messages.create({ to: '+15551230005', from: '+15550000000', body: 'x' }));
    assert.ok(limited instanceof twilio.RestException);
    assert.equal(limited.status, 429);
    assert.equal(limited.code, 20429);

    fake.setOutage(true);
    const down = await rejection(client.calls.create({ to: '+15551230005', from: '+15550000000', twiml: '<Response/>' }));
    fake.setOutage(false);
    assert.ok(down instanceof twilio.RestException);
    assert.equal(down.status, 503);
    assert.ok((await client.messages.create({ to: '+15551230005', from: '+15550000000', body: 'x' })).sid);
  });

  test("twilio's own validateRequest accepts the fake's signatures and refuses a wrong token", () => {
    const url = 'https://vigil.example.com/webhooks/twilio/status?tenant=a';
    const params = { MessageSid: 'SM1', MessageStatus: 'delivered', StatusCallbackEvent: ['completed', 'answered'] };
    const sig = twilio.getExpectedTwilioSignature(authToken, url, params);
    assert.equal(twilio.validateRequest(authToken, sig, url, params), true);
    assert.equal(twilio.validateRequest('wrong-token', sig, url, params), false);
    // By hand, per PROVIDERS.md: URL + sorted key/value pairs (arrays sorted), HMAC-SHA1, base64.
    const data = `${url}MessageSidSM1MessageStatusdeliveredStatusCallbackEventansweredStatusCallbackEventcompleted`;
    assert.equal(sig, createHmac('sha1', authToken).update(data).digest('base64'));
  });

  test('callbacks to a public URL are signed over that URL and delivered through rewriteCallbackUrl', async () => {
    const publicBase = 'https://vigil.example.com';
    // This app knows itself by its public URL, as it would behind a proxy.
    const publicApp = await startStub((r) => {
      const ok = twilio.validateRequest(authToken, String(r.headers['x-twilio-signature']), `${publicBase}${r.url}`, formParams(r.rawBody));
      return ok ? { status: 200, body: '' } : { status: 403, body: 'bad signature' };
    });
    const rewired = await startFakeTwilio({ accountSid, authToken, rewriteCallbackUrl: (u) => u.replace(publicBase, publicApp.base) });
    try {
      const client = twilioClientFor(rewired);
      const msg = await client.messages.create({ to: '+15551230006', from: '+15550000000', body: 'x', statusCallback: `${publicBase}/status?t=1` });
      assert.equal((await rewired.sendStatusCallback(msg.sid, 'delivered')).status, 200);
      assert.equal(publicApp.requests[0]?.url, '/status?t=1');
      assert.equal((await rewired.sendStatusCallback(msg.sid, 'delivered', {}, { signWith: 'x' })).status, 403);
    } finally {
      await rewired.close();
      await publicApp.close();
    }
  });
});

describe('fake Slack with @slack/web-api', () => {
  const token = 'xoxb-test-token';
  const signingSecret = 'slack-signing-secret';
  let slack: FakeSlack;
  const client = (t = token): WebClient => new WebClient(t, { slackApiUrl: slack.baseUrl, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true });
  before(async () => {
    slack = await startFakeSlack({ token });
  });
  after(() => slack.close());

  const blocks = [
    { type: 'section', text: { type: 'mrkdwn', text: '*INC-1* Disk full' } },
    {
      type: 'actions',
      block_id: 'incident-actions',
      elements: [{ type: 'button', text: { type: 'plain_text', text: 'Acknowledge' }, action_id: 'ack', value: 'INC-1', style: 'primary' }],
    },
  ];

  test('chat.postMessage (form body with JSON blocks) and chat.update', async () => {
    const res = await client().chat.postMessage({ channel: 'C0INCIDENTS', text: 'INC-1 Disk full', blocks });
    assert.equal(res.ok, true);
    assert.equal(res.channel, 'C0INCIDENTS');
    assert.match(res.ts ?? '', /^\d{10}\.\d{6}$/);
    assert.deepEqual(res.message?.blocks, blocks);
    const [post] = await slack.waitFor(1);
    assert.equal(post?.contentType, 'form');
    assert.equal(typeof post?.fields.blocks, 'string');
    assert.deepEqual(post?.blocks, blocks);
    assert.equal(post?.text, 'INC-1 Disk full');

    const upd = await client().chat.update({ channel: 'C0INCIDENTS', ts: res.ts ?? '', text: 'INC-1 acknowledged' });
    assert.equal(upd.ok, true);
    assert.equal(upd.text, 'INC-1 acknowledged');
    assert.deepEqual(slack.message('C0INCIDENTS', res.ts ?? '')?.blocks, blocks, 'omitting blocks keeps the old ones');
    assert.equal(slack.updates.length, 1);

    const missing = await rejection(client().chat.update({ channel: 'C0INCIDENTS', ts: '1.000000', text: 'x' }));
    assert.ok(missing instanceof WebAPIPlatformError);
    assert.equal(missing.data.error, 'message_not_found');
  });

  test('accepts JSON bodies with a Bearer token', async () => {
    const res = await fetch(`${slack.baseUrl}chat.postMessage`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json; charset=utf-8' },
      body: JSON.stringify({ channel: 'C0JSON', text: 'hi', blocks }),
    });
    const body = (await res.json()) as { ok: boolean; channel: string };
    assert.equal(res.status, 200);
    assert.equal(body.ok, true);
    assert.equal(slack.posts.at(-1)?.contentType, 'json');
    assert.deepEqual(slack.posts.at(-1)?.blocks, blocks);
  });

  test('errors: invalid_auth, injected platform error, 429, outage', async () => {
    const auth = await rejection(client('xoxb-wrong').chat.postMessage({ channel: 'C1', text: 'x' }));
    assert.ok(auth instanceof WebAPIPlatformError);
    assert.equal(auth.data.error, 'invalid_auth');

    slack.failNext(1, { error: 'channel_not_found' });
    const platform = await rejection(client().chat.postMessage({ channel: 'C1', text: 'x' }));
    assert.ok(platform instanceof WebAPIPlatformError);
    assert.equal(platform.code, 'slack_webapi_platform_error');
    assert.equal(platform.data.error, 'channel_not_found');

    slack.rateLimitNext(1, 7);
    const limited = await rejection(client().chat.postMessage({ channel: 'C1', text: 'x' }));
    assert.ok(limited instanceof WebAPIRateLimitedError);
    assert.equal(limited.retryAfter, 7);

    slack.setOutage(true);
    const down = await rejection(client().chat.postMessage({ channel: 'C1', text: 'x' }));
    slack.setOutage(false);
    assert.ok(down instanceof WebAPIHTTPError);
    assert.equal(down.statusCode, 503);
    assert.equal((await client().chat.postMessage({ channel: 'C1', text: 'x' })).ok, true);
  });

  test('clickButton sends a signed block_actions payload', async () => {
    const posted = await client().chat.postMessage({ channel: 'C0INCIDENTS', text: 'INC-2', blocks });
    const verified: boolean[] = [];
    const app = await startStub((r) => {
      const ts = String(r.headers['x-slack-request-timestamp']);
      const expected = Buffer.from(slackSignature(signingSecret, ts, r.rawBody));
      const given = Buffer.from(String(r.headers['x-slack-signature']));
      const fresh = Math.abs(Date.now() / 1000 - Number(ts)) <= 300;
      const ok = fresh && expected.length === given.length && timingSafeEqual(expected, given);
      verified.push(ok);
      return ok ? { status: 200, body: '' } : { status: 401, body: 'bad' };
    });
    try {
      const base = { url: `${app.base}/slack/actions`, signingSecret, actionId: 'ack', value: 'INC-2', userId: 'U0ALICE', channelId: 'C0INCIDENTS', messageTs: posted.ts ?? '' };
      const click = await slack.clickButton(base);
      assert.equal(click.status, 200);
      const raw = app.requests[0]?.rawBody ?? '';
      assert.ok(raw.startsWith('payload='));
      const payload = JSON.parse(new URLSearchParams(raw).get('payload') ?? '{}') as {
        type: string;
        user: { id: string; team_id: string };
        container: { message_ts: string; channel_id: string };
        message: { ts: string; blocks: unknown };
        actions: Array<{ type: string; block_id: string; action_id: string; value: string }>;
        response_url: string;
      };
      assert.equal(payload.type, 'block_actions');
      assert.equal(payload.user.id, 'U0ALICE');
      assert.deepEqual(payload.container, { type: 'message', message_ts: posted.ts, channel_id: 'C0INCIDENTS', is_ephemeral: false });
      assert.deepEqual(payload.message.blocks, blocks);
      assert.deepEqual(payload.actions[0] && { ...payload.actions[0], action_ts: undefined, text: undefined }, {
        type: 'button',
        block_id: 'incident-actions',
        action_id: 'ack',
        value: 'INC-2',
        action_ts: undefined,
        text: undefined,
      });

      const follow = await fetch(payload.response_url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ replace_original: true, text: 'Acked' }) });
      assert.equal(follow.status, 200);
      assert.deepEqual(slack.responses.at(-1)?.body, { replace_original: true, text: 'Acked' });

      assert.equal((await slack.clickButton({ ...base, timestamp: Math.floor(Date.now() / 1000) - 600 })).status, 401);
      assert.equal((await slack.clickButton({ ...base, signature: 'v0=deadbeef' })).status, 401);
      assert.deepEqual(verified, [true, false, false]);
    } finally {
      await app.close();
    }
  });
});

describe('fake Teams Workflows webhook', () => {
  let teams: FakeTeams;
  before(async () => {
    teams = await startFakeTeams();
  });
  after(() => teams.close());
  const card = {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: { type: 'AdaptiveCard', version: '1.4', body: [{ type: 'TextBlock', text: 'INC-1' }], actions: [{ type: 'Action.OpenUrl', title: 'Ack', url: 'https://vigil.example.com/ack/x' }] },
      },
    ],
  };
  const postJson = (url: string, body: unknown): Promise<Response> =>
    fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

  test('accepts an Adaptive Card with 202 and records it', async () => {
    const url = teams.url('wf-1');
    assert.match(url, /\/workflows\/wf-1\/triggers\/manual\/paths\/invoke\?api-version=1&sig=/);
    const res = await postJson(url, card);
    assert.equal(res.status, 202);
    assert.equal(await res.text(), '');
    const [rec] = await teams.waitFor(1);
    assert.equal(rec?.workflowId, 'wf-1');
    assert.equal(rec?.card.type, 'AdaptiveCard');
  });

  test('401 on wrong sig, 400 on a bad body, injected failures and outage', async () => {
    assert.equal((await postJson(teams.url('wf-1').replace(/sig=[^&]+/, 'sig=forged'), card)).status, 401);
    assert.equal((await postJson(teams.url('wf-1').replace(/&sig=[^&]+/, ''), card)).status, 401);
    assert.equal((await postJson(teams.url('wf-1'), { text: 'legacy connector payload' })).status, 400);
    assert.equal((await postJson(teams.url('wf-1'), { attachments: [{ contentType: 'application/json', content: {} }] })).status, 400);
    teams.failNext(1, { status: 429, retryAfter: 3 });
    const limited = await postJson(teams.url('wf-1'), card);
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get('retry-after'), '3');
    teams.setOutage(true);
    assert.equal((await postJson(teams.url('wf-1'), card)).status, 503);
    teams.setOutage(false);
    assert.equal((await postJson(teams.url('wf-1'), card)).status, 202);
    assert.equal(teams.cards.length, 2);
  });
});

describe('webhook receiver with standardwebhooks', () => {
  const secret = `whsec_${randomBytes(32).toString('base64')}`;
  let receiver: WebhookReceiver;
  before(async () => {
    receiver = await startWebhookReceiver({ secret });
  });
  after(() => receiver.close());

  const deliver = (id: string, body: string, signer = new Webhook(secret), timestamp = new Date()): Promise<Response> =>
    fetch(receiver.url('/hook'), {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'webhook-id': id,
        'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
        'webhook-signature': signer.sign(id, timestamp, body),
      },
      body,
    });

  test('verifies signatures, records deliveries and retries', async () => {
    const body = JSON.stringify({ type: 'incident.triggered', data: { id: 'INC-1' } });
    assert.equal((await deliver('msg_1', body)).status, 200);
    const [first] = await receiver.waitFor(1);
    assert.equal(first?.valid, true);
    assert.equal(first?.rawBody, body);
    assert.deepEqual(first?.body, { type: 'incident.triggered', data: { id: 'INC-1' } });
    assert.equal(first?.duplicate, false);

    await deliver('msg_1', body);
    assert.equal(receiver.deliveries[1]?.duplicate, true);

    await deliver('msg_2', body, new Webhook(`whsec_${randomBytes(32).toString('base64')}`));
    assert.equal(receiver.deliveries[2]?.valid, false);
    await deliver('msg_3', body, undefined, new Date(Date.now() - 10 * 60_000));
    assert.equal(receiver.deliveries[3]?.valid, false);
    assert.match(receiver.deliveries[3]?.error ?? '', /too old/);
  });

  test('respondWith, delayNext, setOutage', async () => {
    receiver.respondWith(429, 1, { retryAfter: 5 });
    const limited = await deliver('msg_4', '{}');
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get('retry-after'), '5');
    assert.equal((await deliver('msg_4', '{}')).status, 200);

    receiver.respondWith(410);
    assert.equal((await deliver('msg_5', '{}')).status, 410);
    receiver.respondWith(200);

    receiver.delayNext(300);
    const started = Date.now();
    await assert.rejects(fetch(receiver.url(), { method: 'POST', body: '{}', signal: AbortSignal.timeout(100) }));
    assert.ok(Date.now() - started < 300);
    const t0 = Date.now();
    receiver.delayNext(150);
    assert.equal((await deliver('msg_6', '{}')).status, 200);
    assert.ok(Date.now() - t0 >= 140);

    receiver.setOutage(true);
    assert.equal((await deliver('msg_7', '{}')).status, 503);
    receiver.setOutage(false);
    assert.equal(receiver.deliveries.at(-1)?.status, 503);
  });
});

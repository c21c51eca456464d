// SMS and voice over Twilio, against the loopback fake: what Twilio receives (To, From, Body,
// StatusCallback, TwiML <Gather>), status callbacks with prices, SMS replies (<n>a, <n>c, STOP,
// START), keypresses, refused inbound requests, provider errors and outages, and recovery of
// a send cut short by a crash (found at Twilio, or sent once).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import twilio from 'twilio';
import { startFakeTwilio, type FakeTwilio } from './fakes/fake-twilio.ts';
import { addContact, deliveries, requestMessage, type DeliveryRow } from './support/contacts.ts';
import { startHarness, type Harness } from './support/harness.ts';
import { member, MINUTE, policy, raise, routeAll, rule } from './support/policies.ts';
import { claimDue } from '../src/notifications/sender/claim.ts';
import type { ChannelContext } from '../src/notifications/channels/channel.ts';
import type { Method } from '../src/notifications/model.ts';
import { newId } from '../src/storage/ids.ts';

const PUBLIC = 'http://vigil.test';
const SID = 'AC' + 'notify'.padEnd(32, '7');
const TOKEN = 'twilio-auth-token-notify';
const FROM = '+15550009000';
const PATH = {
  smsStatus: '/api/notifications/twilio/sms-status',
  callStatus: '/api/notifications/twilio/call-status',
  smsInbound: '/api/notifications/twilio/sms-inbound',
  voiceGather: '/api/notifications/twilio/voice-gather',
};

let h: Harness;
let fake: FakeTwilio;
let appUrl: string;

before(async () => {
  fake = await startFakeTwilio({ accountSid: SID, authToken: TOKEN, rewriteCallbackUrl: (u) => u.replace(PUBLIC, appUrl) });
  h = await startHarness({
    notifications: { publicUrl: PUBLIC, providers: { twilio: { accountSid: SID, authToken: TOKEN, fromNumber: FROM, apiBaseUrl: fake.baseUrl } } },
  });
  await h.app.http.listen({ host: '127.0.0.1', port: 0 });
  appUrl = `http://127.0.0.1:${(h.app.http.server.address() as AddressInfo).port}`;
});

after(async () => {
  await h?.close();
  await fake?.close();
});

let counter = 0;
/** A fresh E.164 number per use, so tests never see each other's messages. */
function phone(): string {
  counter += 1;
  return `+1555301${String(counter).padStart(4, '0')}`;
}

/** A project with a member who has an SMS (and voice) contact method, and an incident. */
async function setUp(kinds: readonly ('sms' | 'call')[] = ['sms']) {
  const p = await h.project();
  const ann = await member(h, p, 'Ann');
  const number = phone();
  for (const kind of kinds) await addContact(h, p.projectId, ann.id, kind, number);
  const incidentId = await raise(h, p, 'incident', { title: 'Disk full on db-1' });
  return { p, ann, number, incidentId };
}

async function page(s: { p: { projectId: string }; ann: { id: string }; incidentId: string }, method: Method, title = 'Disk full on db-1'): Promise<void> {
  await requestMessage(h, s.p.projectId, s.ann.id, method, { incidentId: s.incidentId, title });
  await h.runEngine();
}

async function incidentState(id: string): Promise<string> {
  const r = await sql<{ state: string }>`select state from incident where id = ${id}`.execute(h.database.db);
  return r.rows[0]!.state;
}

async function feed(id: string): Promise<{ kind: string; via: string; user_id: string | null }[]> {
  const r = await sql<{ kind: string; via: string; user_id: string | null }>`select kind, via, user_id from activity
    where subject_id = ${id} and kind in ('acknowledged', 'resolved') order by seq`.execute(h.database.db);
  return r.rows;
}

/** The project's delivery rows of one method that were really sent to someone (not the expanded parents). */
async function sent(projectId: string, method: Method): Promise<DeliveryRow[]> {
  return (await deliveries(h, projectId)).filter((d) => d.method === method);
}

async function contacts(projectId: string): Promise<{ kind: string; is_disabled: boolean; disabled_reason: string | null }[]> {
  const r = await sql<{ kind: string; is_disabled: boolean; disabled_reason: string | null }>`select kind, is_disabled, disabled_reason
    from contact_method where project_id = ${projectId} order by kind`.execute(h.database.db);
  return r.rows;
}

function reply(number: string, body: string, opts: Parameters<FakeTwilio['sendInboundSms']>[2] = {}, extra?: Record<string, string | undefined>) {
  return fake.sendInboundSms(`${appUrl}${PATH.smsInbound}`, { from: number, to: FROM, body, ...(extra ? { extra } : {}) }, { signedUrl: `${PUBLIC}${PATH.smsInbound}`, ...opts });
}

/** POSTs form fields to the app as Twilio would, signed over the public URL with `token` (or unsigned). */
async function postSigned(path: string, params: Record<string, string>, token: string | null = TOKEN): Promise<{ status: number; body: string }> {
  const headers: Record<string, string> = { 'Content-Type': 'application/x-www-form-urlencoded' };
  if (token) headers['X-Twilio-Signature'] = twilio.getExpectedTwilioSignature(token, `${PUBLIC}${path}`, params);
  const res = await fetch(`${appUrl}${path}`, { method: 'POST', headers, body: new URLSearchParams(params).toString() });
  return { status: res.status, body: await res.text() };
}

test('an SMS goes to Twilio with To, From, Body and StatusCallback; status callbacks mark it Delivered with its price in cents', async () => {
  const s = await setUp();
  await page(s, 'sms');
  const msgs = fake.messages.filter((m) => m.to === s.number);
  assert.equal(msgs.length, 1);
  const m = msgs[0]!;
  assert.equal(m.from, FROM);
  assert.equal(m.statusCallback, `${PUBLIC}${PATH.smsStatus}`);
  const code = /^Disk full on db-1\nReply (\d+)a to acknowledge, \1c to resolve\.$/.exec(m.body)?.[1];
  assert.ok(code, m.body);

  let [d] = await sent(s.p.projectId, 'sms');
  assert.equal(d!.status, 'Sent', d!.status_message);
  assert.equal(d!.medium, 'SMS');
  assert.equal(d!.provider_message_id, m.sid);
  assert.equal(d!.provider_status, 'queued');
  assert.equal(d!.recipient, s.number);
  assert.equal(d!.from_address, FROM);
  assert.equal(d!.reply_code, Number(code));

  // "sent" only updates Twilio's word; "delivered" delivers and prices it (-0.00790 USD → 0.79 cents).
  assert.equal((await fake.sendStatusCallback(m.sid, 'sent')).status, 200);
  [d] = await sent(s.p.projectId, 'sms');
  assert.deepEqual([d!.status, d!.provider_status], ['Sent', 'sent']);
  const cb = await fake.sendStatusCallback(m.sid, 'delivered');
  assert.equal(cb.status, 200, cb.body);
  assert.match(String(cb.headers['content-type']), /text\/xml/);
  [d] = await sent(s.p.projectId, 'sms');
  assert.deepEqual([d!.status, d!.provider_status, Number(d!.cost_usd_cents)], ['Delivered', 'delivered', 0.79]);
  assert.ok(d!.delivered_at);
  assert.ok(fake.requests.some((r) => r.method === 'GET' && r.path.endsWith(`/Messages/${m.sid}.json`)), 'the price is fetched');

  // A late or contrary callback never moves a final status back.
  assert.equal((await fake.sendStatusCallback(m.sid, 'sent')).status, 200);
  assert.equal((await fake.sendStatusCallback(m.sid, 'undelivered', { ErrorCode: '30003' })).status, 200);
  [d] = await sent(s.p.projectId, 'sms');
  assert.deepEqual([d!.status, d!.provider_status], ['Delivered', 'delivered']);
});

test('an undelivered SMS is Failed with Twilio\'s error code', async () => {
  const s = await setUp();
  await page(s, 'sms');
  const m = fake.messages.find((x) => x.to === s.number)!;
  assert.equal((await fake.sendStatusCallback(m.sid, 'undelivered', { ErrorCode: '30005' })).status, 200);
  const [d] = await sent(s.p.projectId, 'sms');
  assert.equal(d!.status, 'Failed');
  assert.equal(d!.failed_reason, 'PROVIDER_ERROR');
  assert.match(d!.status_message, /undelivered.*30005/);
});

test('an SMS reply "<n>a" acknowledges the incident via sms and stops its run; "<n>c" resolves it', async () => {
  const p = await h.project();
  const ann = await member(h, p, 'Ann');
  const number = phone();
  await addContact(h, p.projectId, ann.id, 'sms', number);
  const policyId = await policy(h, p, { name: 'Databases' });
  await rule(h, p, policyId, { order: 1, escalateAfterInMinutes: 5, users: [ann.id], notificationMethods: [{ method: 'sms', afterMinutes: 0 }] });
  await routeAll(h, p, 'incident', [policyId]);
  const incidentId = await raise(h, p, 'incident', { title: 'Checkout is down' });
  await h.runEngine();
  const m = fake.messages.filter((x) => x.to === number);
  assert.equal(m.length, 1);
  const code = /Reply (\d+)a/.exec(m[0]!.body)![1]!;

  const ack = await reply(number, ` ${code}A `);
  assert.equal(ack.status, 200, ack.body);
  assert.match(String(ack.headers['content-type']), /text\/xml/);
  assert.match(ack.body, /<Response><Message>Acknowledged: .*Checkout is down<\/Message><\/Response>/);
  assert.equal(await incidentState(incidentId), 'Acknowledged');
  assert.deepEqual(await feed(incidentId), [{ kind: 'acknowledged', via: 'sms', user_id: ann.id }]);
  await h.runEngine();
  const run = await sql<{ status: string; acknowledged_by_user_id: string }>`select status, acknowledged_by_user_id from on_call_policy_execution
    where triggered_by_incident_id = ${incidentId}`.execute(h.database.db);
  assert.deepEqual(run.rows.map((r) => [r.status, r.acknowledged_by_user_id]), [['Execution Completed', ann.id]]);
  const [d] = await sent(p.projectId, 'sms');
  assert.ok(d!.acknowledged_at);
  // Nothing more goes out.
  await h.advance(30 * MINUTE);
  assert.equal(fake.messages.filter((x) => x.to === number).length, 1);

  const close = await reply(number, `${code}close`);
  assert.equal(close.status, 200, close.body);
  assert.match(close.body, /<Message>Resolved: .*Checkout is down<\/Message>/);
  assert.equal(await incidentState(incidentId), 'Resolved');
  assert.deepEqual((await feed(incidentId)).map((f) => [f.kind, f.via]), [['acknowledged', 'sms'], ['resolved', 'sms']]);

  const again = await reply(number, `${code}a`);
  assert.equal(again.status, 200);
  assert.match(again.body, /Nothing changed/);
  assert.equal(await incidentState(incidentId), 'Resolved');
});

test('STOP switches the number off for SMS and voice: the next pages are Ignored USER_UNSUBSCRIBED; START switches it on again', async () => {
  const s = await setUp(['sms', 'call']);
  const stop = await reply(s.number, 'Stop');
  assert.equal(stop.status, 200, stop.body);
  assert.deepEqual(await contacts(s.p.projectId), [
    { kind: 'call', is_disabled: true, disabled_reason: 'replied STOP' },
    { kind: 'sms', is_disabled: true, disabled_reason: 'replied STOP' },
  ]);
  await page(s, 'sms');
  await page(s, 'call', 'Disk full on db-2');
  assert.equal(fake.messages.filter((m) => m.to === s.number).length, 0);
  assert.equal(fake.calls.filter((c) => c.to === s.number).length, 0);
  const ignored = (await deliveries(h, s.p.projectId)).filter((d) => d.recipient === s.number);
  assert.deepEqual(ignored.map((d) => [d.method, d.status, d.ignored_reason]).sort(), [
    ['call', 'Ignored', 'USER_UNSUBSCRIBED'],
    ['sms', 'Ignored', 'USER_UNSUBSCRIBED'],
  ]);

  const start = await reply(s.number, 'START');
  assert.equal(start.status, 200, start.body);
  assert.match(start.body, /on again/);
  assert.deepEqual((await contacts(s.p.projectId)).map((c) => [c.kind, c.is_disabled, c.disabled_reason]), [
    ['call', false, null],
    ['sms', false, null],
  ]);
  await page(s, 'sms', 'Disk full on db-3');
  assert.equal(fake.messages.filter((m) => m.to === s.number).length, 1);
});

test('START does not switch on a contact method its owner turned off for another reason', async () => {
  const s = await setUp(['sms']);
  await sql`update contact_method set is_disabled = true, disabled_reason = 'on holiday' where project_id = ${s.p.projectId}`.execute(h.database.db);
  assert.equal((await reply(s.number, 'unstop')).status, 200);
  assert.deepEqual((await contacts(s.p.projectId)).map((c) => [c.is_disabled, c.disabled_reason]), [[true, 'on holiday']]);
});

test('a voice call carries a TwiML <Gather>; pressing 1 acknowledges via call; the completed callback delivers and prices it', async () => {
  const s = await setUp(['call']);
  await page(s, 'call');
  const calls = fake.calls.filter((c) => c.to === s.number);
  assert.equal(calls.length, 1);
  const c = calls[0]!;
  const [d] = await sent(s.p.projectId, 'call');
  assert.equal(d!.status, 'Sent', d!.status_message);
  assert.equal(d!.medium, 'VOICE');
  assert.equal(d!.provider_message_id, c.sid);
  const action = `${PUBLIC}${PATH.voiceGather}?d=${d!.id}`;
  assert.equal(c.from, FROM);
  assert.equal(c.url, null);
  assert.equal(
    c.twiml,
    '<?xml version="1.0" encoding="UTF-8"?><Response>' +
      `<Gather input="dtmf" numDigits="1" action="${action}" method="POST" timeout="10">` +
      '<Say>This is Vigil. Disk full on db-1. Press 1 to acknowledge, press 2 to resolve.</Say></Gather>' +
      '<Say>No input received. Goodbye.</Say></Response>',
  );
  assert.equal(c.statusCallback, `${PUBLIC}${PATH.callStatus}`);
  assert.deepEqual(c.statusCallbackEvents, ['completed']);

  const toApp = action.replace(PUBLIC, appUrl);
  const wrongKey = await fake.pressDigits(toApp, c.sid, '9', { signedUrl: action });
  assert.equal(wrongKey.status, 200, wrongKey.body);
  assert.match(wrongKey.body, /<Gather[^>]*><Say>Not understood\. Press 1 to acknowledge, press 2 to resolve\.<\/Say><\/Gather>/);
  assert.equal(await incidentState(s.incidentId), 'Created');

  const one = await fake.pressDigits(toApp, c.sid, '1', { signedUrl: action });
  assert.equal(one.status, 200, one.body);
  assert.match(one.body, /<Response><Say>Acknowledged\. Goodbye\.<\/Say><\/Response>/);
  assert.equal(await incidentState(s.incidentId), 'Acknowledged');
  assert.deepEqual(await feed(s.incidentId), [{ kind: 'acknowledged', via: 'call', user_id: s.ann.id }]);
  // The same keypress replayed is refused.
  assert.equal((await fake.pressDigits(toApp, c.sid, '1', { signedUrl: action })).status, 409);

  const cb = await fake.sendStatusCallback(c.sid, 'completed', { CallDuration: '42' });
  assert.equal(cb.status, 200, cb.body);
  const [after] = await sent(s.p.projectId, 'call');
  assert.deepEqual([after!.status, after!.provider_status, Number(after!.cost_usd_cents)], ['Delivered', 'completed', 1.4]);
  assert.match(after!.status_message, /^Success/);

  // A second call, unanswered: Failed with the status as the reason.
  await page(s, 'call', 'Disk full on db-9');
  const second = fake.calls.filter((x) => x.to === s.number)[1]!;
  assert.equal((await fake.sendStatusCallback(second.sid, 'no-answer')).status, 200);
  const failed = (await sent(s.p.projectId, 'call')).find((x) => x.provider_message_id === second.sid)!;
  assert.equal(failed.status, 'Failed');
  assert.match(failed.status_message, /no-answer/);

  // Pressing 2 on it resolves the incident.
  const action2 = `${PUBLIC}${PATH.voiceGather}?d=${failed.id}`;
  const two = await fake.pressDigits(action2.replace(PUBLIC, appUrl), second.sid, '2', { signedUrl: action2 });
  assert.match(two.body, /Resolved\. Goodbye\./);
  assert.equal(await incidentState(s.incidentId), 'Resolved');
});

test('unsigned, wrongly signed, replayed, unknown, malformed and huge inbound requests are refused or answered with nothing changed', async () => {
  const s = await setUp(['sms', 'call']);
  await page(s, 'sms');
  await page(s, 'call', 'Disk full on db-2');
  const m = fake.messages.find((x) => x.to === s.number)!;
  const c = fake.calls.find((x) => x.to === s.number)!;
  const code = /Reply (\d+)a/.exec(m.body)![1]!;
  const before = { rows: await deliveries(h, s.p.projectId), contacts: await contacts(s.p.projectId) };
  const other = code === '7' ? '8' : '7';

  // Inbound SMS.
  assert.equal((await reply(s.number, `${code}a`, { sign: false })).status, 400);
  assert.equal((await reply(s.number, `${code}a`, { signWith: 'not-the-token' })).status, 403);
  assert.equal((await reply(s.number, 'STOP', { signedUrl: `${PUBLIC}/somewhere-else` })).status, 403);
  const unknown = await reply(s.number, `${other}9a`);
  assert.equal(unknown.status, 200);
  assert.match(unknown.body, new RegExp(`Unknown reply code ${other}9; nothing changed`));
  const gibberish = await reply(s.number, 'what is this?');
  assert.equal(gibberish.status, 200);
  assert.match(gibberish.body, /Not understood; nothing changed/);
  assert.equal((await reply(s.number, 'x'.repeat(100_000))).status, 413);
  assert.equal((await reply(s.number, `${code}a`, {}, { From: undefined })).status, 400);
  const json = await fetch(`${appUrl}${PATH.smsInbound}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Twilio-Signature': 'x' },
    body: JSON.stringify({ From: s.number, Body: `${code}a` }),
  });
  assert.equal(json.status, 415);
  // A reply from another number with this code acts on nothing.
  assert.match((await reply(phone(), `${code}a`)).body, /Unknown reply code|nothing changed/);
  // Replayed: the same MessageSid twice.
  const first = await reply(s.number, 'START', {}, { MessageSid: 'SMreplayed', SmsSid: 'SMreplayed', SmsMessageSid: 'SMreplayed' });
  assert.equal(first.status, 200);
  const replay = await reply(s.number, 'STOP', {}, { MessageSid: 'SMreplayed', SmsSid: 'SMreplayed', SmsMessageSid: 'SMreplayed' });
  assert.equal(replay.status, 409);

  // Status callbacks.
  assert.equal((await fake.sendStatusCallback(m.sid, 'delivered', {}, { sign: false })).status, 400);
  assert.equal((await fake.sendStatusCallback(m.sid, 'delivered', {}, { signWith: 'not-the-token' })).status, 403);
  assert.equal((await fake.sendStatusCallback(c.sid, 'completed', {}, { signWith: 'not-the-token' })).status, 403);
  const unknownSid = await postSigned(PATH.smsStatus, { MessageSid: 'SM' + '0'.repeat(32), MessageStatus: 'delivered', AccountSid: SID });
  assert.equal(unknownSid.status, 200, unknownSid.body);
  assert.equal((await postSigned(PATH.callStatus, { CallSid: 'CA' + '0'.repeat(32), CallStatus: 'completed' })).status, 200);
  assert.equal((await postSigned(PATH.smsStatus, { MessageStatus: 'delivered' })).status, 400);
  assert.equal((await postSigned(PATH.smsStatus, { MessageSid: m.sid, MessageStatus: 'delivered' }, 'wrong')).status, 403);

  // Keypresses.
  const [call] = await sent(s.p.projectId, 'call');
  const action = `${PUBLIC}${PATH.voiceGather}?d=${call!.id}`;
  const toApp = action.replace(PUBLIC, appUrl);
  assert.equal((await fake.pressDigits(toApp, c.sid, '1', { signedUrl: action, sign: false })).status, 400);
  assert.equal((await fake.pressDigits(toApp, c.sid, '1', { signedUrl: action, signWith: 'not-the-token' })).status, 403);
  assert.equal((await fake.pressDigits(toApp, 'CA' + '1'.repeat(32), '1', { signedUrl: action })).status, 403);
  const ghost = `${PUBLIC}${PATH.voiceGather}?d=0190f0f0-0000-7000-8000-000000000000`;
  assert.equal((await fake.pressDigits(ghost.replace(PUBLIC, appUrl), c.sid, '1', { signedUrl: ghost })).status, 404);
  const bad = `${PUBLIC}${PATH.voiceGather}?d=not-a-uuid`;
  const badRes = await fake.pressDigits(bad.replace(PUBLIC, appUrl), c.sid, '1', { signedUrl: bad });
  assert.equal(badRes.status, 400);
  assert.match(badRes.body, /d: must be a UUID/);

  // Nothing changed.
  assert.equal(await incidentState(s.incidentId), 'Created');
  assert.deepEqual(await feed(s.incidentId), []);
  assert.deepEqual(await contacts(s.p.projectId), before.contacts);
  assert.deepEqual(
    (await deliveries(h, s.p.projectId)).map((d) => [d.id, d.status, d.provider_status, d.cost_usd_cents, d.acknowledged_at]),
    before.rows.map((d) => [d.id, d.status, d.provider_status, d.cost_usd_cents, d.acknowledged_at]),
  );
});

test('an invalid number (21211) fails at once; wrong credentials (20003) fail as not configured', async () => {
  const s = await setUp();
  fake.rejectNumber(s.number);
  await page(s, 'sms');
  let [d] = await sent(s.p.projectId, 'sms');
  assert.equal(d!.status, 'Failed');
  assert.equal(d!.failed_reason, 'CLIENT_ERROR');
  assert.match(d!.status_message, /21211/);
  assert.deepEqual(d!.attempt_list.map((a: { status: string }) => a.status), ['PermanentFailure']);
  await h.advance(30 * MINUTE);
  assert.equal(fake.requests.filter((r) => r.fields.To === s.number).length, 1, 'never retried');

  const t = await setUp();
  fake.failNext(1, { status: 401, code: 20003, message: 'Authenticate' });
  await page(t, 'sms');
  [d] = await sent(t.p.projectId, 'sms');
  assert.deepEqual([d!.status, d!.failed_reason], ['Failed', 'NOT_CONFIGURED']);
  assert.match(d!.status_message, /20003/);
});

test('a 503 outage is retried and the SMS sent once after recovery; a 429 waits for its Retry-After', async () => {
  const s = await setUp();
  fake.setOutage(true);
  await page(s, 'sms');
  await h.advance(2 * MINUTE);
  assert.equal(fake.messages.filter((m) => m.to === s.number).length, 0);
  let [d] = await sent(s.p.projectId, 'sms');
  assert.equal(d!.status, 'Pending');
  assert.ok(d!.attempt_list.length >= 2, JSON.stringify(d!.attempt_list));
  fake.setOutage(false);
  await h.advance(5 * MINUTE);
  assert.equal(fake.messages.filter((m) => m.to === s.number).length, 1);
  [d] = await sent(s.p.projectId, 'sms');
  assert.equal(d!.status, 'Sent');
  const attempts = d!.attempt_list as { status: string; error: string | null }[];
  assert.deepEqual(attempts.slice(0, -1).map((a) => a.status), attempts.slice(0, -1).map(() => 'TemporaryFailure'));
  assert.match(attempts[0]!.error ?? '', /503/);
  assert.equal(attempts.at(-1)!.status, 'Sent');

  const t = await setUp();
  fake.failNext(1, { status: 429, code: 20429, message: 'Too Many Requests', retryAfter: 600 });
  await page(t, 'sms');
  await h.advance(9 * MINUTE);
  assert.equal(fake.messages.filter((m) => m.to === t.number).length, 0, 'waits for Retry-After');
  await h.advance(2 * MINUTE);
  assert.equal(fake.messages.filter((m) => m.to === t.number).length, 1);
});

test('a long title is cut to fit one 1,600-character SMS with its reply line; a call says the title XML-escaped', async () => {
  const s = await setUp(['sms', 'call']);
  await page(s, 'sms', `Disk full ${'x'.repeat(3000)}`);
  const m = fake.messages.find((x) => x.to === s.number)!;
  assert.ok(m.body.length <= 1600, String(m.body.length));
  assert.match(m.body, /x…\nReply \d+a to acknowledge, \d+c to resolve\.$/);
  await page(s, 'call', 'Disk <full> & "hot"');
  const c = fake.calls.find((x) => x.to === s.number)!;
  assert.match(c.twiml ?? '', /<Say>This is Vigil\. Disk &lt;full&gt; &amp; "hot"\. Press 1/);
});

test('without a Twilio account, SMS and calls fail permanently as not configured', async () => {
  const ctx = { ...(await contextFor((await h.project()).projectId)), providers: { smtp: null, twilio: null, slack: null, webhook: { allowPrivateAddresses: false, allowedHosts: [] } } };
  const message = {
    deliveryId: '0190f0f0-0000-7000-8000-000000000001', projectId: 'p', userId: null, userName: null, userEmail: null, method: 'sms' as const,
    contact: { id: 'c', kind: 'sms' as const, address: '+15553019999', secret: null }, title: 'Hello', body: '', subject: null, severity: null,
    reason: 'test', replyCode: null, attempt: 1, payload: {},
  };
  for (const channel of h.notifications.channels.filter((c) => c.method === 'sms' || c.method === 'call')) {
    await assert.rejects(channel.send({ ...message, method: channel.method }, ctx), (err: Error & { reason?: string }) => {
      assert.equal(err.name, 'PermanentFailure');
      assert.equal(err.reason, 'NOT_CONFIGURED');
      assert.equal(err.message, 'no Twilio account configured');
      return true;
    });
  }
});

test('a project with its own Twilio account sends through it, and only that account\'s signature acts on its messages', async () => {
  const own = await startFakeTwilio({ accountSid: 'AC' + 'own'.padEnd(32, '1'), authToken: 'own-account-token', rewriteCallbackUrl: (u) => u.replace(PUBLIC, appUrl) });
  try {
    const s = await setUp();
    const now = h.clock.now();
    await sql`insert into notification_provider (id, project_id, provider, settings, secret_encrypted, created_at, updated_at)
      values (${newId()}, ${s.p.projectId}, 'twilio',
        ${JSON.stringify({ twilioAccountSID: own.accountSid, twilioPrimaryPhoneNumber: '+15550008000', apiBaseUrl: own.baseUrl })},
        ${h.notifications.box.seal(JSON.stringify({ twilioAuthToken: own.authToken }))}, ${now}, ${now})`.execute(h.database.db);
    await page(s, 'sms');
    assert.equal(fake.messages.filter((m) => m.to === s.number).length, 0);
    const m = own.messages.find((x) => x.to === s.number)!;
    assert.equal(m.from, '+15550008000');
    const code = /Reply (\d+)a/.exec(m.body)![1]!;

    // Signed by the installation's account: not this project's; nothing changes.
    assert.equal((await postSigned(PATH.smsStatus, { MessageSid: m.sid, MessageStatus: 'failed' }, TOKEN)).status, 403);
    const forged = await reply(s.number, `${code}a`);
    assert.match(forged.body, /Unknown reply code/);
    assert.equal(await incidentState(s.incidentId), 'Created');
    assert.equal((await sent(s.p.projectId, 'sms'))[0]!.status, 'Sent');

    // Signed by the project's own account: acts.
    assert.equal((await own.sendStatusCallback(m.sid, 'delivered')).status, 200);
    const [d] = await sent(s.p.projectId, 'sms');
    assert.deepEqual([d!.status, Number(d!.cost_usd_cents)], ['Delivered', 0.79]);
    const ack = await own.sendInboundSms(`${appUrl}${PATH.smsInbound}`, { from: s.number, to: '+15550008000', body: `${code}a` }, { signedUrl: `${PUBLIC}${PATH.smsInbound}` });
    assert.match(ack.body, /Acknowledged/);
    assert.equal(await incidentState(s.incidentId), 'Acknowledged');
  } finally {
    await own.close();
  }
});

/** Claims the due outbox rows the way the sender does, without sending: as if the process stopped right after. */
async function claimWithoutSending() {
  const channels = new Map(h.notifications.channels.map((c) => [c.method, c]));
  return h.database.db.transaction().execute((tx) =>
    claimDue(tx, { channels, box: h.notifications.box, workerId: 'crashed-worker', leaseMs: 30_000 }, h.clock.now(), 50),
  );
}

async function contextFor(projectId: string): Promise<ChannelContext> {
  return {
    providers: await h.notifications.providersFor(projectId),
    clock: h.clock,
    db: h.database.db,
    timeoutMs: 5_000,
    actionUrl: () => null,
    publicUrl: (path) => `${PUBLIC}${path}`,
  };
}

test('crash recovery: an SMS Twilio got before the crash is recorded Sent with its SID, not sent twice; one it never got is sent once', async () => {
  const s = await setUp();
  await requestMessage(h, s.p.projectId, s.ann.id, 'sms', { incidentId: s.incidentId, title: 'Crash before recording' });
  // Claim the request (expanded into its per-contact row in the same pass) and send it, recording nothing.
  const claimed = await claimWithoutSending();
  assert.equal(claimed.sends.length, 1);
  const send = claimed.sends[0]!;
  const outcome = await send.channel.send(send.message, await contextFor(s.p.projectId));
  assert.equal(fake.messages.filter((m) => m.to === s.number).length, 1);
  let [d] = await sent(s.p.projectId, 'sms');
  assert.equal(d!.status, 'Sending');
  // Past the lease, the sender asks Twilio and finds it.
  await h.advance(31_000);
  [d] = await sent(s.p.projectId, 'sms');
  assert.equal(d!.status, 'Sent', d!.status_message);
  assert.equal(d!.provider_message_id, outcome.providerMessageId);
  assert.match(d!.status_message, /found at the provider/);
  await h.advance(30 * MINUTE);
  assert.equal(fake.messages.filter((m) => m.to === s.number).length, 1, 'not sent twice');
  assert.ok(fake.requests.some((r) => r.method === 'GET' && r.path.endsWith('/Messages.json') && r.fields.To === s.number));

  const t = await setUp();
  await requestMessage(h, t.p.projectId, t.ann.id, 'sms', { incidentId: t.incidentId, title: 'Crash before sending' });
  assert.equal((await claimWithoutSending()).sends.length, 1);
  assert.equal(fake.messages.filter((m) => m.to === t.number).length, 0);
  await h.advance(31_000);
  assert.equal(fake.messages.filter((m) => m.to === t.number).length, 1, 'sent once after the crash');
  [d] = await sent(t.p.projectId, 'sms');
  assert.equal(d!.status, 'Sent', d!.status_message);
  assert.equal(d!.provider_message_id, fake.messages.find((m) => m.to === t.number)!.sid);
  await h.advance(30 * MINUTE);
  assert.equal(fake.messages.filter((m) => m.to === t.number).length, 1);
});

test('a retry after Twilio took the message but its answer was lost returns that message instead of texting twice', async () => {
  const s = await setUp();
  await requestMessage(h, s.p.projectId, s.ann.id, 'sms', { incidentId: s.incidentId, title: 'Answer lost' });
  const send = (await claimWithoutSending()).sends[0]!;
  const ctx = await contextFor(s.p.projectId);
  const first = await send.channel.send(send.message, ctx);
  const retry = await send.channel.send({ ...send.message, attempt: 2 }, ctx);
  assert.equal(retry.providerMessageId, first.providerMessageId);
  assert.equal(fake.messages.filter((m) => m.to === s.number).length, 1);
});

test('crash recovery: a call cut short is recorded Unknown and not placed again', async () => {
  const s = await setUp(['call']);
  await requestMessage(h, s.p.projectId, s.ann.id, 'call', { incidentId: s.incidentId, title: 'Crash during a call' });
  const claimed = await claimWithoutSending();
  await claimed.sends[0]!.channel.send(claimed.sends[0]!.message, await contextFor(s.p.projectId));
  await h.advance(31_000);
  const [d] = await sent(s.p.projectId, 'call');
  assert.equal(d!.status, 'Unknown', d!.status_message);
  await h.advance(30 * MINUTE);
  assert.equal(fake.calls.filter((c) => c.to === s.number).length, 1);
});

test('replay keys of inbound SMS are forgotten after two days, not kept forever', async () => {
  const s = await setUp();
  await page(s, 'sms');
  const count = async () =>
    Number((await sql<{ n: string }>`select count(*) as n from inbound_replay where key like 'twilio:sms:%'`.execute(h.database.db)).rows[0]!.n);
  assert.equal((await reply(s.number, 'hello')).status, 200);
  const before = await count();
  assert.ok(before >= 1);
  await h.advance(3 * 24 * 60 * 60_000);
  assert.equal((await reply(s.number, 'hello again')).status, 200);
  assert.equal(await count(), 1, 'only the newest key is left');
});

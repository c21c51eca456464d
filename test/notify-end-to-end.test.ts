// End to end on a fake clock against loopback fakes of Twilio, SMTP and Slack: a PagerDuty v2
// trigger pages the primary by SMS, then by voice, then the secondary by email and Slack; the
// primary's SMS reply acknowledges; nothing more is sent; every attempt and its cost is
// recorded. Then a provider outage: every fake fails for 5 minutes of fake time, and after
// recovery every message is delivered exactly once with each failed attempt on record.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import { startFakeSlack, type FakeSlack } from './fakes/fake-slack.ts';
import { startFakeSmtp, type FakeSmtp } from './fakes/fake-smtp.ts';
import { startFakeTwilio, type FakeTwilio } from './fakes/fake-twilio.ts';
import { addContact, deliveries } from './support/contacts.ts';
import { startHarness, type Harness } from './support/harness.ts';
import { create, member, MINUTE, policy, rule } from './support/policies.ts';

const PUBLIC = 'http://vigil.test';
const SID = 'AC' + 'e2e'.padEnd(32, '0');
const TOKEN = 'twilio-auth-token-e2e';
const FROM = '+15550000001';
const SLACK_TOKEN = 'xoxb-e2e';
const SLACK_SECRET = 'slack-signing-secret-e2e';

let h: Harness;
let twilio: FakeTwilio;
let smtp: FakeSmtp;
let slack: FakeSlack;
let appUrl: string;

before(async () => {
  smtp = await startFakeSmtp();
  slack = await startFakeSlack({ token: SLACK_TOKEN });
  twilio = await startFakeTwilio({ accountSid: SID, authToken: TOKEN, rewriteCallbackUrl: (u) => u.replace(PUBLIC, appUrl) });
  h = await startHarness({
    notifications: {
      publicUrl: PUBLIC,
      providers: {
        smtp: { host: '127.0.0.1', port: smtp.port, secure: false, user: null, password: null, fromEmail: 'vigil@example.com', fromName: 'Vigil' },
        twilio: { accountSid: SID, authToken: TOKEN, fromNumber: FROM, apiBaseUrl: twilio.baseUrl },
        slack: { botToken: SLACK_TOKEN, signingSecret: SLACK_SECRET, apiUrl: slack.baseUrl },
      },
    },
  });
  await h.app.http.listen({ host: '127.0.0.1', port: 0 });
  appUrl = `http://127.0.0.1:${(h.app.http.server.address() as AddressInfo).port}`;
});

after(async () => {
  await h?.close();
  await Promise.all([twilio?.close(), smtp?.close(), slack?.close()]);
});

interface Setup {
  readonly projectId: string;
  readonly key: string;
  readonly primary: { id: string; sms: string; call: string };
  readonly secondary: { id: string; email: string; channel: string };
  readonly routingKey: string;
}

let counter = 0;

/** A project whose PagerDuty integration runs a policy: primary by SMS then voice 2 min later; 5 min on, secondary by email and Slack. */
async function setUp(): Promise<Setup> {
  counter += 1;
  const p = await h.project();
  const ann = await member(h, p, 'Ann');
  const bob = await member(h, p, 'Bob');
  const primary = { id: ann.id, sms: `+1555100${String(counter).padStart(4, '0')}`, call: `+1555200${String(counter).padStart(4, '0')}` };
  const secondary = { id: bob.id, email: `bob-${counter}@example.com`, channel: `CBOB${counter}` };
  await addContact(h, p.projectId, ann.id, 'sms', primary.sms);
  await addContact(h, p.projectId, ann.id, 'call', primary.call);
  await addContact(h, p.projectId, bob.id, 'email', secondary.email);
  await addContact(h, p.projectId, bob.id, 'slack', secondary.channel);
  const policyId = await policy(h, p, { name: 'Databases' });
  await rule(h, p, policyId, {
    order: 1,
    escalateAfterInMinutes: 5,
    users: [ann.id],
    notificationMethods: [{ method: 'sms', afterMinutes: 0 }, { method: 'call', afterMinutes: 2 }],
  });
  await rule(h, p, policyId, {
    order: 2,
    users: [bob.id],
    notificationMethods: [{ method: 'email', afterMinutes: 0 }, { method: 'slack', afterMinutes: 0 }],
  });
  const pd = await create(h, p, 'integration', { name: 'Prometheus', integrationType: 'pagerduty-events-v2' });
  await create(h, p, 'integration-on-call-duty-policy', { integrationId: pd._id, onCallDutyPolicyId: policyId });
  return { projectId: p.projectId, key: p.apiKey, primary, secondary, routingKey: pd.routingKey };
}

async function trigger(s: Setup, dedupKey: string): Promise<string> {
  const res = await h.call('POST', '/v2/enqueue', {
    body: { routing_key: s.routingKey, event_action: 'trigger', dedup_key: dedupKey, payload: { summary: `Disk full on db-1 (${dedupKey})`, source: 'db-1', severity: 'critical' } },
  });
  assert.equal(res.status, 202, JSON.stringify(res.body));
  await h.runEngine();
  const r = await sql<{ id: string; state: string }>`select id, state from alert where project_id = ${s.projectId} order by created_at desc limit 1`.execute(h.database.db);
  return r.rows[0]!.id;
}

function sentTo(number: string) {
  return {
    sms: twilio.messages.filter((m) => m.to === number),
    calls: twilio.calls.filter((c) => c.to === number),
  };
}

test('a PagerDuty trigger pages SMS, then voice, then email and Slack; an SMS reply acknowledges; nothing more is sent; attempts and cost recorded', async () => {
  const s = await setUp();
  const alertId = await trigger(s, 'e2e-1');

  // t0: the primary's SMS, with a reply code.
  const sms = sentTo(s.primary.sms).sms;
  assert.equal(sms.length, 1);
  assert.equal(sms[0]!.from, FROM);
  assert.match(sms[0]!.body, /Disk full on db-1/);
  const code = /Reply (\d+)a/.exec(sms[0]!.body)?.[1];
  assert.ok(code, sms[0]!.body);
  assert.equal(sentTo(s.primary.call).calls.length, 0);

  // Twilio reports the SMS delivered: status and price recorded.
  const cb = await twilio.sendStatusCallback(sms[0]!.sid, 'delivered');
  assert.equal(cb.status, 200, cb.body);

  // t0 + 2 min: the voice call.
  await h.advance(2 * MINUTE);
  const calls = sentTo(s.primary.call).calls;
  assert.equal(calls.length, 1);
  assert.match(calls[0]!.twiml ?? '', /<Gather[^>]*numDigits="1"/);
  assert.equal((await twilio.sendStatusCallback(calls[0]!.sid, 'completed', { CallDuration: '42' })).status, 200);

  // t0 + 5 min: the secondary by email and Slack.
  assert.equal(smtp.messages.filter((m) => m.to.includes(s.secondary.email)).length, 0);
  await h.advance(3 * MINUTE);
  await smtp.waitFor(smtp.messages.length > 0 ? 1 : 1);
  const mails = smtp.messages.filter((m) => m.to.includes(s.secondary.email));
  assert.equal(mails.length, 1);
  assert.match(mails[0]!.subject, /Disk full on db-1/);
  const posts = slack.posts.filter((p) => p.channel === s.secondary.channel);
  assert.equal(posts.length, 1);

  // The primary replies "<n>a" by SMS: the alert is acknowledged, the run stops.
  const reply = await twilio.sendInboundSms(`${appUrl}/api/notifications/twilio/sms-inbound`, { from: s.primary.sms, to: FROM, body: `${code}a` }, {
    signedUrl: `${PUBLIC}/api/notifications/twilio/sms-inbound`,
  });
  assert.equal(reply.status, 200, reply.body);
  assert.match(reply.body, /Acknowledged/i);
  await h.runEngine();
  const alert = await sql<{ state: string; acknowledged_by_user_id: string | null }>`select state, acknowledged_by_user_id from alert where id = ${alertId}`.execute(h.database.db);
  assert.equal(alert.rows[0]!.state, 'Acknowledged');
  assert.equal(alert.rows[0]!.acknowledged_by_user_id, s.primary.id);
  const feed = await sql<{ kind: string; via: string; user_id: string | null }>`select kind, via, user_id from activity
    where subject_id = ${alertId} and kind = 'acknowledged'`.execute(h.database.db);
  assert.deepEqual(feed.rows, [{ kind: 'acknowledged', via: 'sms', user_id: s.primary.id }]);
  const run = await sql<{ status: string; acknowledged_by_user_id: string; status_message: string }>`select status, acknowledged_by_user_id, status_message
    from on_call_policy_execution where triggered_by_alert_id = ${alertId}`.execute(h.database.db);
  assert.equal(run.rows[0]!.status, 'Execution Completed');
  assert.equal(run.rows[0]!.acknowledged_by_user_id, s.primary.id);
  assert.match(run.rows[0]!.status_message, /via sms/);

  // Nothing more is sent, however long we wait.
  const before = { sms: twilio.messages.length, calls: twilio.calls.length, mails: smtp.messages.length, posts: slack.posts.length };
  await h.advance(60 * MINUTE);
  assert.deepEqual({ sms: twilio.messages.length, calls: twilio.calls.length, mails: smtp.messages.length, posts: slack.posts.length }, before);

  // Every message is on record with its attempts; Twilio's are priced.
  const rows = await deliveries(h, s.projectId);
  const byMethod = Object.fromEntries(rows.map((d) => [d.method, d]));
  assert.deepEqual(rows.map((d) => d.method).sort(), ['call', 'email', 'slack', 'sms']);
  assert.equal(byMethod.sms.status, 'Delivered');
  assert.equal(byMethod.sms.provider_message_id, sms[0]!.sid);
  assert.ok(Number(byMethod.sms.cost_usd_cents) > 0, `sms cost ${byMethod.sms.cost_usd_cents}`);
  assert.equal(byMethod.call.status, 'Delivered');
  assert.ok(Number(byMethod.call.cost_usd_cents) > 0, `call cost ${byMethod.call.cost_usd_cents}`);
  assert.ok(byMethod.sms.acknowledged_at, 'the acknowledging SMS is marked');
  for (const d of rows) {
    assert.equal(d.alert_id, alertId);
    assert.equal(d.attempt_list.length, 1, JSON.stringify(d.attempt_list));
    assert.equal(d.attempt_list[0].status, 'Sent');
  }

  // The same story over the API: every message with its status and cost, every attempt.
  const listed = await h.call('POST', '/api/notification-delivery/get-list?limit=100', {
    key: s.key,
    body: { query: { alertId }, select: { medium: true, status: true, recipient: true, costInUSDCents: true }, sort: { createdAt: 1 } },
  });
  assert.equal(listed.status, 200, JSON.stringify(listed.body));
  const story = listed.body.data as { medium: string; status: string; recipient: string; costInUSDCents: number | null }[];
  assert.deepEqual(story.map((d) => [d.medium, d.status, d.recipient]).sort(), [
    ['EMAIL', 'Sent', s.secondary.email],
    ['SLACK', 'Sent', s.secondary.channel],
    ['SMS', 'Delivered', s.primary.sms],
    ['VOICE', 'Delivered', s.primary.call],
  ]);
  for (const d of story.filter((x) => x.medium === 'SMS' || x.medium === 'VOICE')) assert.ok(typeof d.costInUSDCents === 'number' && d.costInUSDCents > 0, JSON.stringify(d));
  const attempts = await h.call('POST', '/api/notification-attempt/count', { key: s.key, body: { query: { status: 'Sent' } } });
  assert.equal(attempts.body.count, 4);
  // Deliveries cannot be written over the API.
  assert.equal((await h.call('POST', '/api/notification-delivery', { key: s.key, body: { data: { title: 'x' } } })).status, 405);
});

test('a provider outage of 5 minutes: after recovery every message is delivered exactly once, each failed attempt recorded', async () => {
  const s = await setUp();
  const base = { sms: twilio.messages.length, calls: twilio.calls.length, mails: smtp.messages.length, posts: slack.posts.length };
  twilio.setOutage(true);
  slack.setOutage(true);
  smtp.failWith(421);
  const outageStart = h.clock.now().getTime();
  await trigger(s, 'e2e-outage');
  // Through the outage, escalating as usual: every page fails and is retried.
  await h.advance(5 * MINUTE);
  assert.equal(twilio.messages.length, base.sms);
  assert.equal(slack.posts.length, base.posts);
  assert.equal(smtp.messages.length, base.mails);
  twilio.setOutage(false);
  slack.setOutage(false);
  smtp.failWith(null);
  assert.equal(h.clock.now().getTime() - outageStart, 5 * MINUTE);
  await h.advance(10 * MINUTE);
  assert.equal(sentTo(s.primary.sms).sms.length, 1, 'one SMS');
  assert.equal(sentTo(s.primary.call).calls.length, 1, 'one call');
  assert.equal(smtp.messages.filter((m) => m.to.includes(s.secondary.email)).length, 1, 'one email');
  assert.equal(slack.posts.filter((p) => p.channel === s.secondary.channel).length, 1, 'one Slack message');
  const rows = await deliveries(h, s.projectId);
  assert.deepEqual(rows.map((d) => d.method).sort(), ['call', 'email', 'slack', 'sms']);
  for (const d of rows) {
    assert.equal(d.status, 'Sent', `${d.method}: ${d.status_message}`);
    const attempts = d.attempt_list as { status: string; error: string | null }[];
    assert.ok(attempts.length >= 2, `${d.method} retried: ${JSON.stringify(attempts)}`);
    assert.deepEqual(attempts.slice(0, -1).map((a) => a.status), attempts.slice(0, -1).map(() => 'TemporaryFailure'));
    assert.ok(attempts.slice(0, -1).every((a) => a.error), 'each failure keeps its error');
    assert.equal(attempts.at(-1)!.status, 'Sent');
  }
});

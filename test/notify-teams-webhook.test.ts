// The Microsoft Teams channel (Power Automate Workflows) and outgoing webhooks (Standard
// Webhooks), against loopback fakes that speak the real protocols: the card a channel
// receives and its signed links, retries through outages and Retry-After, permanent
// failures, signatures the official library verifies, 410 switching a webhook off, the
// address guard and a receiver slower than the timeout.
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { createNotifications } from '../src/notifications/services.ts';
import { MAX_TEAMS_MESSAGE_BYTES } from '../src/notifications/channels/teams/adaptive-card.ts';
import { startFakeTeams, type FakeTeams } from './fakes/fake-teams.ts';
import { startWebhookReceiver } from './fakes/fake-webhook-receiver.ts';
import { addContact, deliveries, requestMessage } from './support/contacts.ts';
import { startHarness, type Harness } from './support/harness.ts';
import { raise, type Row } from './support/policies.ts';

const PUBLIC = 'http://vigil.test';
const ACTION_PREFIX = `${PUBLIC}/api/notifications/action/`;
/** The harness's secret key (test/support/harness.ts), for a second sender over the same rows. */
const HARNESS_SECRET_KEY = 'test-secret-key-0123456789abcdef';

const newSecret = (): string => `whsec_${randomBytes(32).toString('base64')}`;

/** Starts a harness whose clock reads the real time, so the receiver's ±5 min timestamp check holds. */
async function harness(webhook?: { allowPrivateAddresses: boolean; allowedHosts: string[] }): Promise<Harness> {
  const h = await startHarness({ notifications: { publicUrl: PUBLIC, ...(webhook ? { providers: { webhook } } : {}) } });
  h.clock.set(new Date());
  return h;
}

async function incidentState(h: Harness, key: string, id: string): Promise<Row> {
  const res = await h.call('GET', `/api/incident/${id}/get-item`, { key });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
}

async function contactRow(h: Harness, id: string): Promise<Row> {
  const r = await sql<Row>`select is_disabled, disabled_reason from contact_method where id = ${id}`.execute(h.database.db);
  return r.rows[0]!;
}

describe('Microsoft Teams through Power Automate Workflows', () => {
  let h: Harness;
  let teams: FakeTeams;
  before(async () => {
    teams = await startFakeTeams();
    h = await harness();
  });
  after(async () => {
    await h?.close();
    await teams?.close();
  });
  const requestsTo = (id: string) => teams.requests.filter((r) => r.workflowId === id);
  const cardsTo = (id: string) => teams.cards.filter((c) => c.workflowId === id);

  test('the channel receives an Adaptive Card with the title, the facts and two signed links', async () => {
    const p = await h.project();
    await addContact(h, p.projectId, p.userId, 'teams', 'Ops on-call channel', { secret: teams.url('card') });
    const incidentId = await raise(h, p, 'incident', { title: 'Disk full on db-1' });
    await requestMessage(h, p.projectId, p.userId, 'teams', {
      incidentId,
      title: 'Disk full on db-1',
      body: 'The disk of db-1 is full.',
      payload: { severity: 'Critical' },
    });
    await h.runEngine();

    const [card] = cardsTo('card');
    assert.ok(card, 'one card reached the channel');
    assert.equal(cardsTo('card').length, 1);
    assert.equal(card.body.type, 'message');
    const attachments = card.body.attachments as Row[];
    assert.equal(attachments.length, 1);
    assert.equal(attachments[0]!.contentType, 'application/vnd.microsoft.card.adaptive');
    assert.equal(attachments[0]!.contentUrl, null);
    assert.equal(card.card.type, 'AdaptiveCard');
    assert.equal(card.card.version, '1.4');
    assert.equal(card.card.$schema, 'http://adaptivecards.io/schemas/adaptive-card.json');
    const [title, facts, text] = card.card.body as Row[];
    assert.deepEqual({ type: title!.type, text: title!.text, weight: title!.weight, wrap: title!.wrap }, { type: 'TextBlock', text: 'Disk full on db-1', weight: 'Bolder', wrap: true });
    assert.equal(facts!.type, 'FactSet');
    assert.deepEqual(facts!.facts, [
      { title: 'Severity', value: 'Critical' },
      { title: 'About', value: 'Incident' },
      { title: 'Reason', value: 'on-call-policy' },
    ]);
    assert.deepEqual({ type: text!.type, text: text!.text, wrap: text!.wrap }, { type: 'TextBlock', text: 'The disk of db-1 is full.', wrap: true });

    const [d] = await deliveries(h, p.projectId);
    assert.equal(d!.status, 'Sent');
    assert.equal(d!.medium, 'MICROSOFT_TEAMS');
    assert.equal(d!.provider_status, '202');
    const actions = card.card.actions as Row[];
    assert.deepEqual(actions.map((a) => [a.type, a.title]), [['Action.OpenUrl', 'Acknowledge'], ['Action.OpenUrl', 'Resolve']]);
    for (const [i, action] of (['acknowledge', 'resolve'] as const).entries()) {
      const url = actions[i]!.url as string;
      assert.ok(url.startsWith(ACTION_PREFIX), url);
      const claim = h.notifications.links.verify(url.slice(ACTION_PREFIX.length));
      assert.ok(!('error' in claim), JSON.stringify(claim));
      assert.equal(claim.deliveryId, d!.id);
      assert.equal(claim.action, action);
    }
    // The Workflows URL carries the `sig` credential: it appears in no row.
    const sig = new URL(teams.url('card')).searchParams.get('sig')!;
    assert.ok(!JSON.stringify(await deliveries(h, p.projectId)).includes(sig));

    // Following the acknowledge link acknowledges the incident (once the action-link routes exist).
    if (h.app.http.hasRoute({ method: 'POST', url: '/api/notifications/action/:token' })) {
      const res = await h.call('POST', (actions[0]!.url as string).slice(PUBLIC.length));
      assert.ok(res.status < 400, JSON.stringify(res.body));
      assert.notEqual((await incidentState(h, p.apiKey, incidentId)).acknowledgedAt, null);
    }
  });

  test('a card without a subject has no buttons; a huge body is cut to fit 28 KB', async () => {
    const p = await h.project();
    await addContact(h, p.projectId, p.userId, 'teams', 'Ops', { secret: teams.url('huge') });
    await requestMessage(h, p.projectId, p.userId, 'teams', { title: 'Nightly report', body: `${'é'.repeat(60_000)}THE END` });
    await h.runEngine();
    const [card] = cardsTo('huge');
    assert.ok(card);
    assert.equal(card.card.actions, undefined, 'no subject, no links');
    const raw = requestsTo('huge')[0]!.rawBody;
    assert.ok(Buffer.byteLength(raw) <= MAX_TEAMS_MESSAGE_BYTES, `${Buffer.byteLength(raw)} bytes`);
    const text = (card.card.body as Row[])[2]!.text as string;
    assert.ok(text.endsWith('…') && text.length > 5_000, 'the body is cut, not dropped');
  });

  test('an outage is retried and the card delivered exactly once; Retry-After is honoured', async () => {
    const p = await h.project();
    await addContact(h, p.projectId, p.userId, 'teams', 'Ops', { secret: teams.url('outage') });
    const incidentId = await raise(h, p, 'incident');
    teams.setOutage(true);
    try {
      await requestMessage(h, p.projectId, p.userId, 'teams', { incidentId });
      await h.runEngine();
      assert.equal((await deliveries(h, p.projectId))[0]!.status, 'Pending');
      await h.advance(60_000);
    } finally {
      teams.setOutage(false);
    }
    const failed = teams.requests.filter((r) => r.status === 503).length;
    assert.ok(failed >= 2, `retried during the outage (${failed} attempts)`);
    await h.advance(10 * 60_000);
    assert.equal(cardsTo('outage').length, 1, 'delivered exactly once');
    const [d] = await deliveries(h, p.projectId);
    assert.equal(d!.status, 'Sent');
    const attempts = d!.attempt_list as Row[];
    assert.deepEqual(attempts.at(-1)!.status, 'Sent');
    assert.ok(attempts.slice(0, -1).every((a) => a.status === 'TemporaryFailure' && /503/.test(a.error)), JSON.stringify(attempts));

    // A 429 with Retry-After: 120 holds the retry back two minutes (the backoff alone would be 5 s).
    teams.failNext(1, { status: 429, retryAfter: 120 });
    await requestMessage(h, p.projectId, p.userId, 'teams', { incidentId, title: 'Second page' });
    await h.runEngine();
    assert.equal(cardsTo('outage').length, 1);
    await h.advance(100_000);
    assert.equal(cardsTo('outage').length, 1, 'not before Retry-After');
    await h.advance(25_000);
    assert.equal(cardsTo('outage').length, 2, 'sent once Retry-After passed');
  });

  test('a wrong sig (401), an unknown workflow (404) and a missing URL fail at once, without retries', async () => {
    const p = await h.project();
    const wrong = teams.url('wrong-sig').replace(/sig=[^&]+/, 'sig=forged');
    const a = await addContact(h, p.projectId, p.userId, 'teams', 'Forged', { secret: wrong });
    const incidentId = await raise(h, p, 'incident');
    const b = await addContact(h, p.projectId, p.userId, 'teams', 'Gone', { secret: `${teams.baseUrl}/workflows-deleted/x?sig=abc` });
    const c = await addContact(h, p.projectId, p.userId, 'teams', 'No URL yet');
    await requestMessage(h, p.projectId, p.userId, 'teams', { incidentId });
    await h.advance(10 * 60_000);

    const rows = await deliveries(h, p.projectId);
    const of = (id: string) => rows.find((r) => r.contact_method_id === id)!;
    assert.deepEqual([of(a).status, of(a).failed_reason], ['Failed', 'CLIENT_ERROR']);
    assert.match(of(a).status_message, /401/);
    assert.ok(!of(a).status_message.includes('forged'), 'the URL is never written out');
    assert.equal(requestsTo('wrong-sig').length, 1, 'not retried');
    assert.deepEqual([of(b).status, of(b).failed_reason], ['Failed', 'CHANNEL_NOT_FOUND']);
    assert.deepEqual([of(c).status, of(c).failed_reason], ['Failed', 'NOT_CONFIGURED']);
    assert.match(of(c).status_message, /no Workflows URL/);
    assert.equal((of(c).attempt_list as Row[]).length, 1);
  });
});

describe('outgoing webhooks (Standard Webhooks)', () => {
  let h: Harness;
  before(async () => {
    h = await harness();
  });
  after(async () => {
    await h?.close();
  });

  test('a signed notification the official library verifies; a 503 is retried under the same webhook-id', async () => {
    const secret = newSecret();
    const rx = await startWebhookReceiver({ secret });
    try {
      const p = await h.project();
      await addContact(h, p.projectId, p.userId, 'webhook', rx.url('/hooks/vigil'), { secret });
      const incidentId = await raise(h, p, 'incident');
      rx.respondWith(503, 1, { retryAfter: 7 });
      await requestMessage(h, p.projectId, p.userId, 'webhook', {
        incidentId,
        title: 'Disk full on db-1',
        body: 'The disk of db-1 is full.',
        payload: { severity: 'Critical', policyName: 'Primary', mediumDetails: { phone: '+15551234567' }, timelineId: randomUUID() },
      });
      await h.runEngine();
      assert.equal(rx.deliveries.length, 1);
      assert.equal(rx.deliveries[0]!.status, 503);
      await h.advance(6_000);
      assert.equal(rx.deliveries.length, 1, 'Retry-After: 7 holds the retry back');
      await h.advance(2_000);
      assert.equal(rx.deliveries.length, 2);

      const [first, second] = rx.deliveries as [(typeof rx.deliveries)[0], (typeof rx.deliveries)[0]];
      const [d] = await deliveries(h, p.projectId);
      assert.ok(first.valid && second.valid, `${first.error} / ${second.error}`);
      assert.equal(first.webhookId, d!.id, 'webhook-id is the delivery id');
      assert.equal(second.webhookId, first.webhookId, 'stable across the retry');
      assert.ok(second.duplicate);
      assert.ok(Number(second.headers['webhook-timestamp']) >= Number(first.headers['webhook-timestamp']) + 7);
      assert.equal(first.method, 'POST');
      assert.equal(first.path, '/hooks/vigil');
      assert.match(String(first.headers['content-type']), /^application\/json/);

      const body = second.body as Row;
      assert.equal(body.type, 'vigil.notification');
      const data = body.data as Row;
      assert.equal(data.deliveryId, d!.id);
      assert.equal(data.title, 'Disk full on db-1');
      assert.equal(data.body, 'The disk of db-1 is full.');
      assert.equal(data.severity, 'Critical');
      assert.equal(data.reason, 'on-call-policy');
      assert.deepEqual(data.subject, { type: 'incident', id: incidentId });
      assert.equal(data.user.id, p.userId);
      assert.equal(typeof data.user.email, 'string');
      assert.equal(data.policyName, 'Primary');
      assert.equal(data.mediumDetails, undefined, 'payload fields that may hold contact details stay in');
      assert.equal(data.timelineId, undefined);
      for (const [field, action] of [['acknowledgeUrl', 'acknowledge'], ['resolveUrl', 'resolve']] as const) {
        const claim = h.notifications.links.verify((data[field] as string).slice(ACTION_PREFIX.length));
        assert.ok(!('error' in claim) && claim.deliveryId === d!.id && claim.action === action, JSON.stringify(claim));
      }
      assert.equal(d!.status, 'Sent');
      assert.equal(d!.medium, 'WEBHOOK');
      assert.deepEqual((d!.attempt_list as Row[]).map((a) => a.status), ['TemporaryFailure', 'Sent']);
      assert.ok(!JSON.stringify(await deliveries(h, p.projectId)).includes(secret.slice(6)), 'the secret appears in no row');
    } finally {
      await rx.close();
    }
  });

  test('410 Gone fails the message and switches the webhook off; later pages are ignored as unsubscribed', async () => {
    const secret = newSecret();
    const rx = await startWebhookReceiver({ secret });
    try {
      const p = await h.project();
      const contactId = await addContact(h, p.projectId, p.userId, 'webhook', rx.url(), { secret });
      rx.respondWith(410, 1);
      await requestMessage(h, p.projectId, p.userId, 'webhook', { title: 'First' });
      await h.advance(10 * 60_000);
      let rows = await deliveries(h, p.projectId);
      assert.deepEqual([rows[0]!.status, rows[0]!.failed_reason], ['Failed', 'CLIENT_ERROR']);
      assert.match(rows[0]!.status_message, /410/);
      assert.deepEqual(await contactRow(h, contactId), { is_disabled: true, disabled_reason: 'endpoint answered 410 Gone' });

      await requestMessage(h, p.projectId, p.userId, 'webhook', { title: 'Second' });
      await h.runEngine();
      rows = await deliveries(h, p.projectId);
      assert.deepEqual([rows[1]!.status, rows[1]!.ignored_reason], ['Ignored', 'USER_UNSUBSCRIBED']);
      assert.equal(rx.deliveries.length, 1, 'nothing more reached the endpoint');
    } finally {
      await rx.close();
    }
  });

  test('redirects are not followed and other 4xx answers fail at once; unusable contacts fail without a request', async () => {
    const secret = newSecret();
    const rx = await startWebhookReceiver({ secret });
    try {
      const p = await h.project();
      const moved = await addContact(h, p.projectId, p.userId, 'webhook', rx.url('/moved'), { secret });
      rx.respondWith(302, 1);
      await requestMessage(h, p.projectId, p.userId, 'webhook', { title: 'Redirected' });
      await h.runEngine();
      rx.respondWith(422, 1);
      await requestMessage(h, p.projectId, p.userId, 'webhook', { title: 'Unprocessable' });
      await h.runEngine();
      await h.advance(10 * 60_000);
      const rows = await deliveries(h, p.projectId);
      assert.deepEqual(rows.map((r) => [r.status, r.failed_reason]), [['Failed', 'CLIENT_ERROR'], ['Failed', 'CLIENT_ERROR']]);
      assert.match(rows[0]!.status_message, /302/);
      assert.match(rows[1]!.status_message, /422/);
      assert.equal(rx.deliveries.length, 2, 'neither was retried');
      assert.equal((await contactRow(h, moved)).is_disabled, false);

      const q = await h.project();
      const noSecret = await addContact(h, q.projectId, q.userId, 'webhook', rx.url());
      const ftp = await addContact(h, q.projectId, q.userId, 'webhook', 'ftp://127.0.0.1/hook', { secret });
      await requestMessage(h, q.projectId, q.userId, 'webhook');
      await h.runEngine();
      const qs = await deliveries(h, q.projectId);
      const of = (id: string) => qs.find((r) => r.contact_method_id === id)!;
      assert.deepEqual([of(noSecret).status, of(noSecret).failed_reason], ['Failed', 'NOT_CONFIGURED']);
      assert.deepEqual([of(ftp).status, of(ftp).failed_reason], ['Failed', 'CLIENT_ERROR']);
      assert.match(of(ftp).status_message, /only http and https/);
      assert.equal(rx.deliveries.length, 2);
    } finally {
      await rx.close();
    }
  });

  test('a receiver slower than the timeout is a temporary failure with the reason, then retried', async () => {
    const secret = newSecret();
    const rx = await startWebhookReceiver({ secret });
    // A second sender over the same rows with a 1 s timeout (the harness's is 15 s).
    const quick = createNotifications({
      db: h.database.db,
      clock: h.clock,
      secretKey: HARNESS_SECRET_KEY,
      publicUrl: PUBLIC,
      defaults: h.notifications.defaults,
      timeoutMs: 1_000,
    });
    try {
      const p = await h.project();
      await addContact(h, p.projectId, p.userId, 'webhook', rx.url(), { secret });
      rx.delayNext(3_000);
      await requestMessage(h, p.projectId, p.userId, 'webhook');
      const run = await quick.sender.runDue();
      assert.equal(run.retried, 1);
      let [d] = await deliveries(h, p.projectId);
      assert.equal(d!.status, 'Pending');
      assert.match(d!.status_message, /answer within 1 s/);
      assert.deepEqual((d!.attempt_list as Row[]).map((a) => a.status), ['TemporaryFailure']);
      assert.match((d!.attempt_list as Row[])[0]!.error, /answer within 1 s/);

      await h.advance(10_000);
      [d] = await deliveries(h, p.projectId);
      assert.equal(d!.status, 'Sent');
      assert.equal(rx.deliveries.length, 2);
      assert.equal(rx.deliveries[1]!.webhookId, rx.deliveries[0]!.webhookId);
    } finally {
      await rx.close();
    }
  });
});

describe('the address guard of outgoing requests', () => {
  test('private addresses are refused unless allowed; a listed host is let through', async () => {
    const secret = newSecret();
    const rx = await startWebhookReceiver({ secret });
    const teams = await startFakeTeams();
    const closed = await harness({ allowPrivateAddresses: false, allowedHosts: [] });
    try {
      const p = await closed.project();
      const ip = await addContact(closed, p.projectId, p.userId, 'webhook', rx.url(), { secret });
      const named = await addContact(closed, p.projectId, p.userId, 'webhook', `http://localhost:${rx.port}/hook`, { secret });
      const metadata = await addContact(closed, p.projectId, p.userId, 'webhook', 'http://169.254.169.254/latest/meta-data/', { secret });
      await addContact(closed, p.projectId, p.userId, 'teams', 'Ops', { secret: teams.url('guarded') });
      await requestMessage(closed, p.projectId, p.userId, 'webhook');
      await requestMessage(closed, p.projectId, p.userId, 'teams');
      await closed.runEngine();
      const rows = await deliveries(closed, p.projectId);
      const of = (id: string) => rows.find((r) => r.contact_method_id === id)!;
      for (const r of rows) assert.deepEqual([r.status, r.failed_reason], ['Failed', 'CLIENT_ERROR'], r.status_message);
      assert.match(of(ip).status_message, /127\.0\.0\.1.*loopback/);
      assert.match(of(named).status_message, /(127\.0\.0\.1|::1) \(localhost resolves to it\)/);
      assert.match(of(metadata).status_message, /169\.254\.169\.254.*link-local/);
      const teamsRow = rows.find((r) => r.method === 'teams')!;
      assert.match(teamsRow.status_message, /Workflows URL is refused.*127\.0\.0\.1/);
      assert.ok(!teamsRow.status_message.includes('sig='));
      assert.equal(rx.deliveries.length, 0, 'nothing reached the receiver');
      assert.equal(teams.requests.length, 0, 'nothing reached Teams');

      // The same installation with 127.0.0.1 listed (a second sender over the same rows).
      const listed = createNotifications({
        db: closed.database.db,
        clock: closed.clock,
        secretKey: HARNESS_SECRET_KEY,
        publicUrl: PUBLIC,
        defaults: { ...closed.notifications.defaults, webhook: { allowPrivateAddresses: false, allowedHosts: ['127.0.0.1'] } },
      });
      const q = await closed.project();
      await addContact(closed, q.projectId, q.userId, 'webhook', rx.url(), { secret });
      await requestMessage(closed, q.projectId, q.userId, 'webhook');
      await listed.sender.runDue();
      const [d] = await deliveries(closed, q.projectId);
      assert.equal(d!.status, 'Sent', d!.status_message);
      assert.equal(rx.deliveries.length, 1);
      assert.ok(rx.deliveries[0]!.valid, rx.deliveries[0]!.error ?? '');
    } finally {
      await closed.close();
      await rx.close();
      await teams.close();
    }
  });
});

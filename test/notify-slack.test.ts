// The Slack channel and its interactivity endpoint, against a loopback fake of Slack's Web API
// that also clicks buttons as Slack does (signed block_actions requests): the message and its
// buttons, a click acknowledging (and resolving) through the one acknowledge path, the message
// updated without buttons, and every malformed, unsigned, stale or replayed click refused with
// nothing changed; Slack's errors mapped to retries or failures.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { slackSignature, startFakeSlack, type ClickButtonOptions, type FakeSlack, type SlackCall } from './fakes/fake-slack.ts';
import { addContact, deliveries, requestMessage, type DeliveryRow } from './support/contacts.ts';
import { startHarness, type Harness } from './support/harness.ts';
import { raise, type Row } from './support/policies.ts';
import type { CreatedProject } from '../src/access/projects.ts';
import { newId } from '../src/storage/ids.ts';

const PUBLIC = 'http://vigil.test';
const TOKEN = 'xoxb-slack-test-token';
const SECRET = 'slack-signing-secret-installation';
const PATH = '/api/notifications/slack/interactivity';

let counter = 0;
const nextChannel = (): string => `CTEST${String(++counter).padStart(5, '0')}`;

/** Waits (on real sockets, never on business time) until `check` holds, for at most `ms`. */
async function until(check: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function incident(h: Harness, id: string): Promise<Row> {
  const r = await sql<Row>`select state, acknowledged_at, acknowledged_by_user_id, resolved_at from incident where id = ${id}`.execute(h.database.db);
  return r.rows[0]!;
}

async function feed(h: Harness, id: string): Promise<Row[]> {
  const r = await sql<Row>`select kind, via, user_id from activity where subject_id = ${id} and kind in ('acknowledged', 'resolved') order by seq`.execute(h.database.db);
  return r.rows;
}

async function replayKeys(h: Harness): Promise<string[]> {
  const r = await sql<{ key: string }>`select key from inbound_replay where key like 'slack:%' order by key`.execute(h.database.db);
  return r.rows.map((row) => row.key);
}

describe('Slack with the installation\'s Slack app', () => {
  let h: Harness;
  let slack: FakeSlack;
  let appUrl: string;

  before(async () => {
    slack = await startFakeSlack({ token: TOKEN });
    h = await startHarness({
      notifications: { publicUrl: PUBLIC, providers: { slack: { botToken: TOKEN, signingSecret: SECRET, apiUrl: slack.baseUrl } } },
    });
    await h.app.http.listen({ host: '127.0.0.1', port: 0 });
    appUrl = `http://127.0.0.1:${(h.app.http.server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await h?.close();
    await slack?.close();
  });

  const nowSeconds = (): number => Math.floor(h.clock.now().getTime() / 1000);
  const postsTo = (channel: string): SlackCall[] => slack.posts.filter((p) => p.channel === channel);
  const updatesOf = (channel: string): SlackCall[] => slack.updates.filter((u) => u.channel === channel);

  /** A project whose owner has a Slack destination, an incident and a page about it, sent. */
  async function paged(opts: { title?: string; body?: string } = {}): Promise<{ p: CreatedProject; channel: string; incidentId: string; post: SlackCall; delivery: DeliveryRow }> {
    const p = await h.project();
    const channel = nextChannel();
    await addContact(h, p.projectId, p.userId, 'slack', channel);
    const incidentId = await raise(h, p, 'incident', { title: opts.title ?? 'Disk full on db-1' });
    await requestMessage(h, p.projectId, p.userId, 'slack', {
      incidentId,
      title: opts.title ?? 'Disk full on db-1',
      body: opts.body ?? 'The disk of db-1 is full.',
      payload: { severity: 'Critical' },
    });
    await h.runEngine();
    const posts = postsTo(channel);
    assert.equal(posts.length, 1, 'one message posted');
    const [delivery] = await deliveries(h, p.projectId);
    return { p, channel, incidentId, post: posts[0]!, delivery: delivery! };
  }

  function click(channel: string, post: SlackCall, value: string, o: Partial<ClickButtonOptions> = {}) {
    return slack.clickButton({
      url: `${appUrl}${PATH}`,
      signingSecret: SECRET,
      actionId: 'vigil_ack',
      value,
      userId: 'UCLICKER1',
      channelId: channel,
      messageTs: post.ts,
      timestamp: nowSeconds(),
      ...o,
    });
  }

  test('a page to a channel posts the title, severity, body and two buttons carrying the delivery id', async () => {
    const { channel, post, delivery } = await paged({ title: 'Disk <full> & db-1' });
    assert.equal(post.contentType, 'form', 'WebClient sends form bodies');
    assert.equal(post.text, 'Disk <full> & db-1');
    const blocks = post.blocks!;
    assert.deepEqual(blocks.map((b) => b.type), ['section', 'section', 'actions']);
    const heading = (blocks[0]!.text as Row).text as string;
    assert.match(heading, /Disk &lt;full&gt; &amp; db-1/, 'mrkdwn control characters escaped');
    assert.match(heading, /Severity: \*Critical\*/);
    assert.equal((blocks[1]!.text as Row).text, 'The disk of db-1 is full.');
    const buttons = blocks[2]!.elements as Row[];
    assert.deepEqual(
      buttons.map((b) => [b.type, b.action_id, b.style, b.value, b.text.text]),
      [
        ['button', 'vigil_ack', 'primary', delivery.id, 'Acknowledge'],
        ['button', 'vigil_resolve', 'danger', delivery.id, 'Resolve'],
      ],
    );
    assert.equal(delivery.status, 'Sent');
    assert.equal(delivery.medium, 'SLACK');
    assert.equal(delivery.recipient, channel);
    assert.equal(delivery.provider_message_id, `${channel}:${post.ts}`);
    assert.equal(delivery.attempt_list.length, 1);
  });

  test('a message without a subject has no buttons', async () => {
    const p = await h.project();
    const channel = nextChannel();
    await addContact(h, p.projectId, p.userId, 'slack', channel);
    await requestMessage(h, p.projectId, p.userId, 'slack', { title: 'Nightly report', body: '' });
    await h.runEngine();
    const [post] = postsTo(channel);
    assert.ok(post);
    assert.deepEqual(post.blocks!.map((b) => b.type), ['section']);
  });

  test('clicking Acknowledge acknowledges the incident via Slack and replaces the buttons; the same click again is refused', async () => {
    const { p, channel, incidentId, post, delivery } = await paged();
    const res = await click(channel, post, delivery.id);
    assert.equal(res.status, 200, res.body);
    assert.equal(res.body, '');

    const row = await incident(h, incidentId);
    assert.equal(row.state, 'Acknowledged');
    assert.equal(row.acknowledged_by_user_id, p.userId, 'the delivery\'s recipient');
    assert.deepEqual(await feed(h, incidentId), [{ kind: 'acknowledged', via: 'slack', user_id: p.userId }]);
    const [d] = await deliveries(h, p.projectId);
    assert.ok(d!.acknowledged_at, 'the delivery is marked acknowledged');

    await until(() => updatesOf(channel).length === 1);
    const [update] = updatesOf(channel);
    assert.equal(update!.ts, post.ts);
    const blocks = update!.blocks!;
    assert.ok(!blocks.some((b) => b.type === 'actions'), 'no buttons left');
    assert.deepEqual(blocks.map((b) => b.type), ['section', 'section', 'context']);
    assert.equal(((blocks[2]!.elements as Row[])[0]!).text, 'Acknowledged by <@UCLICKER1> via Slack');
    assert.deepEqual(slack.message(channel, post.ts)!.blocks, blocks);

    // Replaying the very same request (same signature) is refused; nothing changes.
    const before = await incident(h, incidentId);
    const replay = await fetch(`${appUrl}${PATH}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-slack-request-timestamp': String(nowSeconds()),
        'x-slack-signature': slackSignature(SECRET, nowSeconds(), res.rawBody),
      },
      body: res.rawBody,
    });
    assert.equal(replay.status, 401);
    assert.match(((await replay.json()) as Row).error, /already received/);
    assert.deepEqual(await incident(h, incidentId), before);
    assert.equal((await feed(h, incidentId)).length, 1);
    assert.equal(updatesOf(channel).length, 1);
  });

  test('clicking Resolve resolves; a Slack member who is a Vigil user\'s Slack contact is recorded as the actor', async () => {
    const { p, channel, incidentId, post, delivery } = await paged();
    await addContact(h, p.projectId, p.userId, 'slack', 'UOWNER001');
    const res = await click(channel, post, delivery.id, { actionId: 'vigil_resolve', userId: 'UOWNER001' });
    assert.equal(res.status, 200, res.body);
    const row = await incident(h, incidentId);
    assert.equal(row.state, 'Resolved');
    assert.deepEqual((await feed(h, incidentId)).map((f) => [f.kind, f.via, f.user_id]).at(-1), ['resolved', 'slack', p.userId]);
    await until(() => updatesOf(channel).length === 1);
    const blocks = updatesOf(channel)[0]!.blocks!;
    assert.equal(((blocks.at(-1)!.elements as Row[])[0]!).text, 'Resolved by <@UOWNER001> via Slack');

    // Acknowledging afterwards changes nothing but says so.
    const again = await click(channel, post, delivery.id, { messageBlocks: blocks });
    assert.equal(again.status, 200);
    assert.equal((await incident(h, incidentId)).state, 'Resolved');
    await until(() => updatesOf(channel).length === 2);
    assert.match(((updatesOf(channel)[1]!.blocks!.at(-1)!.elements as Row[])[0]!).text as string, /already acknowledged or resolved/);
  });

  test('stale, future, wrongly signed and header-less clicks are refused with nothing changed', async () => {
    const { incidentId, channel, post, delivery } = await paged();
    const cases: Array<[string, Partial<ClickButtonOptions>, number]> = [
      ['stale by 6 minutes', { timestamp: nowSeconds() - 6 * 60 }, 401],
      ['6 minutes in the future', { timestamp: nowSeconds() + 6 * 60 }, 401],
      ['signed with another secret', { signingSecret: 'not-the-secret' }, 401],
      ['signature garbage', { signature: 'v0=deadbeef' }, 401],
    ];
    for (const [name, o, status] of cases) {
      const res = await click(channel, post, delivery.id, o);
      assert.equal(res.status, status, `${name}: ${res.body}`);
    }
    // 4 minutes old is still fine afterwards — but first the header-less ones.
    const raw = new URLSearchParams({ payload: JSON.stringify({ type: 'block_actions' }) }).toString();
    const noSig = await h.call('POST', PATH, { rawBody: raw, headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': String(nowSeconds()) } });
    assert.equal(noSig.status, 400);
    assert.match(noSig.body.error, /X-Slack-Signature/);
    const noTs = await h.call('POST', PATH, { rawBody: raw, headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-signature': slackSignature(SECRET, nowSeconds(), raw) } });
    assert.equal(noTs.status, 400);
    assert.match(noTs.body.error, /X-Slack-Request-Timestamp/);
    const badTs = await h.call('POST', PATH, {
      rawBody: raw,
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': 'yesterday', 'x-slack-signature': slackSignature(SECRET, 'yesterday', raw) },
    });
    assert.equal(badTs.status, 400);
    const json = await h.call('POST', PATH, {
      body: { payload: {} },
      headers: { 'x-slack-request-timestamp': String(nowSeconds()), 'x-slack-signature': 'v0=00' },
    });
    assert.equal(json.status, 415);

    assert.equal((await incident(h, incidentId)).state, 'Created');
    assert.deepEqual(await feed(h, incidentId), []);
    assert.equal(updatesOf(channel).length, 0);

    const ok = await click(channel, post, delivery.id, { timestamp: nowSeconds() - 4 * 60 });
    assert.equal(ok.status, 200, ok.body);
    assert.equal((await incident(h, incidentId)).state, 'Acknowledged');
    await until(() => updatesOf(channel).length === 1);
  });

  /** Posts `raw` signed with the installation's secret at the clock's time. */
  function signedPost(raw: string) {
    const ts = nowSeconds();
    return h.call('POST', PATH, {
      rawBody: raw,
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': String(ts), 'x-slack-signature': slackSignature(SECRET, ts, raw) },
    });
  }

  test('a validly signed but malformed payload is a 400; a signed click on anything that is not this message\'s delivery is a 200 that changes nothing', async () => {
    const { incidentId, channel, post, delivery } = await paged();
    for (const raw of [
      'payload=%7Bnot%20json',
      'other=1',
      new URLSearchParams({ payload: '[]' }).toString(),
      new URLSearchParams({ payload: JSON.stringify({ type: 'block_actions', actions: 'x' }) }).toString(),
      new URLSearchParams({ payload: JSON.stringify({ type: 'block_actions', user: { id: '<!channel>' }, container: { channel_id: channel, message_ts: post.ts }, actions: [{ action_id: 'vigil_ack', value: delivery.id }] }) }).toString(),
    ]) {
      const res = await signedPost(raw);
      assert.equal(res.status, 400, `${raw}: ${JSON.stringify(res.body)}`);
      assert.match(res.body.error, /^payload/);
    }
    const other = await signedPost(new URLSearchParams({ payload: JSON.stringify({ type: 'view_submission' }) }).toString());
    assert.equal(other.status, 200);

    const p2 = await paged();
    for (const [name, o] of [
      ['not a UUID', { value: 'abc' }],
      ['an unknown delivery', { value: randomUUID() }],
      ['a button Vigil did not make', { actionId: 'other_button' }],
      ['another message\'s delivery', { value: p2.delivery.id }],
    ] as Array<[string, Partial<ClickButtonOptions>]>) {
      const res = await click(channel, post, o.value ?? delivery.id, o);
      assert.equal(res.status, 200, `${name}: ${res.body}`);
    }
    assert.equal((await incident(h, incidentId)).state, 'Created');
    assert.equal((await incident(h, p2.incidentId)).state, 'Created');
    assert.deepEqual(await feed(h, incidentId), []);
    assert.equal(updatesOf(channel).length + updatesOf(p2.channel).length, 0);
  });

  test('a huge body is refused with 413', async () => {
    const raw = `payload=${'x'.repeat(1100 * 1024)}`;
    const res = await signedPost(raw);
    assert.equal(res.status, 413);
    assert.match(res.body.error, /larger than the limit/);
  });

  test('replay keys are pruned once their timestamps are stale', async () => {
    const first = await paged();
    assert.equal((await click(first.channel, first.post, first.delivery.id)).status, 200);
    const keysBefore = await replayKeys(h);
    assert.ok(keysBefore.length >= 1);
    await h.advance(11 * 60_000);
    const second = await paged();
    assert.equal((await click(second.channel, second.post, second.delivery.id)).status, 200);
    await until(() => updatesOf(first.channel).length === 1 && updatesOf(second.channel).length === 1);
    const keysAfter = await replayKeys(h);
    assert.equal(keysAfter.length, 1, 'only the newest click is remembered');
    assert.ok(!keysBefore.includes(keysAfter[0]!));
  });

  test('channel_not_found fails the delivery at once with CHANNEL_NOT_FOUND; invalid_auth with NOT_CONFIGURED', async () => {
    for (const [error, reason] of [['channel_not_found', 'CHANNEL_NOT_FOUND'], ['invalid_auth', 'NOT_CONFIGURED'], ['invalid_blocks', 'CLIENT_ERROR']] as const) {
      const p = await h.project();
      const channel = nextChannel();
      await addContact(h, p.projectId, p.userId, 'slack', channel);
      slack.failNext(1, { error });
      await requestMessage(h, p.projectId, p.userId, 'slack', { title: 'Disk full' });
      await h.runEngine();
      await h.advance(10 * 60_000);
      const [d] = await deliveries(h, p.projectId);
      assert.equal(d!.status, 'Failed', error);
      assert.equal(d!.failed_reason, reason, error);
      assert.equal(d!.attempt_list.length, 1, `${error}: no retry`);
      assert.match(d!.attempt_list[0].error, new RegExp(error));
      assert.equal(postsTo(channel).length, 0);
    }
  });

  test('429 is retried after its Retry-After and delivered once; an outage (503) is retried', async () => {
    const p = await h.project();
    const channel = nextChannel();
    await addContact(h, p.projectId, p.userId, 'slack', channel);
    slack.rateLimitNext(1, 60);
    await requestMessage(h, p.projectId, p.userId, 'slack', { title: 'Disk full' });
    await h.runEngine();
    let [d] = await deliveries(h, p.projectId);
    assert.equal(d!.status, 'Pending');
    assert.match(d!.attempt_list[0].error, /Retry-After: 60/);
    await h.advance(55_000);
    assert.equal(postsTo(channel).length, 0, 'not before Retry-After');
    await h.advance(6_000);
    assert.equal(postsTo(channel).length, 1);
    await h.advance(10 * 60_000);
    assert.equal(postsTo(channel).length, 1, 'delivered once');
    [d] = await deliveries(h, p.projectId);
    assert.equal(d!.status, 'Sent');
    assert.deepEqual(d!.attempt_list.map((a: Row) => a.status), ['TemporaryFailure', 'Sent']);

    const q = await h.project();
    const channel2 = nextChannel();
    await addContact(h, q.projectId, q.userId, 'slack', channel2);
    slack.setOutage(true);
    await requestMessage(h, q.projectId, q.userId, 'slack', { title: 'Disk full' });
    await h.advance(30_000);
    slack.setOutage(false);
    await h.advance(5 * 60_000);
    assert.equal(postsTo(channel2).length, 1);
    const [d2] = await deliveries(h, q.projectId);
    assert.equal(d2!.status, 'Sent');
    assert.ok(d2!.attempt_list.length >= 2);
    assert.match(d2!.attempt_list[0].error, /HTTP 503/);
  });

  test('a project with its own Slack app: its clicks verify with its own signing secret only', async () => {
    const own = { botToken: TOKEN, signingSecret: 'project-own-signing-secret' };
    const { p, channel, incidentId, post, delivery } = await (async () => {
      const p = await h.project();
      const now = h.clock.now();
      await sql`insert into notification_provider (id, project_id, provider, settings, secret_encrypted, created_at, updated_at)
        values (${newId()}, ${p.projectId}, 'slack', ${JSON.stringify({ apiUrl: slack.baseUrl })}, ${h.notifications.box.seal(JSON.stringify(own))}, ${now}, ${now})`.execute(h.database.db);
      const channel = nextChannel();
      await addContact(h, p.projectId, p.userId, 'slack', channel);
      const incidentId = await raise(h, p, 'incident', { title: 'Queue stuck' });
      await requestMessage(h, p.projectId, p.userId, 'slack', { incidentId, title: 'Queue stuck' });
      await h.runEngine();
      const [delivery] = await deliveries(h, p.projectId);
      return { p, channel, incidentId, post: postsTo(channel)[0]!, delivery: delivery! };
    })();
    assert.ok(post);
    // Signed by the installation's app: not this project's workspace, so nothing changes.
    const wrongApp = await click(channel, post, delivery.id);
    assert.equal(wrongApp.status, 200);
    assert.equal((await incident(h, incidentId)).state, 'Created');
    const res = await click(channel, post, delivery.id, { signingSecret: own.signingSecret });
    assert.equal(res.status, 200, res.body);
    assert.equal((await incident(h, incidentId)).state, 'Acknowledged');
    assert.deepEqual(await feed(h, incidentId), [{ kind: 'acknowledged', via: 'slack', user_id: p.userId }]);
    await until(() => updatesOf(channel).length === 1);
  });
});

describe('Slack without a Slack app', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ notifications: { publicUrl: PUBLIC } });
  });
  after(async () => {
    await h?.close();
  });

  test('a Slack message fails at once with NOT_CONFIGURED; clicks cannot verify', async () => {
    const p = await h.project();
    await addContact(h, p.projectId, p.userId, 'slack', 'CNOAPP001');
    await requestMessage(h, p.projectId, p.userId, 'slack', { title: 'Disk full' });
    await h.runEngine();
    const [d] = await deliveries(h, p.projectId);
    assert.equal(d!.status, 'Failed');
    assert.equal(d!.failed_reason, 'NOT_CONFIGURED');
    assert.match(d!.attempt_list[0]?.error ?? d!.status_message, /no Slack app configured/);

    const raw = new URLSearchParams({ payload: JSON.stringify({ type: 'block_actions', actions: [{ action_id: 'vigil_ack', value: d!.id }] }) }).toString();
    const ts = Math.floor(h.clock.now().getTime() / 1000);
    const res = await h.call('POST', PATH, {
      rawBody: raw,
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': String(ts), 'x-slack-signature': slackSignature('anything', ts, raw) },
    });
    assert.equal(res.status, 401);
  });
});

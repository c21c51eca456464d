// The in-app channel and its live feed, over real sockets: a policy run or an SLA level that
// pages a user "in-app" puts the message on the user's open event stream at once (delivery
// Delivered); reconnecting with Last-Event-ID replays only newer ones; one project's key never
// reads another project's feed; the JSON list and mark-read for clients without a stream.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, request, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import Fastify from 'fastify';
import { validatorCompiler } from 'fastify-type-provider-zod';
import { sql } from 'kysely';
import { buildApp, type App } from '../src/app/build-app.ts';
import { registerAuth } from '../src/http/auth.ts';
import { registerErrorHandler } from '../src/http/error-handler.ts';
import { PermanentFailure, type ChannelContext, type OutgoingMessage } from '../src/notifications/channels/channel.ts';
import { inAppChannel } from '../src/notifications/channels/in-app/in-app-channel.ts';
import { startLiveFeed, type LiveFeed } from '../src/notifications/in-app/live-feed.ts';
import { registerInAppRoutes } from '../src/notifications/in-app/routes.ts';
import { createInAppWakeups, type InAppWakeups } from '../src/notifications/in-app/wakeups.ts';
import { newId } from '../src/storage/ids.ts';
import { deliveries, requestMessage } from './support/contacts.ts';
import { startHarness, type Harness } from './support/harness.ts';
import { create, member, policy, raise, routeAll, rule } from './support/policies.ts';
import { openSse, type SseStream } from './support/sse-client.ts';
import type { CreatedProject } from '../src/access/projects.ts';

const PUBLIC = 'http://vigil.test';
const S = 1000;

let h: Harness;
/** The app as the server builds it, with the database's LISTEN: streams wake on NOTIFY. */
let live: App;
let liveUrl: string;
/** The harness's own app, built without LISTEN: its streams poll. */
let pollUrl: string;

before(async () => {
  h = await startHarness({ notifications: { publicUrl: PUBLIC } });
  live = await buildApp({
    db: h.database.db,
    clock: h.clock,
    notifications: h.notifications,
    rateLimit: { enabled: false, max: 1, windowSeconds: 1 },
    ...(h.database.listen ? { listen: h.database.listen } : {}),
  });
  liveUrl = await live.http.listen({ host: '127.0.0.1', port: 0 });
  pollUrl = await h.app.http.listen({ host: '127.0.0.1', port: 0 });
});

after(async () => {
  await live?.http.close();
  await h?.close();
});

const streams: SseStream[] = [];
async function stream(key: string, query = '', headers: Record<string, string> = {}, base = liveUrl): Promise<SseStream> {
  const s = await openSse(`${base}/api/notifications/stream${query}`, { ApiKey: key, ...headers });
  streams.push(s);
  return s;
}
after(() => {
  for (const s of streams) s.close();
});

/** Writes an in-app request for a user and lets the sender deliver it. */
async function page(p: CreatedProject, userId: string, title: string, method = 'in-app'): Promise<void> {
  await requestMessage(h, p.projectId, userId, method, { title, body: `${title}: details` });
  await h.runEngine();
}

async function feedRows(userId: string): Promise<Array<Record<string, unknown>>> {
  const r = await sql<Record<string, unknown>>`select * from in_app_notification where user_id = ${userId} order by seq`.execute(h.database.db);
  return r.rows;
}

test('a policy run paging a user in-app puts the message on their open stream at once; the delivery is Delivered', async () => {
  const p = await h.project();
  const ann = await member(h, p, 'Ann');
  const policyId = await policy(h, p, { name: 'Databases' });
  await rule(h, p, policyId, { users: [ann.id], notificationMethods: [{ method: 'in-app', afterMinutes: 0 }] });
  await routeAll(h, p, 'incident', [policyId]);

  const s = await stream(ann.key);
  assert.equal(s.status, 200);
  assert.match(s.headers.get('content-type') ?? '', /^text\/event-stream/);
  assert.equal(s.headers.get('cache-control'), 'no-cache, no-transform');
  assert.ok(s.headers.get('x-request-id'));

  const incidentId = await raise(h, p, 'incident', { title: 'Database down' });
  await h.advance(0);

  const ev = await s.next();
  assert.equal(ev.event, 'notification');
  assert.match(ev.id ?? '', /^\d+$/);
  assert.deepEqual(Object.keys(ev.data).sort(), ['body', 'createdAt', 'data', 'id', 'title']);
  assert.match(ev.data.title, /Database down/);
  assert.equal(ev.data.createdAt, h.clock.now().toISOString());
  assert.deepEqual(ev.data.data.subject, { type: 'incident', id: incidentId });
  assert.equal(ev.data.data.reason, 'on-call-policy');
  assert.ok(ev.data.data.acknowledgeUrl.startsWith(`${PUBLIC}/`), ev.data.data.acknowledgeUrl);
  assert.ok(ev.data.data.resolveUrl.startsWith(`${PUBLIC}/`));
  assert.notEqual(ev.data.data.acknowledgeUrl, ev.data.data.resolveUrl);

  const [d, ...more] = (await deliveries(h, p.projectId)).filter((x) => x.method === 'in-app');
  assert.equal(more.length, 0);
  assert.equal(d!.status, 'Delivered');
  assert.equal(d!.medium, 'PUSH');
  assert.equal(d!.recipient, `user:${ann.id}`);
  assert.equal(d!.provider_message_id, ev.data.id);
  assert.equal(d!.incident_id, incidentId);
  assert.ok(d!.delivered_at);
  assert.deepEqual(d!.attempt_list.map((a: { status: string }) => a.status), ['Sent']);
  const [row] = await feedRows(ann.id);
  assert.equal(row!.delivery_id, d!.id);
  assert.equal(row!.project_id, p.projectId);
});

test('reconnecting with Last-Event-ID replays only the newer notifications; without a cursor only new ones come', async () => {
  const p = await h.project();
  const ann = await member(h, p, 'Ann');
  const first = await stream(ann.key);
  await page(p, ann.id, 'One');
  const one = await first.next();
  assert.equal(one.data.title, 'One');
  first.close();

  await page(p, ann.id, 'Two');
  await page(p, ann.id, 'Three');
  const again = await stream(ann.key, '', { 'Last-Event-ID': one.id! });
  assert.deepEqual([(await again.next()).data.title, (await again.next()).data.title], ['Two', 'Three']);
  // ?after= does the same for clients that cannot set the header; the header wins over it.
  const byQuery = await stream(ann.key, `?after=${one.id}`);
  assert.equal((await byQuery.next()).data.title, 'Two');
  const both = await stream(ann.key, '?after=0', { 'Last-Event-ID': one.id! });
  assert.equal((await both.next()).data.title, 'Two');

  // No cursor: nothing old is replayed; the first event is the next new one.
  const fresh = await stream(ann.key);
  await page(p, ann.id, 'Four');
  assert.equal((await fresh.next()).data.title, 'Four');
  assert.equal((await again.next()).data.title, 'Four');
  const ids = (await feedRows(ann.id)).map((r) => String(r.seq));
  assert.equal(ids.length, 4);
});

test("the outbox method 'push' reaches the same in-app feed", async () => {
  const p = await h.project();
  const ann = await member(h, p, 'Ann');
  const s = await stream(ann.key);
  await page(p, ann.id, 'Pushed', 'push');
  assert.equal((await s.next()).data.title, 'Pushed');
  const [d] = await deliveries(h, p.projectId);
  assert.equal(d!.method, 'push');
  assert.equal(d!.status, 'Delivered');
  assert.equal(d!.recipient, `user:${ann.id}`);
});

test('a message without a user is never written (Ignored by the sender, MISSING_RECIPIENTS from the channel); a resend writes the feed row once', async () => {
  const p = await h.project();
  // The sender finds no recipient before calling the channel: Ignored, nothing written.
  await requestMessage(h, p.projectId, null, 'in-app', { title: 'Nobody' });
  await h.runEngine();
  const [d] = await deliveries(h, p.projectId);
  assert.equal(d!.status, 'Ignored');
  assert.equal(d!.ignored_reason, 'NO_RECIPIENTS');

  const ann = await member(h, p, 'Ann');
  const ctx: ChannelContext = {
    providers: h.notifications.defaults,
    clock: h.clock,
    db: h.database.db,
    actionUrl: () => null,
    publicUrl: (path) => `${PUBLIC}${path}`,
    timeoutMs: 1000,
  };
  const message: OutgoingMessage = {
    deliveryId: newId(), projectId: p.projectId, userId: ann.id, userName: 'Ann', userEmail: null, method: 'in-app', contact: null,
    title: 'Twice', body: 'Sent twice', subject: null, severity: null, reason: 'test', replyCode: null, attempt: 1, payload: {},
  };
  await assert.rejects(inAppChannel.send({ ...message, userId: null }, ctx), (err: unknown) =>
    err instanceof PermanentFailure && err.reason === 'MISSING_RECIPIENTS' && err.message === 'in-app notifications need a user');
  const a = await inAppChannel.send(message, ctx);
  const b = await inAppChannel.send({ ...message, attempt: 2 }, ctx);
  assert.equal(a.providerMessageId, b.providerMessageId);
  assert.equal((await feedRows(ann.id)).length, 1);
  assert.deepEqual(await inAppChannel.lookup!(message, ctx, h.clock.now()), a);
  assert.equal(await inAppChannel.lookup!({ ...message, deliveryId: newId() }, ctx, h.clock.now()), null);
});

test('an SLA escalation level with MATRIX_APP_NOTIFICATION delivers into the assignee\'s in-app feed', async () => {
  const p = await h.project();
  const ann = await member(h, p, 'Ann');
  const res = await h.call('POST', '/api/escalation-policy', {
    key: p.apiKey,
    body: {
      Name: 'Leaks', Description: 'test', PolicyId: 'default', IncidentTypes: ['*'],
      TargetDurations: { H: { StartThreshold: 300, DueTime: 3600 } },
      EscalationSettings: {
        StartThresholdSettings: {
          L0: { Action: 'NOTIFY', Recipients: [{ Entity: '$assignee', EntityMedium: 'MATRIX_APP_NOTIFICATION', MediumDetails: {}, NotifyForIncidents: [] }], TimeAfter: 0 },
        },
      },
    },
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  await h.runEngine();
  const incidentId = (await create(h, p, 'incident', { title: 'Leak in room 4', priority: 'H', incidentType: 'leak', assigneeUserId: ann.id }))._id;
  const s = await stream(ann.key);

  await h.advance(300 * S);
  const ev = await s.next();
  assert.equal(ev.data.data.reason, 'sla-escalation');
  assert.deepEqual(ev.data.data.subject, { type: 'incident', id: incidentId });
  const [d] = await deliveries(h, p.projectId);
  assert.equal(d!.method, 'in-app');
  assert.equal(d!.status, 'Delivered');
  assert.equal(d!.provider_message_id, ev.data.id);
});

test("one project's key never reads another project's feed, even the same person's (replay and list)", async () => {
  const a = await h.project();
  const b = await h.project();
  const ann = await member(h, a, 'Ann');
  const email = (await sql<{ email: string }>`select email from app_user where id = ${ann.id}`.execute(h.database.db)).rows[0]!.email;
  const annInB = await create(h, b, 'user', { email, name: 'Ann', role: 'Project Member' });
  assert.equal(annInB._id, ann.id);
  const annKeyB = (await create(h, b, 'api-key', { name: 'Ann in B', role: 'Project Member', userId: ann.id })).apiKey;

  const inB = await stream(annKeyB);
  await page(a, ann.id, 'Only in A');
  await page(b, ann.id, 'Only in B');
  // B's stream gets B's message first: A's, written before, never came.
  assert.equal((await inB.next()).data.title, 'Only in B');
  const replayB = await stream(annKeyB, '?after=0');
  assert.equal((await replayB.next()).data.title, 'Only in B');
  const replayA = await stream(ann.key, '?after=0');
  assert.equal((await replayA.next()).data.title, 'Only in A');
  const listB = await h.call('GET', '/api/notifications/in-app', { key: annKeyB });
  assert.deepEqual(listB.body.data.map((n: { title: string }) => n.title), ['Only in B']);

  // Project B's owner asking for a member of A only: 404; for Ann (a member of B too): B's rows only.
  const carl = await member(h, a, 'Carl');
  const other = await stream(b.apiKey, `?userId=${carl.id}`);
  assert.equal(other.status, 404, JSON.stringify(other.body));
  const ownerList = await h.call('GET', `/api/notifications/in-app?userId=${ann.id}`, { key: b.apiKey });
  assert.deepEqual(ownerList.body.data.map((n: { title: string }) => n.title), ['Only in B']);
  // A's notification id is unknown to B.
  const aId = listB.body.data[0].id;
  const aRow = (await h.call('GET', '/api/notifications/in-app', { key: ann.key })).body.data[0];
  assert.notEqual(aRow.id, aId);
  const mark = await h.call('POST', `/api/notifications/in-app/${aRow.id}/read`, { key: b.apiKey });
  assert.equal(mark.status, 404);
  assert.equal((await feedRows(ann.id)).find((r) => r.id === aRow.id)!.read_at, null);
});

test('who may open a stream: the key\'s own user, or an owner/admin naming a member; 4xx for the rest', async () => {
  const p = await h.project();
  const ann = await member(h, p, 'Ann');
  const bob = await member(h, p, 'Bob');
  const viewerNoUser = (await create(h, p, 'api-key', { name: 'viewer', role: 'Viewer' })).apiKey;
  const readAllNoUser = (await create(h, p, 'api-key', { name: 'read all', permissions: ['Read All Project Resources'] })).apiKey;
  const adminNoUser = (await create(h, p, 'api-key', { name: 'admin', role: 'Project Admin' })).apiKey;

  const cases: Array<[string, string, Record<string, string>, number, string]> = [
    ['viewer without a user naming Ann', `?userId=${ann.id}`, { ApiKey: viewerNoUser }, 403, 'Project Owner'],
    ['read-all key naming Ann', `?userId=${ann.id}`, { ApiKey: readAllNoUser }, 403, 'Project Admin'],
    ["Bob naming Ann", `?userId=${ann.id}`, { ApiKey: bob.key }, 403, 'Permission denied'],
    ['a key without a user naming nobody', '', { ApiKey: viewerNoUser }, 400, 'userId'],
    ['a malformed userId', '?userId=not-a-uuid', { ApiKey: p.apiKey }, 400, 'userId'],
    ['an unknown user', `?userId=${newId()}`, { ApiKey: p.apiKey }, 404, 'No user'],
    ['a malformed Last-Event-ID', '', { ApiKey: ann.key, 'Last-Event-ID': 'abc' }, 400, 'last-event-id'],
    ['a negative after', '?after=-1', { ApiKey: ann.key }, 400, 'after'],
    ['a huge after', `?after=${'9'.repeat(40)}`, { ApiKey: ann.key }, 400, 'after'],
    ['no key', '', {}, 401, 'ApiKey'],
    ['a wrong key', '', { ApiKey: 'not-a-key' }, 401, 'ApiKey'],
    ["another project's id header", '', { ApiKey: ann.key, ProjectID: newId() }, 403, 'ProjectID'],
  ];
  for (const [what, query, headers, status, says] of cases) {
    const res = await h.call('GET', `/api/notifications/stream${query}`, { headers });
    assert.equal(res.status, status, `${what}: ${JSON.stringify(res.body)}`);
    assert.ok(String(res.body.error).includes(says), `${what}: ${JSON.stringify(res.body)}`);
  }

  // The owner's and an admin's keys may watch Ann's feed; Ann's own key may name herself.
  const byOwner = await stream(p.apiKey, `?userId=${ann.id.toUpperCase()}`);
  const byAdmin = await stream(adminNoUser, `?userId=${ann.id}`);
  const bySelf = await stream(ann.key, `?userId=${ann.id}`);
  const owners = await stream(p.apiKey);
  await page(p, ann.id, 'For Ann');
  await page(p, p.userId, 'For the owner');
  for (const s of [byOwner, byAdmin, bySelf]) assert.equal((await s.next()).data.title, 'For Ann');
  assert.equal((await owners.next()).data.title, 'For the owner');
});

test('the JSON list pages by seq; mark-read by the owner of the notification or an admin', async () => {
  const p = await h.project();
  const ann = await member(h, p, 'Ann');
  const bob = await member(h, p, 'Bob');
  for (const t of ['A', 'B', 'C']) await page(p, ann.id, t);
  await page(p, bob.id, 'Bob only');

  const one = await h.call('GET', '/api/notifications/in-app?limit=2', { key: ann.key });
  assert.equal(one.status, 200, JSON.stringify(one.body));
  assert.deepEqual(one.body.data.map((n: { title: string }) => n.title), ['A', 'B']);
  const n = one.body.data[0];
  assert.deepEqual(Object.keys(n).sort(), ['body', 'createdAt', 'data', 'id', 'readAt', 'seq', 'title']);
  assert.equal(n.readAt, null);
  assert.equal(one.body.lastSeq, one.body.data[1].seq);
  const two = await h.call('GET', `/api/notifications/in-app?after=${one.body.lastSeq}&limit=2`, { key: ann.key });
  assert.deepEqual(two.body.data.map((x: { title: string }) => x.title), ['C']);
  const three = await h.call('GET', `/api/notifications/in-app?after=${two.body.lastSeq}`, { key: ann.key });
  assert.deepEqual(three.body, { data: [], lastSeq: two.body.lastSeq });

  for (const [query, field] of [['?limit=0', 'limit'], ['?limit=1001', 'limit'], ['?limit=x', 'limit'], ['?after=1.5', 'after'], ['?userId=1', 'userId']]) {
    const res = await h.call('GET', `/api/notifications/in-app${query}`, { key: ann.key });
    assert.equal(res.status, 400, `${query}: ${JSON.stringify(res.body)}`);
    assert.ok(res.body.error.includes(field), res.body.error);
  }
  assert.equal((await h.call('GET', `/api/notifications/in-app?userId=${ann.id}`, { key: bob.key })).status, 403);

  // Bob may not mark Ann's; Ann may; again keeps the first time; the owner (an admin) may too.
  const url = `/api/notifications/in-app/${n.id}/read`;
  const denied = await h.call('POST', url, { key: bob.key });
  assert.equal(denied.status, 403, JSON.stringify(denied.body));
  assert.equal((await feedRows(ann.id))[0]!.read_at, null);
  const marked = await h.call('POST', url, { key: ann.key });
  assert.equal(marked.status, 200, JSON.stringify(marked.body));
  assert.equal(marked.body.readAt, h.clock.now().toISOString());
  assert.equal(marked.body.id, n.id);
  await h.advance(60 * S);
  const again = await h.call('POST', url, { key: ann.key });
  assert.equal(again.body.readAt, marked.body.readAt);
  const second = (await h.call('GET', '/api/notifications/in-app?limit=2', { key: ann.key })).body.data[1];
  const byOwner = await h.call('POST', `/api/notifications/in-app/${second.id}/read`, { key: p.apiKey });
  assert.equal(byOwner.status, 200);
  assert.ok(byOwner.body.readAt);

  assert.equal((await h.call('POST', `/api/notifications/in-app/${newId()}/read`, { key: ann.key })).status, 404);
  const bad = await h.call('POST', '/api/notifications/in-app/nope/read', { key: ann.key });
  assert.equal(bad.status, 400);
  assert.ok(bad.body.error.includes('id'));
  assert.equal((await h.call('POST', url, {})).status, 401);
  const list = await h.call('GET', '/api/notifications/in-app', { key: ann.key });
  assert.deepEqual(list.body.data.map((x: { readAt: string | null }) => x.readAt !== null), [true, true, false]);
});

test('without LISTEN the stream polls', async () => {
  const p = await h.project();
  const ann = await member(h, p, 'Ann');
  const s = await stream(ann.key, '', {}, pollUrl);
  assert.equal(s.status, 200);
  await page(p, ann.id, 'Polled');
  assert.equal((await s.next(5000)).data.title, 'Polled'); // within one 2 s poll
});

test('a client going away ends its feed: unsubscribed, no more reads', async () => {
  const p = await h.project();
  let subscribed = 0;
  let wakeFeed: (() => void) | undefined;
  const wakeups: InAppWakeups = {
    async subscribe(_userId, wake) {
      subscribed += 1;
      wakeFeed = wake;
      return () => void (subscribed -= 1);
    },
    close: async () => {},
  };
  let feed: LiveFeed | undefined;
  const server = createServer((_req, res) => {
    void startLiveFeed(res, { db: h.database.db, projectId: p.projectId, userId: p.userId, after: null, wakeups, heartbeatMs: 60_000 }).then((f) => (feed = f));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const req = request({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, path: '/', agent: false });
    const res = await new Promise<IncomingMessage>((resolve) => req.on('response', resolve).end());
    assert.equal(res.headers['content-type'], 'text/event-stream; charset=utf-8');
    await once(res, 'data');
    for (let i = 0; i < 100 && !feed; i += 1) await new Promise((r) => setTimeout(r, 10));
    assert.equal(subscribed, 1);
    req.destroy();
    await feed!.ended;
    assert.equal(subscribed, 0);
    wakeFeed!(); // a late wake-up after the end reads nothing and writes nothing
  } finally {
    server.close();
  }
});

test('heartbeats, and closing the server ends open streams instead of waiting on them', async () => {
  const app = Fastify({ logger: false });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  registerErrorHandler(app, { bodyLimitBytes: 1_000_000 });
  registerAuth(app, { db: h.database.db, clock: h.clock });
  registerInAppRoutes(app, { db: h.database.db, clock: h.clock, pollMs: 50, heartbeatMs: 50 });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  const p = await h.project();
  const s = await stream(p.apiKey, '', {}, url);
  await s.comment('ping');
  await page(p, p.userId, 'Quick poll');
  assert.equal((await s.next()).data.title, 'Quick poll');
  await app.close();
  await s.ended;
});

test('LISTEN wakes only the feeds of the user a notification is for; a failing LISTEN falls back to polling', async () => {
  assert.ok(h.database.listen);
  const wakeups = createInAppWakeups({ listen: h.database.listen });
  const p = await h.project();
  const ann = await member(h, p, 'Ann');
  const bob = await member(h, p, 'Bob');
  const woken = { ann: 0, bob: 0 };
  const offAnn = await wakeups.subscribe(ann.id.toUpperCase(), () => void (woken.ann += 1));
  const offBob = await wakeups.subscribe(bob.id, () => void (woken.bob += 1));
  await page(p, ann.id, 'Wake Ann');
  for (let i = 0; i < 500 && woken.ann === 0; i += 1) await new Promise((r) => setTimeout(r, 10));
  assert.equal(woken.ann, 1);
  assert.equal(woken.bob, 0);
  offAnn();
  await page(p, ann.id, 'Nobody listening');
  await page(p, bob.id, 'Wake Bob');
  for (let i = 0; i < 500 && woken.bob === 0; i += 1) await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(woken, { ann: 1, bob: 1 });
  offBob();
  await wakeups.close();

  const errors: unknown[] = [];
  const broken = createInAppWakeups({ listen: () => Promise.reject(new Error('no connection')), pollMs: 10, onError: (e) => errors.push(e) });
  let polled = 0;
  const off = await broken.subscribe(ann.id, () => void (polled += 1));
  for (let i = 0; i < 500 && polled < 2; i += 1) await new Promise((r) => setTimeout(r, 10));
  assert.ok(polled >= 2);
  assert.equal(errors.length, 1);
  off();
  await broken.close();
});

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import type { CreatedProject } from '../src/access/projects.ts';
import { startHarness, type CallResult, type Harness } from './support/harness.ts';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(() => h.close());

type Subject = 'incident' | 'alert' | 'incident-episode' | 'alert-episode';
const FEED_ID: Record<Subject, string> = {
  incident: 'incidentId',
  alert: 'alertId',
  'incident-episode': 'incidentEpisodeId',
  'alert-episode': 'alertEpisodeId',
};
const FEEDS = ['incident-feed', 'alert-feed', 'incident-episode-feed', 'alert-episode-feed'] as const;
type Entry = Record<string, any>;

async function ok(res: Promise<CallResult>): Promise<any> {
  const r = await res;
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
}

async function ownerKeyId(p: CreatedProject): Promise<string> {
  const keys = await ok(h.call('POST', '/api/api-key/get-list', { key: p.apiKey, body: { query: { name: 'Owner key' } } }));
  assert.equal(keys.count, 1);
  return keys.data[0]._id;
}

/** The subject's feed, oldest first. */
async function feed(p: CreatedProject, type: Subject, id: string): Promise<Entry[]> {
  const res = await ok(h.call('POST', `/api/${type}-feed/get-list?limit=1000`, { key: p.apiKey, body: { query: { [FEED_ID[type]]: id }, sort: { seq: 1 } } }));
  return res.data;
}

/** Every entry in the project's feed of `type`. */
async function allEntries(p: CreatedProject, type: Subject): Promise<Entry[]> {
  return (await ok(h.call('POST', `/api/${type}-feed/get-list?limit=1000`, { key: p.apiKey, body: {} }))).data;
}

/** Every domain event of the project, oldest first. */
async function events(p: CreatedProject): Promise<Entry[]> {
  const res = await ok(h.call('POST', '/api/domain-event/get-list?limit=1000', { key: p.apiKey, body: { sort: { seq: 1 } } }));
  return res.data;
}

async function journalCounts(p: CreatedProject) {
  const counts: Record<string, number> = {};
  for (const r of [...FEEDS, 'domain-event']) {
    counts[r] = (await ok(h.call('POST', `/api/${r}/count`, { key: p.apiKey, body: {} }))).count;
  }
  return counts;
}

const create = (p: CreatedProject, type: Subject, data: Record<string, unknown>, key = p.apiKey) =>
  ok(h.call('POST', `/api/${type}`, { key, body: { data: { title: 'Checkout latency high', ...data } } }));
const act = (p: CreatedProject, type: Subject, id: string, action: string, body?: unknown, key = p.apiKey) =>
  h.call('POST', `/api/${type}/${id}/${action}`, { key, ...(body !== undefined ? { body } : {}) });
const put = (p: CreatedProject, type: Subject, id: string, data: Record<string, unknown>, key = p.apiKey) =>
  h.call('PUT', `/api/${type}/${id}`, { key, body: { data } });

/**
 * Runs one change and checks that it wrote exactly one feed entry on the subject, of
 * `kind`, and exactly one domain event, `<prefix>.<kind>`, both by the owner key through
 * the API at the clock's time. Returns the id the change acted on (the created one for creates).
 */
async function expectOneEntry(
  p: CreatedProject,
  keyId: string,
  type: Subject,
  kind: string,
  change: () => Promise<string>,
): Promise<string> {
  h.clock.advance(1000);
  const beforeCounts = await journalCounts(p);
  const beforeEvents = await events(p);
  const seen = new Set((await allEntries(p, type)).map((e) => e._id));
  const id = await change();
  const newEntries = (await allEntries(p, type)).filter((e) => !seen.has(e._id));
  assert.equal(newEntries.length, 1, `${kind}: exactly one new feed entry, got ${JSON.stringify(newEntries.map((e) => e.kind))}`);
  const entry = newEntries[0]!;
  assert.equal(entry.createdAt, h.clock.now().toISOString());
  assert.equal(entry.kind, kind);
  assert.equal(entry[FEED_ID[type]], id);
  assert.equal(entry.actorType, 'api-key');
  assert.equal(entry.actorId, keyId);
  assert.equal(entry.userId, p.userId);
  assert.equal(entry.via, 'api');
  assert.equal(entry.projectId, p.projectId);
  assert.equal(typeof entry.message, 'string');

  const after = await journalCounts(p);
  const feedName = `${type}-feed`;
  for (const [name, n] of Object.entries(after)) {
    assert.equal(n - beforeCounts[name]!, name === feedName || name === 'domain-event' ? 1 : 0, `${kind}: ${name} grew by the right amount`);
  }
  const newEvents = (await events(p)).slice(beforeEvents.length);
  assert.equal(newEvents.length, 1);
  const ev = newEvents[0]!;
  assert.equal(ev.eventType, `${type.replace('-', '_')}.${kind}`);
  assert.equal(ev.subjectType, type);
  assert.equal(ev.subjectId, id);
  assert.equal(ev.createdAt, h.clock.now().toISOString());
  assert.deepEqual(ev.payload.actor, { type: 'api-key', id: keyId, userId: p.userId, via: 'api' });
  return id;
}

test('incident: every change writes one feed entry and one domain event, in the order the changes happened', async () => {
  const p = await h.project();
  const keyId = await ownerKeyId(p);
  const alice = (await ok(h.call('POST', '/api/user', { key: p.apiKey, body: { data: { email: `a-${randomUUID()}@example.com`, name: 'Alice' } } })))._id;
  const step = (kind: string, change: () => Promise<string>) => expectOneEntry(p, keyId, 'incident', kind, change);

  const id = await step('created', async () => (await create(p, 'incident', { dedupKey: 'checkout/latency', priority: 'H' }))._id);
  await step('deduplicated', async () => (await create(p, 'incident', { dedupKey: 'checkout/latency' }))._id);
  await step('note_added', async () => (await ok(act(p, 'incident', id, 'note', { note: 'Looking into it' })))._id);
  await step('assigned', async () => (await ok(act(p, 'incident', id, 'assign', { userId: alice })))._id);
  await step('started', async () => (await ok(act(p, 'incident', id, 'start')))._id);
  await step('acknowledged', async () => (await ok(act(p, 'incident', id, 'acknowledge')))._id);
  await step('updated', async () => {
    await ok(put(p, 'incident', id, { title: 'Checkout latency high in eu-west', priority: 'M' }));
    return id;
  });
  await step('unassigned', async () => {
    await ok(put(p, 'incident', id, { assigneeUserId: null }));
    return id;
  });
  await step('resolved', async () => (await ok(act(p, 'incident', id, 'resolve')))._id);
  await step('reopened', async () => {
    await ok(put(p, 'incident', id, { state: 'Created' }));
    return id;
  });

  const kinds = ['created', 'deduplicated', 'note_added', 'assigned', 'started', 'acknowledged', 'updated', 'unassigned', 'resolved', 'reopened'];
  const entries = await feed(p, 'incident', id);
  assert.deepEqual(entries.map((e) => e.kind), kinds);
  assert.deepEqual(entries.find((e) => e.kind === 'updated')!.data.fields, ['title', 'priority']);
  assert.equal(entries.find((e) => e.kind === 'assigned')!.data.assigneeUserId, alice);
  const evs = await events(p);
  assert.deepEqual(evs.map((e) => e.eventType), kinds.map((k) => `incident.${k}`));
  for (let i = 1; i < evs.length; i++) assert.ok(Number(evs[i]!.seq) > Number(evs[i - 1]!.seq), 'seq grows');
  for (let i = 1; i < entries.length; i++) assert.ok(Number(entries[i]!.seq) > Number(entries[i - 1]!.seq), 'feed seq grows');

  const newestFirst = await ok(h.call('POST', '/api/incident-feed/get-list?limit=3', { key: p.apiKey, body: { query: { incidentId: id } } }));
  assert.deepEqual(newestFirst.data.map((e: Entry) => e.kind), ['reopened', 'resolved', 'unassigned'], 'the feed lists newest first by default');
});

test('alert: every change writes one feed entry and one domain event', async () => {
  const p = await h.project();
  const keyId = await ownerKeyId(p);
  const step = (kind: string, change: () => Promise<string>) => expectOneEntry(p, keyId, 'alert', kind, change);
  const id = await step('created', async () => (await create(p, 'alert', { dedupKey: 'cpu' }))._id);
  await step('deduplicated', async () => (await create(p, 'alert', { dedupKey: 'cpu' }))._id);
  await step('acknowledged', async () => {
    await ok(put(p, 'alert', id, { state: 'Acknowledged' }));
    return id;
  });
  await step('note_added', async () => (await ok(act(p, 'alert', id, 'note', { note: 'on it' })))._id);
  await step('resolved', async () => (await ok(act(p, 'alert', id, 'resolve')))._id);
  await step('reopened', async () => (await ok(act(p, 'alert', id, 'reopen')))._id);
  await step('updated', async () => {
    await ok(put(p, 'alert', id, { description: 'More detail' }));
    return id;
  });
  assert.deepEqual(
    (await events(p)).map((e) => e.eventType),
    ['created', 'deduplicated', 'acknowledged', 'note_added', 'resolved', 'reopened', 'updated'].map((k) => `alert.${k}`),
  );
});

for (const [episode, member] of [['alert-episode', 'alert'], ['incident-episode', 'incident']] as const) {
  const prefix = episode.replace('-', '_');

  test(`${episode}: its own changes and its members' are all journaled, in order, by the key that made them`, async () => {
    const p = await h.project();
    const keyId = await ownerKeyId(p);
    const memberKey = await ok(h.call('POST', '/api/api-key', { key: p.apiKey, body: { data: { name: 'bot', role: 'Project Member' } } }));

    const epId = await expectOneEntry(p, keyId, episode, 'created', async () => (await create(p, episode, { groupKey: 'svc=checkout' }))._id);
    await expectOneEntry(p, keyId, episode, 'note_added', async () => (await ok(act(p, episode, epId, 'note', { note: 'grouped' })))._id);
    const a = await create(p, member, { episodeId: epId });
    const b = await create(p, member, { episodeId: epId });
    await ok(act(p, member, a._id, 'acknowledge', undefined, memberKey.apiKey));
    await ok(act(p, episode, epId, 'acknowledge'));
    await ok(act(p, member, a._id, 'resolve'));
    await ok(act(p, member, b._id, 'resolve', undefined, memberKey.apiKey));

    const evs = await events(p);
    assert.deepEqual(
      evs.map((e) => [e.eventType, e.subjectId]),
      [
        [`${prefix}.created`, epId],
        [`${prefix}.note_added`, epId],
        [`${member}.created`, a._id],
        [`${member}.created`, b._id],
        [`${member}.acknowledged`, a._id],
        [`${prefix}.acknowledged`, epId],
        [`${member}.acknowledged`, b._id],
        [`${member}.resolved`, a._id],
        [`${member}.resolved`, b._id],
        [`${prefix}.resolved`, epId],
      ],
    );
    const botEvents = evs.filter((e) => e.payload.actor.id === memberKey._id);
    assert.deepEqual(botEvents.map((e) => e.eventType), [`${member}.acknowledged`, `${member}.resolved`, `${prefix}.resolved`], "the bot key's changes, including the episode following them");
    assert.ok(botEvents.every((e) => e.payload.actor.userId === null && e.payload.actor.type === 'api-key'));

    const epFeed = await feed(p, episode, epId);
    assert.deepEqual(epFeed.map((e) => e.kind), ['created', 'note_added', 'acknowledged', 'resolved']);
    assert.equal(epFeed[3]!.actorId, memberKey._id, 'the episode resolved because of the bot key');
    const bFeed = await feed(p, member, b._id);
    assert.deepEqual(bFeed.map((e) => [e.kind, e.actorId]), [['created', keyId], ['acknowledged', keyId], ['resolved', memberKey._id]]);
    assert.match(bFeed[1]!.message, /through its episode/);
    const counts = await journalCounts(p);
    assert.equal(counts[`${episode}-feed`], 4);
    assert.equal(counts[`${member}-feed`], 6);
    assert.equal(counts['domain-event'], 10);
  });
}

test('a refused change writes neither a feed entry nor a domain event, and a half-done one is rolled back', async () => {
  const p = await h.project();
  const viewer = await ok(h.call('POST', '/api/api-key', { key: p.apiKey, body: { data: { name: 'viewer', role: 'Viewer' } } }));
  const alice = (await ok(h.call('POST', '/api/user', { key: p.apiKey, body: { data: { email: `a-${randomUUID()}@example.com`, name: 'Alice' } } })))._id;
  const inc = await create(p, 'incident', {});
  await ok(act(p, 'incident', inc._id, 'assign', { userId: alice }));
  const ep = await create(p, 'alert-episode', {});
  const alert = await create(p, 'alert', { episodeId: ep._id });
  await ok(act(p, 'alert', alert._id, 'acknowledge'));
  const before = { counts: await journalCounts(p), events: await events(p) };

  const refusals: Array<[string, number, () => Promise<CallResult>]> = [
    ['acknowledge twice', 409, () => act(p, 'alert', alert._id, 'acknowledge')],
    ['acknowledge an episode that followed its members to Acknowledged', 409, () => act(p, 'alert-episode', ep._id, 'acknowledge')],
    ['reopen an open episode', 409, () => act(p, 'alert-episode', ep._id, 'reopen')],
    ['assign to the same user', 409, () => act(p, 'incident', inc._id, 'assign', { userId: alice })],
    // The acknowledgement is written first, then the assignment is refused: all of it must go.
    ['PUT acknowledge and re-assign the same user', 409, () => put(p, 'incident', inc._id, { state: 'Acknowledged', assigneeUserId: alice })],
    ['PUT acknowledge and a title with an assignee who is nobody', 400, () => put(p, 'incident', inc._id, { state: 'Acknowledged', title: 'x', assigneeUserId: randomUUID() })],
    ['viewer acknowledges', 403, () => act(p, 'incident', inc._id, 'acknowledge', undefined, viewer.apiKey)],
    ['empty note', 400, () => act(p, 'incident', inc._id, 'note', { note: ' ' })],
    ['unknown incident', 404, () => act(p, 'incident', randomUUID(), 'resolve')],
  ];
  for (const [label, status, send] of refusals) {
    const snapshot = { counts: await journalCounts(p), events: await events(p) };
    const res = await send();
    assert.equal(res.status, status, `${label}: ${JSON.stringify(res.body)}`);
    assert.deepEqual({ counts: await journalCounts(p), events: await events(p) }, snapshot, `${label} wrote nothing`);
  }
  const row = await ok(h.call('GET', `/api/incident/${inc._id}/get-item`, { key: p.apiKey }));
  assert.equal(row.state, 'Created', 'the half-done acknowledgement was rolled back');
  assert.equal(row.acknowledgedAt, null);
  assert.equal(row.title, 'Checkout latency high');
  assert.deepEqual((await feed(p, 'incident', inc._id)).map((e) => e.kind), ['created', 'assigned']);
  assert.deepEqual({ counts: await journalCounts(p), events: await events(p) }, before);
  assert.equal((await ok(h.call('GET', `/api/alert-episode/${ep._id}/get-item`, { key: p.apiKey }))).state, 'Acknowledged');
});

test('feeds and the domain-event log are read-only: create, update and delete are 405 for every key', async () => {
  const p = await h.project();
  const inc = await create(p, 'incident', {});
  const alert = await create(p, 'alert', {});
  const ie = await create(p, 'incident-episode', {});
  const ae = await create(p, 'alert-episode', {});
  const ids: Record<string, string> = {
    'incident-feed': (await feed(p, 'incident', inc._id))[0]!._id,
    'alert-feed': (await feed(p, 'alert', alert._id))[0]!._id,
    'incident-episode-feed': (await feed(p, 'incident-episode', ie._id))[0]!._id,
    'alert-episode-feed': (await feed(p, 'alert-episode', ae._id))[0]!._id,
    'domain-event': (await events(p))[0]!._id,
  };
  const before = await journalCounts(p);
  for (const [resource, id] of Object.entries(ids)) {
    const attempts: Array<[string, string, unknown]> = [
      ['POST', `/api/${resource}`, { data: { kind: 'resolved' } }],
      ['PUT', `/api/${resource}/${id}`, { data: { kind: 'resolved' } }],
      ['POST', `/api/${resource}/${id}/update-item`, { data: { kind: 'resolved' } }],
      ['DELETE', `/api/${resource}/${id}`, undefined],
      ['POST', `/api/${resource}/${id}/delete-item`, undefined],
    ];
    for (const [method, url, body] of attempts) {
      const res = await h.call(method, url, { key: p.apiKey, ...(body !== undefined ? { body } : {}) });
      assert.equal(res.status, 405, `${method} ${url}: ${JSON.stringify(res.body)}`);
      assert.match(res.body.error, /via the API/);
    }
    const still = await ok(h.call('GET', `/api/${resource}/${id}/get-item`, { key: p.apiKey }));
    assert.equal(still._id, id);
  }
  assert.deepEqual(await journalCounts(p), before);
});

test("project A's feeds and events never show project B's entries", async () => {
  const a = await h.project();
  const b = await h.project();
  const incA = await create(a, 'incident', { dedupKey: 'same' });
  const incB = await create(b, 'incident', { dedupKey: 'same' });
  await ok(act(b, 'incident', incB._id, 'acknowledge'));
  const alertB = await create(b, 'alert', {});
  const epB = await create(b, 'alert-episode', {});

  const listA = await ok(h.call('POST', '/api/incident-feed/get-list?limit=1000', { key: a.apiKey, body: {} }));
  assert.equal(listA.count, 1);
  assert.equal(listA.data[0].incidentId, incA._id);
  for (const r of FEEDS) {
    const all = await ok(h.call('POST', `/api/${r}/get-list?limit=1000`, { key: a.apiKey, body: {} }));
    assert.ok(all.data.every((e: Entry) => e.projectId === a.projectId), `${r} of A has only A's entries`);
  }
  assert.equal((await ok(h.call('POST', '/api/incident-feed/count', { key: a.apiKey, body: { query: { incidentId: incB._id } } }))).count, 0);
  assert.equal((await ok(h.call('POST', '/api/alert-feed/count', { key: a.apiKey, body: { query: { alertId: alertB._id } } }))).count, 0);
  assert.equal((await ok(h.call('POST', '/api/alert-episode-feed/count', { key: a.apiKey, body: { query: { alertEpisodeId: epB._id } } }))).count, 0);

  const entryB = (await feed(b, 'incident', incB._id))[0]!;
  assert.equal((await h.call('GET', `/api/incident-feed/${entryB._id}/get-item`, { key: a.apiKey })).status, 404);
  const eventsA = await events(a);
  assert.deepEqual(eventsA.map((e) => [e.eventType, e.subjectId]), [['incident.created', incA._id]]);
  const eventB = (await events(b))[0]!;
  assert.equal((await h.call('GET', `/api/domain-event/${eventB._id}/get-item`, { key: a.apiKey })).status, 404);
  assert.equal((await ok(h.call('POST', '/api/domain-event/count', { key: a.apiKey, body: { query: { subjectId: incB._id } } }))).count, 0);
  assert.equal((await events(b)).length, 4);
});

test('a Viewer may read feeds and events; a key without read permission may not', async () => {
  const p = await h.project();
  const inc = await create(p, 'incident', {});
  const viewer = await ok(h.call('POST', '/api/api-key', { key: p.apiKey, body: { data: { name: 'viewer', role: 'Viewer' } } }));
  const narrow = await ok(h.call('POST', '/api/api-key', { key: p.apiKey, body: { data: { name: 'narrow', permissions: ['Read Incident Feed'] } } }));
  const seen = await ok(h.call('POST', '/api/incident-feed/get-list', { key: viewer.apiKey, body: { query: { incidentId: inc._id } } }));
  assert.deepEqual(seen.data.map((e: Entry) => e.kind), ['created']);
  assert.equal((await ok(h.call('POST', '/api/domain-event/count', { key: viewer.apiKey, body: {} }))).count, 1);

  assert.equal((await h.call('POST', '/api/incident-feed/count', { key: narrow.apiKey, body: {} })).status, 200);
  const denied = await h.call('POST', '/api/domain-event/get-list', { key: narrow.apiKey, body: {} });
  assert.equal(denied.status, 403);
  assert.match(denied.body.error, /Read Domain Event/);
});

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import type { CreatedProject } from '../src/access/projects.ts';
import { startHarness, type Harness } from './support/harness.ts';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(() => h.close());

type Item = 'incident' | 'alert';
const ITEMS: readonly Item[] = ['incident', 'alert'];
const FEED_ID: Record<Item, string> = { incident: 'incidentId', alert: 'alertId' };

/** Creates an incident or alert over the API and returns its answer. */
async function create(p: CreatedProject, type: Item, data: Record<string, unknown> = {}) {
  const res = await h.call('POST', `/api/${type}`, { key: p.apiKey, body: { data: { title: `Disk full on db-${randomUUID().slice(0, 6)}`, ...data } } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body as Record<string, unknown> & { _id: string };
}

async function get(p: CreatedProject, type: string, id: string) {
  const res = await h.call('GET', `/api/${type}/${id}/get-item`, { key: p.apiKey });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body as Record<string, unknown>;
}

async function act(p: CreatedProject, type: string, id: string, action: string, body?: unknown, key = p.apiKey) {
  return h.call('POST', `/api/${type}/${id}/${action}`, { key, ...(body !== undefined ? { body } : {}) });
}

async function put(p: CreatedProject, type: string, id: string, data: Record<string, unknown>, key = p.apiKey) {
  return h.call('PUT', `/api/${type}/${id}`, { key, body: { data } });
}

/** The subject's feed, oldest first. */
async function feed(p: CreatedProject, type: Item, id: string) {
  const res = await h.call('POST', `/api/${type}-feed/get-list?limit=100`, { key: p.apiKey, body: { query: { [FEED_ID[type]]: id }, sort: { seq: 1 } } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.data as Array<Record<string, any>>;
}

/** Feed entries and domain events in the whole project: a failed action must add neither. */
async function journalCounts(p: CreatedProject) {
  const counts: Record<string, number> = {};
  for (const r of ['incident-feed', 'alert-feed', 'incident-episode-feed', 'alert-episode-feed', 'domain-event']) {
    const res = await h.call('POST', `/api/${r}/count`, { key: p.apiKey, body: {} });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    counts[r] = res.body.count;
  }
  return counts;
}

async function addUser(p: CreatedProject, role = 'Project Member') {
  const res = await h.call('POST', '/api/user', { key: p.apiKey, body: { data: { email: `u-${randomUUID()}@example.com`, name: 'Responder', role } } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body._id as string;
}

async function keyWithRole(p: CreatedProject, role: string) {
  const res = await h.call('POST', '/api/api-key', { key: p.apiKey, body: { data: { name: role, role } } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.apiKey as string;
}

// ---------------------------------------------------------------------------------------------
// Severities

test('a new project has Critical, Major, Minor and Info for incidents and alerts, ordered 1 to 4', async () => {
  const p = await h.project();
  for (const type of ITEMS) {
    const res = await h.call('POST', `/api/${type}-severity/get-list`, { key: p.apiKey, body: { sort: { order: 1 } } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.count, 4);
    assert.deepEqual(
      res.body.data.map((s: { name: string; order: number }) => [s.name, s.order]),
      [['Critical', 1], ['Major', 2], ['Minor', 3], ['Info', 4]],
    );
    for (const s of res.body.data) assert.equal(s.projectId, p.projectId);
  }
  const other = await h.project();
  const mine = await h.call('POST', '/api/incident-severity/get-list', { key: p.apiKey, body: {} });
  const theirs = await h.call('POST', '/api/incident-severity/get-list', { key: other.apiKey, body: {} });
  const ids = new Set(mine.body.data.map((s: { _id: string }) => s._id));
  assert.ok(theirs.body.data.every((s: { _id: string }) => !ids.has(s._id)), 'each project has its own severity rows');
});

test('severities can be renamed and added; names stay unique in the project', async () => {
  const p = await h.project();
  const list = await h.call('POST', '/api/alert-severity/get-list', { key: p.apiKey, body: { query: { name: 'Minor' } } });
  const minorId = list.body.data[0]._id as string;
  const renamed = await put(p, 'alert-severity', minorId, { name: 'Warning', color: '#ffeb3b' });
  assert.equal(renamed.status, 200, JSON.stringify(renamed.body));
  const added = await h.call('POST', '/api/alert-severity', { key: p.apiKey, body: { data: { name: 'Cosmetic', order: 5 } } });
  assert.equal(added.status, 200, JSON.stringify(added.body));

  const after = await h.call('POST', '/api/alert-severity/get-list', { key: p.apiKey, body: { sort: { order: 1 } } });
  assert.deepEqual(after.body.data.map((s: { name: string }) => s.name), ['Critical', 'Major', 'Warning', 'Info', 'Cosmetic']);
  assert.equal((await get(p, 'alert-severity', minorId)).color, '#ffeb3b');

  const dup = await h.call('POST', '/api/alert-severity', { key: p.apiKey, body: { data: { name: 'critical', order: 6 } } });
  assert.equal(dup.status, 409, 'names are unique regardless of case');
  const incidentSide = await h.call('POST', '/api/incident-severity/get-list', { key: p.apiKey, body: { query: { name: 'Minor' } } });
  assert.equal(incidentSide.body.count, 1, 'renaming an alert severity leaves the incident severities alone');
});

test("an incident or alert may only point at its own project's severity of its own kind", async () => {
  const p = await h.project();
  const other = await h.project();
  const sev = async (project: CreatedProject, type: Item, name: string) =>
    (await h.call('POST', `/api/${type}-severity/get-list`, { key: project.apiKey, body: { query: { name } } })).body.data[0]._id as string;

  const foreign = await h.call('POST', '/api/incident', {
    key: p.apiKey,
    body: { data: { title: 'x', incidentSeverityId: await sev(other, 'incident', 'Critical') } },
  });
  assert.equal(foreign.status, 400);
  assert.match(foreign.body.error, /incidentSeverityId/);

  const wrongKind = await h.call('POST', '/api/alert', { key: p.apiKey, body: { data: { title: 'x', alertSeverityId: await sev(p, 'incident', 'Critical') } } });
  assert.equal(wrongKind.status, 400, 'an incident severity is not an alert severity');
  assert.match(wrongKind.body.error, /alertSeverityId/);

  const count = await h.call('POST', '/api/incident/count', { key: p.apiKey, body: {} });
  const alerts = await h.call('POST', '/api/alert/count', { key: p.apiKey, body: {} });
  assert.equal(count.body.count + alerts.body.count, 0, 'nothing was created');

  const major = await sev(p, 'incident', 'Major');
  const ok = await create(p, 'incident', { incidentSeverityId: major });
  assert.equal(ok.incidentSeverityId, major);
  const moved = await put(p, 'incident', ok._id, { incidentSeverityId: await sev(other, 'incident', 'Info') });
  assert.equal(moved.status, 400);
  assert.equal((await get(p, 'incident', ok._id)).incidentSeverityId, major);
});

// ---------------------------------------------------------------------------------------------
// Create and the lifecycle

for (const type of ITEMS) {
  test(`${type}: created over the API in state Created, at the clock's time, by the key's user`, async () => {
    const p = await h.project();
    h.clock.advance(60_000);
    const at = h.clock.now().toISOString();
    const item = await create(p, type, { description: 'Only 2% left', labels: [], customFields: { host: 'db-1' }, links: [{ href: 'https://example.com', text: 'dash' }] });
    assert.equal(item.state, 'Created');
    assert.equal(item.createdAt, at);
    assert.equal(item.projectId, p.projectId);
    assert.equal(item.createdByUserId, p.userId);
    assert.equal(item.source, 'api');
    assert.equal(item.eventCount, 1);
    assert.equal(item.acknowledgedAt, null);
    assert.equal(item.resolvedAt, null);
    assert.deepEqual(item.customFields, { host: 'db-1' });
    assert.deepEqual(item.links, [{ href: 'https://example.com', text: 'dash' }]);
    const list = await h.call('POST', `/api/${type}/get-list`, { key: p.apiKey, body: {} });
    assert.deepEqual(list.body.data.map((r: { _id: string }) => r._id), [item._id]);
  });

  test(`${type}: acknowledge, resolve and reopen through the action endpoints record who and when`, async () => {
    const p = await h.project();
    const item = await create(p, type);

    h.clock.advance(5 * 60_000);
    const ackAt = h.clock.now().toISOString();
    const ack = await act(p, type, item._id, 'acknowledge');
    assert.equal(ack.status, 200, JSON.stringify(ack.body));
    assert.equal(ack.body._id, item._id, 'answers the item');
    assert.equal(ack.body.state, 'Acknowledged');
    assert.equal(ack.body.acknowledgedAt, ackAt);
    assert.equal(ack.body.acknowledgedByUserId, p.userId, 'the owner key acts for the owner');
    assert.equal(ack.body.resolvedAt, null);

    h.clock.advance(10 * 60_000);
    const resAt = h.clock.now().toISOString();
    const res = await act(p, type, item._id, 'resolve', {});
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.state, 'Resolved');
    assert.equal(res.body.resolvedAt, resAt);
    assert.equal(res.body.resolvedByUserId, p.userId);
    assert.equal(res.body.acknowledgedAt, ackAt, 'resolving keeps when it was acknowledged');

    h.clock.advance(60_000);
    const reopen = await act(p, type, item._id, 'reopen');
    assert.equal(reopen.status, 200, JSON.stringify(reopen.body));
    assert.equal(reopen.body.state, 'Created');
    for (const f of ['acknowledgedAt', 'acknowledgedByUserId', 'resolvedAt', 'resolvedByUserId']) assert.equal(reopen.body[f], null, f);
    assert.equal(reopen.body.updatedAt, h.clock.now().toISOString());

    const stored = await get(p, type, item._id);
    assert.equal(stored.state, 'Created');
    assert.deepEqual((await feed(p, type, item._id)).map((e) => e.kind), ['created', 'acknowledged', 'resolved', 'reopened']);
  });

  test(`${type}: the same transitions through PUT {data:{state}}`, async () => {
    const p = await h.project();
    const item = await create(p, type);
    h.clock.advance(1000);
    const ackAt = h.clock.now().toISOString();
    assert.equal((await put(p, type, item._id, { state: 'Acknowledged' })).status, 200);
    let row = await get(p, type, item._id);
    assert.equal(row.state, 'Acknowledged');
    assert.equal(row.acknowledgedAt, ackAt);
    assert.equal(row.acknowledgedByUserId, p.userId);

    h.clock.advance(1000);
    assert.equal((await put(p, type, item._id, { state: 'Resolved' })).status, 200);
    row = await get(p, type, item._id);
    assert.equal(row.state, 'Resolved');
    assert.equal(row.resolvedAt, h.clock.now().toISOString());
    assert.equal(row.resolvedByUserId, p.userId);

    h.clock.advance(1000);
    assert.equal((await h.call('POST', `/api/${type}/${item._id}/update-item`, { key: p.apiKey, body: { data: { state: 'Created' } } })).status, 200);
    row = await get(p, type, item._id);
    assert.equal(row.state, 'Created');
    assert.equal(row.acknowledgedAt, null);
    assert.equal(row.resolvedAt, null);

    h.clock.advance(1000);
    assert.equal((await put(p, type, item._id, { state: 'Resolved' })).status, 200, 'an open item can be resolved without acknowledging it first');
    assert.equal((await get(p, type, item._id)).state, 'Resolved');
    assert.deepEqual((await feed(p, type, item._id)).map((e) => e.kind), ['created', 'acknowledged', 'resolved', 'reopened', 'resolved']);
  });

  test(`${type}: illegal transitions answer 409 and change nothing`, async () => {
    const p = await h.project();
    const item = await create(p, type);
    const snapshot = async () => ({ row: await get(p, type, item._id), counts: await journalCounts(p) });
    const expectConflict = async (label: string, send: () => Promise<{ status: number; body: any }>) => {
      const before = await snapshot();
      h.clock.advance(1000);
      const res = await send();
      assert.equal(res.status, 409, `${label}: ${JSON.stringify(res.body)}`);
      assert.equal(typeof res.body.error, 'string');
      assert.deepEqual(await snapshot(), before, `${label} changed nothing`);
      return res;
    };

    const reopenOpen = await expectConflict('reopen an open one', () => act(p, type, item._id, 'reopen'));
    assert.match(reopenOpen.body.error, /Created/);
    await expectConflict('PUT state Created on a Created one', () => put(p, type, item._id, { state: 'Created' }));

    assert.equal((await act(p, type, item._id, 'acknowledge')).status, 200);
    const twice = await expectConflict('acknowledge twice', () => act(p, type, item._id, 'acknowledge'));
    assert.match(twice.body.error, /Acknowledged/);
    await expectConflict('PUT state Acknowledged twice', () => put(p, type, item._id, { state: 'Acknowledged' }));
    const back = await expectConflict('PUT Acknowledged → Created', () => put(p, type, item._id, { state: 'Created' }));
    assert.match(back.body.error, /state/);
    await expectConflict('PUT Acknowledged → Created with a title change', () => put(p, type, item._id, { state: 'Created', title: 'renamed' }));

    assert.equal((await act(p, type, item._id, 'resolve')).status, 200);
    await expectConflict('resolve twice', () => act(p, type, item._id, 'resolve'));
    await expectConflict('acknowledge a resolved one', () => act(p, type, item._id, 'acknowledge'));
    await expectConflict('PUT Resolved → Acknowledged', () => put(p, type, item._id, { state: 'Acknowledged' }));
    await expectConflict('PUT resolve twice', () => put(p, type, item._id, { state: 'Resolved' }));

    const before = await snapshot();
    for (const bad of [null, 'Closed', 'resolved']) {
      const res = await put(p, type, item._id, { state: bad });
      assert.equal(res.status, 400, `state ${String(bad)}: ${JSON.stringify(res.body)}`);
      assert.match(res.body.error, /data\.state/);
    }
    assert.deepEqual(await snapshot(), before, 'a bad state is a 400 that neither reopens nor writes anything');

    assert.equal((await get(p, type, item._id)).title, item.title);
  });

  test(`${type}: a dedup key folds repeated creates into the open one; after resolve it opens a new one`, async () => {
    const p = await h.project();
    const first = await create(p, type, { dedupKey: 'disk/db-1' });
    h.clock.advance(30_000);
    const second = await create(p, type, { dedupKey: 'disk/db-1', title: 'Disk still full' });
    assert.equal(second._id, first._id, 'the second create answers the open item');
    assert.equal(second.eventCount, 2);
    assert.equal(second.lastEventAt, h.clock.now().toISOString());
    assert.equal(second.title, first.title, 'the folded trigger does not rename the item');
    assert.equal((await h.call('POST', `/api/${type}/count`, { key: p.apiKey, body: {} })).body.count, 1);

    const other = await create(p, type, { dedupKey: 'disk/db-2' });
    assert.notEqual(other._id, first._id, 'another key opens another item');

    assert.equal((await act(p, type, first._id, 'acknowledge')).status, 200);
    const third = await create(p, type, { dedupKey: 'disk/db-1' });
    assert.equal(third._id, first._id, 'an acknowledged item still absorbs triggers');
    assert.equal(third.eventCount, 3);
    assert.equal(third.state, 'Acknowledged');

    assert.equal((await act(p, type, first._id, 'resolve')).status, 200);
    const fresh = await create(p, type, { dedupKey: 'disk/db-1' });
    assert.notEqual(fresh._id, first._id, 'after resolve the key opens a new item');
    assert.equal(fresh.eventCount, 1);
    assert.equal(fresh.state, 'Created');
    assert.equal((await get(p, type, first._id)).eventCount, 3);

    const elsewhere = await h.project();
    const theirs = await create(elsewhere, type, { dedupKey: 'disk/db-1' });
    assert.notEqual(theirs._id, fresh._id, "another project's key never folds into this project's item");
    assert.equal(theirs.eventCount, 1);

    assert.deepEqual((await feed(p, type, first._id)).map((e) => e.kind), ['created', 'deduplicated', 'acknowledged', 'deduplicated', 'resolved']);
  });

  test(`${type}: notes go to the feed with their text; empty or too long ones are 400s`, async () => {
    const p = await h.project();
    const item = await create(p, type);
    const before = await journalCounts(p);
    for (const [label, note] of [['empty', ''], ['blank', '   \n '], ['too long', 'x'.repeat(10_001)]] as const) {
      const res = await act(p, type, item._id, 'note', { note });
      assert.equal(res.status, 400, label);
      assert.match(res.body.error, /note/, label);
    }
    const missing = await act(p, type, item._id, 'note', {});
    assert.equal(missing.status, 400);
    assert.match(missing.body.error, /note/);
    assert.deepEqual(await journalCounts(p), before, 'rejected notes write nothing');

    const ok = await act(p, type, item._id, 'note', { note: 'Rebooted **db-1**; watching.' });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(ok.body.state, 'Created', 'a note changes no state');
    const longest = await act(p, type, item._id, 'note', { note: 'y'.repeat(10_000) });
    assert.equal(longest.status, 200, 'exactly 10,000 characters is allowed');
    const entries = (await feed(p, type, item._id)).filter((e) => e.kind === 'note_added');
    assert.equal(entries.length, 2);
    assert.equal(entries[0]!.message, 'Rebooted **db-1**; watching.');
    assert.equal(entries[0]!.data.note, 'Rebooted **db-1**; watching.');
    assert.equal(entries[0]!.userId, p.userId);
  });
}

test('concurrent acknowledgements of one incident: exactly one wins, the rest are 409s', async () => {
  const p = await h.project();
  const inc = await create(p, 'incident');
  const results = await Promise.all(Array.from({ length: 5 }, () => act(p, 'incident', inc._id, 'acknowledge')));
  assert.deepEqual(results.map((r) => r.status).sort(), [200, 409, 409, 409, 409]);
  assert.deepEqual((await feed(p, 'incident', inc._id)).map((e) => e.kind), ['created', 'acknowledged']);
});

// ---------------------------------------------------------------------------------------------
// Incident-only: assignment, start, priority, type

test('incident: assign, reassign and unassign; the rules around them', async () => {
  const p = await h.project();
  const alice = await addUser(p);
  const bob = await addUser(p);
  const inc = await create(p, 'incident');

  h.clock.advance(2000);
  const assigned = await act(p, 'incident', inc._id, 'assign', { userId: alice });
  assert.equal(assigned.status, 200, JSON.stringify(assigned.body));
  assert.equal(assigned.body.assigneeUserId, alice);
  assert.equal(assigned.body.assignedAt, h.clock.now().toISOString());

  const before = await journalCounts(p);
  const again = await act(p, 'incident', inc._id, 'assign', { userId: alice });
  assert.equal(again.status, 409, 'assigning twice to the same user');
  assert.deepEqual(await journalCounts(p), before);

  const upper = await act(p, 'incident', inc._id, 'assign', { userId: alice.toUpperCase() });
  assert.equal(upper.status, 409, 'ids are compared case-insensitively');

  h.clock.advance(2000);
  const reassigned = await act(p, 'incident', inc._id, 'assign', { userId: bob });
  assert.equal(reassigned.status, 200);
  assert.equal(reassigned.body.assigneeUserId, bob);
  assert.equal(reassigned.body.assignedAt, h.clock.now().toISOString());

  const stranger = await h.project();
  for (const userId of [randomUUID(), stranger.userId]) {
    const res = await act(p, 'incident', inc._id, 'assign', { userId });
    assert.equal(res.status, 400, 'not a member of this project');
    assert.match(res.body.error, /userId/);
  }
  const malformed = await act(p, 'incident', inc._id, 'assign', { userId: 'alice' });
  assert.equal(malformed.status, 400);
  assert.match(malformed.body.error, /userId/);
  assert.equal((await act(p, 'incident', inc._id, 'assign', {})).status, 400);

  const unassigned = await act(p, 'incident', inc._id, 'unassign');
  assert.equal(unassigned.status, 200);
  assert.equal(unassigned.body.assigneeUserId, null);
  assert.equal(unassigned.body.assignedAt, null);
  const beforeUnassign = await journalCounts(p);
  const nobody = await act(p, 'incident', inc._id, 'unassign');
  assert.equal(nobody.status, 409, 'unassign with nobody assigned');
  assert.deepEqual(await journalCounts(p), beforeUnassign);

  assert.equal((await act(p, 'incident', inc._id, 'resolve')).status, 200);
  const resolved = await act(p, 'incident', inc._id, 'assign', { userId: alice });
  assert.equal(resolved.status, 409, 'a resolved incident cannot be assigned');
  assert.match(resolved.body.error, /Resolved/);
  assert.equal((await get(p, 'incident', inc._id)).assigneeUserId, null);

  const kinds = (await feed(p, 'incident', inc._id)).map((e) => e.kind);
  assert.deepEqual(kinds, ['created', 'assigned', 'assigned', 'unassigned', 'resolved']);
});

test('incident: assignment through PUT assigneeUserId goes through the same rules', async () => {
  const p = await h.project();
  const alice = await addUser(p);
  const inc = await create(p, 'incident');
  assert.equal((await put(p, 'incident', inc._id, { assigneeUserId: alice })).status, 200);
  assert.equal((await get(p, 'incident', inc._id)).assigneeUserId, alice);
  assert.equal((await put(p, 'incident', inc._id, { assigneeUserId: alice })).status, 409);

  const stranger = await h.project();
  const foreign = await put(p, 'incident', inc._id, { assigneeUserId: stranger.userId });
  assert.equal(foreign.status, 400);
  assert.match(foreign.body.error, /assigneeUserId/);
  assert.equal((await get(p, 'incident', inc._id)).assigneeUserId, alice);

  assert.equal((await put(p, 'incident', inc._id, { assigneeUserId: null })).status, 200);
  assert.equal((await get(p, 'incident', inc._id)).assigneeUserId, null);
  assert.equal((await put(p, 'incident', inc._id, { assigneeUserId: null })).status, 409, 'nobody to unassign');
  assert.deepEqual((await feed(p, 'incident', inc._id)).map((e) => e.kind), ['created', 'assigned', 'unassigned']);
});

test('incident: one PUT may assign, record the start and resolve; the resolve comes last', async () => {
  const p = await h.project();
  const alice = await addUser(p);
  const inc = await create(p, 'incident');
  h.clock.advance(60_000);
  const res = await put(p, 'incident', inc._id, { state: 'Resolved', assigneeUserId: alice, startedAt: '2026-01-05T09:00:20.000Z' });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const row = await get(p, 'incident', inc._id);
  assert.equal(row.state, 'Resolved');
  assert.equal(row.assigneeUserId, alice);
  assert.equal(row.startedAt, '2026-01-05T09:00:20.000Z');
  assert.deepEqual((await feed(p, 'incident', inc._id)).map((e) => e.kind), ['created', 'assigned', 'started', 'resolved']);

  const reopened = await put(p, 'incident', inc._id, { state: 'Created', assigneeUserId: null });
  assert.equal(reopened.status, 200, JSON.stringify(reopened.body));
  const again = await get(p, 'incident', inc._id);
  assert.equal(again.state, 'Created');
  assert.equal(again.assigneeUserId, null);
});

test('incident: an incident can be created already assigned, but only to a member', async () => {
  const p = await h.project();
  const alice = await addUser(p);
  const inc = await create(p, 'incident', { assigneeUserId: alice });
  assert.equal(inc.assigneeUserId, alice);
  assert.equal(inc.assignedAt, h.clock.now().toISOString());
  const stranger = await h.project();
  const res = await h.call('POST', '/api/incident', { key: p.apiKey, body: { data: { title: 'x', assigneeUserId: stranger.userId } } });
  assert.equal(res.status, 400);
  assert.match(res.body.error, /assigneeUserId/);
});

test('incident: start records when work started, now or at a given instant', async () => {
  const p = await h.project();
  const inc = await create(p, 'incident');
  h.clock.advance(90_000);
  const now = await act(p, 'incident', inc._id, 'start');
  assert.equal(now.status, 200, JSON.stringify(now.body));
  assert.equal(now.body.startedAt, h.clock.now().toISOString());

  const given = await act(p, 'incident', inc._id, 'start', { startedAt: '2026-01-05T09:00:30+00:00' });
  assert.equal(given.status, 200, JSON.stringify(given.body));
  assert.equal(given.body.startedAt, '2026-01-05T09:00:30.000Z');

  const bad = await act(p, 'incident', inc._id, 'start', { startedAt: 'yesterday' });
  assert.equal(bad.status, 400);
  assert.match(bad.body.error, /startedAt/);

  assert.equal((await put(p, 'incident', inc._id, { startedAt: '2026-01-05T09:00:45.000Z' })).status, 200);
  assert.equal((await get(p, 'incident', inc._id)).startedAt, '2026-01-05T09:00:45.000Z');

  assert.equal((await act(p, 'incident', inc._id, 'resolve')).status, 200);
  const before = await journalCounts(p);
  assert.equal((await act(p, 'incident', inc._id, 'start')).status, 409, 'a resolved incident cannot be started');
  assert.equal((await put(p, 'incident', inc._id, { startedAt: '2026-01-05T09:01:00.000Z' })).status, 409);
  assert.deepEqual(await journalCounts(p), before);
  assert.equal((await get(p, 'incident', inc._id)).startedAt, '2026-01-05T09:00:45.000Z');
  assert.deepEqual((await feed(p, 'incident', inc._id)).map((e) => e.kind), ['created', 'started', 'started', 'started', 'resolved']);
});

test('incident: assign, unassign and start exist only for incidents', async () => {
  const p = await h.project();
  const alert = await create(p, 'alert');
  for (const action of ['assign', 'unassign', 'start']) {
    const res = await act(p, 'alert', alert._id, action, action === 'assign' ? { userId: p.userId } : undefined);
    assert.equal(res.status, 404, action);
  }
});

test('incident: priority (L, N, M, H) and incident type are stored; other priorities are 400s', async () => {
  const p = await h.project();
  for (const priority of ['L', 'N', 'M', 'H']) {
    const inc = await create(p, 'incident', { priority, incidentType: 'Leak' });
    assert.equal(inc.priority, priority);
    assert.equal(inc.incidentType, 'Leak');
  }
  const inc = await create(p, 'incident');
  assert.equal(inc.priority, null);
  assert.equal((await put(p, 'incident', inc._id, { priority: 'H', incidentType: 'Broken door' })).status, 200);
  const row = await get(p, 'incident', inc._id);
  assert.equal(row.priority, 'H');
  assert.equal(row.incidentType, 'Broken door');

  for (const priority of ['X', 'High', 3, '']) {
    const res = await h.call('POST', '/api/incident', { key: p.apiKey, body: { data: { title: 'x', priority } } });
    assert.equal(res.status, 400, String(priority));
    assert.match(res.body.error, /priority/);
  }
  const upd = await put(p, 'incident', inc._id, { priority: 'Z' });
  assert.equal(upd.status, 400);
  assert.match(upd.body.error, /priority/);
  assert.equal((await get(p, 'incident', inc._id)).priority, 'H');

  const onAlert = await h.call('POST', '/api/alert', { key: p.apiKey, body: { data: { title: 'x', priority: 'H' } } });
  assert.equal(onAlert.status, 400, 'alerts have no priority');
  assert.match(onAlert.body.error, /priority/);
});

// ---------------------------------------------------------------------------------------------
// Access and addressing

test('a Viewer key can read but cannot acknowledge, and is told which permission it lacks', async () => {
  const p = await h.project();
  const viewer = await keyWithRole(p, 'Viewer');
  const member = await keyWithRole(p, 'Project Member');
  const inc = await create(p, 'incident');
  const alert = await create(p, 'alert');
  const before = await journalCounts(p);

  const denied = await act(p, 'incident', inc._id, 'acknowledge', undefined, viewer);
  assert.equal(denied.status, 403);
  assert.match(denied.body.error, /Edit Incident/);
  const deniedPut = await put(p, 'incident', inc._id, { state: 'Resolved' }, viewer);
  assert.equal(deniedPut.status, 403);
  const deniedNote = await act(p, 'alert', alert._id, 'note', { note: 'hi' }, viewer);
  assert.equal(deniedNote.status, 403);
  assert.match(deniedNote.body.error, /Edit Alert/);
  const deniedCreate = await h.call('POST', '/api/incident', { key: viewer, body: { data: { title: 'x' } } });
  assert.equal(deniedCreate.status, 403);
  assert.match(deniedCreate.body.error, /Create Incident/);
  assert.deepEqual(await journalCounts(p), before);

  const read = await h.call('GET', `/api/incident/${inc._id}/get-item`, { key: viewer });
  assert.equal(read.status, 200);
  assert.equal(read.body.state, 'Created');

  const ok = await act(p, 'incident', inc._id, 'acknowledge', undefined, member);
  assert.equal(ok.status, 200, 'a member may acknowledge');
  assert.equal(ok.body.acknowledgedByUserId, null, 'a key that acts for no user records no user');

  const noKey = await h.call('POST', `/api/incident/${inc._id}/resolve`);
  assert.equal(noKey.status, 401);
});

test('unknown, malformed and foreign ids: 404, 400, 404, and nothing changes', async () => {
  const p = await h.project();
  const other = await h.project();
  const theirs = await create(other, 'incident');
  const before = await journalCounts(other);

  for (const action of ['acknowledge', 'resolve', 'reopen', 'unassign', 'start']) {
    const unknown = await act(p, 'incident', randomUUID(), action);
    assert.equal(unknown.status, 404, `${action} unknown`);
    assert.match(unknown.body.error, /Incident/);
    const malformed = await act(p, 'incident', 'not-a-uuid', action);
    assert.equal(malformed.status, 400, `${action} malformed`);
    assert.match(malformed.body.error, /id/);
    const foreign = await act(p, 'incident', theirs._id, action);
    assert.equal(foreign.status, 404, `${action} on another project's incident`);
  }
  assert.equal((await act(p, 'incident', theirs._id, 'note', { note: 'hello' })).status, 404);
  assert.equal((await act(p, 'incident', theirs._id, 'assign', { userId: p.userId })).status, 404);
  assert.equal((await act(p, 'alert', randomUUID(), 'acknowledge')).status, 404);
  assert.equal((await put(p, 'incident', theirs._id, { state: 'Acknowledged' })).status, 404);
  assert.equal((await put(p, 'incident', randomUUID(), { state: 'Acknowledged' })).status, 404);
  assert.equal((await put(p, 'incident', 'nope', { state: 'Acknowledged' })).status, 400);
  assert.equal((await h.call('GET', `/api/incident/${theirs._id}/get-item`, { key: p.apiKey })).status, 404);

  assert.equal((await get(other, 'incident', theirs._id)).state, 'Created');
  assert.deepEqual(await journalCounts(other), before);
});

test('action bodies are checked: unknown fields and bad JSON are 400s that change nothing', async () => {
  const p = await h.project();
  const inc = await create(p, 'incident');
  const extra = await act(p, 'incident', inc._id, 'acknowledge', { force: true });
  assert.equal(extra.status, 400);
  const bad = await h.call('POST', `/api/incident/${inc._id}/resolve`, { key: p.apiKey, rawBody: '{"', headers: { 'content-type': 'application/json' } });
  assert.equal(bad.status, 400);
  assert.equal((await get(p, 'incident', inc._id)).state, 'Created');
  assert.deepEqual((await feed(p, 'incident', inc._id)).map((e) => e.kind), ['created']);
});

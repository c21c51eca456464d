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

type Episode = 'alert-episode' | 'incident-episode';
type Member = 'alert' | 'incident';
const KINDS: ReadonlyArray<{ episode: Episode; member: Member }> = [
  { episode: 'alert-episode', member: 'alert' },
  { episode: 'incident-episode', member: 'incident' },
];
const FEED_ID: Record<Episode | Member, string> = {
  alert: 'alertId',
  incident: 'incidentId',
  'alert-episode': 'alertEpisodeId',
  'incident-episode': 'incidentEpisodeId',
};

async function createEpisode(p: CreatedProject, type: Episode, data: Record<string, unknown> = {}) {
  const res = await h.call('POST', `/api/${type}`, { key: p.apiKey, body: { data: { title: 'db cluster degraded', ...data } } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body as Record<string, unknown> & { _id: string };
}

async function createMember(p: CreatedProject, type: Member, episodeId: string, data: Record<string, unknown> = {}) {
  const res = await h.call('POST', `/api/${type}`, { key: p.apiKey, body: { data: { title: `member ${randomUUID().slice(0, 6)}`, episodeId, ...data } } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body as Record<string, unknown> & { _id: string };
}

async function act(p: CreatedProject, type: string, id: string, action: string) {
  return h.call('POST', `/api/${type}/${id}/${action}`, { key: p.apiKey });
}

async function mustAct(p: CreatedProject, type: string, id: string, action: string) {
  const res = await act(p, type, id, action);
  assert.equal(res.status, 200, `${action} ${type}: ${JSON.stringify(res.body)}`);
  return res.body;
}

async function state(p: CreatedProject, type: string, id: string): Promise<string> {
  const res = await h.call('GET', `/api/${type}/${id}/get-item`, { key: p.apiKey });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.state;
}

async function get(p: CreatedProject, type: string, id: string) {
  const res = await h.call('GET', `/api/${type}/${id}/get-item`, { key: p.apiKey });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
}

/** The subject's feed, oldest first. */
async function feed(p: CreatedProject, type: Episode | Member, id: string) {
  const res = await h.call('POST', `/api/${type}-feed/get-list?limit=100`, { key: p.apiKey, body: { query: { [FEED_ID[type]]: id }, sort: { seq: 1 } } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.data as Array<Record<string, any>>;
}

async function kinds(p: CreatedProject, type: Episode | Member, id: string) {
  return (await feed(p, type, id)).map((e) => e.kind);
}

async function eventTypes(p: CreatedProject, subjectId: string) {
  const res = await h.call('POST', '/api/domain-event/get-list?limit=100', { key: p.apiKey, body: { query: { subjectId }, sort: { seq: 1 } } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.data.map((e: { eventType: string }) => e.eventType) as string[];
}

for (const { episode, member } of KINDS) {
  const prefix = episode.replace('-', '_');

  test(`${episode}: created with or without a group key; one open episode per group key`, async () => {
    const p = await h.project();
    const plain = await createEpisode(p, episode, { description: 'no key' });
    assert.equal(plain.state, 'Created');
    assert.equal(plain.groupKey, null);
    assert.equal(plain.createdAt, h.clock.now().toISOString());
    assert.equal(plain.createdByUserId, p.userId);
    const plain2 = await createEpisode(p, episode);
    assert.notEqual(plain2._id, plain._id, 'episodes without a key never collide');

    const keyed = await createEpisode(p, episode, { groupKey: '{}:{alertname="DiskFull"}' });
    assert.equal(keyed.groupKey, '{}:{alertname="DiskFull"}');
    assert.equal(keyed.state, 'Created');

    const dup = await h.call('POST', `/api/${episode}`, { key: p.apiKey, body: { data: { title: 'again', groupKey: '{}:{alertname="DiskFull"}' } } });
    assert.equal(dup.status, 409);
    assert.match(dup.body.error, /groupKey/);
    const count = await h.call('POST', `/api/${episode}/count`, { key: p.apiKey, body: {} });
    assert.equal(count.body.count, 3, 'the refused episode was not created');

    const elsewhere = await h.project();
    await createEpisode(elsewhere, episode, { groupKey: '{}:{alertname="DiskFull"}' });

    await mustAct(p, episode, keyed._id, 'resolve');
    const next = await createEpisode(p, episode, { groupKey: '{}:{alertname="DiskFull"}' });
    assert.notEqual(next._id, keyed._id, 'after the episode is resolved the key opens a new one');

    assert.deepEqual(await kinds(p, episode, keyed._id), ['created', 'resolved']);
    assert.deepEqual(await eventTypes(p, keyed._id), [`${prefix}.created`, `${prefix}.resolved`]);
    assert.deepEqual(await kinds(p, episode, plain._id), ['created']);
  });

  test(`${member}s created with an episodeId join it; only an episode of the right kind in the project`, async () => {
    const p = await h.project();
    const ep = await createEpisode(p, episode);
    const a = await createMember(p, member, ep._id);
    const b = await createMember(p, member, ep._id);
    assert.equal(a.episodeId, ep._id);
    const members = await h.call('POST', `/api/${member}/get-list`, { key: p.apiKey, body: { query: { episodeId: ep._id } } });
    assert.deepEqual(new Set(members.body.data.map((m: { _id: string }) => m._id)), new Set([a._id, b._id]));
    assert.equal(await state(p, episode, ep._id), 'Created');

    const other = await h.project();
    const theirs = await createEpisode(other, episode);
    const foreign = await h.call('POST', `/api/${member}`, { key: p.apiKey, body: { data: { title: 'x', episodeId: theirs._id } } });
    assert.equal(foreign.status, 400);
    assert.match(foreign.body.error, /episodeId/);

    const wrongKindType: Episode = episode === 'alert-episode' ? 'incident-episode' : 'alert-episode';
    const wrong = await createEpisode(p, wrongKindType);
    const wrongKind = await h.call('POST', `/api/${member}`, { key: p.apiKey, body: { data: { title: 'x', episodeId: wrong._id } } });
    assert.equal(wrongKind.status, 400, `a ${member} cannot join a ${wrongKindType}`);

    const unknown = await h.call('POST', `/api/${member}`, { key: p.apiKey, body: { data: { title: 'x', episodeId: randomUUID() } } });
    assert.equal(unknown.status, 400);
    const total = await h.call('POST', `/api/${member}/count`, { key: p.apiKey, body: {} });
    assert.equal(total.body.count, 2, 'refused members were not created');
  });

  test(`${episode}: acknowledging it acknowledges every Created member, through its episode`, async () => {
    const p = await h.project();
    const ep = await createEpisode(p, episode);
    const created1 = await createMember(p, member, ep._id);
    const created2 = await createMember(p, member, ep._id);
    const acked = await createMember(p, member, ep._id);
    const resolved = await createMember(p, member, ep._id);
    const outsider = await createMember(p, member, (await createEpisode(p, episode))._id);
    h.clock.advance(1000);
    await mustAct(p, member, acked._id, 'acknowledge');
    const ackedAt = h.clock.now().toISOString();
    await mustAct(p, member, resolved._id, 'resolve');
    assert.equal(await state(p, episode, ep._id), 'Created', 'two members are still Created');

    h.clock.advance(60_000);
    const res = await mustAct(p, episode, ep._id, 'acknowledge');
    assert.equal(res.state, 'Acknowledged');
    assert.equal(res.acknowledgedByUserId, p.userId);
    for (const m of [created1, created2]) {
      const row = await get(p, member, m._id);
      assert.equal(row.state, 'Acknowledged');
      assert.equal(row.acknowledgedAt, h.clock.now().toISOString());
      assert.equal(row.acknowledgedByUserId, p.userId);
      const entries = await feed(p, member, m._id);
      assert.deepEqual(entries.map((e) => e.kind), ['created', 'acknowledged']);
      assert.match(entries[1]!.message, /through its episode/);
      assert.equal(entries[1]!.data.episodeId, ep._id);
      assert.deepEqual(await eventTypes(p, m._id), [`${member}.created`, `${member}.acknowledged`]);
    }
    assert.equal((await get(p, member, acked._id)).acknowledgedAt, ackedAt, 'an already acknowledged member keeps its own acknowledgement');
    assert.deepEqual(await kinds(p, member, acked._id), ['created', 'acknowledged']);
    assert.equal(await state(p, member, resolved._id), 'Resolved', 'a resolved member stays resolved');
    assert.deepEqual(await kinds(p, member, resolved._id), ['created', 'resolved']);
    assert.equal(await state(p, member, outsider._id), 'Created', "another episode's member is untouched");
    assert.deepEqual(await kinds(p, episode, ep._id), ['created', 'acknowledged']);

    const twice = await act(p, episode, ep._id, 'acknowledge');
    assert.equal(twice.status, 409);
    const reopen = await act(p, episode, ep._id, 'reopen');
    assert.equal(reopen.status, 409, 'an open episode cannot be reopened');
  });

  test(`${episode}: resolving it resolves every open member`, async () => {
    const p = await h.project();
    const ep = await createEpisode(p, episode);
    const created = await createMember(p, member, ep._id);
    const acked = await createMember(p, member, ep._id);
    await mustAct(p, member, acked._id, 'acknowledge');
    h.clock.advance(5000);
    const res = await mustAct(p, episode, ep._id, 'resolve');
    assert.equal(res.state, 'Resolved');
    assert.equal(res.resolvedAt, h.clock.now().toISOString());
    for (const m of [created, acked]) {
      const row = await get(p, member, m._id);
      assert.equal(row.state, 'Resolved');
      assert.equal(row.resolvedAt, h.clock.now().toISOString());
      assert.equal(row.resolvedByUserId, p.userId);
      const entries = await feed(p, member, m._id);
      assert.equal(entries.at(-1)!.kind, 'resolved');
      assert.match(entries.at(-1)!.message, /through its episode/);
    }
    assert.deepEqual(await kinds(p, episode, ep._id), ['created', 'resolved'], 'the episode has one entry, not one per member');
    assert.equal((await act(p, episode, ep._id, 'resolve')).status, 409);
    assert.equal((await act(p, episode, ep._id, 'acknowledge')).status, 409);
  });

  test(`${episode}: follows its members when they are acknowledged and resolved over the API`, async () => {
    const p = await h.project();
    const ep = await createEpisode(p, episode);
    const a = await createMember(p, member, ep._id);
    const b = await createMember(p, member, ep._id);
    const c = await createMember(p, member, ep._id);

    await mustAct(p, member, a._id, 'resolve');
    assert.equal(await state(p, episode, ep._id), 'Created', 'resolving one member leaves the episode open');
    await mustAct(p, member, b._id, 'acknowledge');
    assert.equal(await state(p, episode, ep._id), 'Created', 'one open member is still Created');

    h.clock.advance(1000);
    await mustAct(p, member, c._id, 'acknowledge');
    const acked = await get(p, episode, ep._id);
    assert.equal(acked.state, 'Acknowledged', 'every open member is acknowledged');
    assert.equal(acked.acknowledgedAt, h.clock.now().toISOString());
    assert.equal(await state(p, member, a._id), 'Resolved', 'following does not touch the members');

    await mustAct(p, member, b._id, 'resolve');
    assert.equal(await state(p, episode, ep._id), 'Acknowledged', 'one member is still open');
    h.clock.advance(1000);
    await mustAct(p, member, c._id, 'resolve');
    const resolved = await get(p, episode, ep._id);
    assert.equal(resolved.state, 'Resolved', 'all members resolved');
    assert.equal(resolved.resolvedAt, h.clock.now().toISOString());

    const entries = await feed(p, episode, ep._id);
    assert.deepEqual(entries.map((e) => e.kind), ['created', 'acknowledged', 'resolved']);
    assert.match(entries[1]!.message, /follows its members/);
    assert.deepEqual(await eventTypes(p, ep._id), [`${prefix}.created`, `${prefix}.acknowledged`, `${prefix}.resolved`]);
  });

  test(`${episode}: a new member brings an acknowledged episode back to Created; reopening a member reopens a resolved one`, async () => {
    const p = await h.project();
    const ep = await createEpisode(p, episode);
    const first = await createMember(p, member, ep._id);
    await mustAct(p, episode, ep._id, 'acknowledge');
    assert.equal(await state(p, member, first._id), 'Acknowledged');

    const late = await createMember(p, member, ep._id);
    const back = await get(p, episode, ep._id);
    assert.equal(back.state, 'Created', 'a new Created member needs attention');
    assert.equal(back.acknowledgedAt, null);
    assert.equal(await state(p, member, first._id), 'Acknowledged', 'the earlier member keeps its acknowledgement');

    await mustAct(p, episode, ep._id, 'resolve');
    assert.equal(await state(p, member, late._id), 'Resolved');
    assert.equal(await state(p, member, first._id), 'Resolved');

    h.clock.advance(1000);
    await mustAct(p, member, late._id, 'reopen');
    const reopened = await get(p, episode, ep._id);
    assert.equal(reopened.state, 'Created', 'reopening a member reopens its episode');
    assert.equal(reopened.resolvedAt, null);
    assert.equal(await state(p, member, first._id), 'Resolved', 'other members stay resolved');

    const epKinds = await kinds(p, episode, ep._id);
    assert.deepEqual(epKinds, ['created', 'acknowledged', 'unacknowledged', 'resolved', 'reopened']);
    assert.deepEqual(await eventTypes(p, ep._id), epKinds.map((k) => `${prefix}.${k}`));
  });

  test(`${episode}: the same through PUT {data:{state}} on episodes and members`, async () => {
    const p = await h.project();
    const ep = await createEpisode(p, episode);
    const a = await createMember(p, member, ep._id);
    const b = await createMember(p, member, ep._id);
    const put = (type: string, id: string, data: Record<string, unknown>) => h.call('PUT', `/api/${type}/${id}`, { key: p.apiKey, body: { data } });

    assert.equal((await put(episode, ep._id, { state: 'Acknowledged' })).status, 200);
    assert.equal(await state(p, member, a._id), 'Acknowledged');
    assert.equal(await state(p, member, b._id), 'Acknowledged');
    const back = await put(episode, ep._id, { state: 'Created' });
    assert.equal(back.status, 409, 'an acknowledged episode cannot go back to Created');
    assert.equal((await put(episode, ep._id, { state: 'Acknowledged' })).status, 409);
    assert.equal(await state(p, episode, ep._id), 'Acknowledged');
    const nul = await put(episode, ep._id, { state: null });
    assert.equal(nul.status, 400);
    assert.match(nul.body.error, /data\.state/);

    assert.equal((await put(member, a._id, { state: 'Resolved' })).status, 200);
    assert.equal(await state(p, episode, ep._id), 'Acknowledged');
    assert.equal((await put(member, b._id, { state: 'Resolved' })).status, 200);
    assert.equal(await state(p, episode, ep._id), 'Resolved');
    const nulEpisode = await put(episode, ep._id, { state: null });
    assert.equal(nulEpisode.status, 400, 'a null state does not reopen a resolved episode');
    assert.equal(await state(p, episode, ep._id), 'Resolved');
    assert.equal((await put(member, a._id, { state: 'Created' })).status, 200);
    assert.equal(await state(p, episode, ep._id), 'Created');

    assert.equal((await put(episode, ep._id, { title: 'renamed' })).status, 200);
    assert.equal((await get(p, episode, ep._id)).title, 'renamed');
    assert.equal((await put(episode, ep._id, { groupKey: 'x' })).status, 400, 'the group key cannot be changed');
  });

  test(`${episode}: a resolved episode whose group key has a new open episode cannot reopen: 409, nothing changes`, async () => {
    const p = await h.project();
    const old = await createEpisode(p, episode, { groupKey: 'team=db' });
    const m = await createMember(p, member, old._id);
    await mustAct(p, member, m._id, 'resolve');
    assert.equal(await state(p, episode, old._id), 'Resolved');
    const current = await createEpisode(p, episode, { groupKey: 'team=db' });
    const journalBefore = { member: await feed(p, member, m._id), old: await feed(p, episode, old._id) };

    const reopenMember = await act(p, member, m._id, 'reopen');
    assert.equal(reopenMember.status, 409, JSON.stringify(reopenMember.body));
    assert.match(reopenMember.body.error, /group key/);
    assert.ok(reopenMember.body.error.includes(current._id), 'names the episode that holds the key');
    const putMember = await h.call('PUT', `/api/${member}/${m._id}`, { key: p.apiKey, body: { data: { state: 'Created' } } });
    assert.equal(putMember.status, 409);
    assert.match(putMember.body.error, /group key/);
    const reopenEpisode = await act(p, episode, old._id, 'reopen');
    assert.equal(reopenEpisode.status, 409);
    assert.match(reopenEpisode.body.error, /group key/);
    const join = await h.call('POST', `/api/${member}`, { key: p.apiKey, body: { data: { title: 'late', episodeId: old._id } } });
    assert.equal(join.status, 409);
    assert.match(join.body.error, /group key/);

    assert.equal(await state(p, member, m._id), 'Resolved');
    assert.equal(await state(p, episode, old._id), 'Resolved');
    assert.deepEqual({ member: await feed(p, member, m._id), old: await feed(p, episode, old._id) }, journalBefore);
    assert.equal((await h.call('POST', `/api/${member}/count`, { key: p.apiKey, body: {} })).body.count, 1);

    await mustAct(p, episode, current._id, 'resolve');
    await mustAct(p, member, m._id, 'reopen');
    assert.equal(await state(p, episode, old._id), 'Created', 'once the key is free again, the old episode follows its member');
  });
}

test('members resolved at the same moment still resolve their episode, and racing an episode action never fails', async () => {
  for (let round = 0; round < 3; round++) {
    const p = await h.project();
    const ep = await createEpisode(p, 'alert-episode');
    const members: string[] = [];
    for (let i = 0; i < 4; i++) members.push((await createMember(p, 'alert', ep._id))._id);
    const resolves = await Promise.all(members.map((id) => act(p, 'alert', id, 'resolve')));
    assert.deepEqual(resolves.map((r) => r.status), [200, 200, 200, 200]);
    assert.equal(await state(p, 'alert-episode', ep._id), 'Resolved', `round ${round}: every member is resolved`);
    assert.deepEqual(await kinds(p, 'alert-episode', ep._id), ['created', 'resolved']);

    const ep2 = await createEpisode(p, 'incident-episode');
    const members2: string[] = [];
    for (let i = 0; i < 4; i++) members2.push((await createMember(p, 'incident', ep2._id))._id);
    const [ack, ...rest] = await Promise.all([act(p, 'incident-episode', ep2._id, 'acknowledge'), ...members2.map((id) => act(p, 'incident', id, 'resolve'))]);
    assert.ok(ack!.status === 200 || ack!.status === 409, `episode acknowledge: ${ack!.status} ${JSON.stringify(ack!.body)}`);
    assert.deepEqual(rest.map((r) => r.status), [200, 200, 200, 200], JSON.stringify(rest.map((r) => r.body)));
    for (const id of members2) assert.equal(await state(p, 'incident', id), 'Resolved');
    assert.equal(await state(p, 'incident-episode', ep2._id), 'Resolved');
  }
});

test('an episode with no members can be acknowledged and resolved on its own', async () => {
  const p = await h.project();
  const ep = await createEpisode(p, 'alert-episode');
  await mustAct(p, 'alert-episode', ep._id, 'acknowledge');
  await mustAct(p, 'alert-episode', ep._id, 'resolve');
  await mustAct(p, 'alert-episode', ep._id, 'reopen');
  assert.deepEqual(await kinds(p, 'alert-episode', ep._id), ['created', 'acknowledged', 'resolved', 'reopened']);
});

test("episodes of one project never act on another project's members", async () => {
  const a = await h.project();
  const b = await h.project();
  const epA = await createEpisode(a, 'alert-episode');
  const epB = await createEpisode(b, 'alert-episode');
  const memberB = await createMember(b, 'alert', epB._id);
  assert.equal((await act(a, 'alert-episode', epB._id, 'resolve')).status, 404);
  await mustAct(a, 'alert-episode', epA._id, 'resolve');
  assert.equal(await state(b, 'alert', memberB._id), 'Created');
  assert.equal(await state(b, 'alert-episode', epB._id), 'Created');
});

test('deleting the last open member of an episode resolves the episode when the rest are resolved', async () => {
  const p = await h.project();
  const ep = await h.call('POST', '/api/alert-episode', { key: p.apiKey, body: { data: { title: 'db group' } } });
  const a = await h.call('POST', '/api/alert', { key: p.apiKey, body: { data: { title: 'a', episodeId: ep.body._id } } });
  const b = await h.call('POST', '/api/alert', { key: p.apiKey, body: { data: { title: 'b', episodeId: ep.body._id } } });
  assert.equal((await h.call('POST', `/api/alert/${a.body._id}/resolve`, { key: p.apiKey })).status, 200);
  assert.equal((await h.call('GET', `/api/alert-episode/${ep.body._id}/get-item`, { key: p.apiKey })).body.state, 'Created');
  assert.equal((await h.call('DELETE', `/api/alert/${b.body._id}`, { key: p.apiKey })).status, 200);
  assert.equal((await h.call('GET', `/api/alert-episode/${ep.body._id}/get-item`, { key: p.apiKey })).body.state, 'Resolved');
});

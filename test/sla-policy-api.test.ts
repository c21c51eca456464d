import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import type { CreatedProject } from '../src/access/projects.ts';
import { startHarness, type Harness } from './support/harness.ts';
import { SEED_TEXT } from './support/sla-seed.ts';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(() => h.close());


type Json = Record<string, any>;

/** Every key path of a JSON value in document order: equal lists mean equal key order at every depth. */
function keyPaths(v: unknown, at = '$'): string[] {
  if (Array.isArray(v)) return v.flatMap((x, i) => keyPaths(x, `${at}[${i}]`));
  if (typeof v === 'object' && v !== null) return Object.entries(v).flatMap(([k, x]) => [`${at}.${k}`, ...keyPaths(x, `${at}.${k}`)]);
  return [];
}

function assertSameDocument(actual: unknown, expected: unknown): void {
  assert.deepEqual(actual, expected);
  assert.deepEqual(keyPaths(actual), keyPaths(expected));
  assert.equal(JSON.stringify(actual), JSON.stringify(expected));
}

function seed(): Json {
  return JSON.parse(SEED_TEXT) as Json;
}

/** A valid policy with a fresh ID, based on the seed. */
function policy(changes: (p: Json) => void = () => {}): Json {
  const p = seed();
  const id = randomUUID().replace(/-/g, '');
  p.ID = id;
  p.ATTR = `attr#escalationpolicy#${id}#${p.PolicyId}`;
  changes(p);
  return p;
}

async function create(p: CreatedProject, body: unknown, key = p.apiKey) {
  return h.call('POST', '/api/escalation-policy', { key, body });
}

async function addUser(p: CreatedProject): Promise<string> {
  const res = await h.call('POST', '/api/user', { key: p.apiKey, body: { data: { email: `u-${randomUUID()}@example.com`, name: 'Responder', role: 'Project Member' } } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body._id;
}

async function keyWith(p: CreatedProject, grant: { role?: string; permissions?: string[] }) {
  const res = await h.call('POST', '/api/api-key', { key: p.apiKey, body: { data: { name: 'key', ...grant } } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.apiKey as string;
}

test('the seed example, posted verbatim, is stored and returned exactly: values and key order', async () => {
  const p = await h.project();
  const created = await h.call('POST', '/api/escalation-policy', { key: p.apiKey, rawBody: SEED_TEXT, headers: { 'content-type': 'application/json' } });
  assert.equal(created.status, 200, JSON.stringify(created.body));
  assertSameDocument(created.body, seed());

  const got = await h.call('GET', '/api/escalation-policy/9b0b73c4cda44a7bacf3c4f4f81ffcea', { key: p.apiKey });
  assert.equal(got.status, 200, JSON.stringify(got.body));
  assertSameDocument(got.body, seed());
  // The answer's bytes are the seed's with the whitespace taken out.
  assert.equal(JSON.stringify(got.body), JSON.stringify(JSON.parse(SEED_TEXT)));

  const item = await h.call('POST', '/api/escalation-policy/9b0b73c4cda44a7bacf3c4f4f81ffcea/get-item', { key: p.apiKey, body: {} });
  assertSameDocument(item.body, seed());

  const list = await h.call('GET', '/api/escalation-policy', { key: p.apiKey });
  assert.equal(list.status, 200, JSON.stringify(list.body));
  assert.equal(list.body.count, 1);
  assertSameDocument(list.body.data[0], seed());
});

test('the same ID twice in a project is a 409; another project may use it', async () => {
  const p = await h.project();
  const q = await h.project();
  const doc = policy();
  assert.equal((await create(p, doc)).status, 200);
  const again = await create(p, doc);
  assert.equal(again.status, 409);
  assert.match(again.body.error, /^ID: /);
  assert.equal((await create(q, doc)).status, 200);
  // Each project sees only its own.
  const other = await h.call('GET', `/api/escalation-policy/${doc.ID}`, { key: q.apiKey });
  assert.equal(other.status, 200);
  const missing = await h.call('GET', `/api/escalation-policy/${randomUUID().replace(/-/g, '')}`, { key: q.apiKey });
  assert.equal(missing.status, 404);
});

test('without ID a 32-hex ID is generated (first key) and ATTR added (last key); {data} envelopes are accepted', async () => {
  const p = await h.project();
  const doc = seed();
  delete doc.ID;
  delete doc.ATTR;
  const res = await create(p, { data: doc });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.match(res.body.ID, /^[0-9a-f]{32}$/);
  const keys = Object.keys(res.body);
  assert.equal(keys[0], 'ID');
  assert.equal(keys[keys.length - 1], 'ATTR');
  assert.equal(res.body.ATTR, `attr#escalationpolicy#${res.body.ID}#default`);
  assertSameDocument({ ...res.body, ID: undefined, ATTR: undefined }, { ID: undefined, ...doc, ATTR: undefined });
});

test('PUT replaces the whole policy; ID may be left out or must match the path; DELETE removes it', async () => {
  const p = await h.project();
  const doc = policy();
  assert.equal((await create(p, doc)).status, 200);
  const replaced = policy((d) => {
    d.ID = doc.ID;
    delete d.ATTR;
    d.Name = 'renamed';
    d.IncidentTypes = ['leak', 'spill'];
    delete d.EscalationSettings.UnassignedSettings;
  });
  const put = await h.call('PUT', `/api/escalation-policy/${doc.ID}`, { key: p.apiKey, body: replaced });
  assert.equal(put.status, 200, JSON.stringify(put.body));
  assertSameDocument(put.body, { ...replaced, ATTR: `attr#escalationpolicy#${doc.ID}#default` });
  const got = await h.call('GET', `/api/escalation-policy/${doc.ID}`, { key: p.apiKey });
  assertSameDocument(got.body, put.body);

  const wrongId = await h.call('PUT', `/api/escalation-policy/${doc.ID}`, { key: p.apiKey, body: policy() });
  assert.equal(wrongId.status, 400);
  assert.match(wrongId.body.error, /^ID: /);

  const noId = policy((d) => {
    delete d.ID;
    delete d.ATTR;
  });
  const put2 = await h.call('PUT', `/api/escalation-policy/${doc.ID}`, { key: p.apiKey, body: noId });
  assert.equal(put2.status, 200, JSON.stringify(put2.body));
  assert.equal(put2.body.ID, doc.ID);

  const unknown = await h.call('PUT', `/api/escalation-policy/${randomUUID().replace(/-/g, '')}`, { key: p.apiKey, body: noId });
  assert.equal(unknown.status, 404);

  const del = await h.call('DELETE', `/api/escalation-policy/${doc.ID}`, { key: p.apiKey });
  assert.equal(del.status, 200);
  assert.deepEqual(del.body, {});
  assert.equal((await h.call('GET', `/api/escalation-policy/${doc.ID}`, { key: p.apiKey })).status, 404);
  assert.equal((await h.call('DELETE', `/api/escalation-policy/${doc.ID}`, { key: p.apiKey })).status, 404);
});

test('each validation problem is a 400 naming the field path', async () => {
  const p = await h.project();
  const cases: Array<[string, (d: Json) => void, RegExp]> = [
    ['bad priority key', (d) => (d.TargetDurations.X = { StartThreshold: 1, DueTime: 2 }), /TargetDurations\.X: unknown priority/],
    ['level L4', (d) => (d.EscalationSettings.StartThresholdSettings.L4 = d.EscalationSettings.StartThresholdSettings.L0), /EscalationSettings\.StartThresholdSettings\.L4: unknown level/],
    ['negative StartThreshold', (d) => (d.TargetDurations.H.StartThreshold = -1), /TargetDurations\.H\.StartThreshold: must be a whole number of seconds/],
    ['fractional DueTime', (d) => (d.TargetDurations.L.DueTime = 1.5), /TargetDurations\.L\.DueTime: must be a whole number/],
    ['negative TimeAfter', (d) => (d.EscalationSettings.DueTimeThresholdSettings.L1.TimeAfter = -300), /EscalationSettings\.DueTimeThresholdSettings\.L1\.TimeAfter: must be a whole number/],
    ['missing TimeAfter on L1', (d) => delete d.EscalationSettings.DueTimeThresholdSettings.L1.TimeAfter, /DueTimeThresholdSettings\.L1\.TimeAfter: is required/],
    ['unknown medium', (d) => (d.EscalationSettings.StartThresholdSettings.L0.Recipients[0].EntityMedium = 'FAX'), /EscalationSettings\.StartThresholdSettings\.L0\.Recipients\[0\]\.EntityMedium: unknown medium "FAX"/],
    ['unknown action', (d) => (d.EscalationSettings.UnassignedSettings.L0.Action = 'PAGE'), /EscalationSettings\.UnassignedSettings\.L0\.Action: unknown action "PAGE"/],
    ['unknown user id', (d) => (d.EscalationSettings.StartThresholdSettings.L0.Recipients[0].Entity = randomUUID()), /EscalationSettings\.StartThresholdSettings\.L0\.Recipients\[0\]\.Entity: no user or team with id/],
    ['entity that is no id', (d) => (d.EscalationSettings.StartThresholdSettings.L0.Recipients[0].Entity = 'bob'), /Recipients\[0\]\.Entity: must be "\$assignee" or the id/],
    ['unknown settings key', (d) => (d.EscalationSettings.LateSettings = {}), /EscalationSettings\.LateSettings: unknown setting/],
    ['unknown top-level field', (d) => (d.Owner = 'x'), /^Owner: unknown field/],
    ['NotifyForIncidents not strings', (d) => (d.EscalationSettings.StartThresholdSettings.L0.Recipients[0].NotifyForIncidents = [1]), /NotifyForIncidents\[0\]: must be a non-empty string/],
    ['missing Name', (d) => delete d.Name, /^Name: is required/],
    ['wrong ATTR', (d) => (d.ATTR = 'attr#x'), /^ATTR: must be/],
    ['bad ID', (d) => (d.ID = 'xyz'), /^ID: must be a string of 32 hexadecimal digits/],
    ['IncidentTypes empty', (d) => (d.IncidentTypes = []), /^IncidentTypes: must name at least one/],
  ];
  for (const [name, change, expected] of cases) {
    const res = await create(p, policy(change));
    assert.equal(res.status, 400, `${name}: ${JSON.stringify(res.body)}`);
    assert.match(res.body.error, expected, name);
  }
  // Every problem at once.
  const many = await create(p, policy((d) => {
    d.TargetDurations.Z = {};
    d.EscalationSettings.StartThresholdSettings.L0.Action = 'PAGE';
  }));
  assert.equal(many.status, 400);
  assert.match(many.body.error, /TargetDurations\.Z: .*; EscalationSettings\.StartThresholdSettings\.L0\.Action: /);
  // Nothing was stored by the failed creates.
  const list = await h.call('GET', '/api/escalation-policy', { key: p.apiKey });
  assert.equal(list.body.count, 0);
  // Not an object at all.
  const arr = await create(p, [1, 2]);
  assert.equal(arr.status, 400);
});

test('recipients may be users and teams of the project, over any known medium, case-insensitively', async () => {
  const p = await h.project();
  const q = await h.project();
  const alice = await addUser(p);
  const team = await h.call('POST', '/api/team', { key: p.apiKey, body: { data: { name: 'Facilities' } } });
  assert.equal(team.status, 200, JSON.stringify(team.body));
  const doc = policy((d) => {
    d.EscalationSettings.StartThresholdSettings.L0.Recipients = [
      { Entity: alice, EntityMedium: 'e-mail', MediumDetails: {}, NotifyForIncidents: [] },
      { Entity: team.body._id, EntityMedium: 'sms' },
      { Entity: '$assignee', EntityMedium: 'VOICE' },
    ];
  });
  assert.equal((await create(p, doc)).status, 200);
  // The same users and teams are nobody in another project.
  const res = await create(q, policy((d) => (d.EscalationSettings.StartThresholdSettings.L0.Recipients = doc.EscalationSettings.StartThresholdSettings.L0.Recipients)));
  assert.equal(res.status, 400);
  assert.match(res.body.error, /Recipients\[0\]\.Entity: no user or team .*; .*Recipients\[1\]\.Entity: no user or team/);
});

test('permissions: viewers read, members write, keys need Escalation Policy grants; no key is a 401', async () => {
  const p = await h.project();
  const doc = policy();
  const viewer = await keyWith(p, { role: 'Viewer' });
  const denied = await create(p, doc, viewer);
  assert.equal(denied.status, 403);
  assert.match(denied.body.error, /Create Escalation Policy/);
  const member = await keyWith(p, { role: 'Project Member' });
  assert.equal((await create(p, doc, member)).status, 200);
  const reader = await keyWith(p, { permissions: ['Read Escalation Policy'] });
  assert.equal((await h.call('GET', `/api/escalation-policy/${doc.ID}`, { key: reader })).status, 200);
  assert.equal((await create(p, policy(), reader)).status, 403);
  const creator = await keyWith(p, { permissions: ['Create Escalation Policy'] });
  assert.equal((await create(p, policy(), creator)).status, 200);
  const editor = await keyWith(p, { permissions: ['Edit Escalation Policy'] });
  assert.equal((await h.call('PUT', `/api/escalation-policy/${doc.ID}`, { key: editor, body: doc })).status, 200);
  assert.equal((await h.call('GET', `/api/escalation-policy/${doc.ID}`, { key: viewer })).status, 200);
  assert.equal((await h.call('DELETE', `/api/escalation-policy/${doc.ID}`, { key: viewer })).status, 403);
  assert.equal((await h.call('GET', '/api/escalation-policy')).status, 401);
});

test('paging: skip and limit, oldest first; limit out of range is a 400', async () => {
  const p = await h.project();
  const ids: string[] = [];
  for (let i = 0; i < 3; i += 1) {
    const d = policy((x) => (x.Name = `policy ${i}`));
    ids.push(d.ID);
    assert.equal((await create(p, d)).status, 200);
    h.clock.advance(1000);
  }
  const page = await h.call('GET', '/api/escalation-policy/get-list?skip=1&limit=1', { key: p.apiKey });
  assert.equal(page.status, 200, JSON.stringify(page.body));
  assert.equal(page.body.count, 3);
  assert.deepEqual(page.body.data.map((d: Json) => d.ID), [ids[1]]);
  const post = await h.call('POST', '/api/escalation-policy/get-list', { key: p.apiKey, body: { limit: 2 } });
  assert.deepEqual(post.body.data.map((d: Json) => d.ID), ids.slice(0, 2));
  assert.equal((await h.call('GET', '/api/escalation-policy?limit=0', { key: p.apiKey })).status, 400);
});

test('the OpenAPI document lists the escalation policy routes and the log resource', async () => {
  const res = await h.call('GET', '/api/openapi.json');
  assert.equal(res.status, 200);
  const paths = Object.keys(res.body.paths);
  for (const path of ['/api/escalation-policy', '/api/escalation-policy/{id}', '/api/escalation-policy-log/get-list']) {
    assert.ok(paths.includes(path), `${path} missing from ${paths.filter((x) => x.includes('escalation')).join(', ')}`);
  }
  assert.ok(res.body.paths['/api/escalation-policy'].post);
  assert.ok(res.body.paths['/api/escalation-policy/{id}'].put);
});

// Tenant isolation, for every resource the API serves: with project A's key, project B's
// rows can never be read, counted, listed, updated or deleted, and A's rows cannot point
// at B's. The matrix iterates RESOURCES and builds sample rows from each definition, so a
// new resource is covered by adding it to the registry (plus a line below if the API
// cannot create its rows, or its create needs more than its required fields).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { after, before, describe, test } from 'node:test';
import type { CreatedProject } from '../src/access/projects.ts';
import type { Field } from '../src/resources/column.ts';
import type { Resource } from '../src/resources/definition.ts';
import { RESOURCES } from '../src/resources/definitions/index.ts';
import { startHarness, type Harness } from './support/harness.ts';
import { attachmentRow, runLogRow } from './support/policies.ts';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(async () => {
  await h?.close();
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Row = Record<string, any>;

const byName = new Map(RESOURCES.map((r) => [r.name, r]));

/** Create data a resource needs beyond its required fields (rules its columns cannot express). */
const EXTRA_CREATE_DATA: Readonly<Record<string, Row>> = {
  'api-key': { role: 'Viewer' },
  'scheduled-maintenance': { startsAt: '2026-01-01T00:00:00.000Z', endsAt: '2026-01-02T00:00:00.000Z' },
  'on-call-duty-policy-schedule': { timezone: 'Europe/Berlin' },
  'on-call-duty-schedule-layer': {
    rotation: { _type: 'Recurring', value: { intervalType: 'Day', intervalCount: { _type: 'PositiveNumber', value: 1 } } },
    restrictionTimes: { _type: 'RestrictionTimes', value: { restictionType: 'None', dayRestrictionTimes: null, weeklyRestrictionTimes: [] } },
  },
  'on-call-duty-policy-user-override': { startsAt: '2026-01-01T00:00:00.000Z', endsAt: '2026-01-02T00:00:00.000Z' },
  'on-call-duty-schedule-temporary': { startsAt: '2026-01-01T00:00:00.000Z', endsAt: '2026-01-02T00:00:00.000Z', shifts: [] },
  'user-sms': { phone: '+15550001234' },
  'user-call': { phone: '+15550001234' },
  'user-webhook': { url: 'http://127.0.0.1:9/hook' },
  'workspace-destination': { workspaceType: 'Slack', channelId: 'C0123ABCD' },
  'user-notification-rule': { isOptOut: true },
  'smtp-config': { hostname: 'smtp.example.com' },
  'call-sms-config': { twilioAccountSID: 'AC0123456789', twilioPrimaryPhoneNumber: '+15550001234' },
};

/** How to get a row of a resource the API cannot create. */
const EXISTING_ROW: Readonly<Record<string, (p: CreatedProject) => Promise<string>>> = {
  project: async (p) => p.projectId,
  'incident-feed': (p) => newestOf('incident-feed', 'incident', p),
  'alert-feed': (p) => newestOf('alert-feed', 'alert', p),
  'incident-episode-feed': (p) => newestOf('incident-episode-feed', 'incident-episode', p),
  'alert-episode-feed': (p) => newestOf('alert-episode-feed', 'alert-episode', p),
  'domain-event': (p) => newestOf('domain-event', 'alert', p),
  'on-call-duty-policy-time-log': async (p) => {
    const scheduleId = await makeRow(byName.get('on-call-duty-policy-schedule')!, p);
    const id = randomUUID();
    const now = h.clock.now();
    await sql`insert into on_call_time_log (id, project_id, schedule_id, user_id, starts_at, created_at, updated_at)
      values (${id}, ${p.projectId}, ${scheduleId}, ${p.userId}, ${now}, ${now}, ${now})`.execute(h.database.db);
    return id;
  },
  'calendar-feed-token': async (p) => {
    const res = await h.call('POST', '/api/calendar-feed-token', { key: p.apiKey, body: { data: { userId: p.userId } } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body._id;
  },
  'on-call-duty-policy-execution-log-timeline': (p) => runLogRow(h, p, 'on-call-duty-policy-execution-log-timeline'),
  'user-notification-log': (p) => runLogRow(h, p, 'user-notification-log'),
  'on-call-duty-policy-attachment': (p) => attachmentRow(h, p),
  'escalation-policy-log': async (p) => {
    const id = randomUUID();
    const now = h.clock.now();
    await sql`insert into sla_escalation_log (id, project_id, incident_id, escalation_policy_id, policy_name, breach_id, condition, breach_no,
        level, breached_at, scheduled_at, fired_at, created_at, updated_at)
      values (${id}, ${p.projectId}, ${randomUUID()}, ${'0'.repeat(32)}, 'iso', ${randomUUID()}, 'start', 1, 'L0', ${now}, ${now}, ${now}, ${now}, ${now})`.execute(h.database.db);
    return id;
  },
  'notification-delivery': (p) => deliveryRow(p),
  'notification-attempt': async (p) => {
    const deliveryId = await deliveryRow(p);
    const id = randomUUID();
    const now = h.clock.now();
    await sql`insert into notification_attempt (id, project_id, delivery_id, attempt_no, status, started_at, created_at, updated_at)
      values (${id}, ${p.projectId}, ${deliveryId}, 1, 'Sent', ${now}, ${now}, ${now})`.execute(h.database.db);
    return id;
  },
  'change-event': async (p) => {
    const id = randomUUID();
    const now = h.clock.now();
    await sql`insert into change_event (id, project_id, summary, created_at, updated_at)
      values (${id}, ${p.projectId}, 'deployed', ${now}, ${now})`.execute(h.database.db);
    return id;
  },
};

/** A delivery row of the project, written as the sender writes one. */
async function deliveryRow(p: CreatedProject): Promise<string> {
  const id = randomUUID();
  const now = h.clock.now();
  await sql`insert into notification_delivery (id, project_id, outbox_id, medium, method, reason, user_id, recipient, title, body, status,
      created_at, updated_at)
    values (${id}, ${p.projectId}, ${randomUUID()}, 'EMAIL', 'email', 'on-call-policy', ${p.userId}, 'iso@example.com', 'iso', 'iso', 'Sent',
      ${now}, ${now})`.execute(h.database.db);
  return id;
}

/** Creates a row of `source` over the API, then returns the newest row of the read-only `resource` it produced. */
async function newestOf(resource: string, source: string, p: CreatedProject): Promise<string> {
  await makeRow(byName.get(source)!, p);
  const res = await h.call('POST', `/api/${resource}/get-list`, { key: p.apiKey, body: { sort: { seq: -1 } } });
  assert.ok(res.body.data?.[0], `no ${resource} row after creating a ${source}: ${JSON.stringify(res.body)}`);
  return res.body.data[0]._id;
}

let seq = 0;

/** A valid value for a field that does not point at another row. */
function sampleValue(r: Resource, f: Field): unknown {
  seq += 1;
  switch (f.kind) {
    case 'text':
    case 'longText':
      return `iso ${seq}`.slice(0, f.maxLength ?? 100);
    case 'email':
      return `iso-${process.pid}-${seq}@example.com`;
    case 'enum':
      return f.values!.at(-1);
    case 'textArray':
      return f.values ? [f.values.at(-1)] : ['iso'];
    case 'boolean':
      return true;
    case 'integer':
    case 'number':
      return f.min ?? 1;
    case 'date':
      return new Date(h.clock.now().getTime() + 86_400_000).toISOString();
    case 'json':
      return {};
    case 'uuid':
    case 'uuidArray':
      throw new Error(`${r.name}.${f.name}: no sample for an id that references nothing; add the row to EXISTING_ROW`);
  }
}

/** The id of `target`'s row as a value of reference field `f`. */
function asRef(f: Field, id: string): unknown {
  return f.kind === 'uuidArray' ? [id] : id;
}

/** Valid create data for `r` in project `p`: its required fields, referenced rows made in `p`. */
async function sampleCreateData(r: Resource, p: CreatedProject): Promise<Row> {
  const data: Row = {};
  for (const f of r.fields.values()) {
    if (!f.required) continue;
    data[f.name] = f.references ? asRef(f, await makeRow(byName.get(f.references)!, p)) : sampleValue(r, f);
  }
  return { ...data, ...EXTRA_CREATE_DATA[r.name] };
}

/** A new row of `r` in project `p` (made with the owner's key), or the existing one for resources without create. */
async function makeRow(r: Resource, p: CreatedProject): Promise<string> {
  const existing = EXISTING_ROW[r.name];
  if (existing) return existing(p);
  assert.notEqual(r.permissions.create, null, `${r.name} cannot be created over the API: add it to EXISTING_ROW in this file`);
  const data = await sampleCreateData(r, p);
  const res = await h.call('POST', `/api/${r.name}`, { key: p.apiKey, body: { data } });
  assert.equal(res.status, 200, `making a ${r.name} row: ${JSON.stringify(res.body)} (extend EXTRA_CREATE_DATA in this file?)`);
  return res.body._id;
}

/** Valid update data for `r`: one updatable field that references nothing, or `{}` when there is none. */
function sampleUpdateData(r: Resource): Row {
  const f = [...r.fields.values()].find((x) => x.updatable && !x.references);
  return f ? { [f.name]: sampleValue(r, f) } : {};
}

async function getItem(r: Resource, key: string, id: string) {
  return h.call('GET', `/api/${r.name}/${id}/get-item`, { key });
}

async function listIds(r: Resource, key: string, query: Row): Promise<{ count: number; ids: string[]; projectIds: string[] }> {
  const res = await h.call('POST', `/api/${r.name}/get-list?limit=10000`, { key, body: { query, select: { projectId: true } } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return { count: res.body.count, ids: res.body.data.map((x: Row) => x._id), projectIds: res.body.data.map((x: Row) => x.projectId) };
}

async function count(r: Resource, key: string, query: Row): Promise<number> {
  const res = await h.call('POST', `/api/${r.name}/count`, { key, body: { query } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.count;
}

for (const r of RESOURCES) {
  describe(`${r.name}: another project's rows`, () => {
    test('are never read, listed or counted', async () => {
      const a = await h.project();
      const b = await h.project();
      const aId = await makeRow(r, a);
      const bId = await makeRow(r, b);
      assert.equal((await getItem(r, b.apiKey, bId)).status, 200, 'B reads its own row');

      assert.equal((await getItem(r, a.apiKey, bId)).status, 404);
      assert.equal((await h.call('POST', `/api/${r.name}/${bId}/get-item`, { key: a.apiKey })).status, 404);
      assert.equal((await h.call('GET', `/api/${r.name}/${bId.toUpperCase()}/get-item`, { key: a.apiKey })).status, 404);

      const all = await listIds(r, a.apiKey, {});
      assert.ok(all.ids.includes(aId), 'A lists its own row');
      assert.ok(!all.ids.includes(bId));
      assert.deepEqual(new Set(all.projectIds), new Set([a.projectId]));
      assert.equal(all.count, all.ids.length);
      assert.equal(await count(r, a.apiKey, {}), all.count);

      for (const query of [
        { _id: bId },
        { _id: { _type: 'ObjectID', value: bId } },
        { _id: { _type: 'EqualTo', value: bId } },
        { projectId: b.projectId },
        { projectId: { _type: 'Includes', value: [b.projectId] } },
        { projectId: { _type: 'NotEqual', value: a.projectId } },
      ]) {
        assert.deepEqual(await listIds(r, a.apiKey, query), { count: 0, ids: [], projectIds: [] }, JSON.stringify(query));
        assert.equal(await count(r, a.apiKey, query), 0, JSON.stringify(query));
      }
      const some = await listIds(r, a.apiKey, { _id: { _type: 'Includes', value: [aId, bId] } });
      assert.deepEqual(some.ids, [aId]);

      const qs = new URLSearchParams({ query: JSON.stringify({ _id: bId }) });
      const viaGet = await h.call('GET', `/api/${r.name}/get-list?${qs}`, { key: a.apiKey });
      assert.equal(viaGet.status, 200);
      assert.equal(viaGet.body.count, 0);
      assert.deepEqual(viaGet.body.data, []);
    });

    test('are never updated or deleted', async () => {
      const a = await h.project();
      const b = await h.project();
      const bId = await makeRow(r, b);
      const seenByB = (await getItem(r, b.apiKey, bId)).body;

      const updateStatus = r.permissions.update === null ? 405 : 404;
      const data = sampleUpdateData(r);
      const put = await h.call('PUT', `/api/${r.name}/${bId}`, { key: a.apiKey, body: { data } });
      assert.equal(put.status, updateStatus, JSON.stringify(put.body));
      const post = await h.call('POST', `/api/${r.name}/${bId}/update-item`, { key: a.apiKey, body: { data } });
      assert.equal(post.status, updateStatus, JSON.stringify(post.body));

      const deleteStatus = r.permissions.delete === null ? 405 : 404;
      const del = await h.call('DELETE', `/api/${r.name}/${bId}`, { key: a.apiKey });
      assert.equal(del.status, deleteStatus, JSON.stringify(del.body));
      const delItem = await h.call('POST', `/api/${r.name}/${bId}/delete-item`, { key: a.apiKey });
      assert.equal(delItem.status, deleteStatus, JSON.stringify(delItem.body));

      const after = await getItem(r, b.apiKey, bId);
      assert.equal(after.status, 200, 'the row still exists for B');
      assert.deepEqual(after.body, seenByB, 'and is unchanged');
    });
  });

  const refFields = [...r.fields.values()].filter((f) => f.references && (f.creatable || f.updatable));
  for (const f of refFields) {
    const target = byName.get(f.references!)!;
    describe(`${r.name}.${f.name}: pointing at another project's ${target.name}`, () => {
      if (f.creatable) {
        test('on create is a 400 naming the field', async () => {
          const a = await h.project();
          const b = await h.project();
          const data = { ...(await sampleCreateData(r, a)), [f.name]: asRef(f, await makeRow(target, b)) };
          const before = await count(r, a.apiKey, {});
          const res = await h.call('POST', `/api/${r.name}`, { key: a.apiKey, body: { data } });
          assert.equal(res.status, 400, JSON.stringify(res.body));
          assert.match(res.body.error, new RegExp(`data\\.${f.name}`));
          assert.equal(await count(r, a.apiKey, {}), before, 'nothing was created');
        });
      }
      if (f.updatable) {
        test('on update is a 400 naming the field, and changes nothing', async () => {
          const a = await h.project();
          const b = await h.project();
          const aId = await makeRow(r, a);
          const seen = (await getItem(r, a.apiKey, aId)).body;
          const res = await h.call('PUT', `/api/${r.name}/${aId}`, { key: a.apiKey, body: { data: { [f.name]: asRef(f, await makeRow(target, b)) } } });
          assert.equal(res.status, 400, JSON.stringify(res.body));
          assert.match(res.body.error, new RegExp(`data\\.${f.name}`));
          assert.deepEqual((await getItem(r, a.apiKey, aId)).body, seen);
        });
      }
    });
  }
}

describe('team-member across projects', () => {
  test('neither B\'s team nor B\'s user can be used, alone or together', async () => {
    const a = await h.project();
    const b = await h.project();
    const create = (key: string, resource: string, data: Row) => h.call('POST', `/api/${resource}`, { key, body: { data } });
    const aTeam = (await create(a.apiKey, 'team', { name: 'A team' })).body._id;
    const bTeam = (await create(b.apiKey, 'team', { name: 'B team' })).body._id;
    for (const data of [
      { teamId: bTeam, userId: a.userId },
      { teamId: aTeam, userId: b.userId },
      { teamId: bTeam, userId: b.userId },
    ]) {
      const res = await create(a.apiKey, 'team-member', data);
      assert.equal(res.status, 400, JSON.stringify(data));
    }
    assert.equal(await count(byName.get('team-member')!, b.apiKey, {}), 0, 'nothing appeared in B');
    assert.equal(await count(byName.get('team-member')!, a.apiKey, {}), 0);
  });
});

describe('a person who belongs to both projects', () => {
  test("A's changes to them never show in B", async () => {
    const a = await h.project();
    const b = await h.project();
    const user = byName.get('user')!;
    const bOwner = (await getItem(user, b.apiKey, b.userId)).body;

    const added = await h.call('POST', '/api/user', { key: a.apiKey, body: { data: { email: bOwner.email, name: 'Renamed by A', role: 'Viewer' } } });
    assert.equal(added.status, 200, JSON.stringify(added.body));
    assert.equal(added.body._id, b.userId, 'the same person');

    const rename = await h.call('PUT', `/api/user/${b.userId}`, { key: a.apiKey, body: { data: { name: 'Renamed by A' } } });
    assert.equal(rename.status, 409, JSON.stringify(rename.body));
    assert.match(rename.body.error, /data\.name/);
    const promote = await h.call('PUT', `/api/user/${b.userId}`, { key: a.apiKey, body: { data: { role: 'Project Member' } } });
    assert.equal(promote.status, 200, 'the role is per project');
    assert.equal((await getItem(user, a.apiKey, b.userId)).body.role, 'Project Member');

    const removed = await h.call('DELETE', `/api/user/${b.userId}`, { key: a.apiKey });
    assert.equal(removed.status, 200);
    assert.equal((await getItem(user, a.apiKey, b.userId)).status, 404);

    assert.deepEqual((await getItem(user, b.apiKey, b.userId)).body, bOwner, 'B sees its owner exactly as before');
    assert.equal((await h.call('POST', '/api/team/get-list', { key: b.apiKey })).status, 200, "B's owner key still works");
  });
});

describe('the project resource', () => {
  test('a key lists exactly one project: its own', async () => {
    const a = await h.project('Project A');
    await h.project('Project B');
    const res = await h.call('POST', '/api/project/get-list', { key: a.apiKey });
    assert.equal(res.status, 200);
    assert.equal(res.body.count, 1);
    assert.equal(res.body.data.length, 1);
    assert.equal(res.body.data[0]._id, a.projectId);
    assert.equal(res.body.data[0].name, 'Project A');
    assert.deepEqual((await h.call('POST', '/api/project/count', { key: a.apiKey })).body, { count: 1 });
  });
});

// The generic resource API's read side, as OneUptime clients use it: every typed query
// operator, plain-value equality, wrapped input values, select, sort, paging, the GET
// forms of get-list and get-item, and count. Rows are teams, labels, API keys and users.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startHarness, type Harness } from './support/harness.ts';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(async () => {
  await h?.close();
});

const MINUTE = 60_000;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Row = Record<string, any>;

async function create(key: string, resource: string, data: Row): Promise<Row> {
  const res = await h.call('POST', `/api/${resource}`, { key, body: { data } });
  assert.equal(res.status, 200, `create ${resource}: ${JSON.stringify(res.body)}`);
  return res.body;
}

async function list(key: string, resource: string, body: Row = {}, qs = ''): Promise<{ count: number; limit: number; skip: number; data: Row[] }> {
  const res = await h.call('POST', `/api/${resource}/get-list${qs}`, { key, body });
  assert.equal(res.status, 200, `list ${resource}: ${JSON.stringify(res.body)}`);
  return res.body;
}

/** Names of the rows matching `query`, sorted, after checking `count` agrees with the rows. */
async function namesWhere(key: string, resource: string, query: Row): Promise<string[]> {
  const res = await list(key, resource, { query, select: { name: true } }, '?limit=100');
  assert.equal(res.count, res.data.length, 'count must equal the number of matching rows');
  return res.data.map((r) => r.name as string).sort();
}

/**
 * Four teams made one minute apart (so createdAt differs), with two labels:
 *   Alpha Team  "first responders"      [red]
 *   Beta        null                     [red, blue]
 *   Gamma squad "Database_100% experts"  []
 *   delta TEAM  "backup"                 [blue]
 */
async function teamFixture() {
  const p = await h.project();
  const key = p.apiKey;
  const red = await create(key, 'label', { name: 'red', color: '#ff0000' });
  const blue = await create(key, 'label', { name: 'blue', color: '#0000ff' });
  const specs = [
    { name: 'Alpha Team', description: 'first responders', labels: [red._id] },
    { name: 'Beta', labels: [red._id, blue._id] },
    { name: 'Gamma squad', description: 'Database_100% experts', labels: [] },
    { name: 'delta TEAM', description: 'backup', labels: [blue._id] },
  ];
  const teams: Row[] = [];
  for (const data of specs) {
    h.clock.advance(MINUTE);
    teams.push(await create(key, 'team', data));
  }
  const [alpha, beta, gamma, delta] = teams as [Row, Row, Row, Row];
  return { p, key, red, blue, alpha, beta, gamma, delta };
}

describe('text operators', () => {
  test('Search is a case-insensitive contains', async () => {
    const { key } = await teamFixture();
    assert.deepEqual(await namesWhere(key, 'team', { name: { _type: 'Search', value: 'team' } }), ['Alpha Team', 'delta TEAM']);
    assert.deepEqual(await namesWhere(key, 'team', { name: { _type: 'Search', value: 'ALPHA' } }), ['Alpha Team']);
  });

  test('Search treats % and _ literally', async () => {
    const { key } = await teamFixture();
    assert.deepEqual(await namesWhere(key, 'team', { description: { _type: 'Search', value: '100%' } }), ['Gamma squad']);
    assert.deepEqual(await namesWhere(key, 'team', { description: { _type: 'Search', value: '%' } }), ['Gamma squad']);
    assert.deepEqual(await namesWhere(key, 'team', { description: { _type: 'Search', value: '_' } }), ['Gamma squad']);
  });

  test('MultiSearch matches any of the listed fields', async () => {
    const { key } = await teamFixture();
    const multi = (value: string) => ({ q: { _type: 'MultiSearch', value, fields: ['name', 'description'] } });
    assert.deepEqual(await namesWhere(key, 'team', multi('RESPOND')), ['Alpha Team']);
    assert.deepEqual(await namesWhere(key, 'team', multi('back')), ['delta TEAM']);
    assert.deepEqual(await namesWhere(key, 'team', multi('ta')), ['Beta', 'Gamma squad', 'delta TEAM']);
  });

  test('MultiSearch refuses fields that are not text', async () => {
    const { key } = await teamFixture();
    const res = await h.call('POST', '/api/team/get-list', {
      key,
      body: { query: { q: { _type: 'MultiSearch', value: 'x', fields: ['name', 'createdAt'] } } },
    });
    assert.equal(res.status, 400);
    assert.match(res.body.error, /fields\[1\]/);
  });

  test('StartsWith and EndsWith ignore case', async () => {
    const { key } = await teamFixture();
    assert.deepEqual(await namesWhere(key, 'team', { name: { _type: 'StartsWith', value: 'gam' } }), ['Gamma squad']);
    assert.deepEqual(await namesWhere(key, 'team', { name: { _type: 'StartsWith', value: 'team' } }), []);
    assert.deepEqual(await namesWhere(key, 'team', { name: { _type: 'EndsWith', value: 'team' } }), ['Alpha Team', 'delta TEAM']);
  });

  test('NotContains keeps rows without the text, nulls included', async () => {
    const { key } = await teamFixture();
    assert.deepEqual(await namesWhere(key, 'team', { description: { _type: 'NotContains', value: 'BACK' } }), [
      'Alpha Team',
      'Beta',
      'Gamma squad',
    ]);
  });
});

describe('equality and null operators', () => {
  test('a plain value means equality', async () => {
    const { key, beta } = await teamFixture();
    assert.deepEqual(await namesWhere(key, 'team', { name: 'Beta' }), ['Beta']);
    assert.deepEqual(await namesWhere(key, 'team', { name: 'beta' }), []);
    assert.deepEqual(await namesWhere(key, 'team', { _id: beta._id }), ['Beta']);
    assert.deepEqual(await namesWhere(key, 'team', { description: null }), ['Beta']);
    assert.deepEqual(await namesWhere(key, 'team', { name: 'Beta', description: 'x' }), [], 'several keys are ANDed');
  });

  test('a plain value on a list field: an array is the exact set, a scalar is membership', async () => {
    const { key, red, blue } = await teamFixture();
    assert.deepEqual(await namesWhere(key, 'team', { labels: [blue._id, red._id] }), ['Beta']);
    assert.deepEqual(await namesWhere(key, 'team', { labels: [red._id] }), ['Alpha Team']);
    assert.deepEqual(await namesWhere(key, 'team', { labels: [] }), ['Gamma squad']);
    assert.deepEqual(await namesWhere(key, 'team', { labels: red._id }), ['Alpha Team', 'Beta']);
  });

  test('EqualTo, EqualToOrNull and NotEqual', async () => {
    const { key } = await teamFixture();
    assert.deepEqual(await namesWhere(key, 'team', { name: { _type: 'EqualTo', value: 'Gamma squad' } }), ['Gamma squad']);
    assert.deepEqual(await namesWhere(key, 'team', { description: { _type: 'EqualToOrNull', value: 'backup' } }), ['Beta', 'delta TEAM']);
    assert.deepEqual(await namesWhere(key, 'team', { description: { _type: 'NotEqual', value: 'backup' } }), [
      'Alpha Team',
      'Beta',
      'Gamma squad',
    ]);
  });

  test('IsNull and NotNull', async () => {
    const { key } = await teamFixture();
    assert.deepEqual(await namesWhere(key, 'team', { description: { _type: 'IsNull' } }), ['Beta']);
    assert.deepEqual(await namesWhere(key, 'team', { description: { _type: 'NotNull' } }), ['Alpha Team', 'Gamma squad', 'delta TEAM']);
  });

  test('equality on an enum field (user role)', async () => {
    const p = await h.project();
    await create(p.apiKey, 'user', { email: `ada-${p.projectId}@example.com`, name: 'Ada', role: 'Viewer' });
    await create(p.apiKey, 'user', { email: `bob-${p.projectId}@example.com`, name: 'Bob' });
    const viewers = await list(p.apiKey, 'user', { query: { role: 'Viewer' }, select: { name: true, role: true } });
    assert.deepEqual(viewers.data.map((u) => [u.name, u.role]), [['Ada', 'Viewer']]);
    const members = await list(p.apiKey, 'user', { query: { role: { _type: 'EqualTo', value: 'Project Member' } }, select: { name: true } });
    assert.deepEqual(members.data.map((u) => u.name), ['Bob']);
    const byEmail = await list(p.apiKey, 'user', { query: { email: { _type: 'Search', value: 'ADA-' } }, select: { email: true } });
    assert.equal(byEmail.count, 1);
  });
});

describe('list operators', () => {
  test('Includes: any of the values (on a list field and on an id)', async () => {
    const { key, red, alpha, gamma } = await teamFixture();
    assert.deepEqual(await namesWhere(key, 'team', { labels: { _type: 'Includes', value: [red._id] } }), ['Alpha Team', 'Beta']);
    assert.deepEqual(await namesWhere(key, 'team', { _id: { _type: 'Includes', value: [alpha._id, gamma._id] } }), ['Alpha Team', 'Gamma squad']);
    assert.deepEqual(await namesWhere(key, 'team', { name: { _type: 'Includes', value: ['Beta', 'nobody'] } }), ['Beta']);
  });

  test('IncludesAll: every value', async () => {
    const { key, red, blue } = await teamFixture();
    assert.deepEqual(await namesWhere(key, 'team', { labels: { _type: 'IncludesAll', value: [red._id, blue._id] } }), ['Beta']);
    assert.deepEqual(await namesWhere(key, 'team', { labels: { _type: 'IncludesAll', value: [blue._id] } }), ['Beta', 'delta TEAM']);
  });

  test('IncludesNone: none of the values', async () => {
    const { key, red, alpha } = await teamFixture();
    assert.deepEqual(await namesWhere(key, 'team', { labels: { _type: 'IncludesNone', value: [red._id] } }), ['Gamma squad', 'delta TEAM']);
    assert.deepEqual(await namesWhere(key, 'team', { _id: { _type: 'IncludesNone', value: [alpha._id] } }), ['Beta', 'Gamma squad', 'delta TEAM']);
  });
});

describe('range operators', () => {
  test('GreaterThan, GreaterThanOrEqual, LessThan, LessThanOrEqual on createdAt', async () => {
    const { key, alpha, beta, gamma } = await teamFixture();
    const op = (type: string, value: string) => ({ createdAt: { _type: type, value } });
    assert.deepEqual(await namesWhere(key, 'team', op('GreaterThan', beta.createdAt)), ['Gamma squad', 'delta TEAM']);
    assert.deepEqual(await namesWhere(key, 'team', op('GreaterThanOrEqual', beta.createdAt)), ['Beta', 'Gamma squad', 'delta TEAM']);
    assert.deepEqual(await namesWhere(key, 'team', op('LessThan', gamma.createdAt)), ['Alpha Team', 'Beta']);
    assert.deepEqual(await namesWhere(key, 'team', op('LessThanOrEqual', gamma.createdAt)), ['Alpha Team', 'Beta', 'Gamma squad']);
    assert.deepEqual(await namesWhere(key, 'team', op('LessThan', alpha.createdAt)), []);
  });

  test('InBetween is inclusive at both ends', async () => {
    const { key, beta, gamma } = await teamFixture();
    const query = { createdAt: { _type: 'InBetween', startValue: beta.createdAt, endValue: gamma.createdAt } };
    assert.deepEqual(await namesWhere(key, 'team', query), ['Beta', 'Gamma squad']);
  });

  test('GreaterThanOrNull and LessThanOrNull also keep rows where the field is null', async () => {
    const p = await h.project();
    const now = h.clock.now().getTime();
    const day = 24 * 60 * MINUTE;
    await create(p.apiKey, 'api-key', { name: 'one day', role: 'Viewer', expiresAt: new Date(now + day).toISOString() });
    await create(p.apiKey, 'api-key', { name: 'two days', role: 'Viewer', expiresAt: new Date(now + 2 * day).toISOString() });
    await create(p.apiKey, 'api-key', { name: 'forever', role: 'Viewer' });
    const cut = new Date(now + 1.5 * day).toISOString();
    // The project's own "Owner key" never expires either.
    assert.deepEqual(await namesWhere(p.apiKey, 'api-key', { expiresAt: { _type: 'GreaterThanOrNull', value: cut } }), [
      'Owner key',
      'forever',
      'two days',
    ]);
    assert.deepEqual(await namesWhere(p.apiKey, 'api-key', { expiresAt: { _type: 'LessThanOrNull', value: cut } }), [
      'Owner key',
      'forever',
      'one day',
    ]);
    assert.deepEqual(await namesWhere(p.apiKey, 'api-key', { expiresAt: { _type: 'GreaterThan', value: cut } }), ['two days']);
  });

  test('range operators compare text too', async () => {
    const p = await h.project();
    for (const name of ['a1', 'b2', 'c3']) await create(p.apiKey, 'label', { name });
    assert.deepEqual(await namesWhere(p.apiKey, 'label', { name: { _type: 'GreaterThan', value: 'b2' } }), ['c3']);
    assert.deepEqual(await namesWhere(p.apiKey, 'label', { name: { _type: 'InBetween', startValue: 'a1', endValue: 'b2' } }), ['a1', 'b2']);
  });
});

describe('wrapped input values', () => {
  test('ObjectID and DateTime wrappers are accepted in a query', async () => {
    const { key, beta, red } = await teamFixture();
    assert.deepEqual(await namesWhere(key, 'team', { _id: { _type: 'ObjectID', value: beta._id } }), ['Beta']);
    assert.deepEqual(
      await namesWhere(key, 'team', { createdAt: { _type: 'GreaterThan', value: { _type: 'DateTime', value: beta.createdAt } } }),
      ['Gamma squad', 'delta TEAM'],
    );
    assert.deepEqual(
      await namesWhere(key, 'team', { labels: { _type: 'Includes', value: [{ _type: 'ObjectID', value: red._id }] } }),
      ['Alpha Team', 'Beta'],
    );
    assert.deepEqual(await namesWhere(key, 'team', { _id: { _type: 'EqualTo', value: { _type: 'ObjectID', value: beta._id } } }), ['Beta']);
  });

  test('ObjectID and DateTime wrappers are accepted in create data and answered as plain values', async () => {
    const p = await h.project();
    const label = await create(p.apiKey, 'label', { name: 'wrapped' });
    const team = await create(p.apiKey, 'team', {
      name: 'Wrapped',
      labels: [{ _type: 'ObjectID', value: label._id }],
      projectId: { _type: 'ObjectID', value: p.projectId },
    });
    assert.deepEqual(team.labels, [label._id]);
    assert.equal(team.projectId, p.projectId);

    const key = await create(p.apiKey, 'api-key', {
      name: 'wrapped expiry',
      role: 'Viewer',
      expiresAt: { _type: 'DateTime', value: '2030-01-01T00:00:00.000Z' },
    });
    assert.equal(key.expiresAt, '2030-01-01T00:00:00.000Z');
    const got = await h.call('GET', `/api/api-key/${key._id}/get-item`, { key: p.apiKey });
    assert.equal(got.body.expiresAt, '2030-01-01T00:00:00.000Z');
  });

  test('wrapped values are accepted in update data', async () => {
    const p = await h.project();
    const label = await create(p.apiKey, 'label', { name: 'later' });
    const team = await create(p.apiKey, 'team', { name: 'Unlabelled' });
    const res = await h.call('PUT', `/api/team/${team._id}`, {
      key: p.apiKey,
      body: { data: { labels: [{ _type: 'ObjectID', value: label._id }] } },
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const got = await h.call('POST', `/api/team/${team._id}/get-item`, { key: p.apiKey, body: { select: { labels: true } } });
    assert.deepEqual(got.body.labels, [label._id]);
  });
});

describe('select', () => {
  test('without select, a row has _id and every default field', async () => {
    const { key, alpha, red } = await teamFixture();
    const res = await list(key, 'team', { query: { _id: alpha._id } });
    const row = res.data[0]!;
    assert.deepEqual(Object.keys(row).sort(), ['_id', 'createdAt', 'createdByUserId', 'description', 'labels', 'name', 'projectId', 'updatedAt']);
    assert.equal(row.name, 'Alpha Team');
    assert.deepEqual(row.labels, [red._id]);
    assert.match(row.createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  test('the api-key default selection leaves out who created it but shows the prefix', async () => {
    const p = await h.project();
    const res = await list(p.apiKey, 'api-key');
    const row = res.data[0]!;
    assert.deepEqual(Object.keys(row).sort(), [
      '_id',
      'createdAt',
      'description',
      'expiresAt',
      'keyPrefix',
      'name',
      'permissions',
      'projectId',
      'role',
      'updatedAt',
      'userId',
    ]);
  });

  test('an explicit select returns those fields, plus _id always', async () => {
    const { key, alpha } = await teamFixture();
    const listed = await list(key, 'team', { select: { name: true, description: false } });
    assert.equal(listed.data.length, 4);
    for (const row of listed.data) assert.deepEqual(Object.keys(row).sort(), ['_id', 'name']);

    const onlyId = await list(key, 'team', { select: { name: false } });
    for (const row of onlyId.data) assert.deepEqual(Object.keys(row), ['_id']);

    const got = await h.call('POST', `/api/team/${alpha._id}/get-item`, { key, body: { select: { description: true } } });
    assert.deepEqual(got.body, { _id: alpha._id, description: 'first responders' });
  });

  test('unknown field in select is a 400 naming it', async () => {
    const { key, alpha } = await teamFixture();
    const res = await h.call('POST', '/api/team/get-list', { key, body: { select: { name: true, colour: true } } });
    assert.equal(res.status, 400);
    assert.match(res.body.error, /colour/);
    const item = await h.call('POST', `/api/team/${alpha._id}/get-item`, { key, body: { select: { colour: true } } });
    assert.equal(item.status, 400);
    assert.match(item.body.error, /colour/);
    const viaGet = await h.call('GET', `/api/team/get-list?select=${encodeURIComponent('{"colour":true}')}`, { key });
    assert.equal(viaGet.status, 400);
    assert.match(viaGet.body.error, /colour/);
  });
});

describe('sort', () => {
  async function labels() {
    const p = await h.project();
    // Distinct createdAt, in the opposite order of their names.
    for (const [name, color] of [['c3', '#000000'], ['b2', '#111111'], ['a1', '#111111']] as const) {
      h.clock.advance(MINUTE);
      await create(p.apiKey, 'label', { name, color });
    }
    return p.apiKey;
  }
  const names = (res: { data: Row[] }) => res.data.map((r) => r.name);

  test('-1 and 1, "DESC" and "ASC"', async () => {
    const key = await labels();
    assert.deepEqual(names(await list(key, 'label', { sort: { name: 1 } })), ['a1', 'b2', 'c3']);
    assert.deepEqual(names(await list(key, 'label', { sort: { name: -1 } })), ['c3', 'b2', 'a1']);
    assert.deepEqual(names(await list(key, 'label', { sort: { name: 'ASC' } })), ['a1', 'b2', 'c3']);
    assert.deepEqual(names(await list(key, 'label', { sort: { name: 'DESC' } })), ['c3', 'b2', 'a1']);
    assert.deepEqual(names(await list(key, 'label', { sort: { createdAt: -1 } })), ['a1', 'b2', 'c3']);
    assert.deepEqual(names(await list(key, 'label', { sort: { createdAt: 1 } })), ['c3', 'b2', 'a1']);
  });

  test('several keys sort in the order given', async () => {
    const key = await labels();
    assert.deepEqual(names(await list(key, 'label', { sort: { color: 1, name: -1 } })), ['c3', 'b2', 'a1']);
    assert.deepEqual(names(await list(key, 'label', { sort: { color: 'DESC', name: 'ASC' } })), ['a1', 'b2', 'c3']);
  });

  test('without sort, newest first', async () => {
    const key = await labels();
    assert.deepEqual(names(await list(key, 'label')), ['a1', 'b2', 'c3']);
  });

  test('unknown sort field or direction is a 400 naming it', async () => {
    const key = await labels();
    const unknown = await h.call('POST', '/api/label/get-list', { key, body: { sort: { colour: 1 } } });
    assert.equal(unknown.status, 400);
    assert.match(unknown.body.error, /colour/);
    const badDirection = await h.call('GET', `/api/label/get-list?sort=${encodeURIComponent('{"name":"UP"}')}`, { key });
    assert.equal(badDirection.status, 400);
    assert.match(badDirection.body.error, /sort\.name/);
  });
});

describe('paging', () => {
  async function labels(n: number) {
    const p = await h.project();
    for (let i = 0; i < n; i++) await create(p.apiKey, 'label', { name: `l${String(i).padStart(2, '0')}`, color: i % 2 ? '#ffffff' : '#000000' });
    return p.apiKey;
  }

  test('limit defaults to 10; count is the total matching', async () => {
    const key = await labels(25);
    const res = await list(key, 'label');
    assert.equal(res.data.length, 10);
    assert.equal(res.count, 25);
    assert.equal(res.limit, 10);
    assert.equal(res.skip, 0);
  });

  test('skip and limit walk every row exactly once', async () => {
    const key = await labels(25);
    const seen: string[] = [];
    for (let skip = 0; skip < 25; skip += 7) {
      const res = await list(key, 'label', { sort: { name: 1 } }, `?skip=${skip}&limit=7`);
      assert.equal(res.count, 25);
      assert.equal(res.skip, skip);
      assert.equal(res.limit, 7);
      seen.push(...res.data.map((r) => r.name));
    }
    assert.deepEqual(seen, Array.from({ length: 25 }, (_, i) => `l${String(i).padStart(2, '0')}`));
    const past = await list(key, 'label', {}, '?skip=25');
    assert.deepEqual(past.data, []);
    assert.equal(past.count, 25);
  });

  test('skip and limit may come in the body; count follows the query', async () => {
    const key = await labels(25);
    const res = await list(key, 'label', { query: { color: '#ffffff' }, sort: { name: 1 }, skip: 10, limit: 5 });
    assert.equal(res.count, 12);
    assert.deepEqual(res.data.map((r) => r.name), ['l21', 'l23']);
    assert.equal(res.skip, 10);
    assert.equal(res.limit, 5);
  });

  test('limit up to 10000 is accepted', async () => {
    const key = await labels(12);
    const res = await list(key, 'label', {}, '?limit=10000');
    assert.equal(res.data.length, 12);
    assert.equal(res.limit, 10000);
  });
});

describe('GET forms and count', () => {
  test('GET get-list takes select, query, sort, skip and limit as JSON query-string parameters', async () => {
    const { key } = await teamFixture();
    const qs = new URLSearchParams({
      query: JSON.stringify({ name: { _type: 'Search', value: 'a' } }),
      select: JSON.stringify({ name: true }),
      sort: JSON.stringify({ name: 'DESC' }),
      skip: '1',
      limit: '2',
    });
    const res = await h.call('GET', `/api/team/get-list?${qs}`, { key });
    assert.equal(res.status, 200);
    // "a" matches all four; by name descending (delta, Gamma, Beta, Alpha) skipping one, two of them.
    assert.equal(res.body.count, 4);
    assert.equal(res.body.skip, 1);
    assert.equal(res.body.limit, 2);
    assert.equal(res.body.data.length, 2);
    for (const row of res.body.data) assert.deepEqual(Object.keys(row).sort(), ['_id', 'name']);
  });

  test('GET get-list with a query parameter that is not JSON is a 400 naming it', async () => {
    const { key } = await teamFixture();
    const res = await h.call('GET', '/api/team/get-list?query=%7Bname', { key });
    assert.equal(res.status, 400);
    assert.match(res.body.error, /^query/);
  });

  test('get-item answers the same row via GET and POST', async () => {
    const { key, gamma } = await teamFixture();
    const viaPost = await h.call('POST', `/api/team/${gamma._id}/get-item`, { key });
    const viaGet = await h.call('GET', `/api/team/${gamma._id}/get-item`, { key });
    assert.equal(viaPost.status, 200);
    assert.equal(viaGet.status, 200);
    assert.deepEqual(viaGet.body, viaPost.body);
    assert.equal(viaGet.body.name, 'Gamma squad');
    assert.equal(viaGet.body._id, gamma._id);
    const selected = await h.call('GET', `/api/team/${gamma._id.toUpperCase()}/get-item?select=${encodeURIComponent('{"name":true}')}`, { key });
    assert.deepEqual(selected.body, { _id: gamma._id, name: 'Gamma squad' });
  });

  test('count answers the number of matching rows', async () => {
    const { key, red } = await teamFixture();
    const all = await h.call('POST', '/api/team/count', { key });
    assert.deepEqual(all.body, { count: 4 });
    const some = await h.call('POST', '/api/team/count', { key, body: { query: { labels: { _type: 'Includes', value: [red._id] } } } });
    assert.equal(some.status, 200);
    assert.deepEqual(some.body, { count: 2 });
    const none = await h.call('POST', '/api/team/count', { key, body: { query: { name: 'nobody' } } });
    assert.deepEqual(none.body, { count: 0 });
  });
});

describe('queries the API cannot honour', () => {
  async function expect400(key: string, query: Row, mentions: RegExp) {
    for (const path of ['get-list', 'count']) {
      const res = await h.call('POST', `/api/team/${path}`, { key, body: { query } });
      assert.equal(res.status, 400, `${path} ${JSON.stringify(query)}: ${JSON.stringify(res.body)}`);
      assert.equal(typeof res.body.error, 'string');
      assert.match(res.body.error, mentions);
    }
  }

  test('unknown operator', async () => {
    const p = await h.project();
    await expect400(p.apiKey, { name: { _type: 'Fuzzy', value: 'x' } }, /query\.name.*Fuzzy/);
  });

  test('unknown field', async () => {
    const p = await h.project();
    await expect400(p.apiKey, { colour: 'red' }, /query\.colour/);
    await expect400(p.apiKey, { colour: { _type: 'Search', value: 'x' } }, /query\.colour/);
  });

  test('operator on a field of the wrong type', async () => {
    const p = await h.project();
    await expect400(p.apiKey, { createdAt: { _type: 'Search', value: '2026' } }, /query\.createdAt/);
    await expect400(p.apiKey, { labels: { _type: 'GreaterThan', value: '00000000-0000-0000-0000-000000000000' } }, /query\.labels/);
    await expect400(p.apiKey, { name: { _type: 'IncludesAll', value: ['x'] } }, /query\.name/);
  });

  test('value of the wrong type for the field', async () => {
    const p = await h.project();
    await expect400(p.apiKey, { createdAt: { _type: 'GreaterThan', value: 'yesterday' } }, /query\.createdAt/);
    await expect400(p.apiKey, { _id: 'not-a-uuid' }, /query\._id/);
    await expect400(p.apiKey, { name: { _type: 'Search', value: 5 } }, /query\.name/);
    await expect400(p.apiKey, { labels: { _type: 'Includes', value: 'not-a-list' } }, /query\.labels/);
    await expect400(p.apiKey, { createdAt: { _type: 'InBetween', startValue: '2026-01-01T00:00:00Z' } }, /query\.createdAt\.endValue/);
  });
});

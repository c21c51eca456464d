// Every error status of the resource API, with the body `{"error": "..."}` naming what is
// wrong, and never a 500 for a caller's mistake.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startHarness, type CallResult, type Harness } from './support/harness.ts';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(async () => {
  await h?.close();
});

const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';

/** Asserts the status and the error body shape: exactly `{error: string}`, mentioning `mentions`. */
function expectError(res: CallResult, status: number, mentions?: RegExp): void {
  assert.equal(res.status, status, `expected ${status}, got ${res.status}: ${JSON.stringify(res.body)}`);
  assert.equal(typeof res.body, 'object');
  assert.deepEqual(Object.keys(res.body), ['error']);
  assert.equal(typeof res.body.error, 'string');
  assert.ok(res.body.error.length > 0);
  if (mentions) assert.match(res.body.error, mentions);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function create(key: string, resource: string, data: Record<string, unknown>): Promise<any> {
  const res = await h.call('POST', `/api/${resource}`, { key, body: { data } });
  assert.equal(res.status, 200, `create ${resource}: ${JSON.stringify(res.body)}`);
  return res.body;
}

async function newKey(ownerKey: string, data: Record<string, unknown>): Promise<{ id: string; secret: string }> {
  const body = await create(ownerKey, 'api-key', { name: 'test key', ...data });
  return { id: body._id, secret: body.apiKey };
}

describe('400 bad request', () => {
  test('malformed JSON', async () => {
    const p = await h.project();
    const res = await h.call('POST', '/api/team', { key: p.apiKey, rawBody: '{"data": {"name": ', headers: { 'content-type': 'application/json' } });
    expectError(res, 400, /JSON/);
  });

  test('wrong value types name the field', async () => {
    const p = await h.project();
    expectError(await h.call('POST', '/api/team', { key: p.apiKey, body: { data: { name: 5 } } }), 400, /data\.name/);
    expectError(await h.call('POST', '/api/team', { key: p.apiKey, body: { data: { name: 'x', labels: 'red' } } }), 400, /data\.labels/);
    expectError(await h.call('POST', '/api/team', { key: p.apiKey, body: { data: { name: 'x', labels: ['not-a-uuid'] } } }), 400, /data\.labels/);
    expectError(await h.call('POST', '/api/api-key', { key: p.apiKey, body: { data: { name: 'k', role: 'Boss' } } }), 400, /data\.role/);
    expectError(
      await h.call('POST', '/api/api-key', { key: p.apiKey, body: { data: { name: 'k', role: 'Viewer', expiresAt: 'tomorrow' } } }),
      400,
      /data\.expiresAt/,
    );
    expectError(await h.call('POST', '/api/user', { key: p.apiKey, body: { data: { name: 'x', email: 'not an email' } } }), 400, /data\.email/);
    expectError(await h.call('POST', '/api/team', { key: p.apiKey, body: { data: { name: 'x'.repeat(101) } } }), 400, /data\.name/);
    expectError(await h.call('POST', '/api/team', { key: p.apiKey, body: { data: 'team' } }), 400, /data/);
    expectError(await h.call('POST', '/api/team', { key: p.apiKey, body: [] }), 400);
    expectError(await h.call('POST', '/api/team/get-list', { key: p.apiKey, body: { select: ['name'] } }), 400, /select/);
    expectError(await h.call('POST', '/api/team/get-list?skip=abc', { key: p.apiKey }), 400, /skip/);
  });

  test('invalid UUID in the path', async () => {
    const p = await h.project();
    expectError(await h.call('GET', '/api/team/not-a-uuid/get-item', { key: p.apiKey }), 400, /id/);
    expectError(await h.call('POST', '/api/team/123/get-item', { key: p.apiKey }), 400, /id/);
    expectError(await h.call('PUT', '/api/team/123', { key: p.apiKey, body: { data: { name: 'x' } } }), 400, /id/);
    expectError(await h.call('DELETE', '/api/team/123', { key: p.apiKey }), 400, /id/);
  });

  test('negative skip', async () => {
    const p = await h.project();
    expectError(await h.call('POST', '/api/team/get-list?skip=-1', { key: p.apiKey }), 400, /skip/);
    expectError(await h.call('GET', '/api/team/get-list?skip=-1', { key: p.apiKey }), 400, /skip/);
    expectError(await h.call('POST', '/api/team/get-list', { key: p.apiKey, body: { skip: -1 } }), 400, /skip/);
  });

  test('limit 0 and limit 10001', async () => {
    const p = await h.project();
    for (const limit of ['0', '10001', '-5']) {
      expectError(await h.call('POST', `/api/team/get-list?limit=${limit}`, { key: p.apiKey }), 400, /limit/);
      expectError(await h.call('GET', `/api/team/get-list?limit=${limit}`, { key: p.apiKey }), 400, /limit/);
      expectError(await h.call('POST', '/api/team/get-list', { key: p.apiKey, body: { limit: Number(limit) } }), 400, /limit/);
    }
  });

  test('unknown field in data', async () => {
    const p = await h.project();
    expectError(await h.call('POST', '/api/team', { key: p.apiKey, body: { data: { name: 'x', colour: 'red' } } }), 400, /colour/);
    const team = await create(p.apiKey, 'team', { name: 'Ops' });
    expectError(await h.call('PUT', `/api/team/${team._id}`, { key: p.apiKey, body: { data: { colour: 'red' } } }), 400, /colour/);
  });

  test('read-only field in data', async () => {
    const p = await h.project();
    expectError(
      await h.call('POST', '/api/api-key', { key: p.apiKey, body: { data: { name: 'k', role: 'Viewer', keyPrefix: 'vgl_abc' } } }),
      400,
      /keyPrefix/,
    );
    expectError(await h.call('POST', '/api/team', { key: p.apiKey, body: { data: { name: 'x', createdAt: '2020-01-01T00:00:00Z' } } }), 400, /createdAt/);
    expectError(await h.call('POST', '/api/team', { key: p.apiKey, body: { data: { name: 'x', _id: UNKNOWN_ID } } }), 400, /_id/);
    const user = await create(p.apiKey, 'user', { email: `u-${p.projectId}@example.com`, name: 'U' });
    expectError(await h.call('PUT', `/api/user/${user._id}`, { key: p.apiKey, body: { data: { email: 'other@example.com' } } }), 400, /email/);
    const got = await h.call('GET', `/api/user/${user._id}/get-item`, { key: p.apiKey });
    assert.equal(got.body.email, `u-${p.projectId}@example.com`);
  });

  test('missing required field', async () => {
    const p = await h.project();
    expectError(await h.call('POST', '/api/team', { key: p.apiKey, body: { data: { description: 'no name' } } }), 400, /data\.name/);
    expectError(await h.call('POST', '/api/user', { key: p.apiKey, body: { data: { name: 'no email' } } }), 400, /data\.email/);
    expectError(await h.call('POST', '/api/team', { key: p.apiKey, body: {} }), 400, /data/);
    expectError(await h.call('POST', '/api/api-key', { key: p.apiKey, body: { data: { name: 'neither role nor permission' } } }), 400, /role/);
    const count = await h.call('POST', '/api/team/count', { key: p.apiKey });
    assert.equal(count.body.count, 0, 'nothing was created');
  });

  test('projectId of another project in data', async () => {
    const a = await h.project();
    const b = await h.project();
    expectError(await h.call('POST', '/api/team', { key: a.apiKey, body: { data: { name: 'x', projectId: b.projectId } } }), 400, /data\.projectId/);
    assert.equal((await h.call('POST', '/api/team/count', { key: b.apiKey })).body.count, 0);
    assert.equal((await h.call('POST', '/api/team/count', { key: a.apiKey })).body.count, 0);
    const own = await h.call('POST', '/api/team', { key: a.apiKey, body: { data: { name: 'x', projectId: a.projectId } } });
    assert.equal(own.status, 200, 'naming your own project is allowed');
  });
});

describe('401 unauthenticated', () => {
  test('no key', async () => {
    expectError(await h.call('POST', '/api/team/get-list'), 401, /ApiKey/);
    expectError(await h.call('POST', '/api/team', { body: { data: { name: 'x' } } }), 401, /ApiKey/);
  });

  test('unknown key', async () => {
    expectError(await h.call('POST', '/api/team/get-list', { key: 'vgl_not-a-real-key' }), 401, /ApiKey/);
    expectError(await h.call('POST', '/api/team/get-list', { key: 'x'.repeat(5000) }), 401, /ApiKey/);
  });

  test('the header name is case-insensitive', async () => {
    const p = await h.project();
    const res = await h.call('POST', '/api/team/get-list', { headers: { APIKEY: p.apiKey } });
    assert.equal(res.status, 200);
  });

  test('expired key', async () => {
    const p = await h.project();
    const expiresAt = new Date(h.clock.now().getTime() + 60 * 60_000).toISOString();
    const key = await newKey(p.apiKey, { role: 'Viewer', expiresAt });
    assert.equal((await h.call('POST', '/api/team/get-list', { key: key.secret })).status, 200);
    h.clock.advance(2 * 60 * 60_000);
    expectError(await h.call('POST', '/api/team/get-list', { key: key.secret }), 401, /expired/);
    assert.equal((await h.call('POST', '/api/team/get-list', { key: p.apiKey })).status, 200, 'keys without expiry still work');
  });

  test('deleted key', async () => {
    const p = await h.project();
    const key = await newKey(p.apiKey, { role: 'Viewer' });
    assert.equal((await h.call('POST', '/api/team/get-list', { key: key.secret })).status, 200);
    assert.equal((await h.call('DELETE', `/api/api-key/${key.id}`, { key: p.apiKey })).status, 200);
    expectError(await h.call('POST', '/api/team/get-list', { key: key.secret }), 401);
  });

  test('401 comes before any check of the request', async () => {
    expectError(await h.call('POST', '/api/project', { body: { data: { name: 'x' } } }), 401);
    expectError(await h.call('GET', '/api/team/not-a-uuid/get-item'), 401);
  });
});

describe('403 forbidden', () => {
  test('a Viewer key cannot create; the message names the permission it lacks', async () => {
    const p = await h.project();
    const viewer = await newKey(p.apiKey, { role: 'Viewer' });
    const res = await h.call('POST', '/api/team', { key: viewer.secret, body: { data: { name: 'Ops' } } });
    expectError(res, 403, /Create Team/);
    assert.equal((await h.call('POST', '/api/team/count', { key: p.apiKey })).body.count, 0);
  });

  test('a ProjectID header that is not the key\'s project', async () => {
    const a = await h.project();
    const b = await h.project();
    expectError(await h.call('POST', '/api/team/get-list', { key: a.apiKey, headers: { ProjectID: b.projectId } }), 403, /ProjectID/);
    expectError(await h.call('POST', '/api/team', { key: a.apiKey, headers: { projectid: b.projectId }, body: { data: { name: 'x' } } }), 403);
    assert.equal((await h.call('POST', '/api/team/count', { key: b.apiKey })).body.count, 0);
    assert.equal((await h.call('POST', '/api/team/count', { key: a.apiKey })).body.count, 0);
  });

  test('the tenantid alias is checked the same way', async () => {
    const a = await h.project();
    const b = await h.project();
    expectError(await h.call('POST', '/api/team/get-list', { key: a.apiKey, headers: { tenantid: b.projectId } }), 403);
    expectError(await h.call('POST', '/api/team/get-list', { key: a.apiKey, headers: { TenantID: 'not-a-project' } }), 403);
  });

  test('a ProjectID or tenantid header naming the key\'s own project is accepted', async () => {
    const a = await h.project();
    assert.equal((await h.call('POST', '/api/team/get-list', { key: a.apiKey, headers: { ProjectID: a.projectId } })).status, 200);
    assert.equal((await h.call('POST', '/api/team/get-list', { key: a.apiKey, headers: { tenantid: a.projectId.toUpperCase() } })).status, 200);
  });
});

describe('404 not found', () => {
  test('unknown id on get, update and delete', async () => {
    const p = await h.project();
    const k = p.apiKey;
    expectError(await h.call('GET', `/api/team/${UNKNOWN_ID}/get-item`, { key: k }), 404, new RegExp(UNKNOWN_ID));
    expectError(await h.call('POST', `/api/team/${UNKNOWN_ID}/get-item`, { key: k }), 404);
    expectError(await h.call('PUT', `/api/team/${UNKNOWN_ID}`, { key: k, body: { data: { name: 'x' } } }), 404);
    expectError(await h.call('POST', `/api/team/${UNKNOWN_ID}/update-item`, { key: k, body: { data: { name: 'x' } } }), 404);
    expectError(await h.call('DELETE', `/api/team/${UNKNOWN_ID}`, { key: k }), 404);
    expectError(await h.call('POST', `/api/team/${UNKNOWN_ID}/delete-item`, { key: k }), 404);
    expectError(await h.call('DELETE', `/api/user/${UNKNOWN_ID}`, { key: k }), 404);
    expectError(await h.call('PUT', `/api/user/${UNKNOWN_ID}`, { key: k, body: { data: { role: 'Viewer' } } }), 404);
  });

  test('a row deleted a moment ago is gone', async () => {
    const p = await h.project();
    const team = await create(p.apiKey, 'team', { name: 'Short-lived' });
    assert.equal((await h.call('POST', `/api/team/${team._id}/delete-item`, { key: p.apiKey })).status, 200);
    expectError(await h.call('GET', `/api/team/${team._id}/get-item`, { key: p.apiKey }), 404);
    expectError(await h.call('DELETE', `/api/team/${team._id}`, { key: p.apiKey }), 404);
  });

  test('unknown route', async () => {
    const p = await h.project();
    expectError(await h.call('POST', '/api/no-such-resource/get-list', { key: p.apiKey }), 404, /no-such-resource/);
    expectError(await h.call('GET', '/nothing-here'), 404);
  });
});

describe('405 operation not offered', () => {
  test('projects cannot be created or deleted over the API', async () => {
    const p = await h.project();
    expectError(await h.call('POST', '/api/project', { key: p.apiKey, body: { data: { name: 'Another' } } }), 405, /Project cannot be created/);
    expectError(await h.call('POST', '/api/project', { key: p.apiKey, body: {} }), 405);
    expectError(await h.call('DELETE', `/api/project/${p.projectId}`, { key: p.apiKey }), 405, /Project cannot be deleted/);
    expectError(await h.call('POST', `/api/project/${p.projectId}/delete-item`, { key: p.apiKey }), 405);
    const list = await h.call('POST', '/api/project/get-list', { key: p.apiKey });
    assert.equal(list.body.count, 1, 'the project is still there, and no other was made');
  });

  test('team members cannot be updated, whatever the body', async () => {
    const p = await h.project();
    const team = await create(p.apiKey, 'team', { name: 'Ops' });
    const other = await create(p.apiKey, 'team', { name: 'Dev' });
    const member = await create(p.apiKey, 'team-member', { teamId: team._id, userId: p.userId });
    for (const data of [{ teamId: other._id }, {}, { nonsense: true }]) {
      expectError(await h.call('PUT', `/api/team-member/${member._id}`, { key: p.apiKey, body: { data } }), 405, /Team Member cannot be updated/);
    }
    expectError(await h.call('POST', `/api/team-member/${member._id}/update-item`, { key: p.apiKey, body: { data: { teamId: other._id } } }), 405);
    const got = await h.call('GET', `/api/team-member/${member._id}/get-item`, { key: p.apiKey });
    assert.equal(got.body.teamId, team._id);
  });

  test('405 whatever the key\'s role', async () => {
    const p = await h.project();
    const viewer = await newKey(p.apiKey, { role: 'Viewer' });
    expectError(await h.call('POST', '/api/project', { key: viewer.secret, body: { data: { name: 'x' } } }), 405);
  });
});

describe('409 conflict', () => {
  test('duplicate team name (case-insensitive)', async () => {
    const p = await h.project();
    await create(p.apiKey, 'team', { name: 'Ops' });
    expectError(await h.call('POST', '/api/team', { key: p.apiKey, body: { data: { name: 'Ops' } } }), 409, /Team/);
    expectError(await h.call('POST', '/api/team', { key: p.apiKey, body: { data: { name: 'OPS' } } }), 409);
    const dev = await create(p.apiKey, 'team', { name: 'Dev' });
    expectError(await h.call('PUT', `/api/team/${dev._id}`, { key: p.apiKey, body: { data: { name: 'ops' } } }), 409);
    assert.equal((await h.call('POST', '/api/team/count', { key: p.apiKey })).body.count, 2);
  });

  test('the same name in another project is fine', async () => {
    const a = await h.project();
    const b = await h.project();
    await create(a.apiKey, 'team', { name: 'Ops' });
    await create(b.apiKey, 'team', { name: 'Ops' });
  });

  test('adding the same user twice, to the project or to a team', async () => {
    const p = await h.project();
    const email = `twice-${p.projectId}@example.com`;
    const user = await create(p.apiKey, 'user', { email, name: 'Twice' });
    expectError(await h.call('POST', '/api/user', { key: p.apiKey, body: { data: { email: email.toUpperCase(), name: 'Twice' } } }), 409, /already a member/);
    const team = await create(p.apiKey, 'team', { name: 'Ops' });
    await create(p.apiKey, 'team-member', { teamId: team._id, userId: user._id });
    expectError(await h.call('POST', '/api/team-member', { key: p.apiKey, body: { data: { teamId: team._id, userId: user._id } } }), 409);
    assert.equal((await h.call('POST', '/api/team-member/count', { key: p.apiKey })).body.count, 1);
  });

  test('removing or demoting the last Project Owner', async () => {
    const p = await h.project();
    expectError(await h.call('DELETE', `/api/user/${p.userId}`, { key: p.apiKey }), 409, /Project Owner/);
    expectError(await h.call('PUT', `/api/user/${p.userId}`, { key: p.apiKey, body: { data: { role: 'Project Admin' } } }), 409, /Project Owner/);
    const got = await h.call('GET', `/api/user/${p.userId}/get-item`, { key: p.apiKey });
    assert.equal(got.body.role, 'Project Owner');

    // With a second owner, the first may step down.
    await create(p.apiKey, 'user', { email: `second-${p.projectId}@example.com`, name: 'Second', role: 'Project Owner' });
    assert.equal((await h.call('PUT', `/api/user/${p.userId}`, { key: p.apiKey, body: { data: { role: 'Project Admin' } } })).status, 200);
  });
});

describe('413 and 415', () => {
  test('a body over 1 MB is a 413', async () => {
    const p = await h.project();
    const rawBody = JSON.stringify({ data: { name: 'big', description: 'x'.repeat(1_100_000) } });
    expectError(await h.call('POST', '/api/team', { key: p.apiKey, rawBody, headers: { 'content-type': 'application/json' } }), 413, /body/);
    assert.equal((await h.call('POST', '/api/team/count', { key: p.apiKey })).body.count, 0);
  });

  test('a text/plain body is a 415', async () => {
    const p = await h.project();
    const res = await h.call('POST', '/api/team', { key: p.apiKey, rawBody: '{"data":{"name":"x"}}', headers: { 'content-type': 'text/plain' } });
    expectError(res, 415, /Content-Type/);
    expectError(await h.call('POST', '/api/team/get-list', { key: p.apiKey, rawBody: 'hello', headers: { 'content-type': 'text/plain' } }), 415);
    assert.equal((await h.call('POST', '/api/team/count', { key: p.apiKey })).body.count, 0);
  });
});

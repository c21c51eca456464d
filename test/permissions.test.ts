// What each role and permission lets an API key do, that nobody can hand out more than
// they hold, and the life of an API key's secret.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { CreatedProject } from '../src/access/projects.ts';
import { RESOURCES } from '../src/resources/definitions/index.ts';
import { startHarness, type Harness } from './support/harness.ts';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(async () => {
  await h?.close();
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Row = Record<string, any>;
type Role = 'Project Owner' | 'Project Admin' | 'Project Member' | 'Viewer';
const ROLES: readonly Role[] = ['Project Owner', 'Project Admin', 'Project Member', 'Viewer'];

let seq = 0;
const email = () => `perm-${process.pid}-${++seq}@example.com`;

async function create(key: string, resource: string, data: Row): Promise<Row> {
  const res = await h.call('POST', `/api/${resource}`, { key, body: { data } });
  assert.equal(res.status, 200, `create ${resource}: ${JSON.stringify(res.body)}`);
  return res.body;
}

/** A new key of the project, made by its owner; returns its id and secret. */
async function keyWith(p: CreatedProject, grant: { role?: Role; permissions?: string[] }): Promise<{ id: string; secret: string }> {
  const body = await create(p.apiKey, 'api-key', { name: `key ${++seq}`, ...grant });
  return { id: body._id, secret: body.apiKey };
}

async function countOf(p: CreatedProject, resource: string): Promise<number> {
  return (await h.call('POST', `/api/${resource}/count`, { key: p.apiKey })).body.count;
}

/** For each resource: data to create one, a row to update (and the change), a row to delete; made by the owner. */
interface Subject {
  readonly title: string;
  createData(p: CreatedProject): Promise<Row>;
  /** A row the owner made for the role under test to change; `null` where the resource has no update. */
  updateTarget(p: CreatedProject): Promise<{ id: string; data: Row } | null>;
  deleteTarget(p: CreatedProject): Promise<string>;
}

const SUBJECTS: Record<string, Subject> = {
  team: {
    title: 'Team',
    createData: async () => ({ name: `team ${++seq}` }),
    updateTarget: async (p) => ({ id: (await create(p.apiKey, 'team', { name: `team ${++seq}` }))._id, data: { description: 'changed' } }),
    deleteTarget: async (p) => (await create(p.apiKey, 'team', { name: `team ${++seq}` }))._id,
  },
  'api-key': {
    title: 'API Key',
    createData: async () => ({ name: `key ${++seq}`, role: 'Viewer' }),
    updateTarget: async (p) => ({ id: (await keyWith(p, { role: 'Viewer' })).id, data: { description: 'changed' } }),
    deleteTarget: async (p) => (await keyWith(p, { role: 'Viewer' })).id,
  },
  user: {
    title: 'Project User',
    createData: async () => ({ email: email(), name: 'New person', role: 'Viewer' }),
    updateTarget: async (p) => ({ id: (await create(p.apiKey, 'user', { email: email(), name: 'Before', role: 'Viewer' }))._id, data: { name: 'After' } }),
    deleteTarget: async (p) => (await create(p.apiKey, 'user', { email: email(), name: 'Leaving', role: 'Viewer' }))._id,
  },
  'team-permission': {
    title: 'Team Permission',
    createData: async (p) => ({ teamId: (await create(p.apiKey, 'team', { name: `team ${++seq}` }))._id, permission: 'Read Label' }),
    updateTarget: async () => null,
    deleteTarget: async (p) => {
      const team = await create(p.apiKey, 'team', { name: `team ${++seq}` });
      return (await create(p.apiKey, 'team-permission', { teamId: team._id, permission: 'Read Team' }))._id;
    },
  },
};

/** Which roles may write each subject (every role reads every subject). */
const WRITERS: Record<string, readonly Role[]> = {
  team: ['Project Owner', 'Project Admin', 'Project Member'],
  'api-key': ['Project Owner', 'Project Admin'],
  user: ['Project Owner', 'Project Admin'],
  'team-permission': ['Project Owner', 'Project Admin'],
};

describe('roles against each operation', () => {
  for (const [resource, subject] of Object.entries(SUBJECTS)) {
    for (const role of ROLES) {
      const writes = WRITERS[resource]!.includes(role);
      test(`${role} on ${resource}: reads, and ${writes ? 'writes' : 'cannot write'}`, async () => {
        const p = await h.project();
        const key = (await keyWith(p, { role })).secret;
        const existing = await subject.deleteTarget(p);

        // Read: every role.
        const listed = await h.call('POST', `/api/${resource}/get-list`, { key });
        assert.equal(listed.status, 200, JSON.stringify(listed.body));
        assert.ok(listed.body.count >= 1);
        assert.equal((await h.call('GET', `/api/${resource}/${existing}/get-item`, { key })).status, 200);
        assert.equal((await h.call('POST', `/api/${resource}/count`, { key })).status, 200);

        // Create.
        const before = await countOf(p, resource);
        const created = await h.call('POST', `/api/${resource}`, { key, body: { data: await subject.createData(p) } });
        if (writes) {
          assert.equal(created.status, 200, JSON.stringify(created.body));
          assert.equal(await countOf(p, resource), before + 1);
        } else {
          assert.equal(created.status, 403, JSON.stringify(created.body));
          assert.match(created.body.error, new RegExp(`Create ${subject.title}`));
          assert.equal(await countOf(p, resource), before, 'nothing was created');
        }

        // Update.
        const target = await subject.updateTarget(p);
        if (target === null) {
          const res = await h.call('PUT', `/api/${resource}/${existing}`, { key, body: { data: { permission: 'Read Team' } } });
          assert.equal(res.status, 405, 'nobody updates this resource');
        } else {
          const seen = (await h.call('GET', `/api/${resource}/${target.id}/get-item`, { key: p.apiKey })).body;
          const res = await h.call('PUT', `/api/${resource}/${target.id}`, { key, body: { data: target.data } });
          const now = (await h.call('GET', `/api/${resource}/${target.id}/get-item`, { key: p.apiKey })).body;
          if (writes) {
            assert.equal(res.status, 200, JSON.stringify(res.body));
            for (const [field, value] of Object.entries(target.data)) assert.equal(now[field], value);
          } else {
            assert.equal(res.status, 403, JSON.stringify(res.body));
            assert.match(res.body.error, new RegExp(`Edit ${subject.title}`));
            assert.deepEqual(now, seen, 'nothing changed');
          }
        }

        // Delete.
        const victim = await subject.deleteTarget(p);
        const del = await h.call('DELETE', `/api/${resource}/${victim}`, { key });
        const gone = (await h.call('GET', `/api/${resource}/${victim}/get-item`, { key: p.apiKey })).status === 404;
        if (writes) {
          assert.equal(del.status, 200, JSON.stringify(del.body));
          assert.ok(gone);
        } else {
          assert.equal(del.status, 403, JSON.stringify(del.body));
          assert.match(del.body.error, new RegExp(`Delete ${subject.title}`));
          assert.ok(!gone, 'the row is still there');
        }
      });
    }
  }
});

describe('explicit permissions', () => {
  test('a key with only "Read Team" reads teams and nothing else', async () => {
    const p = await h.project();
    const team = await create(p.apiKey, 'team', { name: 'Ops' });
    await create(p.apiKey, 'label', { name: 'red' });
    const key = (await keyWith(p, { permissions: ['Read Team'] })).secret;

    const teams = await h.call('POST', '/api/team/get-list', { key });
    assert.equal(teams.status, 200);
    assert.deepEqual(teams.body.data.map((t: Row) => t.name), ['Ops']);
    assert.equal((await h.call('GET', `/api/team/${team._id}/get-item`, { key })).status, 200);

    const labels = await h.call('POST', '/api/label/get-list', { key });
    assert.equal(labels.status, 403);
    assert.match(labels.body.error, /Read Label/);
    assert.equal((await h.call('POST', '/api/label/count', { key })).status, 403);

    const write = await h.call('POST', '/api/team', { key, body: { data: { name: 'Dev' } } });
    assert.equal(write.status, 403);
    assert.match(write.body.error, /Create Team/);
    assert.equal((await h.call('PUT', `/api/team/${team._id}`, { key, body: { data: { name: 'Renamed' } } })).status, 403);
  });

  test('explicit permissions add to a role', async () => {
    const p = await h.project();
    const key = (await keyWith(p, { role: 'Viewer', permissions: ['Create Label'] })).secret;
    assert.equal((await h.call('POST', '/api/label', { key, body: { data: { name: 'mine' } } })).status, 200);
    assert.equal((await h.call('POST', '/api/team', { key, body: { data: { name: 'Ops' } } })).status, 403);
  });

  test('"Read All Project Resources" reads every resource, writes none', async () => {
    const p = await h.project();
    const key = (await keyWith(p, { permissions: ['Read All Project Resources'] })).secret;
    for (const r of RESOURCES) {
      const res = await h.call('POST', `/api/${r.name}/get-list`, { key });
      assert.equal(res.status, 200, `${r.name}: ${JSON.stringify(res.body)}`);
      assert.equal((await h.call('POST', `/api/${r.name}/count`, { key })).status, 200, r.name);
    }
    assert.equal((await h.call('POST', '/api/team', { key, body: { data: { name: 'Ops' } } })).status, 403);
    assert.equal((await h.call('POST', '/api/label', { key, body: { data: { name: 'red' } } })).status, 403);
  });
});

describe('privilege escalation is refused', () => {
  test('an Admin cannot create a Project Owner key, by role or by permission', async () => {
    const p = await h.project();
    const admin = (await keyWith(p, { role: 'Project Admin' })).secret;
    const before = await countOf(p, 'api-key');
    for (const data of [
      { name: 'owner', role: 'Project Owner' },
      { name: 'owner', permissions: ['Project Owner'] },
      { name: 'owner', role: 'Viewer', permissions: ['Project Owner'] },
    ]) {
      const res = await h.call('POST', '/api/api-key', { key: admin, body: { data } });
      assert.equal(res.status, 403, JSON.stringify(data));
      assert.match(res.body.error, /Project Owner/);
    }
    assert.equal(await countOf(p, 'api-key'), before);
    assert.equal((await h.call('POST', '/api/api-key', { key: admin, body: { data: { name: 'ok', role: 'Project Admin' } } })).status, 200);
  });

  test('an Admin cannot raise a key to Owner, nor touch an Owner key', async () => {
    const p = await h.project();
    const admin = (await keyWith(p, { role: 'Project Admin' })).secret;
    const viewer = await keyWith(p, { role: 'Viewer' });
    const raise = await h.call('PUT', `/api/api-key/${viewer.id}`, { key: admin, body: { data: { role: 'Project Owner' } } });
    assert.equal(raise.status, 403);
    const owner = await keyWith(p, { role: 'Project Owner' });
    assert.equal((await h.call('PUT', `/api/api-key/${owner.id}`, { key: admin, body: { data: { name: 'hijacked' } } })).status, 403);
    assert.equal((await h.call('DELETE', `/api/api-key/${owner.id}`, { key: admin })).status, 403);
    assert.equal((await h.call('POST', '/api/team/get-list', { key: owner.secret })).status, 200, 'the owner key still works');
    const seen = await h.call('GET', `/api/api-key/${viewer.id}/get-item`, { key: p.apiKey });
    assert.equal(seen.body.role, 'Viewer');
  });

  test('an Admin cannot make a user Owner, nor change or remove an Owner', async () => {
    const p = await h.project();
    const admin = (await keyWith(p, { role: 'Project Admin' })).secret;
    const newOwner = await h.call('POST', '/api/user', { key: admin, body: { data: { email: email(), name: 'X', role: 'Project Owner' } } });
    assert.equal(newOwner.status, 403);
    assert.match(newOwner.body.error, /Project Owner/);

    const member = await create(p.apiKey, 'user', { email: email(), name: 'M' });
    assert.equal((await h.call('PUT', `/api/user/${member._id}`, { key: admin, body: { data: { role: 'Project Owner' } } })).status, 403);
    assert.equal((await h.call('GET', `/api/user/${member._id}/get-item`, { key: p.apiKey })).body.role, 'Project Member');

    assert.equal((await h.call('PUT', `/api/user/${p.userId}`, { key: admin, body: { data: { role: 'Viewer' } } })).status, 403);
    assert.equal((await h.call('DELETE', `/api/user/${p.userId}`, { key: admin })).status, 403);
    assert.equal((await h.call('GET', `/api/user/${p.userId}/get-item`, { key: p.apiKey })).body.role, 'Project Owner');

    assert.equal((await h.call('PUT', `/api/user/${member._id}`, { key: admin, body: { data: { role: 'Project Admin' } } })).status, 200);
  });

  test('a key with only "Create API Key" cannot mint a more powerful key', async () => {
    const p = await h.project();
    const minter = (await keyWith(p, { permissions: ['Create API Key'] })).secret;
    const before = await countOf(p, 'api-key');
    for (const data of [
      { name: 'x', role: 'Project Owner' },
      { name: 'x', permissions: ['Project Owner'] },
      { name: 'x', role: 'Viewer' },
      { name: 'x', permissions: ['Read All Project Resources'] },
      { name: 'x', permissions: ['Create API Key', 'Delete API Key'] },
    ]) {
      const res = await h.call('POST', '/api/api-key', { key: minter, body: { data } });
      assert.equal(res.status, 403, `${JSON.stringify(data)}: ${JSON.stringify(res.body)}`);
    }
    assert.equal(await countOf(p, 'api-key'), before);
    const same = await h.call('POST', '/api/api-key', { key: minter, body: { data: { name: 'copy', permissions: ['Create API Key'] } } });
    assert.equal(same.status, 200, 'it may hand out what it holds');
  });

  test('granting a team a permission is held to the same rule', async () => {
    const p = await h.project();
    const admin = (await keyWith(p, { role: 'Project Admin' })).secret;
    const team = await create(p.apiKey, 'team', { name: 'Cabal' });
    const res = await h.call('POST', '/api/team-permission', { key: admin, body: { data: { teamId: team._id, permission: 'Project Owner' } } });
    assert.equal(res.status, 403);
    assert.match(res.body.error, /Project Owner/);
    const granter = (await keyWith(p, { permissions: ['Create Team Permission'] })).secret;
    const res2 = await h.call('POST', '/api/team-permission', { key: granter, body: { data: { teamId: team._id, permission: 'Delete Team' } } });
    assert.equal(res2.status, 403);
    assert.equal(await countOf(p, 'team-permission'), 0);
  });
});

describe('API key secrets', () => {
  test('create answers the secret once; it works as a key; get-item and get-list never show it', async () => {
    const p = await h.project();
    const created = await create(p.apiKey, 'api-key', { name: 'ci', role: 'Viewer' });
    assert.equal(typeof created.apiKey, 'string');
    assert.ok(created.apiKey.length >= 40);
    assert.ok(created.apiKey.startsWith(created.keyPrefix));
    assert.notEqual(created.apiKey, p.apiKey);

    const used = await h.call('POST', '/api/team/get-list', { key: created.apiKey });
    assert.equal(used.status, 200);
    assert.equal((await h.call('POST', '/api/team', { key: created.apiKey, body: { data: { name: 'x' } } })).status, 403, 'with its role');

    for (const res of [
      await h.call('GET', `/api/api-key/${created._id}/get-item`, { key: p.apiKey }),
      await h.call('POST', `/api/api-key/${created._id}/get-item`, { key: p.apiKey }),
    ]) {
      assert.equal(res.status, 200);
      assert.equal(res.body.apiKey, undefined);
      assert.ok(!JSON.stringify(res.body).includes(created.apiKey));
    }
    const listed = await h.call('POST', '/api/api-key/get-list', { key: p.apiKey });
    assert.ok(!JSON.stringify(listed.body).includes(created.apiKey));
    assert.ok(listed.body.data.every((k: Row) => !('apiKey' in k)));
    const asked = await h.call('POST', `/api/api-key/${created._id}/get-item`, { key: p.apiKey, body: { select: { apiKey: true } } });
    assert.equal(asked.status, 400, 'the secret is not a readable field');
  });

  test('deleting a key revokes it at once', async () => {
    const p = await h.project();
    const key = await keyWith(p, { role: 'Project Admin' });
    assert.equal((await h.call('POST', '/api/team/get-list', { key: key.secret })).status, 200);
    assert.equal((await h.call('DELETE', `/api/api-key/${key.id}`, { key: p.apiKey })).status, 200);
    const after = await h.call('POST', '/api/team/get-list', { key: key.secret });
    assert.equal(after.status, 401);
    assert.equal((await h.call('POST', '/api/team', { key: key.secret, body: { data: { name: 'x' } } })).status, 401);
  });

  test('a key may revoke itself', async () => {
    const p = await h.project();
    const key = await keyWith(p, { role: 'Project Admin' });
    assert.equal((await h.call('POST', `/api/api-key/${key.id}/delete-item`, { key: key.secret })).status, 200);
    assert.equal((await h.call('POST', '/api/team/get-list', { key: key.secret })).status, 401);
  });
});

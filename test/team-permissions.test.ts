import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { userPermissions } from '../src/access/user-permissions.ts';
import { startHarness, type Harness } from './support/harness.ts';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(() => h.close());

test("a user's permissions are their role plus their teams' grants, in that project only", async () => {
  const a = await h.project();
  const b = await h.project();
  const viewer = await h.call('POST', '/api/user', { key: a.apiKey, body: { data: { email: 'vi@example.com', name: 'Vi', role: 'Viewer' } } });
  assert.equal(viewer.status, 200, JSON.stringify(viewer.body));
  const userId = viewer.body._id as string;

  let perms = await userPermissions(h.database.db, a.projectId, userId);
  assert.equal(perms?.role, 'Viewer');
  assert.equal(perms?.permissions.has('Create Team'), false);

  const team = await h.call('POST', '/api/team', { key: a.apiKey, body: { data: { name: 'Responders' } } });
  await h.call('POST', '/api/team-member', { key: a.apiKey, body: { data: { teamId: team.body._id, userId } } });
  const grant = await h.call('POST', '/api/team-permission', { key: a.apiKey, body: { data: { teamId: team.body._id, permission: 'Create Team' } } });
  assert.equal(grant.status, 200, JSON.stringify(grant.body));

  perms = await userPermissions(h.database.db, a.projectId, userId);
  assert.equal(perms?.permissions.has('Create Team'), true);
  assert.equal(perms?.permissions.has('Read All Project Resources'), true);
  assert.equal(await userPermissions(h.database.db, b.projectId, userId), null, 'not a member of the other project');

  const bogus = await h.call('POST', '/api/team-permission', { key: a.apiKey, body: { data: { teamId: team.body._id, permission: 'Launch Rockets' } } });
  assert.equal(bogus.status, 400);
  assert.match(bogus.body.error, /permission/);

  await h.call('DELETE', `/api/user/${userId}`, { key: a.apiKey });
  assert.equal(await userPermissions(h.database.db, a.projectId, userId), null, 'removed from the project, grants gone');
  const members = await h.call('POST', '/api/team-member/count', { key: a.apiKey, body: { query: { userId } } });
  assert.equal(members.body.count, 0, 'removing a user from the project removes their team memberships');
});

test('an admin cannot grant a team the Project Owner role', async () => {
  const a = await h.project();
  const admin = await h.call('POST', '/api/api-key', { key: a.apiKey, body: { data: { name: 'admin', role: 'Project Admin' } } });
  const team = await h.call('POST', '/api/team', { key: a.apiKey, body: { data: { name: 'Cabal' } } });
  const res = await h.call('POST', '/api/team-permission', { key: admin.body.apiKey, body: { data: { teamId: team.body._id, permission: 'Project Owner' } } });
  assert.equal(res.status, 403);
  assert.match(res.body.error, /Project Owner/);
  const ok = await h.call('POST', '/api/team-permission', { key: admin.body.apiKey, body: { data: { teamId: team.body._id, permission: 'Read Label' } } });
  assert.equal(ok.status, 200);
});

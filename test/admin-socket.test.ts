import assert from 'node:assert/strict';
import { mkdtempSync, statSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { adminOps } from '../src/app/admin-ops.ts';
import { startAdminServer } from '../src/app/admin-server.ts';
import { startHarness, type Harness } from './support/harness.ts';

let h: Harness;
let admin: FastifyInstance;
const socket = path.join(mkdtempSync(path.join(tmpdir(), 'vigil-admin-')), 'admin.sock');

before(async () => {
  h = await startHarness();
  admin = await startAdminServer(socket, adminOps(h.database.db, h.clock));
});
after(async () => {
  await admin.close();
  await h.close();
});

function post(route: string, body: string): Promise<{ status: number; body: { error?: string; [k: string]: unknown } }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath: socket, path: route, method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

test('the admin socket is private to its owner', () => {
  assert.equal(statSync(socket).mode & 0o777, 0o600);
});

test('creates a project whose owner key works on the API', async () => {
  const res = await post('/admin/projects', JSON.stringify({ name: 'Sock', ownerEmail: 'sock@example.com' }));
  assert.equal(res.status, 200);
  const list = await h.call('POST', '/api/project/get-list', { key: res.body.apiKey as string });
  assert.equal(list.body.data[0].name, 'Sock');
  const key = await post('/admin/api-keys', JSON.stringify({ projectId: res.body.projectId, role: 'Viewer' }));
  assert.equal(key.status, 200);
  const write = await h.call('POST', '/api/team', { key: key.body.apiKey as string, body: { data: { name: 'x' } } });
  assert.equal(write.status, 403);
});

test('malformed input gets a 4xx naming the problem', async () => {
  const cases: [string, string, number, RegExp][] = [
    ['/admin/projects', '{nope', 400, /not valid JSON/],
    ['/admin/projects', JSON.stringify({ name: 'X' }), 400, /ownerEmail/],
    ['/admin/projects', JSON.stringify({ name: '', ownerEmail: 'a@b.co' }), 400, /name/],
    ['/admin/api-keys', JSON.stringify({ projectId: 'not-a-uuid' }), 400, /projectId: must be a UUID/],
    ['/admin/api-keys', JSON.stringify({ projectId: '00000000-0000-4000-8000-000000000000', role: 'Viewer' }), 404, /No project/],
    ['/admin/api-keys', JSON.stringify({ projectId: '00000000-0000-4000-8000-000000000000', role: 'King' }), 400, /role/],
  ];
  for (const [route, body, status, message] of cases) {
    const res = await post(route, body);
    assert.equal(res.status, status, `${route} ${body}: ${JSON.stringify(res.body)}`);
    assert.match(res.body.error ?? '', message);
  }
});

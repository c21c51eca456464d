import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { buildApp } from '../src/app/build-app.ts';
import { RESOURCES } from '../src/resources/definitions/index.ts';
import { FakeClock } from '../src/storage/clock.ts';
import { openDatabase } from '../src/storage/database.ts';
import { bundledMigrations, migrate, pendingMigrations } from '../src/storage/migrate.ts';
import { startHarness, type Harness } from './support/harness.ts';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(() => h.close());

describe('migrations', () => {
  test('a migrated database has nothing pending and migrating again applies nothing', async () => {
    assert.deepEqual(await pendingMigrations(h.database.db), []);
    assert.deepEqual(await migrate(h.database.db), []);
    assert.ok(bundledMigrations().length >= 1);
  });

  test('a fresh embedded database migrates from nothing, and /readyz says 503 until it has', async () => {
    const fresh = await openDatabase({ kind: 'pglite' });
    try {
      const app = await buildApp({ db: fresh.db, clock: new FakeClock() });
      const before = await app.http.inject({ method: 'GET', url: '/readyz' });
      assert.equal(before.statusCode, 503);
      assert.equal(before.json().status, 'migrations pending');
      assert.deepEqual(await migrate(fresh.db), bundledMigrations().map((m) => m.id));
      assert.equal((await app.http.inject({ method: 'GET', url: '/readyz' })).statusCode, 200);
      await app.http.close();
    } finally {
      await fresh.close();
    }
  });
});

describe('health', () => {
  test('/healthz and /readyz answer without a key; /readyz turns 503 when shutting down', async () => {
    const app = await buildApp({ db: h.database.db, clock: h.clock });
    assert.deepEqual((await app.http.inject({ method: 'GET', url: '/healthz' })).json(), { status: 'ok' });
    assert.deepEqual((await app.http.inject({ method: 'GET', url: '/readyz' })).json(), { status: 'ready' });
    app.beginShutdown();
    assert.equal((await app.http.inject({ method: 'GET', url: '/readyz' })).statusCode, 503);
    await app.http.close();
  });

  test('every answer carries a request id, taken from X-Request-Id when given', async () => {
    const res = await h.app.http.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'abc-123' } });
    assert.equal(res.headers['x-request-id'], 'abc-123');
    const err = await h.call('POST', '/api/team/get-list');
    assert.equal(err.status, 401);
    assert.match(String(err.headers['x-request-id']), /^[0-9a-f-]{36}$/);
  });
});

describe('OpenAPI document', () => {
  test('is OpenAPI 3 and covers every route of every resource, with the ApiKey scheme', async () => {
    const res = await h.call('GET', '/api/openapi.json');
    assert.equal(res.status, 200);
    const doc = res.body;
    assert.match(doc.openapi, /^3\./);
    assert.deepEqual(doc.components.securitySchemes.ApiKey, { type: 'apiKey', in: 'header', name: 'ApiKey' });
    for (const r of RESOURCES) {
      const base = `/api/${r.name}`;
      const expected: [string, string][] = [
        [`${base}/get-list`, 'post'],
        [`${base}/get-list`, 'get'],
        [`${base}/{id}/get-item`, 'post'],
        [`${base}/{id}/get-item`, 'get'],
        [`${base}/count`, 'post'],
        [base, 'post'],
        [`${base}/{id}`, 'put'],
        [`${base}/{id}/update-item`, 'post'],
        [`${base}/{id}`, 'delete'],
        [`${base}/{id}/delete-item`, 'post'],
      ];
      for (const [path, verb] of expected) assert.ok(doc.paths[path]?.[verb], `${verb.toUpperCase()} ${path} is documented`);
    }
    assert.ok(doc.paths['/healthz']?.get);
    assert.ok(doc.paths['/readyz']?.get);
  });

  test('request schemas come from the resource definition: fields, required fields and enums', async () => {
    const doc = (await h.call('GET', '/api/openapi.json')).body;
    const create = doc.paths['/api/api-key'].post.requestBody.content['application/json'].schema;
    const data = create.properties.data;
    assert.deepEqual(data.required, ['name']);
    assert.ok(data.properties.role.anyOf?.some((s: { enum?: string[] }) => s.enum?.includes('Viewer')) || data.properties.role.enum?.includes('Viewer'));
    assert.equal(data.properties.keyPrefix, undefined, 'server-made fields are not writable');
    const team = doc.paths['/api/team'].post.requestBody.content['application/json'].schema.properties.data;
    assert.deepEqual(team.required, ['name']);
    assert.ok(team.properties.labels);
  });
});

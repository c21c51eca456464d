import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import pg from 'pg';
import { bundledMigrations } from '../src/storage/migrate.ts';
import { runVigil, startVigilServer } from './support/process.ts';

const dataDir = () => path.join(mkdtempSync(path.join(tmpdir(), 'vigil-cli-')), 'data');
const embedded = (dir: string) => ({ VIGIL_DATA_DIR: dir, DATABASE_URL: '' });

async function listProjects(url: string, key: string) {
  const res = await fetch(`${url}/api/project/get-list`, { method: 'POST', headers: { ApiKey: key, 'content-type': 'application/json' }, body: '{}' });
  return { status: res.status, body: (await res.json()) as { count: number; data: { _id: string; name: string }[] } };
}

describe('the vigil command on the embedded database', () => {
  test('creates a project through a running server, refuses a second server, and shuts down cleanly', async () => {
    const dir = dataDir();
    const server = await startVigilServer(embedded(dir));
    try {
      assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
      assert.equal((await fetch(`${server.url}/readyz`)).status, 200);

      const created = await runVigil(['project', 'create', '--name', 'Payments', '--owner-email', 'ana@example.com'], embedded(dir));
      assert.equal(created.code, 0, created.stderr);
      const project = JSON.parse(created.stdout) as { projectId: string; userId: string; apiKey: string };
      assert.match(project.apiKey, /^vgl_/);

      const listed = await listProjects(server.url, project.apiKey);
      assert.equal(listed.status, 200);
      assert.deepEqual(listed.body.data.map((p) => [p._id, p.name]), [[project.projectId, 'Payments']]);

      const key = await runVigil(['api-key', 'create', '--project', project.projectId, '--role', 'Viewer', '--expires', '30d'], embedded(dir));
      assert.equal(key.code, 0, key.stderr);
      const viewer = JSON.parse(key.stdout) as { apiKey: string; role: string; expiresAt: string };
      assert.equal(viewer.role, 'Viewer');
      assert.ok(new Date(viewer.expiresAt).getTime() > Date.now() + 29 * 86_400_000);
      assert.equal((await listProjects(server.url, viewer.apiKey)).status, 200);

      const second = await runVigil(['serve'], { ...embedded(dir), PORT: '0' });
      assert.equal(second.code, 1);
      assert.match(second.stderr, /is in use by another Vigil process/);
      assert.equal((await fetch(`${server.url}/healthz`)).status, 200, 'the first server is unharmed');

      const badKey = await runVigil(['api-key', 'create', '--project', project.projectId, '--role', 'Boss'], embedded(dir));
      assert.equal(badKey.code, 1);
      assert.match(badKey.stderr, /role/);
    } finally {
      const code = await server.stop('SIGTERM');
      assert.equal(code, 0, server.output());
    }
    assert.equal(existsSync(path.join(dir, 'vigil.lock')), false, 'the lock is released on shutdown');
    assert.match(server.output(), /"msg":"stopped"/);
    assert.doesNotMatch(server.output(), /vgl_/, 'no key ever reaches the log');
  });

  test('creates a project directly when no server runs, and the data survives a restart', async () => {
    const dir = dataDir();
    const created = await runVigil(['project', 'create', '--name', 'Ops', '--owner-email', 'bo@example.com', '--owner-name', 'Bo'], embedded(dir));
    assert.equal(created.code, 0, created.stderr);
    const project = JSON.parse(created.stdout) as { apiKey: string; projectId: string };
    const server = await startVigilServer(embedded(dir));
    try {
      const listed = await listProjects(server.url, project.apiKey);
      assert.equal(listed.body.data[0]?._id, project.projectId);
    } finally {
      await server.stop();
    }
  });

  test('bad input is refused with the problem named', async () => {
    const dir = dataDir();
    const noEmail = await runVigil(['project', 'create', '--name', 'X'], embedded(dir));
    assert.notEqual(noEmail.code, 0);
    assert.match(noEmail.stderr, /--owner-email/);
    const badEmail = await runVigil(['project', 'create', '--name', 'X', '--owner-email', 'nope'], embedded(dir));
    assert.equal(badEmail.code, 1);
    assert.match(badEmail.stderr, /ownerEmail/);
    const badPort = await runVigil(['serve'], { ...embedded(dir), PORT: 'eighty' });
    assert.equal(badPort.code, 1);
    assert.match(badPort.stderr, /PORT/);
    const unknownProject = await runVigil(['api-key', 'create', '--project', '00000000-0000-4000-8000-000000000000'], embedded(dir));
    assert.equal(unknownProject.code, 1);
    assert.match(unknownProject.stderr, /No project/);
    const help = await runVigil(['--help'], {});
    assert.equal(help.code, 0);
    assert.match(help.stdout, /project/);
    assert.match(help.stdout, /api-key/);
  });
});

describe('the vigil command on PostgreSQL', { skip: !process.env.TEST_DATABASE_URL && 'TEST_DATABASE_URL not set' }, () => {
  const base = process.env.TEST_DATABASE_URL!;
  const dbName = `vigil_cli_${process.pid}`;
  const admin = async (q: string) => {
    const c = new pg.Client({ connectionString: base });
    await c.connect();
    try {
      await c.query(q);
    } finally {
      await c.end();
    }
  };
  after(() => admin(`drop database if exists ${dbName} with (force)`));

  test('migrates, creates a project and serves it from DATABASE_URL', async () => {
    await admin(`drop database if exists ${dbName} with (force)`);
    await admin(`create database ${dbName}`);
    const url = new URL(base);
    url.pathname = `/${dbName}`;
    const env = { DATABASE_URL: url.toString(), VIGIL_DATA_DIR: dataDir() };
    const migrated = await runVigil(['migrate'], env);
    assert.equal(migrated.code, 0, migrated.stderr);
    assert.deepEqual(JSON.parse(migrated.stdout).applied, bundledMigrations().map((m) => m.id));
    const created = await runVigil(['project', 'create', '--name', 'PG', '--owner-email', 'pg@example.com'], env);
    assert.equal(created.code, 0, created.stderr);
    const project = JSON.parse(created.stdout) as { apiKey: string; projectId: string };
    const server = await startVigilServer(env);
    try {
      const listed = await listProjects(server.url, project.apiKey);
      assert.equal(listed.body.data[0]?._id, project.projectId);
    } finally {
      assert.equal(await server.stop(), 0);
    }
  });
});

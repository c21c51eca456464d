import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { ConfigError, engineConcurrency, loadConfig } from './config.ts';

test('defaults: 127.0.0.1:3000, ./vigil-data, embedded database, rate limit on', () => {
  const c = loadConfig({});
  assert.equal(c.host, '127.0.0.1');
  assert.equal(c.port, 3000);
  assert.equal(c.dataDir, path.resolve('./vigil-data'));
  assert.equal(c.databaseUrl, undefined);
  assert.deepEqual(c.rateLimit, { enabled: true, max: 1000, windowSeconds: 60 });
  assert.equal(c.engineConcurrency, undefined);
  assert.equal(engineConcurrency(c, 'postgres'), 4);
  assert.equal(engineConcurrency(c, 'pglite'), 1);
});

test('ENGINE_CONCURRENCY sets the engine workers on either database, and must be a whole number from 1 to 64', () => {
  const c = loadConfig({ ENGINE_CONCURRENCY: '8' });
  assert.equal(engineConcurrency(c, 'postgres'), 8);
  assert.equal(engineConcurrency(c, 'pglite'), 8);
  for (const bad of ['0', '-1', '2.5', 'four', '65']) {
    assert.throws(() => loadConfig({ ENGINE_CONCURRENCY: bad }), /ENGINE_CONCURRENCY: must be a whole number from 1 to 64/, bad);
  }
});

test('reads every setting from the environment', () => {
  const c = loadConfig({
    HOST: '0.0.0.0',
    PORT: '8080',
    VIGIL_DATA_DIR: '/var/lib/vigil',
    DATABASE_URL: 'postgres://u@db:5432/vigil',
    RATE_LIMIT_ENABLED: 'false',
    RATE_LIMIT_MAX: '50',
    RATE_LIMIT_WINDOW_SECONDS: '10',
  });
  assert.equal(c.host, '0.0.0.0');
  assert.equal(c.port, 8080);
  assert.equal(c.dataDir, '/var/lib/vigil');
  assert.equal(c.databaseUrl, 'postgres://u@db:5432/vigil');
  assert.deepEqual(c.rateLimit, { enabled: false, max: 50, windowSeconds: 10 });
});

test('a bad setting is refused with the variable named', () => {
  assert.throws(() => loadConfig({ PORT: 'eighty' }), (e: unknown) => e instanceof ConfigError && /PORT/.test(e.message));
  assert.throws(() => loadConfig({ DATABASE_URL: 'mysql://x' }), /DATABASE_URL: must be a postgres/);
  assert.throws(() => loadConfig({ RATE_LIMIT_ENABLED: 'maybe' }), /RATE_LIMIT_ENABLED/);
});

test('JOB_RETENTION_DAYS keeps finished jobs 30 days by default, and must be a whole number of days from 1 to 3650', () => {
  assert.equal(loadConfig({}).jobRetentionDays, 30);
  assert.equal(loadConfig({ JOB_RETENTION_DAYS: '7' }).jobRetentionDays, 7);
  for (const bad of ['0', '1.5', 'week', '3651']) {
    assert.throws(() => loadConfig({ JOB_RETENTION_DAYS: bad }), /JOB_RETENTION_DAYS: must be a whole number of days from 1 to 3650/, bad);
  }
});

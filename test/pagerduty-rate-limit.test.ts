// PagerDuty Events API v2 rate limit: per routing key (PagerDuty limits per integration
// key), a 429 in PagerDuty's shape with Retry-After, and the refused event is not
// written. Its own file because it needs a harness started with a small limit (3 per 60 s).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import type { CreatedProject } from '../src/access/projects.ts';
import { startHarness, type Harness } from './support/harness.ts';

const MAX = 3;
const WINDOW_SECONDS = 60;

let h: Harness;
before(async () => {
  h = await startHarness({ rateLimit: { enabled: true, max: MAX, windowSeconds: WINDOW_SECONDS } });
});
after(async () => {
  await h?.close();
});

async function routingKey(p: CreatedProject): Promise<string> {
  const res = await h.call('POST', '/api/integration', { key: p.apiKey, body: { data: { name: `PD ${randomUUID()}`, integrationType: 'pagerduty-events-v2' } } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.routingKey;
}

const triggerEvent = (key: string, dedupKey: string) => ({
  routing_key: key,
  event_action: 'trigger',
  dedup_key: dedupKey,
  payload: { summary: `Disk full (${dedupKey})`, source: 'db-1', severity: 'error' },
});

async function alertCount(projectId: string): Promise<number> {
  const res = await sql<{ n: number }>`select count(*)::int as n from alert where project_id = ${projectId}`.execute(h.database.db);
  return res.rows[0]!.n;
}

test('the event after the limit is a 429 throttle event with Retry-After, and is not written', async () => {
  const p = await h.project();
  const key = await routingKey(p);
  for (let i = 0; i < MAX; i++) {
    const ok = await h.call('POST', '/v2/enqueue', { body: triggerEvent(key, `k${i}`) });
    assert.equal(ok.status, 202, `event ${i + 1}`);
  }
  const res = await h.call('POST', '/v2/enqueue', { body: triggerEvent(key, 'over') });
  assert.equal(res.status, 429);
  assert.deepEqual(res.body, { status: 'throttle event', message: 'Requests for this service are arriving too quickly.  Please retry later.' });
  const retryAfter = String(res.headers['retry-after']);
  assert.match(retryAfter, /^[1-9]\d*$/, 'Retry-After is a positive whole number of seconds');
  assert.ok(Number(retryAfter) <= WINDOW_SECONDS);
  assert.equal(await alertCount(p.projectId), MAX, 'the throttled trigger opened nothing');

  // Follow-ups with the same key are throttled too.
  const ack = await h.call('POST', '/v2/enqueue', { body: { routing_key: key, event_action: 'acknowledge', dedup_key: 'k0' } });
  assert.equal(ack.status, 429);
  const state = await sql<{ state: string }>`select state from alert where project_id = ${p.projectId} and dedup_key = 'k0'`.execute(h.database.db);
  assert.equal(state.rows[0]!.state, 'Created');
});

test('another routing key, even of the same project, has its own limit', async () => {
  const p = await h.project();
  const first = await routingKey(p);
  const second = await routingKey(p);
  for (let i = 0; i < MAX; i++) await h.call('POST', '/v2/enqueue', { body: triggerEvent(first, `a${i}`) });
  assert.equal((await h.call('POST', '/v2/enqueue', { body: triggerEvent(first, 'a-over') })).status, 429);
  for (let i = 0; i < MAX; i++) {
    assert.equal((await h.call('POST', '/v2/enqueue', { body: triggerEvent(second, `b${i}`) })).status, 202, `second key, event ${i + 1}`);
  }
  assert.equal(await alertCount(p.projectId), 2 * MAX);
});

test('change events are limited per routing key as well', async () => {
  const p = await h.project();
  const key = await routingKey(p);
  const body = { routing_key: key, payload: { summary: 'Deployed' } };
  for (let i = 0; i < MAX; i++) assert.equal((await h.call('POST', '/v2/change/enqueue', { body })).status, 202);
  const res = await h.call('POST', '/v2/change/enqueue', { body });
  assert.equal(res.status, 429);
  assert.equal(res.body.status, 'throttle event');
  assert.ok(res.headers['retry-after']);
  const rows = await sql<{ n: number }>`select count(*)::int as n from change_event where project_id = ${p.projectId}`.execute(h.database.db);
  assert.equal(rows.rows[0]!.n, MAX);
});

// Rate limiting per API key: a 429 in Cortex's problem+json shape with Retry-After, per
// key, never on health checks. The limit here is 3 requests per 60 s.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
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

test('the 4th request with the same key is a 429 with Retry-After and a problem+json body', async () => {
  const p = await h.project();
  for (let i = 0; i < MAX; i++) {
    const ok = await h.call('POST', '/api/team/get-list', { key: p.apiKey });
    assert.equal(ok.status, 200, `request ${i + 1}`);
  }
  const res = await h.call('POST', '/api/team/get-list?skip=0', { key: p.apiKey });
  assert.equal(res.status, 429);

  const retryAfter = String(res.headers['retry-after']);
  assert.match(retryAfter, /^[1-9]\d*$/, 'Retry-After is a positive whole number of seconds');
  assert.ok(Number(retryAfter) <= WINDOW_SECONDS);
  assert.match(String(res.headers['content-type']), /^application\/problem\+json/);

  assert.deepEqual(Object.keys(res.body).sort(), ['detail', 'instance', 'retryAfter', 'status', 'title', 'type']);
  assert.equal(res.body.status, 429);
  assert.equal(res.body.retryAfter, Number(retryAfter));
  assert.equal(res.body.instance, '/api/team/get-list');
  assert.equal(typeof res.body.type, 'string');
  assert.equal(typeof res.body.title, 'string');
  assert.equal(typeof res.body.detail, 'string');

  const again = await h.call('POST', '/api/team', { key: p.apiKey, body: { data: { name: 'Ops' } } });
  assert.equal(again.status, 429, 'every route counts against the same key');
  const teams = await sql<{ n: number }>`select count(*)::int as n from team where project_id = ${p.projectId}`.execute(h.database.db);
  assert.equal(teams.rows[0]!.n, 0, 'the refused create did nothing');
});

test('another key, even of the same project, is not limited', async () => {
  const p = await h.project();
  const made = await h.call('POST', '/api/api-key', { key: p.apiKey, body: { data: { name: 'second', role: 'Viewer' } } });
  assert.equal(made.status, 200);
  const second = made.body.apiKey as string;
  for (let i = 0; i < MAX - 1; i++) await h.call('POST', '/api/team/get-list', { key: p.apiKey });
  assert.equal((await h.call('POST', '/api/team/get-list', { key: p.apiKey })).status, 429);

  for (let i = 0; i < MAX; i++) {
    assert.equal((await h.call('POST', '/api/team/get-list', { key: second })).status, 200, `second key, request ${i + 1}`);
  }
  const other = await h.project();
  assert.equal((await h.call('POST', '/api/team/get-list', { key: other.apiKey })).status, 200, 'a key of another project');
});

test('/healthz is never limited', async () => {
  for (let i = 0; i < MAX * 4; i++) {
    const res = await h.call('GET', '/healthz');
    assert.equal(res.status, 200, `request ${i + 1}`);
    assert.equal(res.headers['retry-after'], undefined);
  }
});

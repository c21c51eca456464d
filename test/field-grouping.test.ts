// Integrations that group by event fields: triggers with the same values share an episode,
// within the integration's grouping window.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { CreatedProject } from '../src/access/projects.ts';
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

async function integration(p: CreatedProject, data: Row): Promise<string> {
  const res = await h.call('POST', '/api/integration', { key: p.apiKey, body: { data: { name: 'pd', integrationType: 'pagerduty-events-v2', ...data } } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.routingKey;
}

async function send(routingKey: string, summary: string, source: string, service: string): Promise<void> {
  const res = await h.call('POST', '/v2/enqueue', {
    body: { routing_key: routingKey, event_action: 'trigger', payload: { summary, source, severity: 'error', custom_details: { service } } },
  });
  assert.equal(res.status, 202, JSON.stringify(res.body));
  h.clock.advance(1); // distinct createdAt, so lists come back in sending order
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function list(p: CreatedProject, resource: string): Promise<any[]> {
  const res = await h.call('POST', `/api/${resource}/get-list?limit=100`, { key: p.apiKey, body: { sort: { createdAt: 1 } } });
  return res.body.data;
}

test('alerts with the same grouping values share an episode; others get their own', async () => {
  const p = await h.project();
  const key = await integration(p, { episodeGroupBy: ['source', 'custom_details.service'] });
  await send(key, 'latency high', 'db-1', 'billing');
  await send(key, 'errors high', 'db-1', 'billing');
  await send(key, 'disk full', 'db-2', 'billing');
  const alerts = await list(p, 'alert');
  const episodes = await list(p, 'alert-episode');
  assert.equal(alerts.length, 3);
  assert.equal(episodes.length, 2);
  assert.equal(alerts[0].episodeId, alerts[1].episodeId);
  assert.notEqual(alerts[0].episodeId, alerts[2].episodeId);
  const shared = episodes.find((e) => e._id === alerts[0].episodeId)!;
  assert.match(shared.title, /source="db-1"/);
  assert.match(shared.title, /custom_details.service="billing"/);
});

test('after the grouping window a new episode opens; the old one keeps its members', async () => {
  const p = await h.project();
  const key = await integration(p, { episodeGroupBy: ['source'], episodeWindowSeconds: 300 });
  await send(key, 'first', 'web', 'x');
  h.clock.advance(299_000);
  await send(key, 'second', 'web', 'x');
  h.clock.advance(2_000);
  await send(key, 'third', 'web', 'x');
  const alerts = await list(p, 'alert');
  const episodes = await list(p, 'alert-episode');
  assert.equal(episodes.length, 2);
  assert.equal(alerts[0].episodeId, alerts[1].episodeId, 'within the window: same episode');
  assert.notEqual(alerts[2].episodeId, alerts[0].episodeId, 'after the window: a new episode');
  const old = episodes.find((e) => e._id === alerts[0].episodeId)!;
  assert.equal(old.state, 'Created', 'the old episode stays open until its members resolve');
  assert.equal(old.groupKey, null);
  const feed = await h.call('POST', '/api/alert-episode-feed/get-list', { key: p.apiKey, body: { query: { alertEpisodeId: old._id, kind: 'grouping_closed' } } });
  assert.equal(feed.body.count, 1);
});

test('without grouping fields nothing is grouped, and bad grouping settings are refused', async () => {
  const p = await h.project();
  const key = await integration(p, {});
  await send(key, 'a', 'web', 'x');
  await send(key, 'b', 'web', 'x');
  assert.equal((await list(p, 'alert-episode')).length, 0);
  for (const [data, field] of [
    [{ episodeGroupBy: 'source' }, 'episodeGroupBy'],
    [{ episodeGroupBy: [5] }, 'episodeGroupBy'],
    [{ episodeWindowSeconds: 0 }, 'episodeWindowSeconds'],
  ] as const) {
    const res = await h.call('POST', '/api/integration', { key: p.apiKey, body: { data: { name: 'x', integrationType: 'generic', ...data } } });
    assert.equal(res.status, 400, JSON.stringify(res.body));
    assert.match(res.body.error, new RegExp(field));
  }
});

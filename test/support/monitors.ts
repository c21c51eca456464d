// Helpers for tests of heartbeat monitors and what they raise, over the public API.
import assert from 'node:assert/strict';
import type { CreatedProject } from '../../src/access/projects.ts';
import type { CallResult, Harness } from './harness.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Row = Record<string, any>;

/** Creates a heartbeat monitor over the API; returns its id and its (once-shown) key. */
export async function createMonitor(h: Harness, p: CreatedProject, data: Row = {}): Promise<{ id: string; key: string; body: Row }> {
  const res = await h.call('POST', '/api/monitor', { key: p.apiKey, body: { data: { name: 'nightly backup', intervalSeconds: 60, ...data } } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.match(res.body.heartbeatKey, /^[0-9a-f]{32}$/);
  return { id: res.body._id, key: res.body.heartbeatKey, body: res.body };
}

/** Pings a monitor the way curl or cron would. */
export function ping(h: Harness, key: string, method = 'GET', opts: { rawBody?: string; headers?: Record<string, string> } = {}): Promise<CallResult> {
  return h.call(method, `/api/heartbeat/${key}`, opts);
}

export async function getItem(h: Harness, p: CreatedProject, resource: string, id: string): Promise<Row> {
  const res = await h.call('GET', `/api/${resource}/${id}/get-item`, { key: p.apiKey });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
}

const ALERT_FIELDS = {
  title: true,
  description: true,
  state: true,
  source: true,
  monitorId: true,
  integrationId: true,
  alertSeverityId: true,
  dedupKey: true,
  isSuppressed: true,
  eventCount: true,
  resolvedAt: true,
  createdAt: true,
};

/** The project's alerts matching `query`, oldest first. */
export async function alerts(h: Harness, p: CreatedProject, query: Row = {}): Promise<Row[]> {
  const res = await h.call('POST', '/api/alert/get-list?limit=100', { key: p.apiKey, body: { query, select: ALERT_FIELDS, sort: { createdAt: 1 } } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.data;
}

/** An alert's activity feed, oldest first. */
export async function alertFeed(h: Harness, p: CreatedProject, alertId: string): Promise<Row[]> {
  const res = await h.call('POST', '/api/alert-feed/get-list?limit=100', {
    key: p.apiKey,
    body: { query: { alertId }, select: { kind: true, message: true, actorType: true, actorId: true, userId: true, via: true, data: true }, sort: { seq: 1 } },
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.data;
}

/** The domain events about one subject, oldest first. */
export async function eventTypes(h: Harness, p: CreatedProject, subjectId: string): Promise<string[]> {
  const res = await h.call('POST', '/api/domain-event/get-list?limit=100', { key: p.apiKey, body: { query: { subjectId }, sort: { seq: 1 } } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.data.map((e: { eventType: string }) => e.eventType);
}

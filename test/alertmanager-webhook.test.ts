// Alertmanager webhook (version 4), POST /api/integrations/alertmanager/:key: each alert is
// tracked by fingerprint, the group becomes an alert episode, the whole notification is
// written before the 2xx (5xx on storage failure, so Alertmanager retries), a redelivery
// changes nothing, and bad input is a clear 4xx that writes nothing.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import pino from 'pino';
import type { CreatedProject } from '../src/access/projects.ts';
import { buildApp } from '../src/app/build-app.ts';
import { startHarness, type CallResult, type Harness } from './support/harness.ts';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(async () => {
  await h?.close();
});

interface Setup {
  readonly p: CreatedProject;
  readonly integrationId: string;
  readonly key: string;
  readonly path: string;
}

/** A fresh project with an Alertmanager integration (or another type / settings). */
async function setup(data: Record<string, unknown> = {}, p?: CreatedProject): Promise<Setup> {
  const project = p ?? (await h.project());
  const res = await h.call('POST', '/api/integration', {
    key: project.apiKey,
    body: { data: { name: 'Prometheus Alertmanager', integrationType: 'alertmanager', ...data } },
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return { p: project, integrationId: res.body._id, key: res.body.routingKey, path: `/api/integrations/alertmanager/${res.body.routingKey}` };
}

type Alert = Record<string, unknown> & { fingerprint: string; startsAt: string };

/** One alert as Alertmanager 0.27 sends it (firing: endsAt is Go's zero time). */
function alert(fingerprint: string, instance: string, over: Record<string, unknown> = {}): Alert {
  return {
    status: 'firing',
    labels: { alertname: 'HighRequestLatency', instance, job: 'api', severity: 'critical' },
    annotations: {
      summary: `High request latency on ${instance}`,
      description: `99th percentile latency on ${instance} is above 1s for 5 minutes.`,
    },
    startsAt: '2026-01-05T08:52:30.123456789Z',
    endsAt: '0001-01-01T00:00:00Z',
    generatorURL: 'http://prometheus:9090/graph?g0.expr=histogram_quantile%280.99%2C+rate%28http_request_duration_seconds_bucket%5B5m%5D%29%29+%3E+1&g0.tab=1',
    fingerprint,
    ...over,
  };
}

/** A resolved alert: same fingerprint and startsAt, endsAt set. */
function resolved(a: Alert): Alert {
  return { ...a, status: 'resolved', endsAt: '2026-01-05T09:14:30.123456789Z' };
}

/** A version 4 notification for the HighRequestLatency group. */
function notification(alerts: Array<Record<string, unknown>>, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    receiver: 'vigil-oncall',
    status: alerts.some((a) => a.status === 'firing') ? 'firing' : 'resolved',
    alerts,
    groupLabels: { alertname: 'HighRequestLatency' },
    commonLabels: { alertname: 'HighRequestLatency', job: 'api', severity: 'critical' },
    commonAnnotations: {},
    externalURL: 'http://alertmanager:9093',
    version: '4',
    groupKey: '{}/{severity="critical"}:{alertname="HighRequestLatency"}',
    truncatedAlerts: 0,
    ...over,
  };
}

async function deliver(s: Setup, body: unknown): Promise<CallResult> {
  return h.call('POST', s.path, { body, headers: { 'user-agent': 'Alertmanager/0.27.0' } });
}

async function deliverOk(s: Setup, body: unknown): Promise<CallResult> {
  const res = await deliver(s, body);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.status, 'success');
  return res;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Row = Record<string, any>;

async function list(s: Setup, resource: string, query: Record<string, unknown> = {}): Promise<Row[]> {
  const res = await h.call('POST', `/api/${resource}/get-list?limit=1000`, { key: s.p.apiKey, body: { query, sort: { createdAt: 1 } } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.data;
}

async function get(s: Setup, resource: string, id: string): Promise<Row> {
  const res = await h.call('GET', `/api/${resource}/${id}/get-item`, { key: s.p.apiKey });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
}

/** The subject's feed, oldest first. */
async function feed(s: Setup, type: 'alert' | 'alert-episode', id: string): Promise<Row[]> {
  const field = type === 'alert' ? 'alertId' : 'alertEpisodeId';
  const res = await h.call('POST', `/api/${type}-feed/get-list?limit=1000`, { key: s.p.apiKey, body: { query: { [field]: id }, sort: { seq: 1 } } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.data;
}

const byId = (x: { id: string }, y: { id: string }) => x.id.localeCompare(y.id);

/** Everything a delivery could write in the project: the same snapshot before and after means nothing was written. */
async function snapshot(s: Setup) {
  const counts: Record<string, number> = {};
  for (const r of ['alert-feed', 'alert-episode-feed', 'incident-feed', 'incident-episode-feed', 'domain-event', 'incident', 'incident-episode']) {
    const res = await h.call('POST', `/api/${r}/count`, { key: s.p.apiKey, body: {} });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    counts[r] = res.body.count;
  }
  const pick = (r: Row) => ({ id: r._id as string, state: r.state, eventCount: r.eventCount, lastEventAt: r.lastEventAt, updatedAt: r.updatedAt, episodeId: r.episodeId });
  return {
    counts,
    alerts: (await list(s, 'alert')).map(pick).sort(byId),
    episodes: (await list(s, 'alert-episode')).map((e) => ({ id: e._id as string, state: e.state, updatedAt: e.updatedAt })).sort(byId),
  };
}

function expectError(res: CallResult, status: number, ...mentions: RegExp[]): void {
  assert.equal(res.status, status, `expected ${status}, got ${res.status}: ${JSON.stringify(res.body)}`);
  assert.deepEqual(Object.keys(res.body), ['error']);
  assert.equal(typeof res.body.error, 'string');
  for (const m of mentions) assert.match(res.body.error, m);
}

async function severityId(s: Setup, name: string): Promise<string> {
  const rows = await list(s, 'alert-severity', { name });
  assert.equal(rows.length, 1);
  return rows[0]!._id;
}

describe('a firing group', () => {
  test('two firing alerts open two alerts in one episode, mapped from the notification', async () => {
    const s = await setup();
    const a = alert('5f3c0d8e1a2b4c6d', 'api-1:9100');
    const b = alert('9e8d7c6b5a4f3e2d', 'api-2:9100', { annotations: {}, labels: { alertname: 'HighRequestLatency', instance: 'api-2:9100', severity: 'warning' } });
    const res = await deliverOk(s, notification([a, b]));
    assert.deepEqual(res.body.alerts, [
      { fingerprint: a.fingerprint, status: 'firing', outcome: 'created' },
      { fingerprint: b.fingerprint, status: 'firing', outcome: 'created' },
    ]);

    const episodes = await list(s, 'alert-episode');
    assert.equal(episodes.length, 1);
    const ep = episodes[0]!;
    assert.equal(ep.title, 'HighRequestLatency');
    assert.equal(ep.groupKey, '{}/{severity="critical"}:{alertname="HighRequestLatency"}');
    assert.equal(ep.integrationId, s.integrationId);
    assert.equal(ep.state, 'Created');

    const alerts = await list(s, 'alert');
    assert.equal(alerts.length, 2);
    const [first, second] = [alerts.find((x) => x.dedupKey === a.fingerprint)!, alerts.find((x) => x.dedupKey === b.fingerprint)!];
    assert.equal(first.title, 'High request latency on api-1:9100', 'title from annotations.summary');
    assert.equal(first.description, '99th percentile latency on api-1:9100 is above 1s for 5 minutes.');
    assert.equal(first.alertSeverityId, await severityId(s, 'Critical'));
    assert.equal(second.title, 'HighRequestLatency on api-2:9100', 'without a summary: alertname on instance');
    assert.equal(second.description, null);
    assert.equal(second.alertSeverityId, await severityId(s, 'Minor'), 'severity label warning maps to Minor');
    for (const x of [first, second]) {
      assert.equal(x.episodeId, ep._id);
      assert.equal(x.state, 'Created');
      assert.equal(x.source, 'alertmanager');
      assert.equal(x.integrationId, s.integrationId);
      assert.equal(x.eventCount, 1);
    }
    assert.deepEqual(first.customFields, {
      labels: a.labels,
      annotations: a.annotations,
      generatorURL: a.generatorURL,
      startsAt: a.startsAt,
      endsAt: a.endsAt,
      fingerprint: a.fingerprint,
      receiver: 'vigil-oncall',
      externalURL: 'http://alertmanager:9093',
    });
    assert.deepEqual(first.links, [{ href: a.generatorURL, text: 'Source' }]);
  });

  test('feed entries and domain events name the integration as the actor', async () => {
    const s = await setup();
    await deliverOk(s, notification([alert('aa01', 'db-1:9187'), alert('aa02', 'db-2:9187')]));
    const [ep] = await list(s, 'alert-episode');
    const alerts = await list(s, 'alert');
    for (const a of alerts) {
      const entries = await feed(s, 'alert', a._id);
      assert.deepEqual(entries.map((e) => e.kind), ['created']);
      assert.equal(entries[0]!.actorType, 'integration');
      assert.equal(entries[0]!.actorId, s.integrationId);
      assert.equal(entries[0]!.userId, null);
      assert.equal(entries[0]!.via, 'integration');
    }
    const epFeed = await feed(s, 'alert-episode', ep!._id);
    assert.equal(epFeed[0]!.kind, 'created');
    assert.equal(epFeed[0]!.actorType, 'integration');
    const events = await list(s, 'domain-event');
    assert.deepEqual(events.map((e) => e.eventType).sort(), ['alert.created', 'alert.created', 'alert_episode.created']);
    for (const e of events) assert.equal(e.payload.actor.type, 'integration');
  });

  test('titles fall back to alertname, then the fingerprint; the episode title to the group labels', async () => {
    const s = await setup();
    await deliverOk(
      s,
      notification(
        [
          alert('bb01', 'x', { annotations: {}, labels: { alertname: 'Watchdog' } }),
          alert('bb02', 'x', { annotations: { summary: '   ' }, labels: { job: 'node' } }),
        ],
        { commonLabels: {}, groupLabels: { cluster: 'eu-1', job: 'node' }, groupKey: '{}:{cluster="eu-1", job="node"}' },
      ),
    );
    const alerts = await list(s, 'alert');
    assert.deepEqual(alerts.map((a) => a.title).sort(), ['Alertmanager alert bb02', 'Watchdog']);
    const [ep] = await list(s, 'alert-episode');
    assert.equal(ep!.title, 'cluster=eu-1, job=node');
    for (const a of alerts) assert.equal(a.alertSeverityId, null, 'no severity label: no severity');
  });

  test('an integration that creates incidents opens incidents in an incident episode', async () => {
    const s = await setup({ creates: 'incident' });
    await deliverOk(s, notification([alert('cc01', 'web-1'), alert('cc02', 'web-2')]));
    const incidents = await list(s, 'incident');
    assert.equal(incidents.length, 2);
    const episodes = await list(s, 'incident-episode');
    assert.equal(episodes.length, 1);
    for (const i of incidents) assert.equal(i.episodeId, episodes[0]!._id);
    assert.equal((await list(s, 'alert')).length, 0);
  });

  test('truncatedAlerts is accepted and not recorded', async () => {
    const s = await setup();
    await deliverOk(s, notification([alert('dd01', 'web-1')], { truncatedAlerts: 7 }));
    const [ep] = await list(s, 'alert-episode');
    assert.deepEqual((await feed(s, 'alert-episode', ep!._id)).map((e) => e.kind), ['created']);
  });
});

describe('resolving', () => {
  test('one resolved alert leaves the episode open; when both are resolved the episode follows', async () => {
    const s = await setup();
    const a = alert('ee01', 'api-1:9100');
    const b = alert('ee02', 'api-2:9100');
    await deliverOk(s, notification([a, b]));
    const [ep] = await list(s, 'alert-episode');

    h.clock.advance(5 * 60_000);
    const res = await deliverOk(s, notification([resolved(a), b]));
    assert.deepEqual(res.body.alerts.map((x: Row) => x.outcome), ['resolved', 'unchanged']);
    const byKey = async () => Object.fromEntries((await list(s, 'alert')).map((x) => [x.dedupKey, x]));
    let alerts = await byKey();
    assert.equal(alerts.ee01.state, 'Resolved');
    assert.equal(alerts.ee01.resolvedAt, h.clock.now().toISOString());
    assert.equal(alerts.ee02.state, 'Created');
    assert.equal((await get(s, 'alert-episode', ep!._id)).state, 'Created', 'episode stays open while a member fires');

    h.clock.advance(5 * 60_000);
    await deliverOk(s, notification([resolved(b)]));
    alerts = await byKey();
    assert.equal(alerts.ee02.state, 'Resolved');
    const episode = await get(s, 'alert-episode', ep!._id);
    assert.equal(episode.state, 'Resolved');
    assert.equal(episode.resolvedAt, h.clock.now().toISOString());
    const entries = await feed(s, 'alert-episode', ep!._id);
    assert.deepEqual(entries.map((e) => e.kind), ['created', 'resolved']);
    assert.equal(entries[1]!.actorType, 'integration');
    assert.equal(entries[1]!.data.cause, 'members');
    const resolvedFeed = await feed(s, 'alert', alerts.ee01._id);
    assert.deepEqual(resolvedFeed.map((e) => [e.kind, e.actorType]), [['created', 'integration'], ['resolved', 'integration']]);
  });

  test('a resolved alert that is unknown or already resolved changes nothing', async () => {
    const s = await setup();
    const a = alert('ff01', 'api-1');
    const before0 = await snapshot(s);
    const res = await deliverOk(s, notification([resolved(alert('ff-never-seen', 'api-9'))]));
    assert.deepEqual(res.body.alerts.map((x: Row) => x.outcome), ['unchanged']);
    assert.deepEqual(await snapshot(s), before0);

    await deliverOk(s, notification([a]));
    await deliverOk(s, notification([resolved(a)]));
    const before1 = await snapshot(s);
    h.clock.advance(60_000);
    const again = await deliverOk(s, notification([resolved(a)]));
    assert.deepEqual(again.body.alerts.map((x: Row) => x.outcome), ['unchanged']);
    assert.deepEqual(await snapshot(s), before1);
  });

  test('after a resolve, the same fingerprint firing again opens a new alert', async () => {
    const s = await setup();
    const a = alert('gg01', 'api-1');
    const b = alert('gg02', 'api-2');
    await deliverOk(s, notification([a, b]));
    await deliverOk(s, notification([resolved(a), b]));
    h.clock.advance(10 * 60_000);
    const refired = { ...a, startsAt: '2026-01-05T09:20:00Z' };
    const res = await deliverOk(s, notification([refired, b]));
    assert.deepEqual(res.body.alerts.map((x: Row) => x.outcome), ['created', 'unchanged']);
    const alerts = (await list(s, 'alert')).filter((x) => x.dedupKey === 'gg01');
    assert.deepEqual(alerts.map((x) => x.state), ['Resolved', 'Created']);
    assert.equal(alerts[1]!.customFields.startsAt, '2026-01-05T09:20:00Z');
    const episodes = await list(s, 'alert-episode');
    assert.equal(episodes.length, 1, 'the group was still open (gg02 firing): the new alert joins it');
    assert.equal(alerts[1]!.episodeId, episodes[0]!._id);

    // Once the whole group is resolved, a new firing opens a new episode for the same groupKey.
    await deliverOk(s, notification([resolved(refired), resolved(b)]));
    assert.equal((await get(s, 'alert-episode', episodes[0]!._id)).state, 'Resolved');
    await deliverOk(s, notification([{ ...b, startsAt: '2026-01-05T10:00:00Z' }]));
    const after = await list(s, 'alert-episode');
    assert.equal(after.length, 2);
    assert.deepEqual(after.map((e) => e.state), ['Resolved', 'Created']);
    assert.equal(after[1]!.groupKey, episodes[0]!.groupKey);
  });
});

describe('redelivery and folding', () => {
  test('the same notification delivered twice changes nothing the second time', async () => {
    const s = await setup();
    const body = notification([alert('hh01', 'api-1'), alert('hh02', 'api-2')]);
    await deliverOk(s, body);
    const first = await snapshot(s);
    assert.equal(first.alerts.length, 2);
    h.clock.advance(30_000);
    const res = await deliverOk(s, body);
    assert.deepEqual(res.body.alerts.map((x: Row) => x.outcome), ['unchanged', 'unchanged']);
    assert.deepEqual(await snapshot(s), first, 'no new alert, no event count bump, no feed entry, no domain event');
  });

  test('a redelivery after the episode was acknowledged changes nothing either', async () => {
    const s = await setup();
    const body = notification([alert('ii01', 'api-1'), alert('ii02', 'api-2')]);
    await deliverOk(s, body);
    const [ep] = await list(s, 'alert-episode');
    const ack = await h.call('POST', `/api/alert-episode/${ep!._id}/acknowledge`, { key: s.p.apiKey });
    assert.equal(ack.status, 200, JSON.stringify(ack.body));
    const acked = await snapshot(s);
    h.clock.advance(4 * 3600_000); // Alertmanager's repeat_interval resends the same alerts
    await deliverOk(s, body);
    assert.deepEqual(await snapshot(s), acked);
    assert.deepEqual(acked.alerts.map((a) => a.state), ['Acknowledged', 'Acknowledged']);
  });

  test('concurrent duplicate deliveries open each alert exactly once', async () => {
    const s = await setup();
    const body = notification([alert('jj01', 'api-1'), alert('jj02', 'api-2'), alert('jj03', 'api-3')]);
    const results = await Promise.all(Array.from({ length: 6 }, () => deliver(s, body)));
    for (const r of results) assert.equal(r.status, 200, JSON.stringify(r.body));
    const alerts = await list(s, 'alert');
    assert.equal(alerts.length, 3);
    for (const a of alerts) assert.equal(a.eventCount, 1);
    assert.equal((await list(s, 'alert-episode')).length, 1);
    const events = await list(s, 'domain-event');
    assert.deepEqual(events.map((e) => e.eventType).sort(), ['alert.created', 'alert.created', 'alert.created', 'alert_episode.created']);
  });

  test('an open alert firing with a new startsAt folds into it', async () => {
    const s = await setup();
    const a = alert('kk01', 'api-1');
    await deliverOk(s, notification([a]));
    h.clock.advance(60_000);
    const res = await deliverOk(s, notification([{ ...a, startsAt: '2026-01-05T08:59:00Z' }]));
    assert.deepEqual(res.body.alerts.map((x: Row) => x.outcome), ['folded']);
    const alerts = await list(s, 'alert');
    assert.equal(alerts.length, 1);
    assert.equal(alerts[0]!.eventCount, 2);
    assert.equal(alerts[0]!.lastEventAt, h.clock.now().toISOString());
    const entries = await feed(s, 'alert', alerts[0]!._id);
    assert.deepEqual(entries.map((e) => [e.kind, e.actorType]), [['created', 'integration'], ['deduplicated', 'integration']]);
  });

  test('fingerprints are tracked per integration', async () => {
    const s1 = await setup();
    const s2 = await setup({ name: 'second Alertmanager' }, s1.p);
    const body = notification([alert('ll01', 'api-1')], { groupKey: '{}:{alertname="A"}' });
    await deliverOk(s1, body);
    await deliverOk(s2, { ...body, groupKey: '{}:{alertname="B"}' });
    const alerts = await list(s1, 'alert');
    assert.equal(alerts.length, 2);
    assert.deepEqual(new Set(alerts.map((a) => a.integrationId)), new Set([s1.integrationId, s2.integrationId]));
  });
});

describe('acknowledging the episode over the API', () => {
  test('acknowledges both members, and the integration can still resolve them', async () => {
    const s = await setup();
    const a = alert('mm01', 'api-1');
    const b = alert('mm02', 'api-2');
    await deliverOk(s, notification([a, b]));
    const [ep] = await list(s, 'alert-episode');
    h.clock.advance(2 * 60_000);
    const res = await h.call('POST', `/api/alert-episode/${ep!._id}/acknowledge`, { key: s.p.apiKey });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.state, 'Acknowledged');
    for (const m of await list(s, 'alert')) {
      assert.equal(m.state, 'Acknowledged');
      assert.equal(m.acknowledgedAt, h.clock.now().toISOString());
      assert.equal(m.acknowledgedByUserId, s.p.userId);
      const last = (await feed(s, 'alert', m._id)).at(-1)!;
      assert.equal(last.kind, 'acknowledged');
      assert.equal(last.actorType, 'api-key');
    }
    await deliverOk(s, notification([resolved(a), resolved(b)]));
    assert.deepEqual((await list(s, 'alert')).map((m) => m.state), ['Resolved', 'Resolved']);
    assert.equal((await get(s, 'alert-episode', ep!._id)).state, 'Resolved');
  });
});

describe('durability: 2xx only once written, 5xx on storage failure', () => {
  test('a write failing mid-notification answers 5xx and writes nothing; the retry then succeeds', async () => {
    const s = await setup();
    const tag = randomUUID().replace(/-/g, '');
    const boom = `boom-${tag}`;
    // A storage fault on the second alert's insert, after the episode and the first alert were written in the transaction.
    await sql
      .raw(`create function fail_${tag}() returns trigger language plpgsql as $$ begin raise exception 'simulated storage failure'; end $$`)
      .execute(h.database.db);
    await sql
      .raw(`create trigger fail_${tag} before insert on alert for each row when (new.dedup_key = '${boom}') execute function fail_${tag}()`)
      .execute(h.database.db);
    const body = notification([alert('nn01', 'api-1'), alert(boom, 'api-2')]);
    const before0 = await snapshot(s);
    try {
      const res = await deliver(s, body);
      assert.ok(res.status >= 500 && res.status < 600, `expected 5xx, got ${res.status}: ${JSON.stringify(res.body)}`);
      assert.doesNotMatch(JSON.stringify(res.body), /simulated/, 'the fault is not described to the sender');
      assert.deepEqual(await snapshot(s), before0, 'nothing of the notification was written: no episode, no first alert, no feed, no event');
    } finally {
      await sql.raw(`drop trigger fail_${tag} on alert`).execute(h.database.db);
      await sql.raw(`drop function fail_${tag}()`).execute(h.database.db);
    }
    const retry = await deliverOk(s, body);
    assert.deepEqual(retry.body.alerts.map((x: Row) => x.outcome), ['created', 'created']);
    assert.equal((await list(s, 'alert')).length, 2);
    assert.equal((await list(s, 'alert-episode')).length, 1);
  });

  test('a database that cannot be reached answers 5xx, not 404', async () => {
    const pool = new pg.Pool({ connectionString: 'postgres://nobody@127.0.0.1:1/none', connectionTimeoutMillis: 2000 });
    pool.on('error', () => {});
    const db = new Kysely({ dialect: new PostgresDialect({ pool }) });
    const app = await buildApp({ db, clock: h.clock, rateLimit: { enabled: false, max: 1, windowSeconds: 1 } });
    try {
      const res = await app.http.inject({
        method: 'POST',
        url: `/api/integrations/alertmanager/${'0'.repeat(32)}`,
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify(notification([alert('oo01', 'api-1')])),
      });
      assert.ok(res.statusCode >= 500 && res.statusCode < 600, `expected 5xx, got ${res.statusCode}: ${res.body}`);
    } finally {
      await app.http.close();
      await db.destroy();
    }
  });
});

describe('keys', () => {
  test('unknown, disabled or other-type keys are 404 and write nothing', async () => {
    const s = await setup();
    const generic = await setup({ integrationType: 'generic' }, s.p);
    const pagerduty = await setup({ integrationType: 'pagerduty-events-v2' }, s.p);
    const body = notification([alert('pp01', 'api-1')]);
    const before0 = await snapshot(s);
    for (const key of ['0123456789abcdef0123456789abcdef', generic.key, pagerduty.key, 'x'.repeat(100), s.key.toUpperCase()]) {
      const res = await h.call('POST', `/api/integrations/alertmanager/${key}`, { body });
      expectError(res, 404, /alertmanager integration/);
      assert.ok(!res.body.error.includes(key), 'the key is not echoed');
    }
    const disable = await h.call('PUT', `/api/integration/${s.integrationId}`, { key: s.p.apiKey, body: { data: { isEnabled: false } } });
    assert.equal(disable.status, 200, JSON.stringify(disable.body));
    expectError(await deliver(s, body), 404);
    // A path parameter longer than the router allows is refused before any lookup.
    const long = await h.call('POST', `/api/integrations/alertmanager/${'x'.repeat(300)}`, { body });
    assert.ok(long.status >= 400 && long.status < 500, `expected 4xx, got ${long.status}`);
    assert.deepEqual(await snapshot(s), before0);
    // An unknown key is a 404 even when the body is bad too: the key is checked first.
    expectError(await h.call('POST', '/api/integrations/alertmanager/nope', { rawBody: '{oops', headers: { 'content-type': 'application/json' } }), 404);
  });

  test('the routing key never reaches the logs', async () => {
    const s = await setup();
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const app = await buildApp({ db: h.database.db, clock: h.clock, logger: pino({ level: 'trace' }, sink), rateLimit: { enabled: false, max: 1, windowSeconds: 1 } });
    try {
      const send = (url: string, payload: string) => app.http.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload });
      assert.equal((await send(s.path, JSON.stringify(notification([alert('qq01', 'api-1')])))).statusCode, 200);
      assert.equal((await send(s.path, '{"version": 4')).statusCode, 400);
      const unknown = 'feedfacefeedfacefeedfacefeedface';
      assert.equal((await send(`/api/integrations/alertmanager/${unknown}`, '{}')).statusCode, 404);
      const log = lines.join('');
      assert.match(log, /incoming request/, 'requests are logged');
      assert.match(log, /\/api\/integrations\/alertmanager\/:key/, 'as the route pattern');
      assert.ok(!log.includes(s.key), 'the routing key is not in the logs');
      assert.ok(!log.includes(unknown), 'nor an unknown key');
    } finally {
      await app.http.close();
    }
  });
});

describe('bad input: a clear 4xx, nothing written', () => {
  test('missing fields and wrong types name every bad field', async () => {
    const s = await setup();
    const before0 = await snapshot(s);
    const good = alert('rr01', 'api-1');
    const cases: Array<[unknown, RegExp[]]> = [
      [{}, [/version: is required/, /groupKey: is required/, /status: is required/, /alerts: is required/]],
      [notification([good], { version: '3' }), [/version: must be "4"/]],
      [notification([good], { version: 4 }), [/version: must be "4"/]],
      [notification([good], { status: 'pending' }), [/status: must be one of "firing", "resolved"/]],
      [notification([good], { groupKey: '' }), [/groupKey: must not be empty/]],
      [notification([good], { groupKey: 7 }), [/groupKey: must be a string/]],
      [notification([good], { alerts: 'many' }), [/alerts: must be an array/]],
      [notification([]), [/alerts: must contain at least one alert/]],
      [notification([good], { truncatedAlerts: -1 }), [/truncatedAlerts/]],
      [notification([good], { truncatedAlerts: 'none' }), [/truncatedAlerts: must be a number/]],
      [notification([good], { commonLabels: { alertname: 5 } }), [/commonLabels\.alertname: must be a string/]],
      [notification([good], { externalURL: ['x'] }), [/externalURL: must be a string/]],
      [
        notification([good, { ...good, fingerprint: undefined, labels: 'x', startsAt: 'yesterday', status: 'pending' }]),
        [/alerts\[1\]\.fingerprint: is required/, /alerts\[1\]\.labels: must be an object/, /alerts\[1\]\.startsAt: must be an RFC 3339 date-time/, /alerts\[1\]\.status: must be one of/],
      ],
      [notification([{ ...good, annotations: undefined, endsAt: undefined, generatorURL: undefined }]), [/alerts\[0\]\.annotations: is required/, /alerts\[0\]\.endsAt: is required/, /alerts\[0\]\.generatorURL: is required/]],
      [notification([{ ...good, labels: { severity: 1, 'team.name': true } }]), [/alerts\[0\]\.labels\.severity: must be a string/, /alerts\[0\]\.labels\["team\.name"\]: must be a string/]],
      [notification([{ ...good, fingerprint: '' }]), [/alerts\[0\]\.fingerprint: must not be empty/]],
      [notification([{ ...good, fingerprint: 'f'.repeat(256) }]), [/alerts\[0\]\.fingerprint: must be at most 255 characters/]],
      [notification([{ ...good, startsAt: 1767600000 }]), [/alerts\[0\]\.startsAt: must be/]],
      [notification([{ ...good, endsAt: '2026-13-45T99:00:00Z' }]), [/alerts\[0\]\.endsAt: must be an RFC 3339 date-time/]],
      [notification(['not an alert' as unknown as Alert]), [/alerts\[0\]: must be an object/]],
      [[notification([good])], [/body: must be a JSON object/]],
      ['a string', [/body: must be a JSON object/]],
    ];
    for (const [body, mentions] of cases) expectError(await deliver(s, body), 400, ...mentions);
    // A thousand bad alerts: the answer names the first problems and counts the rest.
    const many = await deliver(s, notification(Array.from({ length: 1000 }, () => ({ ...good, fingerprint: 7 }))));
    expectError(many, 400, /alerts\[0\]\.fingerprint: must be a string/, /\.\.\. and 975 more problems$/);
    assert.ok(many.body.error.length < 2000);
    assert.deepEqual(await snapshot(s), before0);
  });

  test('text PostgreSQL cannot store is a 400 naming the field, not a 500 retried forever', async () => {
    const s = await setup();
    const before0 = await snapshot(s);
    const good = alert('ss01', 'api-1');
    expectError(await deliver(s, notification([{ ...good, labels: { alertname: 'a\u0000b' } }])), 400, /alerts\[0\]\.labels\.alertname: must not contain NUL/);
    expectError(await deliver(s, notification([{ ...good, annotations: { summary: 'half \ud83d pair' } }])), 400, /alerts\[0\]\.annotations\.summary: .*unpaired/);
    expectError(await deliver(s, notification([good], { groupKey: '{}:\u0000' })), 400, /groupKey: must not contain NUL/);
    // The JSON text itself carries the escapes, as a sender would send them.
    const raw = JSON.stringify(notification([good])).replace('"api-1"', '"api-\\u0000"');
    expectError(await h.call('POST', s.path, { rawBody: raw, headers: { 'content-type': 'application/json' } }), 400, /alerts\[0\]\.labels\.instance/);
    assert.deepEqual(await snapshot(s), before0);
  });

  test('malformed bodies: invalid JSON, non-UTF-8, empty, too large', async () => {
    const s = await setup();
    const before0 = await snapshot(s);
    const json = { 'content-type': 'application/json' };
    expectError(await h.call('POST', s.path, { rawBody: '{"version": "4", "alerts": [', headers: json }), 400, /body: is not valid JSON/);
    expectError(await h.call('POST', s.path, { rawBody: '', headers: json }), 400, /body: is required/);
    expectError(await h.call('POST', s.path, { rawBody: 'null', headers: json }), 400, /body: is required/);
    expectError(await h.call('POST', s.path, { rawBody: '{"__proto__": {"polluted": true}, "version": "4"}', headers: json }), 400, /body: is not valid JSON/);
    // Latin-1 bytes (0xE9 for "é") where UTF-8 is required.
    const valid = Buffer.from(JSON.stringify(notification([alert('tt01', 'caf\u00e9')])), 'utf8');
    const latin1 = Buffer.from(JSON.stringify(notification([alert('tt01', 'caf\u00e9')])), 'latin1');
    const inject = (payload: Buffer, type = 'application/json') =>
      h.app.http.inject({ method: 'POST', url: s.path, headers: { 'content-type': type }, payload });
    const bad = await inject(latin1);
    assert.equal(bad.statusCode, 400, bad.body);
    assert.deepEqual(JSON.parse(bad.body), { error: 'body: is not valid UTF-8' });
    const big = await inject(Buffer.alloc(1_048_577, 0x20));
    assert.equal(big.statusCode, 413, big.body);
    assert.match(JSON.parse(big.body).error, /body: is larger than the limit/);
    assert.deepEqual(await snapshot(s), before0);
    // The same bytes in UTF-8 are fine.
    assert.equal((await inject(valid)).statusCode, 200);
    assert.equal((await list(s, 'alert'))[0]!.customFields.labels.instance, 'caf\u00e9');
  });

  test('other content types are 415', async () => {
    const s = await setup();
    const before0 = await snapshot(s);
    const payload = JSON.stringify(notification([alert('uu01', 'api-1')]));
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml']) {
      expectError(await h.call('POST', s.path, { rawBody: payload, headers: { 'content-type': type } }), 415, /Content-Type: .* is not supported; send application\/json/);
    }
    expectError(await h.call('POST', s.path, { rawBody: payload, headers: { 'content-type': 'application/json; charset=iso-8859-1' } }), 415, /charset/);
    expectError(await h.call('POST', s.path, { rawBody: payload }), 415, /Content-Type: is missing/);
    assert.deepEqual(await snapshot(s), before0);
    // charset=utf-8 is fine.
    const ok = await h.call('POST', s.path, { rawBody: payload, headers: { 'content-type': 'application/json; charset=utf-8' } });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
  });

  test('only POST is routed', async () => {
    const s = await setup();
    expectError(await h.call('GET', s.path), 404);
    expectError(await h.call('PUT', s.path, { body: notification([alert('vv01', 'api-1')]) }), 404);
    assert.equal((await list(s, 'alert')).length, 0);
  });
});

test('two Alertmanagers in one project sending the same groupKey each get their own episode', async () => {
  const first = await setup();
  const second = await setup({ name: 'Second Alertmanager' }, first.p);
  await deliverOk(first, notification([alert('aa01', 'db-1:9100')]));
  await deliverOk(second, notification([alert('aa01', 'db-1:9100')]));
  const episodes = await list(first, 'alert-episode');
  assert.equal(episodes.length, 2);
  assert.deepEqual(new Set(episodes.map((e) => e.integrationId)), new Set([first.integrationId, second.integrationId]));
  const alerts = await list(first, 'alert');
  assert.equal(alerts.length, 2, 'fingerprints are tracked per integration');
  for (const a of alerts) assert.equal(episodes.find((e) => e._id === a.episodeId)?.integrationId, a.integrationId);
});

// PagerDuty Events API v2 compatibility (COMPAT.md section 4): POST /v2/enqueue and
// POST /v2/change/enqueue answer as PagerDuty does, replaying PagerDuty's documented
// request and response examples; dedup-key semantics; every error listed in one 400 with
// nothing written; malformed bodies; the 512 KB limit; the dedup race; the feed and the
// domain events of every change; and the real @pagerduty/pdjs client over HTTP.
// (The per-routing-key rate limit needs a harness with a small limit:
// test/pagerduty-rate-limit.test.ts.)
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { acknowledge, change, resolve, trigger } from '@pagerduty/pdjs';
import { sql } from 'kysely';
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

const INVALID = { status: 'invalid event', message: 'Event object is invalid' };

/** A PagerDuty Events v2 integration made over the resource API; its routing key is shown once. */
async function integration(p: CreatedProject, data: Row = {}): Promise<{ id: string; routingKey: string }> {
  const res = await h.call('POST', '/api/integration', {
    key: p.apiKey,
    body: { data: { name: `PD ${randomUUID().slice(0, 6)}`, integrationType: 'pagerduty-events-v2', ...data } },
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.match(res.body.routingKey, /^[0-9a-f]{32}$/);
  return { id: res.body._id, routingKey: res.body.routingKey };
}

async function setup(data: Row = {}) {
  const p = await h.project();
  const i = await integration(p, data);
  return { p, ...i };
}

function enqueue(body: unknown, path = '/v2/enqueue') {
  return h.call('POST', path, { body });
}

function triggerEvent(routingKey: string, extra: Row = {}, payload: Row = {}): Row {
  return {
    routing_key: routingKey,
    event_action: 'trigger',
    payload: { summary: 'CPU load high on web-01', source: 'web-01.example.com', severity: 'critical', ...payload },
    ...extra,
  };
}

async function list(p: CreatedProject, resource: string, body: Row = {}): Promise<Row[]> {
  const res = await h.call('POST', `/api/${resource}/get-list?limit=1000`, { key: p.apiKey, body });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.data;
}

const alerts = (p: CreatedProject, query: Row = {}) => list(p, 'alert', { query, sort: { createdAt: 1 } });

/** The alert's feed, oldest first. */
const alertFeed = (p: CreatedProject, alertId: string) => list(p, 'alert-feed', { query: { alertId }, sort: { seq: 1 } });

/** Domain events about one subject, oldest first. */
const eventsOf = (p: CreatedProject, subjectId: string) => list(p, 'domain-event', { query: { subjectId }, sort: { seq: 1 } });

async function severityName(p: CreatedProject, id: string): Promise<string> {
  const res = await h.call('GET', `/api/alert-severity/${id}/get-item`, { key: p.apiKey });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.name;
}

/** Row counts of everything an event could write, across the whole database. */
async function written(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of ['alert', 'incident', 'alert_episode', 'activity', 'domain_event', 'change_event']) {
    const res = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(t)}`.execute(h.database.db);
    out[t] = res.rows[0]!.n;
  }
  return out;
}

/** A 32-character key no integration has. */
const unknownKey = () => randomBytes(16).toString('hex');

// ---------------------------------------------------------------------------------------------
// PagerDuty's documented examples (developer docs, "Send an Alert Event" / "Send a Change Event")

describe("PagerDuty's documented examples", () => {
  test('the documented trigger opens an alert and answers 202 with the dedup key', async () => {
    const { p, id, routingKey } = await setup();
    // The documented trigger example, verbatim but for the routing key.
    const res = await enqueue({
      payload: {
        summary: 'Example alert on host1.example.com',
        timestamp: '2015-07-17T08:42:58.315+0000',
        source: 'monitoringtool:cloudvendor:central-region-dc-01:852559987:cluster/api-stats-prod-003',
        severity: 'info',
        component: 'postgres',
        group: 'prod-datapipe',
        class: 'deploy',
        custom_details: { 'ping time': '1500ms', 'load avg': 0.75 },
      },
      routing_key: routingKey,
      dedup_key: 'samplekeyhere',
      images: [{ src: 'https://www.pagerduty.com/wp-content/uploads/2016/05/pagerduty-logo-green.png', href: 'https://example.com/', alt: 'Example text' }],
      links: [{ href: 'https://example.com/', text: 'Link text' }],
      event_action: 'trigger',
      client: 'Sample Monitoring Service',
      client_url: 'https://monitoring.example.com',
    });
    assert.equal(res.status, 202);
    assert.deepEqual(res.body, { status: 'success', message: 'Event processed', dedup_key: 'samplekeyhere' });
    assert.match(String(res.headers['content-type']), /^application\/json/);

    const [alert, ...more] = await alerts(p);
    assert.equal(more.length, 0);
    assert.equal(alert!.title, 'Example alert on host1.example.com');
    assert.equal(alert!.state, 'Created');
    assert.equal(alert!.dedupKey, 'samplekeyhere');
    assert.equal(alert!.integrationId, id);
    assert.equal(alert!.source, 'pagerduty-events-v2');
    assert.equal(alert!.eventCount, 1);
    assert.equal(await severityName(p, alert!.alertSeverityId), 'Info');
    assert.deepEqual(alert!.links, [{ href: 'https://example.com/', text: 'Link text' }]);
    assert.deepEqual(alert!.customFields, {
      source: 'monitoringtool:cloudvendor:central-region-dc-01:852559987:cluster/api-stats-prod-003',
      component: 'postgres',
      group: 'prod-datapipe',
      class: 'deploy',
      custom_details: { 'ping time': '1500ms', 'load avg': 0.75 },
      timestamp: '2015-07-17T08:42:58.315Z',
      client: 'Sample Monitoring Service',
      client_url: 'https://monitoring.example.com',
      images: [{ src: 'https://www.pagerduty.com/wp-content/uploads/2016/05/pagerduty-logo-green.png', href: 'https://example.com/', alt: 'Example text' }],
    });
  });

  test('the documented acknowledge and resolve examples move the alert, each with feed entry and domain event', async () => {
    const { p, id, routingKey } = await setup();
    assert.equal((await enqueue(triggerEvent(routingKey, { dedup_key: 'dedupkeyhere' }))).status, 202);
    const [alert] = await alerts(p);

    h.clock.advance(60_000);
    const ack = await enqueue({ routing_key: routingKey, dedup_key: 'dedupkeyhere', event_action: 'acknowledge' });
    assert.equal(ack.status, 202);
    assert.deepEqual(ack.body, { status: 'success', message: 'Event processed', dedup_key: 'dedupkeyhere' });
    let [now] = await alerts(p);
    assert.equal(now!.state, 'Acknowledged');
    assert.equal(now!.acknowledgedAt, h.clock.now().toISOString());

    h.clock.advance(60_000);
    const res = await enqueue({ routing_key: routingKey, dedup_key: 'dedupkeyhere', event_action: 'resolve' });
    assert.equal(res.status, 202);
    assert.deepEqual(res.body, { status: 'success', message: 'Event processed', dedup_key: 'dedupkeyhere' });
    [now] = await alerts(p);
    assert.equal(now!.state, 'Resolved');
    assert.equal(now!.resolvedAt, h.clock.now().toISOString());

    const feed = await alertFeed(p, alert!._id);
    assert.deepEqual(feed.map((f) => f.kind), ['created', 'acknowledged', 'resolved']);
    for (const f of feed) {
      assert.equal(f.actorType, 'integration');
      assert.equal(f.actorId, id);
      assert.equal(f.via, 'integration');
    }
    const events = await eventsOf(p, alert!._id);
    assert.deepEqual(events.map((e) => e.eventType), ['alert.created', 'alert.acknowledged', 'alert.resolved']);
    for (const e of events) assert.equal(e.payload.actor.type, 'integration');
  });

  test("the documented 400: a routing key of the wrong length, in PagerDuty's exact words", async () => {
    const before = await written();
    const res = await enqueue({
      payload: { summary: 'Example alert on host1.example.com', source: 'host1', severity: 'info' },
      routing_key: 'samplekeyhere',
      dedup_key: 'samplekeyhere',
      event_action: 'trigger',
    });
    assert.equal(res.status, 400);
    assert.deepEqual(res.body, { ...INVALID, errors: ["Length of 'routing_key' is incorrect (should be 32 characters)"] });
    assert.deepEqual(await written(), before);
  });

  test('the documented change event is stored and listed through the change-event resource', async () => {
    const { p, id, routingKey } = await setup();
    const res = await enqueue(
      {
        routing_key: routingKey,
        payload: {
          summary: 'Build Success: Increase snapshot create timeout to 30 seconds',
          timestamp: '2020-07-17T08:42:58.315+0000',
          source: 'acme-build-pipeline-tool-default-i-9999',
          custom_details: { build_state: 'passed', build_number: '2', run_time: '1236s' },
        },
        links: [{ href: 'https://acme.pagerduty.dev/build/2', text: 'View more details in Acme!' }],
      },
      '/v2/change/enqueue',
    );
    assert.equal(res.status, 202);
    assert.deepEqual(res.body, { status: 'success', message: 'Change event processed' });

    const expected = {
      integrationId: id,
      summary: 'Build Success: Increase snapshot create timeout to 30 seconds',
      source: 'acme-build-pipeline-tool-default-i-9999',
      occurredAt: '2020-07-17T08:42:58.315Z',
      customDetails: { build_state: 'passed', build_number: '2', run_time: '1236s' },
      links: [{ href: 'https://acme.pagerduty.dev/build/2', text: 'View more details in Acme!' }],
    };
    const viaPost = await list(p, 'change-event');
    assert.equal(viaPost.length, 1);
    assert.deepEqual({ ...viaPost[0], _id: undefined, createdAt: undefined, updatedAt: undefined, projectId: undefined }, {
      ...expected,
      _id: undefined,
      createdAt: undefined,
      updatedAt: undefined,
      projectId: undefined,
    });
    assert.equal(viaPost[0]!.createdAt, h.clock.now().toISOString());
    const viaGet = await h.call('GET', '/api/change-event/get-list', { key: p.apiKey });
    assert.equal(viaGet.status, 200);
    assert.equal(viaGet.body.count, 1);
    assert.equal(viaGet.body.data[0].summary, expected.summary);
    assert.equal((await alerts(p)).length, 0, 'a change event opens nothing');
  });
});

// ---------------------------------------------------------------------------------------------
// Dedup-key semantics

describe('dedup keys', () => {
  test('a trigger without dedup_key gets a generated UUID, returned in the answer; each opens its own alert', async () => {
    const { p, routingKey } = await setup();
    const first = await enqueue(triggerEvent(routingKey));
    h.clock.advance(1_000);
    const second = await enqueue(triggerEvent(routingKey, { dedup_key: '' }));
    assert.equal(first.status, 202);
    assert.equal(second.status, 202);
    assert.match(first.body.dedup_key, /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.notEqual(first.body.dedup_key, second.body.dedup_key);
    const rows = await alerts(p);
    assert.deepEqual(rows.map((a) => a.dedupKey), [first.body.dedup_key, second.body.dedup_key]);

    // The generated key works for follow-ups.
    assert.equal((await enqueue({ routing_key: routingKey, event_action: 'resolve', dedup_key: first.body.dedup_key })).status, 202);
    assert.deepEqual((await alerts(p)).map((a) => a.state), ['Resolved', 'Created']);
  });

  test('a trigger with the dedup key of an open alert folds into it: one alert, event count, feed and domain event', async () => {
    const { p, routingKey } = await setup();
    assert.equal((await enqueue(triggerEvent(routingKey, { dedup_key: 'disk/db-1' }))).status, 202);
    h.clock.advance(5_000);
    const again = await enqueue(triggerEvent(routingKey, { dedup_key: 'disk/db-1' }, { summary: 'Disk still full' }));
    assert.equal(again.status, 202);
    assert.equal(again.body.dedup_key, 'disk/db-1');

    // Acknowledged is still open: a trigger folds into it too.
    assert.equal((await enqueue({ routing_key: routingKey, event_action: 'acknowledge', dedup_key: 'disk/db-1' })).status, 202);
    h.clock.advance(5_000);
    assert.equal((await enqueue(triggerEvent(routingKey, { dedup_key: 'disk/db-1' }))).status, 202);

    const rows = await alerts(p);
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.eventCount, 3);
    assert.equal(rows[0]!.state, 'Acknowledged', 'a folded trigger does not reset the state');
    assert.equal(rows[0]!.title, 'CPU load high on web-01', 'the alert keeps the title it opened with');
    assert.equal(rows[0]!.lastEventAt, h.clock.now().toISOString());
    const feed = await alertFeed(p, rows[0]!._id);
    assert.deepEqual(feed.map((f) => f.kind), ['created', 'deduplicated', 'acknowledged', 'deduplicated']);
    assert.ok(feed.every((f) => f.actorType === 'integration'));
    const events = await eventsOf(p, rows[0]!._id);
    assert.deepEqual(events.map((e) => e.eventType), ['alert.created', 'alert.deduplicated', 'alert.acknowledged', 'alert.deduplicated']);
  });

  test('after resolve, the same dedup key opens a new alert', async () => {
    const { p, routingKey } = await setup();
    await enqueue(triggerEvent(routingKey, { dedup_key: 'k' }));
    await enqueue({ routing_key: routingKey, event_action: 'resolve', dedup_key: 'k' });
    h.clock.advance(1_000);
    const res = await enqueue(triggerEvent(routingKey, { dedup_key: 'k' }));
    assert.equal(res.status, 202);
    const rows = await alerts(p);
    assert.deepEqual(rows.map((a) => [a.dedupKey, a.state, a.eventCount]), [['k', 'Resolved', 1], ['k', 'Created', 1]]);
    const events = await eventsOf(p, rows[1]!._id);
    assert.deepEqual(events.map((e) => e.eventType), ['alert.created']);
  });

  test('acknowledge or resolve of an unknown or resolved key is accepted (202) and changes nothing', async () => {
    const { routingKey } = await setup();
    await enqueue(triggerEvent(routingKey, { dedup_key: 'done' }));
    await enqueue({ routing_key: routingKey, event_action: 'resolve', dedup_key: 'done' });
    const before = await written();
    for (const [action, key] of [
      ['acknowledge', 'never-seen'],
      ['resolve', 'never-seen'],
      ['acknowledge', 'done'],
      ['resolve', 'done'],
    ] as const) {
      const res = await enqueue({ routing_key: routingKey, event_action: action, dedup_key: key });
      assert.equal(res.status, 202, `${action} ${key}`);
      assert.deepEqual(res.body, { status: 'success', message: 'Event processed', dedup_key: key });
    }
    assert.deepEqual(await written(), before, 'no alert, feed entry or domain event');
  });

  test('acknowledging twice changes the alert once', async () => {
    const { p, routingKey } = await setup();
    await enqueue(triggerEvent(routingKey, { dedup_key: 'twice' }));
    const ack = { routing_key: routingKey, event_action: 'acknowledge', dedup_key: 'twice' };
    assert.equal((await enqueue(ack)).status, 202);
    assert.equal((await enqueue(ack)).status, 202);
    const [alert] = await alerts(p);
    assert.deepEqual((await alertFeed(p, alert!._id)).map((f) => f.kind), ['created', 'acknowledged']);
  });

  test("follow-ups apply only within the same routing key: another integration's key with the same dedup key does nothing here", async () => {
    const { p, id: firstId, routingKey: first } = await setup();
    const { id: secondId, routingKey: second } = await integration(p);
    await enqueue(triggerEvent(first, { dedup_key: 'shared' }));
    const before = await written();

    // Acknowledge and resolve through the other key: accepted, dropped.
    assert.equal((await enqueue({ routing_key: second, event_action: 'acknowledge', dedup_key: 'shared' })).status, 202);
    assert.equal((await enqueue({ routing_key: second, event_action: 'resolve', dedup_key: 'shared' })).status, 202);
    assert.deepEqual(await written(), before);
    assert.deepEqual((await alerts(p)).map((a) => a.state), ['Created']);

    // A trigger through the other key opens that integration's own alert.
    h.clock.advance(1_000);
    await enqueue(triggerEvent(second, { dedup_key: 'shared' }));
    const rows = await alerts(p);
    assert.deepEqual(rows.map((a) => [a.integrationId, a.eventCount]), [[firstId, 1], [secondId, 1]]);

    // A project of its own is no different.
    const other = await setup();
    assert.equal((await enqueue({ routing_key: other.routingKey, event_action: 'resolve', dedup_key: 'shared' })).status, 202);
    assert.deepEqual((await alerts(p)).map((a) => a.state), ['Created', 'Created']);
  });

  test('50 concurrent triggers with one dedup key create exactly one alert whose event count is 50', async () => {
    const { p, routingKey } = await setup();
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) => enqueue(triggerEvent(routingKey, { dedup_key: 'race' }, { summary: `race ${i}` }))),
    );
    assert.deepEqual(answers.map((a) => a.status), Array(50).fill(202));
    assert.ok(answers.every((a) => a.body.dedup_key === 'race'));
    const rows = await alerts(p);
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.eventCount, 50);
    const feed = await alertFeed(p, rows[0]!._id);
    assert.equal(feed.filter((f) => f.kind === 'created').length, 1);
    assert.equal(feed.filter((f) => f.kind === 'deduplicated').length, 49);
    const events = await eventsOf(p, rows[0]!._id);
    assert.equal(events.filter((e) => e.eventType === 'alert.created').length, 1);
    assert.equal(events.filter((e) => e.eventType === 'alert.deduplicated').length, 49);
  });
});

// ---------------------------------------------------------------------------------------------
// Mapping

describe('mapping', () => {
  test('each severity word maps to the default severity of that rank', async () => {
    const { p, routingKey } = await setup();
    const words = { critical: 'Critical', error: 'Major', warning: 'Minor', info: 'Info' } as const;
    for (const word of Object.keys(words)) {
      assert.equal((await enqueue(triggerEvent(routingKey, { dedup_key: word }, { severity: word }))).status, 202);
    }
    for (const a of await alerts(p)) assert.equal(await severityName(p, a.alertSeverityId), words[a.dedupKey as keyof typeof words]);
  });

  test("the integration's severity map wins over the default by name", async () => {
    const p = await h.project();
    const severities = await list(p, 'alert-severity');
    const minor = severities.find((s) => s.name === 'Minor')!;
    const { routingKey } = await integration(p, { severityMap: { critical: minor._id } });
    await enqueue(triggerEvent(routingKey, {}, { severity: 'critical' }));
    assert.equal((await alerts(p))[0]!.alertSeverityId, minor._id);
  });

  test('an integration that creates incidents opens, folds and resolves incidents, not alerts', async () => {
    const { p, routingKey } = await setup({ creates: 'incident', defaultPriority: 'H' });
    await enqueue(triggerEvent(routingKey, { dedup_key: 'inc' }));
    await enqueue(triggerEvent(routingKey, { dedup_key: 'inc' }));
    assert.equal((await enqueue({ routing_key: routingKey, event_action: 'resolve', dedup_key: 'inc' })).status, 202);
    assert.equal((await alerts(p)).length, 0);
    const incidents = await list(p, 'incident');
    assert.deepEqual(incidents.map((i) => [i.title, i.dedupKey, i.eventCount, i.state, i.priority]), [['CPU load high on web-01', 'inc', 2, 'Resolved', 'H']]);
    const events = await eventsOf(p, incidents[0]!._id);
    assert.deepEqual(events.map((e) => e.eventType), ['incident.created', 'incident.deduplicated', 'incident.resolved']);
  });

  test('optional fields are optional, links without text are kept, timestamps in every ISO zone form are accepted', async () => {
    const { p, routingKey } = await setup();
    for (const [key, timestamp, expected] of [
      ['z', '2026-01-05T10:00:00Z', '2026-01-05T10:00:00.000Z'],
      ['colon', '2026-01-05T10:00:00.5+02:00', '2026-01-05T08:00:00.500Z'],
      ['nocolon', '2026-01-05T10:00:00-0130', '2026-01-05T11:30:00.000Z'],
    ] as const) {
      assert.equal((await enqueue(triggerEvent(routingKey, { dedup_key: key }, { timestamp }))).status, 202, timestamp);
      const a = (await alerts(p, { dedupKey: key }))[0]!;
      assert.equal(a.customFields.timestamp, expected);
    }
    const res = await enqueue({
      routing_key: routingKey,
      event_action: 'trigger',
      dedup_key: 'bare',
      payload: { summary: 's', source: 'h', severity: 'warning' },
      links: [{ href: 'https://example.com/runbook' }],
    });
    assert.equal(res.status, 202);
    const a = (await alerts(p, { dedupKey: 'bare' }))[0]!;
    assert.deepEqual(a.customFields, { source: 'h' });
    assert.deepEqual(a.links, [{ href: 'https://example.com/runbook', text: null }]);
  });

  test('no ApiKey header is needed, and one that is given does not stand in for the routing key', async () => {
    const { p, routingKey } = await setup();
    const res = await h.call('POST', '/v2/enqueue', { key: p.apiKey, body: { ...triggerEvent(routingKey), routing_key: undefined } });
    assert.equal(res.status, 400);
    assert.deepEqual(res.body.errors, ["'routing_key' is missing or blank"]);
    assert.equal((await enqueue(triggerEvent(routingKey))).status, 202);
  });
});

// ---------------------------------------------------------------------------------------------
// Bad input: a 400 (or 413) in PagerDuty's shape, naming every problem, nothing written

describe('bad input', () => {
  test('every problem of a trigger is listed in one 400', async () => {
    const { routingKey } = await setup();
    const before = await written();
    const res = await enqueue({
      routing_key: routingKey,
      event_action: 'trigger',
      dedup_key: 'x'.repeat(256),
      payload: { summary: 's'.repeat(1025), source: 42, severity: 'fatal', timestamp: 'yesterday', component: ['db'], group: 1, class: false },
      links: [{ text: 'no href' }, 'not an object'],
      images: { src: 'not an array' },
      client: 7,
      client_url: {},
    });
    assert.equal(res.status, 400);
    assert.deepEqual(res.body, {
      ...INVALID,
      errors: [
        "Length of 'dedup_key' is 256 characters; the maximum permitted length is 255",
        "Length of 'payload.summary' is 1025 characters; the maximum permitted length is 1024",
        "'payload.source' must be a string",
        "'payload.severity' must be one of critical, error, warning, info",
        "'payload.timestamp' must be an ISO 8601 date-time with a time zone, e.g. 2015-07-17T08:42:58.315+0000",
        "'payload.component' must be a string",
        "'payload.group' must be a string",
        "'payload.class' must be a string",
        "'links[0].href' is missing or blank",
        "'links[1]' must be an object",
        "'images' must be an array of objects",
        "'client' must be a string",
        "'client_url' must be a string",
      ],
    });
    assert.deepEqual(await written(), before);
  });

  test('missing fields: routing key, action, payload and its required fields, dedup key of a follow-up', async () => {
    const before = await written();
    let res = await enqueue({});
    assert.equal(res.status, 400);
    assert.deepEqual(res.body.errors, ["'routing_key' is missing or blank", "'event_action' is missing or blank"]);

    const { routingKey } = await setup();
    res = await enqueue({ routing_key: routingKey, event_action: 'trigger' });
    assert.deepEqual(res.body.errors, ["'payload' is missing; it is required for trigger events"]);
    res = await enqueue({ routing_key: routingKey, event_action: 'trigger', payload: { summary: ' ' } });
    assert.deepEqual(res.body.errors, ["'payload.summary' is missing or blank", "'payload.source' is missing or blank", "'payload.severity' is missing or blank"]);
    res = await enqueue({ routing_key: routingKey, event_action: 'trigger', payload: 'CPU high' });
    assert.deepEqual(res.body.errors, ["'payload' must be an object"]);
    for (const action of ['acknowledge', 'resolve']) {
      res = await enqueue({ routing_key: routingKey, event_action: action });
      assert.equal(res.status, 400);
      assert.deepEqual(res.body, { ...INVALID, errors: [`'dedup_key' is missing or blank; it is required for ${action} events`] });
    }
    res = await enqueue({ routing_key: routingKey, event_action: 'page', dedup_key: 5 });
    assert.deepEqual(res.body.errors, ["'event_action' must be one of trigger, acknowledge, resolve", "'dedup_key' must be a string"]);
    res = await enqueue({ routing_key: 12345678901234567890123456789012, event_action: 'resolve', dedup_key: 'k' });
    assert.deepEqual(res.body.errors, ["'routing_key' must be a string"]);
    assert.deepEqual(await written(), before);
  });

  test('text PostgreSQL cannot store (NUL, unpaired surrogates) is a 400 naming the field, never a 500', async () => {
    const { routingKey } = await setup();
    const before = await written();
    const res = await enqueue({
      routing_key: routingKey,
      event_action: 'trigger',
      dedup_key: 'a\u0000b',
      payload: { summary: 'half a pair \ud800', source: 'db-1', severity: 'info', custom_details: { 'key\u0000': 'v', nested: ['\udc00'] } },
      links: [{ href: 'https://example.com/\u0000' }],
    });
    assert.equal(res.status, 400);
    assert.deepEqual(res.body.errors, [
      "'dedup_key' must not contain NUL characters or unpaired UTF-16 surrogates",
      "'payload.summary' must not contain NUL characters or unpaired UTF-16 surrogates",
      "'payload.custom_details' must not contain NUL characters or unpaired UTF-16 surrogates (in a key or a value)",
      "'links[0].href' must not contain NUL characters or unpaired UTF-16 surrogates",
    ]);
    const change = await enqueue({ routing_key: routingKey, payload: { summary: 'ok', custom_details: '\u0000' } }, '/v2/change/enqueue');
    assert.equal(change.status, 400);
    assert.deepEqual(change.body.errors, ["'payload.custom_details' must not contain NUL characters or unpaired UTF-16 surrogates (in a key or a value)"]);
    assert.deepEqual(await written(), before);
    // A proper pair (an emoji) is fine.
    assert.equal((await enqueue(triggerEvent(routingKey, {}, { summary: 'on fire \ud83d\udd25' }))).status, 202);
  });

  test('impossible timestamps are refused', async () => {
    const { routingKey } = await setup();
    for (const timestamp of ['2015-02-30T08:42:58Z', '2015-07-17T25:00:00Z', '2015-07-17T08:42:58', '2015-07-17', 1437122578, '2015-13-01T00:00:00+0000']) {
      const res = await enqueue(triggerEvent(routingKey, {}, { timestamp }));
      assert.equal(res.status, 400, String(timestamp));
      assert.match(res.body.errors[0], /^'payload\.timestamp' must be an ISO 8601 date-time/);
    }
  });

  test('an unknown, disabled or non-PagerDuty routing key is a 400 naming routing_key, with nothing written', async () => {
    const p = await h.project();
    const disabled = await integration(p, { isEnabled: false });
    const alertmanager = await h.call('POST', '/api/integration', { key: p.apiKey, body: { data: { name: 'AM', integrationType: 'alertmanager' } } });
    assert.equal(alertmanager.status, 200);
    const before = await written();
    for (const [what, key] of [
      ['unknown', unknownKey()],
      ['disabled', disabled.routingKey],
      ['alertmanager', alertmanager.body.routingKey as string],
    ] as const) {
      for (const [path, body] of [
        ['/v2/enqueue', triggerEvent(key)],
        ['/v2/enqueue', { routing_key: key, event_action: 'resolve', dedup_key: 'k' }],
        ['/v2/change/enqueue', { routing_key: key, payload: { summary: 'deploy' } }],
      ] as const) {
        const res = await enqueue(body, path);
        assert.equal(res.status, 400, `${what} ${path}`);
        assert.deepEqual(res.body, {
          ...INVALID,
          errors: ["Invalid routing key: 'routing_key' is not the key of an enabled PagerDuty Events API v2 integration"],
        });
        assert.ok(!JSON.stringify(res.body).includes(key), 'the key is never echoed');
      }
    }
    assert.deepEqual(await written(), before);

    // Enabling the integration makes its key work.
    const on = await h.call('PUT', `/api/integration/${disabled.id}`, { key: p.apiKey, body: { data: { isEnabled: true } } });
    assert.equal(on.status, 200);
    assert.equal((await enqueue(triggerEvent(disabled.routingKey))).status, 202);
  });

  test('an unknown key is listed together with the problems of the event itself', async () => {
    const res = await enqueue({ routing_key: unknownKey(), event_action: 'trigger', payload: { summary: 'x', source: 'y', severity: 'loud' } });
    assert.equal(res.status, 400);
    assert.deepEqual(res.body.errors, [
      "'payload.severity' must be one of critical, error, warning, info",
      "Invalid routing key: 'routing_key' is not the key of an enabled PagerDuty Events API v2 integration",
    ]);
  });

  test('malformed JSON, non-UTF-8 bytes, an empty body, a non-object body: 400 in PagerDuty shape', async () => {
    const { routingKey } = await setup();
    const before = await written();
    const json = { 'content-type': 'application/json' };
    const cases: Array<[string, string | Buffer, Record<string, string>, string]> = [
      ['truncated JSON', `{"routing_key":"${routingKey}","event_action":"trigger"`, json, 'Request body is not valid JSON'],
      ['trailing garbage', `${JSON.stringify(triggerEvent(routingKey))} x`, json, 'Request body is not valid JSON'],
      ['empty body', '', json, "Event must be a JSON object"],
      ['array', JSON.stringify([triggerEvent(routingKey)]), json, 'Event must be a JSON object'],
      ['null', 'null', json, 'Event must be a JSON object'],
      ['string', '"trigger"', json, 'Event must be a JSON object'],
      ['prototype poisoning', `{"routing_key":"${routingKey}","__proto__":{"x":1}}`, json, 'Request body is not valid JSON'],
    ];
    // "CPU load high on café" with the é in ISO-8859-1 (one 0xE9 byte): not UTF-8.
    const latin1 = Buffer.from(JSON.stringify(triggerEvent(routingKey, {}, { summary: 'CPU load high on caf\u00e9' })), 'latin1');
    cases.push(['ISO-8859-1 bytes', latin1, json, 'Request body is not valid UTF-8']);
    cases.push(['ISO-8859-1 declared', latin1, { 'content-type': 'application/json; charset=iso-8859-1' }, 'Request body is not valid UTF-8']);
    for (const [what, payload, headers, error] of cases) {
      const res = await h.app.http.inject({ method: 'POST', url: '/v2/enqueue', headers, payload });
      assert.equal(res.statusCode, 400, `${what}: ${res.body}`);
      assert.deepEqual(JSON.parse(res.body), { ...INVALID, errors: [error] }, what);
    }
    assert.deepEqual(await written(), before);

    // The same text in UTF-8 is fine, é and all.
    const utf8 = await h.app.http.inject({ method: 'POST', url: '/v2/enqueue', headers: json, payload: Buffer.from(latin1.toString('latin1'), 'utf8') });
    assert.equal(utf8.statusCode, 202);
  });

  test('a content type other than JSON is a 400 in PagerDuty shape', async () => {
    const { routingKey } = await setup();
    const before = await written();
    const body = JSON.stringify(triggerEvent(routingKey));
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/xml']) {
      const res = await h.app.http.inject({ method: 'POST', url: '/v2/enqueue', headers: { 'content-type': type }, payload: body });
      assert.equal(res.statusCode, 400, type);
      assert.deepEqual(JSON.parse(res.body), { ...INVALID, errors: ['Content-Type must be application/json'] });
    }
    const none = await h.app.http.inject({ method: 'POST', url: '/v2/enqueue', payload: body });
    assert.equal(none.statusCode, 400);
    assert.equal(JSON.parse(none.body).status, 'invalid event');
    assert.deepEqual(await written(), before);
  });

  test('an event over 512 KB is a 413 in PagerDuty shape with nothing written; just under the limit is accepted', async () => {
    const { p, routingKey } = await setup();
    const before = await written();
    // 600 KB: under the rest of the API's 1 MB limit, over PagerDuty's 512 KB.
    const big = await enqueue(triggerEvent(routingKey, {}, { custom_details: { log: 'x'.repeat(600 * 1024) } }));
    assert.equal(big.status, 413);
    assert.deepEqual(big.body, { ...INVALID, errors: ['Event is larger than the limit of 512 KB (524288 bytes)'] });
    const bigChange = await enqueue({ routing_key: routingKey, payload: { summary: 'x', custom_details: 'y'.repeat(600 * 1024) } }, '/v2/change/enqueue');
    assert.equal(bigChange.status, 413);
    assert.deepEqual(await written(), before);

    const log = 'x'.repeat(500 * 1024);
    const fits = await enqueue(triggerEvent(routingKey, { dedup_key: 'fits' }, { custom_details: { log } }));
    assert.equal(fits.status, 202);
    assert.equal((await alerts(p, { dedupKey: 'fits' }))[0]!.customFields.custom_details.log, log, 'kept whole');
  });

  test('every problem of a change event is listed in one 400, nothing written', async () => {
    const { routingKey } = await setup();
    const before = await written();
    let res = await enqueue({ routing_key: routingKey, payload: { summary: '', source: 3, timestamp: 'soon' }, links: 'https://x' }, '/v2/change/enqueue');
    assert.equal(res.status, 400);
    assert.deepEqual(res.body, {
      ...INVALID,
      errors: [
        "'payload.summary' is missing or blank",
        "'payload.source' must be a string",
        "'payload.timestamp' must be an ISO 8601 date-time with a time zone, e.g. 2015-07-17T08:42:58.315+0000",
        "'links' must be an array of objects",
      ],
    });
    res = await enqueue({ routing_key: 'short' }, '/v2/change/enqueue');
    assert.deepEqual(res.body.errors, ["Length of 'routing_key' is incorrect (should be 32 characters)", "'payload' is missing"]);
    assert.deepEqual(await written(), before);
  });

  test("the PagerDuty scope's parser and error shape stay its own: the resource API is unchanged", async () => {
    const p = await h.project();
    const res = await h.call('POST', '/api/alert/get-list', { key: p.apiKey, rawBody: '{', headers: { 'content-type': 'application/json' } });
    assert.equal(res.status, 400);
    assert.deepEqual(res.body, { error: 'body: is not valid JSON' });
  });
});

// ---------------------------------------------------------------------------------------------
// Change events

describe('change events', () => {
  test('a minimal change event; links and listing by integration', async () => {
    const { p, id, routingKey } = await setup();
    h.clock.advance(60_000);
    const res = await enqueue({ routing_key: routingKey, payload: { summary: 'Deployed v1.2.3' } }, '/v2/change/enqueue');
    assert.equal(res.status, 202);
    const rows = await list(p, 'change-event', { query: { integrationId: id } });
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.summary, 'Deployed v1.2.3');
    assert.equal(rows[0]!.source, null);
    assert.equal(rows[0]!.occurredAt, null, 'not reported: not made up');
    assert.deepEqual(rows[0]!.customDetails, {});
    assert.deepEqual(rows[0]!.links, []);
    assert.equal(rows[0]!.createdAt, h.clock.now().toISOString());
    const other = await h.project();
    assert.equal((await list(other, 'change-event')).length, 0, "another project does not see it");
  });
});

// ---------------------------------------------------------------------------------------------
// An unchanged PagerDuty client: @pagerduty/pdjs over real HTTP

describe('@pagerduty/pdjs against a listening server', () => {
  let server = '';
  before(async () => {
    await h.app.http.listen({ host: '127.0.0.1', port: 0 });
    const address = h.app.http.server.address();
    assert.ok(address && typeof address === 'object');
    server = `127.0.0.1:${address.port}`;
  });

  /**
   * pdjs always builds `https://<server>/v2/...` URLs. This agent tells node's https
   * module it is one of its own but opens plain TCP connections, so the client's
   * requests reach the plain-HTTP listener unchanged (only TLS is left out).
   */
  const agent = Object.assign(new http.Agent({ keepAlive: false }), { protocol: 'https:' });
  const options = (data: Row) => ({ server, data, agent, requestTimeout: 0 }) as unknown as Parameters<typeof trigger>[0];

  test('trigger, acknowledge, resolve and change events through the real client', async () => {
    const { p, routingKey } = await setup();
    const payload = { summary: 'pdjs: disk full on db-7', source: 'db-7', severity: 'error' };

    const t = await trigger(options({ routing_key: routingKey, dedup_key: 'pdjs-1', payload }));
    assert.equal(t.status, 202);
    assert.deepEqual(t.data, { status: 'success', message: 'Event processed', dedup_key: 'pdjs-1' });
    h.clock.advance(1_000);
    const generated = await trigger(options({ routing_key: routingKey, payload }));
    assert.equal(generated.status, 202);
    assert.match(generated.data.dedup_key, /^[0-9a-f-]{36}$/);

    let rows = await alerts(p);
    assert.deepEqual(rows.map((a) => [a.title, a.dedupKey, a.state]), [
      ['pdjs: disk full on db-7', 'pdjs-1', 'Created'],
      ['pdjs: disk full on db-7', generated.data.dedup_key, 'Created'],
    ]);
    assert.equal(await severityName(p, rows[0]!.alertSeverityId), 'Major');

    assert.equal((await acknowledge(options({ routing_key: routingKey, dedup_key: 'pdjs-1' }))).status, 202);
    assert.equal((await alerts(p, { dedupKey: 'pdjs-1' }))[0]!.state, 'Acknowledged');
    const r = await resolve(options({ routing_key: routingKey, dedup_key: 'pdjs-1' }));
    assert.deepEqual(r.data, { status: 'success', message: 'Event processed', dedup_key: 'pdjs-1' });
    rows = await alerts(p, { dedupKey: 'pdjs-1' });
    assert.equal(rows[0]!.state, 'Resolved');

    const c = await change(options({ routing_key: routingKey, payload: { summary: 'pdjs deploy', source: 'ci', timestamp: '2026-01-05T09:00:00Z', custom_details: { sha: 'abc123' } }, links: [] }));
    assert.equal(c.status, 202);
    assert.deepEqual(c.data, { status: 'success', message: 'Change event processed' });
    const changes = await list(p, 'change-event');
    assert.deepEqual(changes.map((x) => [x.summary, x.source, x.occurredAt, x.customDetails]), [['pdjs deploy', 'ci', '2026-01-05T09:00:00.000Z', { sha: 'abc123' }]]);

    const bad = await trigger(options({ routing_key: routingKey, payload: { summary: 'no source', severity: 'bad' } }));
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.data, { ...INVALID, errors: ["'payload.source' is missing or blank", "'payload.severity' must be one of critical, error, warning, info"] });
  });
});

// Scheduled maintenance: alerts raised during a window [startsAt, endsAt) by a covered monitor
// (missed heartbeat) or a covered integration are recorded but marked suppressed; outside the
// window, or from sources it does not cover, they are not. Windows must end after they start.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { CreatedProject } from '../src/access/projects.ts';
import { checkHeartbeats } from '../src/integrations/heartbeat/check-heartbeats.ts';
import { Ingest } from '../src/integrations/ingest.ts';
import { findIntegration, type Integration } from '../src/integrations/integration.ts';
import { startHarness, type CallResult, type Harness } from './support/harness.ts';
import { alertFeed, alerts, createMonitor, eventTypes, getItem, ping, type Row } from './support/monitors.ts';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(async () => {
  await h?.close();
});

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** The instant `ms` from the fake clock's now, as the API writes it. */
const fromNow = (ms: number) => new Date(h.clock.now().getTime() + ms).toISOString();

function expectError(res: CallResult, status: number, mentions: RegExp): void {
  assert.equal(res.status, status, `expected ${status}, got ${res.status}: ${JSON.stringify(res.body)}`);
  assert.deepEqual(Object.keys(res.body), ['error']);
  assert.match(res.body.error, mentions);
}

async function createWindow(p: CreatedProject, data: Row): Promise<Row> {
  const res = await h.call('POST', '/api/scheduled-maintenance', { key: p.apiKey, body: { data: { title: 'Database upgrade', ...data } } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
}

async function createIntegration(p: CreatedProject, name: string): Promise<Integration> {
  const res = await h.call('POST', '/api/integration', { key: p.apiKey, body: { data: { name, integrationType: 'generic' } } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const integration = await findIntegration(h.database.db, res.body.routingKey, ['generic']);
  assert.ok(integration);
  return integration;
}

/** Pings the monitor, lets its deadline pass and runs the check; returns the alert it opened. */
async function miss(p: CreatedProject, monitor: { id: string; key: string }, intervalMs: number): Promise<Row> {
  assert.equal((await ping(h, monitor.key)).status, 200);
  h.clock.advance(intervalMs + 1);
  const result = await checkHeartbeats(h.database.db, h.clock);
  const mine = result.missed.filter((m) => m.monitorId === monitor.id);
  assert.equal(mine.length, 1, 'the miss opened one alert');
  const alert = (await alerts(h, p, { monitorId: monitor.id })).find((a) => a._id === mine[0]!.alertId);
  assert.ok(alert);
  assert.equal(alert.isSuppressed, mine[0]!.suppressed, 'the check reports what it recorded');
  return alert;
}

describe('suppression', () => {
  test('a missed heartbeat of a covered monitor is recorded suppressed during the window, not outside it', async () => {
    const p = await h.project();
    const covered = await createMonitor(h, p, { name: 'covered', intervalSeconds: 60 });
    const bystander = await createMonitor(h, p, { name: 'not covered', intervalSeconds: 60 });
    // The window opens in 10 minutes and lasts an hour.
    await createWindow(p, { startsAt: fromNow(10 * MINUTE), endsAt: fromNow(70 * MINUTE), monitors: [covered.id] });

    const early = await miss(p, covered, MINUTE);
    assert.equal(early.isSuppressed, false, 'before the window opens');

    h.clock.advance(10 * MINUTE); // inside the window
    const during = await miss(p, covered, MINUTE);
    assert.notEqual(during._id, early._id, 'the ping resolved the first alert; this miss opened a new one');
    assert.equal(during.isSuppressed, true);
    assert.equal(during.state, 'Created', 'recorded like any other alert');
    const [created] = await alertFeed(h, p, during._id);
    assert.equal(created!.kind, 'created');
    assert.match(created!.message, /suppressed by scheduled maintenance/);
    assert.equal(created!.data.suppressed, true);
    assert.deepEqual(await eventTypes(h, p, during._id), ['alert.created']);

    const other = await miss(p, bystander, MINUTE);
    assert.equal(other.isSuppressed, false, 'a monitor the window does not cover is never suppressed');

    h.clock.advance(HOUR); // past the window's end
    const later = await miss(p, covered, MINUTE);
    assert.equal(later.isSuppressed, false, 'after the window closes');
  });

  test('the window includes its start and excludes its end', async () => {
    const p = await h.project();
    const m = await createMonitor(h, p, { intervalSeconds: 60 });
    // Each miss is checked 60 s + 1 ms after its ping: the first lands exactly on startsAt, the second on endsAt.
    await createWindow(p, { startsAt: fromNow(MINUTE + 1), endsAt: fromNow(2 * (MINUTE + 1)), monitors: [m.id] });
    assert.equal((await miss(p, m, MINUTE)).isSuppressed, true, 'at startsAt');
    assert.equal((await miss(p, m, MINUTE)).isSuppressed, false, 'at endsAt');
  });

  test('a trigger from a covered integration is recorded suppressed during the window, not outside it', async () => {
    const p = await h.project();
    const covered = await createIntegration(p, 'covered webhook');
    const bystander = await createIntegration(p, 'other webhook');
    const ingest = new Ingest(h.database.db, h.clock);
    await createWindow(p, { startsAt: fromNow(HOUR), endsAt: fromNow(2 * HOUR), integrations: [covered.id] });

    const send = async (integration: Integration, dedupKey: string) => {
      const result = await ingest.trigger(integration, { dedupKey, title: `Disk full (${dedupKey})`, severity: 'critical' });
      const alert = await getItem(h, p, 'alert', result.id);
      assert.equal(alert.isSuppressed, result.suppressed);
      assert.equal(alert.integrationId, integration.id);
      return alert;
    };

    assert.equal((await send(covered, 'before')).isSuppressed, false);
    h.clock.advance(HOUR + 30 * MINUTE);
    const during = await send(covered, 'during');
    assert.equal(during.isSuppressed, true);
    assert.match((await alertFeed(h, p, during._id))[0]!.message, /suppressed by scheduled maintenance/);
    assert.equal((await send(bystander, 'during')).isSuppressed, false, 'an integration the window does not cover');
    h.clock.advance(HOUR);
    assert.equal((await send(covered, 'after')).isSuppressed, false);

    const all = await alerts(h, p);
    assert.deepEqual(
      all.map((a) => [a.dedupKey, a.isSuppressed]).sort(),
      [
        ['after', false],
        ['before', false],
        ['during', false],
        ['during', true],
      ],
      'every trigger was recorded, suppressed or not',
    );
  });

  test("a window covers only its own project's sources", async () => {
    const a = await h.project();
    const b = await h.project();
    const ma = await createMonitor(h, a, { intervalSeconds: 60 });
    const ia = await createIntegration(a, 'a webhook');
    // b cannot name a's monitor or integration in its window.
    for (const [field, id] of [
      ['monitors', ma.id],
      ['integrations', ia.id],
    ] as const) {
      const res = await h.call('POST', '/api/scheduled-maintenance', {
        key: b.apiKey,
        body: { data: { title: 'sneaky', startsAt: fromNow(0), endsAt: fromNow(HOUR), [field]: [id] } },
      });
      expectError(res, 400, new RegExp(`data\\.${field}: no .* in this project`));
    }
    // A window of b covering everything b has does not touch a.
    await createWindow(b, { startsAt: fromNow(0), endsAt: fromNow(HOUR) });
    assert.equal((await miss(a, ma, MINUTE)).isSuppressed, false);
    const result = await new Ingest(h.database.db, h.clock).trigger(ia, { dedupKey: 'x', title: 'x' });
    assert.equal(result.suppressed, false);
  });
});

describe('window bounds', () => {
  test('creating a window with endsAt at or before startsAt is a 400 naming data.endsAt', async () => {
    const p = await h.project();
    for (const endsAt of [fromNow(HOUR), fromNow(HOUR - 1), fromNow(-HOUR)]) {
      const res = await h.call('POST', '/api/scheduled-maintenance', { key: p.apiKey, body: { data: { title: 'bad', startsAt: fromNow(HOUR), endsAt } } });
      expectError(res, 400, /^data\.endsAt: must be after startsAt/);
    }
    expectError(
      await h.call('POST', '/api/scheduled-maintenance', { key: p.apiKey, body: { data: { title: 'bad', startsAt: fromNow(0), endsAt: 'next tuesday' } } }),
      400,
      /data\.endsAt/,
    );
    expectError(await h.call('POST', '/api/scheduled-maintenance', { key: p.apiKey, body: { data: { title: 'bad', endsAt: fromNow(HOUR) } } }), 400, /data\.startsAt/);
    const count = await h.call('POST', '/api/scheduled-maintenance/count', { key: p.apiKey, body: {} });
    assert.equal(count.body.count, 0, 'no refused window was created');
  });

  test('updating startsAt past endsAt (or endsAt before startsAt) is a 400 naming data.endsAt and changes nothing', async () => {
    const p = await h.project();
    const startsAt = fromNow(HOUR);
    const endsAt = fromNow(2 * HOUR);
    const w = await createWindow(p, { startsAt, endsAt });
    const put = (data: Row) => h.call('PUT', `/api/scheduled-maintenance/${w._id}`, { key: p.apiKey, body: { data } });

    expectError(await put({ startsAt: fromNow(3 * HOUR) }), 400, /^data\.endsAt: must be after startsAt/);
    expectError(await put({ startsAt: endsAt }), 400, /^data\.endsAt/);
    expectError(await put({ endsAt: startsAt }), 400, /^data\.endsAt/);
    expectError(await put({ startsAt: fromNow(5 * HOUR), endsAt: fromNow(4 * HOUR) }), 400, /^data\.endsAt/);
    const kept = await getItem(h, p, 'scheduled-maintenance', w._id);
    assert.equal(kept.startsAt, startsAt);
    assert.equal(kept.endsAt, endsAt);

    // Moving both together is fine, as is moving one within the other.
    assert.equal((await put({ startsAt: fromNow(5 * HOUR), endsAt: fromNow(6 * HOUR) })).status, 200);
    assert.equal((await put({ startsAt: fromNow(5 * HOUR + MINUTE) })).status, 200);
    const moved = await getItem(h, p, 'scheduled-maintenance', w._id);
    assert.equal(moved.startsAt, fromNow(5 * HOUR + MINUTE));
    assert.equal(moved.endsAt, fromNow(6 * HOUR));
  });
});

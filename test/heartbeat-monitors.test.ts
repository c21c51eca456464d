// Heartbeat monitors: pings over GET|HEAD|POST /api/heartbeat/:key, the durable deadline
// (next_due_at) that checkHeartbeats turns into one alert per miss, the next ping resolving
// it, and the runner that sleeps until the next deadline. Time moves only on the fake clock.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import pino from 'pino';
import { buildApp } from '../src/app/build-app.ts';
import { checkHeartbeats, type HeartbeatCheckResult } from '../src/integrations/heartbeat/check-heartbeats.ts';
import { startHeartbeatChecker } from '../src/integrations/heartbeat/heartbeat-checker.ts';
import { startHarness, type CallResult, type Harness } from './support/harness.ts';
import { alertFeed, alerts, createMonitor, eventTypes, getItem, ping, type Row } from './support/monitors.ts';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(async () => {
  await h?.close();
});

const check = (opts?: { batchSize?: number }) => checkHeartbeats(h.database.db, h.clock, opts);

/** The misses a check reported for these monitors only (other tests' monitors share the database). */
function missesOf(result: HeartbeatCheckResult, ...monitorIds: string[]) {
  return result.missed.filter((m) => monitorIds.includes(m.monitorId));
}

function expectError(res: CallResult, status: number, mentions: RegExp): void {
  assert.equal(res.status, status, `expected ${status}, got ${res.status}: ${JSON.stringify(res.body)}`);
  assert.deepEqual(Object.keys(res.body), ['error']);
  assert.match(res.body.error, mentions);
}

/** Every row a ping could write, for "nothing written" checks. */
async function writes(monitorId: string) {
  const m = await sql<Row>`select status, last_ping_at, next_due_at, current_alert_id, updated_at from monitor where id = ${monitorId}`.execute(h.database.db);
  const a = await sql<Row>`select count(*)::int as n from alert where monitor_id = ${monitorId}`.execute(h.database.db);
  const f = await sql<Row>`select count(*)::int as n from activity where actor_id = ${monitorId}`.execute(h.database.db);
  return { monitor: m.rows[0], alerts: a.rows[0]!.n, feed: f.rows[0]!.n };
}

describe('pings', () => {
  test('the first ping moves Unknown to Up and sets the deadline to ping + interval + grace', async () => {
    const p = await h.project();
    const m = await createMonitor(h, p, { intervalSeconds: 300, graceSeconds: 30 });
    assert.equal(m.body.status, 'Unknown');
    assert.equal(m.body.nextDueAt, null);

    const at = h.clock.now();
    const res = await ping(h, m.key);
    assert.equal(res.status, 200);
    const due = new Date(at.getTime() + 330_000).toISOString();
    assert.deepEqual(res.body, { status: 'ok', nextDueAt: due });

    const after = await getItem(h, p, 'monitor', m.id);
    assert.equal(after.status, 'Up');
    assert.equal(after.lastPingAt, at.toISOString());
    assert.equal(after.nextDueAt, due);
    assert.equal(after.currentAlertId, null);
    assert.equal(after.heartbeatKey, undefined, 'the key is shown once, on create');
  });

  test('GET, HEAD and POST with any body all count as pings, each moving the deadline', async () => {
    const p = await h.project();
    const m = await createMonitor(h, p, { intervalSeconds: 60 });
    const variants: Array<[string, { rawBody?: string; headers?: Record<string, string> }]> = [
      ['GET', {}],
      ['HEAD', {}],
      ['POST', {}],
      ['POST', { rawBody: '{"not": "valid json', headers: { 'content-type': 'application/json' } }],
      ['POST', { rawBody: 'backup finished in 42 s', headers: { 'content-type': 'text/plain' } }],
      ['POST', { rawBody: 'status=ok&took=42', headers: { 'content-type': 'application/x-www-form-urlencoded' } }],
      ['POST', { rawBody: '\u00ff\u00fe binary', headers: { 'content-type': 'application/octet-stream' } }],
      ['POST', { rawBody: 'no content type' }],
    ];
    for (const [method, opts] of variants) {
      h.clock.advance(10_000);
      const res = await ping(h, m.key, method, opts);
      assert.equal(res.status, 200, `${method} ${JSON.stringify(opts)}: ${JSON.stringify(res.body)}`);
      const mon = await getItem(h, p, 'monitor', m.id);
      assert.equal(mon.lastPingAt, h.clock.now().toISOString(), `${method} ${JSON.stringify(opts)} recorded the ping`);
      assert.equal(mon.nextDueAt, new Date(h.clock.now().getTime() + 60_000).toISOString());
    }
    // A key typed in capitals and a query string (as some pingers add) still reach the monitor.
    h.clock.advance(1_000);
    assert.equal((await ping(h, `${m.key.toUpperCase()}?rid=42`)).status, 200);
    assert.equal((await getItem(h, p, 'monitor', m.id)).lastPingAt, h.clock.now().toISOString());
  });

  test('no alert before the first ping, however long the monitor waits', async () => {
    const p = await h.project();
    const m = await createMonitor(h, p, { intervalSeconds: 1 });
    h.clock.advance(7 * 86_400_000);
    const result = await check();
    assert.deepEqual(missesOf(result, m.id), []);
    assert.equal((await getItem(h, p, 'monitor', m.id)).status, 'Unknown');
    assert.deepEqual(await alerts(h, p), []);
  });
});

describe('missed heartbeats', () => {
  test('one millisecond past interval + grace opens exactly one alert and the monitor goes Down', async () => {
    const p = await h.project();
    const severities = await h.call('POST', '/api/alert-severity/get-list', { key: p.apiKey, body: { query: { name: 'Major' } } });
    const major = severities.body.data[0]._id as string;
    const m = await createMonitor(h, p, { name: 'db backup', intervalSeconds: 60, graceSeconds: 15, alertSeverityId: major });
    const pingedAt = h.clock.now();
    assert.equal((await ping(h, m.key)).status, 200);

    h.clock.advance(75_000);
    assert.deepEqual(missesOf(await check(), m.id), [], 'a deadline reached exactly is not missed');
    assert.equal((await getItem(h, p, 'monitor', m.id)).status, 'Up');

    h.clock.advance(1);
    const result = await check();
    const misses = missesOf(result, m.id);
    assert.equal(misses.length, 1);
    assert.equal(misses[0]!.alertCreated, true);
    assert.equal(misses[0]!.suppressed, false);

    const list = await alerts(h, p);
    assert.equal(list.length, 1);
    const alert = list[0]!;
    assert.equal(alert._id, misses[0]!.alertId);
    assert.equal(alert.title, 'Heartbeat missed: db backup');
    assert.match(alert.description, new RegExp(`No ping since ${pingedAt.toISOString().replace(/\./g, '\\.')}`));
    assert.equal(alert.state, 'Created');
    assert.equal(alert.source, 'heartbeat');
    assert.equal(alert.monitorId, m.id);
    assert.equal(alert.integrationId, null);
    assert.equal(alert.alertSeverityId, major);
    assert.equal(alert.dedupKey, `heartbeat:${m.id}`);
    assert.equal(alert.isSuppressed, false);
    assert.equal(alert.createdAt, h.clock.now().toISOString());

    const mon = await getItem(h, p, 'monitor', m.id);
    assert.equal(mon.status, 'Down');
    assert.equal(mon.currentAlertId, alert._id);

    const feed = await alertFeed(h, p, alert._id);
    assert.deepEqual(
      feed.map((e) => [e.kind, e.actorType, e.actorId, e.via, e.userId]),
      [['created', 'monitor', m.id, 'heartbeat', null]],
    );
    assert.deepEqual(await eventTypes(h, p, alert._id), ['alert.created']);

    // Later checks find the monitor Down: no second alert, no fold, no new feed entry.
    h.clock.advance(3_600_000);
    assert.deepEqual(missesOf(await check(), m.id), []);
    assert.deepEqual(missesOf(await check(), m.id), []);
    const again = await alerts(h, p);
    assert.equal(again.length, 1);
    assert.equal(again[0]!.eventCount, 1);
    assert.equal((await alertFeed(h, p, alert._id)).length, 1);
  });

  test('a ping while Down resolves the alert, and the feed says the monitor did it via heartbeat', async () => {
    const p = await h.project();
    const m = await createMonitor(h, p, { intervalSeconds: 60 });
    await ping(h, m.key);
    h.clock.advance(60_001);
    await check();
    const [alert] = await alerts(h, p);
    assert.ok(alert);

    h.clock.advance(5_000);
    const res = await ping(h, m.key, 'POST');
    assert.equal(res.status, 200);
    assert.equal(res.body.nextDueAt, new Date(h.clock.now().getTime() + 60_000).toISOString());

    const resolved = await getItem(h, p, 'alert', alert._id);
    assert.equal(resolved.state, 'Resolved');
    assert.equal(resolved.resolvedAt, h.clock.now().toISOString());
    const feed = await alertFeed(h, p, alert._id);
    assert.deepEqual(
      feed.map((e) => [e.kind, e.actorType, e.actorId, e.via]),
      [
        ['created', 'monitor', m.id, 'heartbeat'],
        ['resolved', 'monitor', m.id, 'heartbeat'],
      ],
    );
    assert.match(feed[1]!.message, /heartbeat ping/);
    assert.deepEqual(await eventTypes(h, p, alert._id), ['alert.created', 'alert.resolved']);

    const mon = await getItem(h, p, 'monitor', m.id);
    assert.equal(mon.status, 'Up');
    assert.equal(mon.currentAlertId, null);

    // The next ping while Up touches no alert; the next miss opens a new alert.
    await ping(h, m.key);
    assert.equal((await alertFeed(h, p, alert._id)).length, 2);
    h.clock.advance(60_001);
    const next = missesOf(await check(), m.id);
    assert.equal(next.length, 1);
    assert.notEqual(next[0]!.alertId, alert._id);
    assert.equal((await alerts(h, p)).length, 2);
  });

  test('a ping after the alert was resolved by hand brings the monitor Up and leaves the alert alone', async () => {
    const p = await h.project();
    const m = await createMonitor(h, p, { intervalSeconds: 60 });
    await ping(h, m.key);
    h.clock.advance(60_001);
    await check();
    const [alert] = await alerts(h, p);
    assert.equal((await h.call('POST', `/api/alert/${alert!._id}/resolve`, { key: p.apiKey })).status, 200);

    assert.equal((await ping(h, m.key)).status, 200);
    const mon = await getItem(h, p, 'monitor', m.id);
    assert.equal(mon.status, 'Up');
    assert.equal(mon.currentAlertId, null);
    const feed = await alertFeed(h, p, alert!._id);
    assert.deepEqual(
      feed.map((e) => [e.kind, e.actorType]),
      [
        ['created', 'monitor'],
        ['resolved', 'api-key'],
      ],
    );
  });

  test("two projects' monitors never mix", async () => {
    const a = await h.project();
    const b = await h.project();
    const ma = await createMonitor(h, a, { name: 'same name', intervalSeconds: 60 });
    const mb = await createMonitor(h, b, { name: 'same name', intervalSeconds: 60 });
    await ping(h, ma.key);
    await ping(h, mb.key);
    h.clock.advance(30_000);
    await ping(h, ma.key); // only a's monitor keeps pinging
    h.clock.advance(30_001);

    const misses = missesOf(await check(), ma.id, mb.id);
    assert.deepEqual(
      misses.map((x) => [x.monitorId, x.projectId]),
      [[mb.id, b.projectId]],
    );
    assert.deepEqual(await alerts(h, a), []);
    const bAlerts = await alerts(h, b);
    assert.equal(bAlerts.length, 1);
    assert.equal(bAlerts[0]!.monitorId, mb.id);
    assert.equal((await getItem(h, a, 'monitor', ma.id)).status, 'Up');
    assert.equal((await getItem(h, b, 'monitor', mb.id)).status, 'Down');
    // Neither project sees the other's monitor or alert.
    assert.equal((await h.call('GET', `/api/monitor/${mb.id}/get-item`, { key: a.apiKey })).status, 404);
    assert.equal((await h.call('GET', `/api/alert/${bAlerts[0]!._id}/get-item`, { key: a.apiKey })).status, 404);

    // a's ping resolves nothing of b's; b's ping resolves b's alert only.
    await ping(h, ma.key);
    assert.equal((await getItem(h, b, 'alert', bAlerts[0]!._id)).state, 'Created');
    await ping(h, mb.key);
    assert.equal((await getItem(h, b, 'alert', bAlerts[0]!._id)).state, 'Resolved');
  });

  test('checks in batches, and two checks at once open exactly one alert per monitor', async () => {
    const p = await h.project();
    const monitors = [];
    for (let i = 0; i < 7; i++) monitors.push(await createMonitor(h, p, { name: `worker ${i}`, intervalSeconds: 60 }));
    for (const m of monitors) await ping(h, m.key);
    h.clock.advance(60_001);
    const ids = monitors.map((m) => m.id);

    const [one, two] = await Promise.all([check({ batchSize: 2 }), check({ batchSize: 3 })]);
    const reported = [...missesOf(one, ...ids), ...missesOf(two, ...ids)].map((x) => x.monitorId).sort();
    assert.deepEqual(reported, [...ids].sort(), 'each miss reported once, by one of the two checks');

    const list = await alerts(h, p);
    assert.equal(list.length, 7);
    assert.deepEqual(list.map((a) => a.monitorId).sort(), [...ids].sort());
    assert.ok(list.every((a) => a.eventCount === 1));
    for (const m of monitors) {
      const mon = await getItem(h, p, 'monitor', m.id);
      assert.equal(mon.status, 'Down');
      assert.ok(list.some((a) => a._id === mon.currentAlertId));
    }
  });

  test('a crash before commit leaves the monitor due: nothing written, claimed again later, alerted once', async () => {
    const p = await h.project();
    const doomed = await createMonitor(h, p, { name: 'doomed [crash-test]', intervalSeconds: 60 });
    const fine = await createMonitor(h, p, { name: 'fine', intervalSeconds: 60 });
    await ping(h, doomed.key);
    await ping(h, fine.key);
    const db = h.database.db;
    // The alert insert fails for this monitor only, after it was claimed: what a crash mid-transaction leaves behind.
    await sql`create function vigil_test_crash() returns trigger language plpgsql as $$
      begin raise exception 'simulated crash'; end $$`.execute(db);
    await sql`create trigger vigil_test_crash before insert on alert for each row
      when (new.title like '%[crash-test]%') execute function vigil_test_crash()`.execute(db);
    try {
      h.clock.advance(60_001);
      const result = await check();
      assert.deepEqual(missesOf(result, doomed.id, fine.id).map((x) => x.monitorId), [fine.id], 'the rest of the batch commits');
      assert.deepEqual(result.failed.map((f) => f.monitorId), [doomed.id]);
      assert.match(String(result.failed[0]!.error), /simulated crash/);

      const left = await writes(doomed.id);
      assert.equal(left.monitor!.status, 'Up', 'still due, not Down');
      assert.equal(left.monitor!.current_alert_id, null);
      assert.equal(left.alerts, 0);
      assert.equal(left.feed, 0);
      const events = await sql<Row>`select count(*)::int as n from domain_event where payload->'actor'->>'id' = ${doomed.id}`.execute(db);
      assert.equal(events.rows[0]!.n, 0, 'no domain event without its alert');
    } finally {
      await sql`drop trigger vigil_test_crash on alert`.execute(db);
      await sql`drop function vigil_test_crash()`.execute(db);
    }

    // After the "restart" the monitor is claimed again: one alert, and the fine one is not doubled.
    h.clock.advance(1_000);
    const retry = await check();
    assert.deepEqual(missesOf(retry, doomed.id, fine.id).map((x) => x.monitorId), [doomed.id]);
    const list = await alerts(h, p);
    assert.deepEqual(list.map((a) => a.monitorId).sort(), [doomed.id, fine.id].sort());
    assert.equal((await getItem(h, p, 'monitor', doomed.id)).status, 'Down');
    assert.equal((await check()).missed.filter((x) => x.monitorId === doomed.id).length, 0);
  });
});

describe('bad input on the ping endpoint', () => {
  test('an unknown key is a 404 and writes nothing', async () => {
    const p = await h.project();
    const m = await createMonitor(h, p);
    const before = await writes(m.id);
    const unknown = m.key.slice(0, 31) + (m.key.endsWith('0') ? '1' : '0');
    for (const method of ['GET', 'POST']) expectError(await ping(h, unknown, method), 404, /No heartbeat monitor has this key/);
    const head = await ping(h, unknown, 'HEAD');
    assert.equal(head.status, 404);
    assert.deepEqual(await writes(m.id), before);
    assert.equal(before.monitor!.status, 'Unknown');
  });

  test('overlong, short, non-hex keys and malformed paths are 400s naming the key; other methods 405; nothing written', async () => {
    const p = await h.project();
    const m = await createMonitor(h, p);
    const before = await writes(m.id);
    const bad = [
      `${m.key}0`, // 33 characters
      m.key.repeat(20), // 640 characters, past the router's parameter limit
      m.key.slice(0, 31),
      `${m.key.slice(0, 31)}g`,
      `${m.key.slice(0, 31)}%20`,
      `${m.key}%00`,
      `${m.key}/extra`,
      `x/${m.key}`,
      '',
    ];
    for (const key of bad) {
      for (const method of ['GET', 'POST']) {
        const res = await ping(h, key, method);
        expectError(res, 400, /^key: must be the 32-character hexadecimal heartbeat key/);
        assert.ok(!res.body.error.includes(m.key), 'the answer does not echo the key');
      }
    }
    for (const method of ['PUT', 'DELETE', 'PATCH']) {
      const res = await ping(h, m.key, method);
      expectError(res, 405, new RegExp(`^${method}: not allowed.*GET, HEAD or POST`));
      assert.equal(res.headers.allow, 'GET, HEAD, POST');
    }
    const percent = await ping(h, `%zz${m.key}`);
    assert.equal(percent.status, 400, 'a malformed percent-encoding is refused by the router');
    assert.deepEqual(await writes(m.id), before);
  });

  test('a body over the limit is a 413 and records no ping', async () => {
    const p = await h.project();
    const m = await createMonitor(h, p);
    const before = await writes(m.id);
    const res = await ping(h, m.key, 'POST', { rawBody: 'x'.repeat(1_048_577), headers: { 'content-type': 'text/plain' } });
    expectError(res, 413, /^body: is larger than the limit/);
    assert.deepEqual(await writes(m.id), before);
  });

  test('heartbeat keys never reach the logs', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const logged = await buildApp({ db: h.database.db, clock: h.clock, logger: pino({ level: 'trace' }, sink), rateLimit: { enabled: false, max: 1, windowSeconds: 1 } });
    try {
      const p = await h.project();
      const m = await createMonitor(h, p);
      const send = (method: string, url: string, payload?: string) =>
        logged.http.inject({ method: method as 'GET', url, ...(payload !== undefined ? { payload, headers: { 'content-type': 'text/plain' } } : {}) });
      const statuses = [
        (await send('GET', `/api/heartbeat/${m.key}`)).statusCode,
        (await send('POST', `/api/heartbeat/${m.key}`, 'done')).statusCode,
        (await send('HEAD', `/api/heartbeat/${m.key}`)).statusCode,
        (await send('GET', `/api/heartbeat/${m.key}0`)).statusCode,
        (await send('GET', `/api/heartbeat/${m.key}/more`)).statusCode,
        (await send('GET', `/api/heartbeat/${m.key.repeat(10)}`)).statusCode,
        (await send('PUT', `/api/heartbeat/${m.key}`)).statusCode,
        (await send('POST', `/api/heartbeat/${m.key}`, 'x'.repeat(1_048_577))).statusCode,
      ];
      assert.deepEqual(statuses, [200, 200, 200, 400, 400, 400, 405, 413]);
      // The logger works (other routes log), yet no line carries the key or a part of it.
      await send('GET', '/healthz');
      assert.ok(lines.some((l) => l.includes('/healthz')), 'the test logger receives request logs');
      const leaks = lines.filter((l) => l.includes(m.key.slice(6)));
      assert.deepEqual(leaks, []);
    } finally {
      await logged.http.close();
    }
  });
});

describe('the monitor resource refuses bad input', () => {
  test('intervalSeconds 0, negative graceSeconds and friends are 400s naming the field', async () => {
    const p = await h.project();
    const bad: Array<[Row, RegExp]> = [
      [{ name: 'm', intervalSeconds: 0 }, /data\.intervalSeconds/],
      [{ name: 'm', intervalSeconds: -5 }, /data\.intervalSeconds/],
      [{ name: 'm', intervalSeconds: 1.5 }, /data\.intervalSeconds/],
      [{ name: 'm', intervalSeconds: '60' }, /data\.intervalSeconds/],
      [{ name: 'm' }, /data\.intervalSeconds/],
      [{ name: 'm', intervalSeconds: 60, graceSeconds: -1 }, /data\.graceSeconds/],
      [{ name: 'm', intervalSeconds: 60, alertSeverityId: 'not-a-uuid' }, /data\.alertSeverityId/],
      [{ intervalSeconds: 60 }, /data\.name/],
    ];
    for (const [data, field] of bad) {
      expectError(await h.call('POST', '/api/monitor', { key: p.apiKey, body: { data } }), 400, field);
    }
    const count = await h.call('POST', '/api/monitor/count', { key: p.apiKey, body: {} });
    assert.equal(count.body.count, 0, 'no refused monitor was created');

    const m = await createMonitor(h, p, { intervalSeconds: 60, graceSeconds: 5 });
    expectError(await h.call('PUT', `/api/monitor/${m.id}`, { key: p.apiKey, body: { data: { intervalSeconds: 0 } } }), 400, /data\.intervalSeconds/);
    expectError(await h.call('PUT', `/api/monitor/${m.id}`, { key: p.apiKey, body: { data: { graceSeconds: -1 } } }), 400, /data\.graceSeconds/);
    const kept = await getItem(h, p, 'monitor', m.id);
    assert.equal(kept.intervalSeconds, 60);
    assert.equal(kept.graceSeconds, 5);
  });
});

describe('the runner', () => {
  const quiet = { error: () => {} };

  test('wakes after a deadline passes and opens the alert, without a test sleeping', async () => {
    const p = await h.project();
    const m = await createMonitor(h, p, { intervalSeconds: 60 });
    await ping(h, m.key);
    let seen: (r: HeartbeatCheckResult) => void = () => {};
    const alerted = new Promise<HeartbeatCheckResult>((resolve) => {
      seen = (r) => {
        if (r.missed.some((x) => x.monitorId === m.id)) resolve(r);
      };
    });
    const checker = startHeartbeatChecker(h.database.db, h.clock, quiet, { maxSleepMs: 20, onCheck: (r) => seen(r) });
    try {
      h.clock.advance(60_001);
      const result = await alerted;
      assert.equal(missesOf(result, m.id).length, 1);
    } finally {
      await checker.stop();
    }
    assert.equal((await getItem(h, p, 'monitor', m.id)).status, 'Down');
    assert.equal((await alerts(h, p)).length, 1);
  });

  test('stop() waits for the check in flight, and no check starts after it', async () => {
    const p = await h.project();
    const m = await createMonitor(h, p, { intervalSeconds: 60 });
    await ping(h, m.key);
    h.clock.advance(60_001);

    // Hold the monitor table (and, on PGlite, the only connection) so the first check blocks.
    let release!: () => void;
    let locked!: () => void;
    const held = new Promise<void>((r) => (locked = r));
    const blocker = h.database.db.transaction().execute(async (tx) => {
      await sql`lock table monitor in access exclusive mode`.execute(tx);
      locked();
      await new Promise<void>((r) => (release = r));
    });
    await held;

    let checks = 0;
    const checker = startHeartbeatChecker(h.database.db, h.clock, quiet, { maxSleepMs: 5, onCheck: () => void checks++ });
    let stopped = false;
    const stopping = checker.stop().then(() => void (stopped = true));
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(stopped, false, 'stop() is still waiting for the blocked check');
    assert.equal(checks, 0);

    release();
    await blocker;
    await stopping;
    assert.equal(checks, 1, 'the check in flight completed before stop() resolved');
    assert.equal((await getItem(h, p, 'monitor', m.id)).status, 'Down');

    const other = await createMonitor(h, p, { intervalSeconds: 60 });
    await ping(h, other.key);
    h.clock.advance(60_001);
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(checks, 1, 'no check ran after stop()');
    assert.equal((await getItem(h, p, 'monitor', other.id)).status, 'Up');
    await checker.stop(); // a second stop is harmless
  });

  test('a failing check is logged and retried, not thrown', async () => {
    const errors: string[] = [];
    const failing = {
      transaction: () => {
        throw new Error('database unreachable');
      },
    } as unknown as typeof h.database.db;
    const checker = startHeartbeatChecker(failing, h.clock, { error: (_o, msg) => void errors.push(msg) }, { maxSleepMs: 1 });
    await new Promise<void>((resolve) => {
      const poll = () => (errors.length >= 2 ? resolve() : setImmediate(poll));
      poll();
    });
    await checker.stop();
    assert.ok(errors.length >= 2, 'it retried');
    assert.ok(errors.every((e) => /heartbeat check failed/.test(e)));
  });
});

test('changing the interval moves the current deadline at once', async () => {
  const p = await h.project();
  const created = await h.call('POST', '/api/monitor', { key: p.apiKey, body: { data: { name: 'cron', intervalSeconds: 60, graceSeconds: 10 } } });
  assert.equal(created.status, 200);
  const ping = await h.call('POST', `/api/heartbeat/${created.body.heartbeatKey}`);
  assert.equal(ping.status, 200);
  const pingedAt = h.clock.now().getTime();
  const upd = await h.call('PUT', `/api/monitor/${created.body._id}`, { key: p.apiKey, body: { data: { intervalSeconds: 600 } } });
  assert.equal(upd.status, 200);
  const after = await h.call('GET', `/api/monitor/${created.body._id}/get-item`, { key: p.apiKey });
  assert.equal(new Date(after.body.nextDueAt).getTime(), pingedAt + 610_000);
});

// Generic webhook, POST /api/integrations/generic/:key: {summary, details, severity, dedupKey,
// action} as JSON or form-encoded; 202 {"status":"success","dedupKey"} once written; 400
// naming every bad field, 404 unknown key, 415 other content types, none of which writes.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
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

async function setup(data: Record<string, unknown> = {}, p?: CreatedProject): Promise<Setup> {
  const project = p ?? (await h.project());
  const res = await h.call('POST', '/api/integration', { key: project.apiKey, body: { data: { name: 'Cron jobs', integrationType: 'generic', ...data } } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.ingestPath, `/api/integrations/generic/${res.body.routingKey}`);
  return { p: project, integrationId: res.body._id, key: res.body.routingKey, path: res.body.ingestPath };
}

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const JSON_TYPE = { 'content-type': 'application/json' };

async function send(s: Setup, body: unknown): Promise<CallResult> {
  return h.call('POST', s.path, { body });
}

async function sendForm(s: Setup, form: string): Promise<CallResult> {
  return h.call('POST', s.path, { rawBody: form, headers: FORM });
}

function accepted(res: CallResult): string {
  assert.equal(res.status, 202, JSON.stringify(res.body));
  assert.deepEqual(Object.keys(res.body).sort(), ['dedupKey', 'status']);
  assert.equal(res.body.status, 'success');
  assert.equal(typeof res.body.dedupKey, 'string');
  return res.body.dedupKey;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Row = Record<string, any>;

async function alerts(s: Setup): Promise<Row[]> {
  const res = await h.call('POST', '/api/alert/get-list?limit=1000', { key: s.p.apiKey, body: { sort: { createdAt: 1 } } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.data;
}

async function feed(s: Setup, id: string): Promise<Row[]> {
  const res = await h.call('POST', '/api/alert-feed/get-list?limit=1000', { key: s.p.apiKey, body: { query: { alertId: id }, sort: { seq: 1 } } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.data;
}

async function severityId(s: Setup, name: string): Promise<string> {
  const res = await h.call('POST', '/api/alert-severity/get-list', { key: s.p.apiKey, body: { query: { name } } });
  assert.equal(res.body.data.length, 1);
  return res.body.data[0]._id;
}

/** Everything a call could write in the project. */
async function snapshot(s: Setup) {
  const counts: Record<string, number> = {};
  for (const r of ['alert', 'alert-feed', 'alert-episode', 'incident', 'domain-event']) {
    const res = await h.call('POST', `/api/${r}/count`, { key: s.p.apiKey, body: {} });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    counts[r] = res.body.count;
  }
  const rows = (await alerts(s)).map((a) => ({ id: a._id as string, state: a.state, eventCount: a.eventCount, updatedAt: a.updatedAt }));
  return { counts, alerts: rows.sort((x, y) => x.id.localeCompare(y.id)) };
}

function expectError(res: CallResult, status: number, ...mentions: RegExp[]): void {
  assert.equal(res.status, status, `expected ${status}, got ${res.status}: ${JSON.stringify(res.body)}`);
  assert.deepEqual(Object.keys(res.body), ['error']);
  for (const m of mentions) assert.match(res.body.error, m);
}

describe('JSON', () => {
  test('a trigger without dedupKey opens an alert and answers a new dedupKey', async () => {
    const s = await setup();
    const dedupKey = accepted(await send(s, { summary: 'Nightly backup failed on db-3', details: 'pg_dump exited with status 1', severity: 'critical' }));
    assert.match(dedupKey, /^[0-9a-f-]{36}$/);
    const [a, ...rest] = await alerts(s);
    assert.equal(rest.length, 0);
    assert.equal(a!.title, 'Nightly backup failed on db-3');
    assert.equal(a!.description, 'pg_dump exited with status 1');
    assert.equal(a!.alertSeverityId, await severityId(s, 'Critical'));
    assert.equal(a!.dedupKey, dedupKey);
    assert.equal(a!.source, 'generic');
    assert.equal(a!.integrationId, s.integrationId);
    assert.equal(a!.state, 'Created');
    const entries = await feed(s, a!._id);
    assert.deepEqual(entries.map((e) => [e.kind, e.actorType, e.actorId, e.via]), [['created', 'integration', s.integrationId, 'integration']]);
    // A second trigger without a key is another alert.
    const other = accepted(await send(s, { summary: 'Nightly backup failed on db-4' }));
    assert.notEqual(other, dedupKey);
    assert.equal((await alerts(s)).length, 2);
  });

  test('trigger, fold, acknowledge, resolve, then a new alert with the same key', async () => {
    const s = await setup();
    const key = 'backup/db-3';
    assert.equal(accepted(await send(s, { summary: 'Backup failed', dedupKey: key, action: 'trigger' })), key);
    h.clock.advance(60_000);
    assert.equal(accepted(await send(s, { summary: 'Backup failed again', dedupKey: key })), key);
    let [a] = await alerts(s);
    assert.equal(a!.eventCount, 2);
    assert.equal(a!.title, 'Backup failed', 'a fold keeps the first title');

    h.clock.advance(60_000);
    accepted(await send(s, { dedupKey: key, action: 'acknowledge' }));
    [a] = await alerts(s);
    assert.equal(a!.state, 'Acknowledged');
    assert.equal(a!.acknowledgedAt, h.clock.now().toISOString());

    h.clock.advance(60_000);
    accepted(await send(s, { dedupKey: key, action: 'resolve' }));
    [a] = await alerts(s);
    assert.equal(a!.state, 'Resolved');
    assert.deepEqual((await feed(s, a!._id)).map((e) => [e.kind, e.actorType]), [
      ['created', 'integration'],
      ['deduplicated', 'integration'],
      ['acknowledged', 'integration'],
      ['resolved', 'integration'],
    ]);

    accepted(await send(s, { summary: 'Backup failed once more', dedupKey: key }));
    const all = await alerts(s);
    assert.deepEqual(all.map((x) => [x.dedupKey, x.state]), [[key, 'Resolved'], [key, 'Created']]);
  });

  test('acknowledge or resolve of an unknown or resolved key is accepted and changes nothing', async () => {
    const s = await setup();
    const before0 = await snapshot(s);
    assert.equal(accepted(await send(s, { dedupKey: 'never-seen', action: 'acknowledge' })), 'never-seen');
    accepted(await send(s, { dedupKey: 'never-seen', action: 'resolve' }));
    assert.deepEqual(await snapshot(s), before0);
    accepted(await send(s, { summary: 'x', dedupKey: 'k' }));
    accepted(await send(s, { dedupKey: 'k', action: 'resolve' }));
    const before1 = await snapshot(s);
    accepted(await send(s, { dedupKey: 'k', action: 'resolve' }));
    accepted(await send(s, { dedupKey: 'k', action: 'acknowledge' }));
    assert.deepEqual(await snapshot(s), before1);
  });

  test('object details are kept as custom fields; severity words map, and are kept as sent', async () => {
    const s = await setup();
    const details = { job: 'backup', exitCode: 1, hosts: ['db-3', 'db-4'], nested: { note: 'caf\u00e9' } };
    accepted(await send(s, { summary: 'Backup failed', details, severity: 'warning', dedupKey: 'a' }));
    accepted(await send(s, { summary: 'Unknown severity word', severity: 'sev-x', dedupKey: 'b' }));
    const all = await alerts(s);
    const [a, b] = [all.find((x) => x.dedupKey === 'a'), all.find((x) => x.dedupKey === 'b')];
    assert.deepEqual(a!.customFields, { details, severity: 'warning' });
    assert.deepEqual(JSON.parse(a!.description), details);
    assert.equal(a!.alertSeverityId, await severityId(s, 'Minor'));
    assert.equal(b!.alertSeverityId, null);
    assert.deepEqual(b!.customFields, { severity: 'sev-x' });
  });

  test("the integration's severity map wins", async () => {
    const p = await h.project();
    const probe = await setup({}, p);
    const info = await severityId(probe, 'Info');
    const s = await setup({ severityMap: { critical: info } }, p);
    accepted(await send(s, { summary: 'Mapped', severity: 'critical' }));
    const mine = (await alerts(s)).filter((a) => a.integrationId === s.integrationId);
    assert.equal(mine[0]!.alertSeverityId, info);
  });
});

describe('form-encoded', () => {
  test('trigger, acknowledge and resolve work form-encoded, UTF-8 and + decoded', async () => {
    const s = await setup();
    const key = accepted(await sendForm(s, 'summary=Temp%C3%A9rature+too+high+on+rack+7&details=42%C2%B0C&severity=error&dedupKey=rack-7'));
    assert.equal(key, 'rack-7');
    let [a] = await alerts(s);
    assert.equal(a!.title, 'Temp\u00e9rature too high on rack 7');
    assert.equal(a!.description, '42\u00b0C');
    assert.equal(a!.alertSeverityId, await severityId(s, 'Major'));
    accepted(await sendForm(s, 'action=acknowledge&dedupKey=rack-7'));
    [a] = await alerts(s);
    assert.equal(a!.state, 'Acknowledged');
    accepted(await sendForm(s, 'dedupKey=rack-7&action=resolve'));
    [a] = await alerts(s);
    assert.equal(a!.state, 'Resolved');
    // Raw UTF-8 bytes (not percent-encoded), as curl -d sends them, are read as UTF-8.
    const cafe = accepted(await sendForm(s, 'summary=Caf\u00e9 machine empty'));
    assert.equal((await alerts(s)).find((x) => x.dedupKey === cafe)!.title, 'Caf\u00e9 machine empty');
  });

  test('bad form bodies are 400s naming the field', async () => {
    const s = await setup();
    const before0 = await snapshot(s);
    expectError(await sendForm(s, 'summary=a&summary=b'), 400, /summary: must be a string/);
    expectError(await sendForm(s, 'summary=%FF%FE'), 400, /summary: is not valid percent-encoded UTF-8/);
    expectError(await sendForm(s, 'summary=ok&dedupKey=%E2%82'), 400, /dedupKey: is not valid percent-encoded UTF-8/);
    expectError(await sendForm(s, 'action=resolve'), 400, /dedupKey: is required to resolve/);
    expectError(await sendForm(s, 'summary=x&action=close'), 400, /action: must be one of "trigger", "acknowledge", "resolve"/);
    expectError(await sendForm(s, 'summary=x%00y'), 400, /summary: must not contain NUL/);
    expectError(await sendForm(s, ''), 400, /summary: is required to trigger/);
    const latin1 = await h.app.http.inject({ method: 'POST', url: s.path, headers: FORM, payload: Buffer.from('summary=caf\u00e9', 'latin1') });
    assert.equal(latin1.statusCode, 400, latin1.body);
    assert.deepEqual(JSON.parse(latin1.body), { error: 'body: is not valid UTF-8' });
    assert.deepEqual(await snapshot(s), before0);
  });
});

describe('bad input: a clear 4xx, nothing written', () => {
  test('missing fields, wrong types, unknown fields and limits name every bad field', async () => {
    const s = await setup();
    const before0 = await snapshot(s);
    const cases: Array<[unknown, RegExp[]]> = [
      [{}, [/summary: is required to trigger/]],
      [{ action: 'trigger' }, [/summary: is required to trigger/]],
      [{ action: 'acknowledge' }, [/dedupKey: is required to acknowledge/]],
      [{ action: 'resolve', summary: 'x' }, [/dedupKey: is required to resolve/]],
      [{ summary: 'x', action: 'explode' }, [/action: must be one of "trigger", "acknowledge", "resolve"/]],
      [{ summary: 5 }, [/summary: must be a string/]],
      [{ summary: '   ' }, [/summary: must not be empty/]],
      [{ summary: 'x'.repeat(1025) }, [/summary: must be at most 1024 characters/]],
      [{ summary: 'x', dedupKey: 'k'.repeat(256) }, [/dedupKey: must be at most 255 characters/]],
      [{ summary: 'x', dedupKey: '' }, [/dedupKey: must not be empty/]],
      [{ summary: 'x', dedupKey: 12 }, [/dedupKey: must be a string/]],
      [{ summary: 'x', severity: { level: 1 } }, [/severity: must be a string/]],
      [{ summary: 'x', details: 42 }, [/details: must be a string or a JSON object/]],
      [{ summary: 'x', details: ['a'] }, [/details: must be a string or a JSON object/]],
      [{ summary: 'x', details: { note: 'a\u0000b' } }, [/details: must not contain NUL/]],
      [{ summary: 'x', Action: 'resolve' }, [/unknown field "Action"/]],
      [{ summary: 'x', dedup_key: 'k', routing_key: 'r' }, [/unknown fields "dedup_key", "routing_key"/]],
      // Several problems at once: every one is named.
      [{ summary: 7, severity: [], dedupKey: false, action: 'trigger' }, [/summary: must be a string/, /severity: must be a string/, /dedupKey: must be a string/]],
      [{ severity: 1, action: 'resolve' }, [/severity: must be a string/, /dedupKey: is required to resolve/]],
      [[{ summary: 'x' }], [/body: must be a JSON object/]],
      ['summary', [/body: must be a JSON object/]],
    ];
    for (const [body, mentions] of cases) expectError(await send(s, body), 400, ...mentions);
    assert.deepEqual(await snapshot(s), before0);
  });

  test('malformed bodies: invalid JSON, non-UTF-8, unpaired surrogates, empty', async () => {
    const s = await setup();
    const before0 = await snapshot(s);
    expectError(await h.call('POST', s.path, { rawBody: '{"summary": "x",', headers: JSON_TYPE }), 400, /body: is not valid JSON/);
    expectError(await h.call('POST', s.path, { rawBody: '', headers: JSON_TYPE }), 400, /body: is required/);
    expectError(await h.call('POST', s.path, { rawBody: '{"summary": "half \\ud83d pair"}', headers: JSON_TYPE }), 400, /summary: .*unpaired/);
    expectError(await h.call('POST', s.path, { rawBody: '{"summary": "nul \\u0000 here"}', headers: JSON_TYPE }), 400, /summary: must not contain NUL/);
    const latin1 = await h.app.http.inject({ method: 'POST', url: s.path, headers: JSON_TYPE, payload: Buffer.from('{"summary": "caf\u00e9"}', 'latin1') });
    assert.equal(latin1.statusCode, 400, latin1.body);
    assert.deepEqual(JSON.parse(latin1.body), { error: 'body: is not valid UTF-8' });
    assert.deepEqual(await snapshot(s), before0);
  });

  test('other content types are 415', async () => {
    const s = await setup();
    const before0 = await snapshot(s);
    for (const type of ['text/plain', 'multipart/form-data; boundary=x', 'application/xml', 'application/octet-stream']) {
      expectError(
        await h.call('POST', s.path, { rawBody: 'summary=x', headers: { 'content-type': type } }),
        415,
        /is not supported; send application\/json or application\/x-www-form-urlencoded/,
      );
    }
    expectError(await h.call('POST', s.path, { rawBody: '{"summary":"x"}' }), 415, /Content-Type: is missing/);
    expectError(await h.call('POST', s.path, { rawBody: '{"summary":"x"}', headers: { 'content-type': 'application/json; charset=latin1' } }), 415, /charset/);
    assert.deepEqual(await snapshot(s), before0);
  });

  test('unknown, disabled or other-type keys are 404 and write nothing', async () => {
    const s = await setup();
    const am = (await h.call('POST', '/api/integration', { key: s.p.apiKey, body: { data: { name: 'am', integrationType: 'alertmanager' } } })).body;
    const before0 = await snapshot(s);
    for (const key of [randomUUID().replace(/-/g, ''), am.routingKey, 'short']) {
      const res = await h.call('POST', `/api/integrations/generic/${key}`, { body: { summary: 'x' } });
      expectError(res, 404, /No enabled generic integration has this key/);
      assert.ok(!res.body.error.includes(key));
    }
    // The key is checked before the body: a bad body to an unknown key is still a 404.
    expectError(await h.call('POST', '/api/integrations/generic/nope', { rawBody: 'x', headers: { 'content-type': 'text/plain' } }), 404);
    const disable = await h.call('PUT', `/api/integration/${s.integrationId}`, { key: s.p.apiKey, body: { data: { isEnabled: false } } });
    assert.equal(disable.status, 200, JSON.stringify(disable.body));
    expectError(await send(s, { summary: 'x' }), 404);
    assert.deepEqual(await snapshot(s), before0);
    // Enabled again, the same key works.
    await h.call('PUT', `/api/integration/${s.integrationId}`, { key: s.p.apiKey, body: { data: { isEnabled: true } } });
    accepted(await send(s, { summary: 'x' }));
  });
});

describe('secrets', () => {
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
      const post = (url: string, payload: string, type: string) => app.http.inject({ method: 'POST', url, headers: { 'content-type': type }, payload });
      assert.equal((await post(s.path, 'summary=Backup+failed', FORM['content-type'])).statusCode, 202);
      assert.equal((await post(s.path, '{"action": "resolve"}', JSON_TYPE['content-type'])).statusCode, 400);
      assert.equal((await post(s.path, 'x', 'text/plain')).statusCode, 415);
      const log = lines.join('');
      assert.match(log, /\/api\/integrations\/generic\/:key/);
      assert.ok(!log.includes(s.key), 'the routing key is not in the logs');
    } finally {
      await app.http.close();
    }
  });
});

describe('durability', () => {
  test('a storage failure answers 5xx and writes nothing', async () => {
    const s = await setup();
    const tag = randomUUID().replace(/-/g, '');
    await sql.raw(`create function fail_${tag}() returns trigger language plpgsql as $$ begin raise exception 'simulated storage failure'; end $$`).execute(h.database.db);
    await sql
      .raw(`create trigger fail_${tag} before insert on activity for each row when (new.subject_type = 'alert' and new.actor_id = '${s.integrationId}') execute function fail_${tag}()`)
      .execute(h.database.db);
    const before0 = await snapshot(s);
    try {
      const res = await send(s, { summary: 'Disk full', dedupKey: 'disk' });
      assert.ok(res.status >= 500 && res.status < 600, `expected 5xx, got ${res.status}: ${JSON.stringify(res.body)}`);
      assert.deepEqual(await snapshot(s), before0, 'the alert insert was rolled back with its failed feed entry');
    } finally {
      await sql.raw(`drop trigger fail_${tag} on activity`).execute(h.database.db);
      await sql.raw(`drop function fail_${tag}()`).execute(h.database.db);
    }
    assert.equal(accepted(await send(s, { summary: 'Disk full', dedupKey: 'disk' })), 'disk');
    assert.equal((await alerts(s)).length, 1);
  });
});

test("a severity map pointing at another project's severity never lends it to this project's alerts", async () => {
  const other = await h.project();
  const foreign = await h.call('POST', '/api/alert-severity/get-list', { key: other.apiKey, body: { query: { name: 'Critical' } } });
  const p = await h.project();
  const created = await h.call('POST', '/api/integration', {
    key: p.apiKey,
    body: { data: { name: 'g', integrationType: 'generic', severityMap: { critical: foreign.body.data[0]._id } } },
  });
  assert.equal(created.status, 200);
  const sent = await h.call('POST', `/api/integrations/generic/${created.body.routingKey}`, { body: { summary: 'x', severity: 'critical' } });
  assert.equal(sent.status, 202, JSON.stringify(sent.body));
  const alerts = await h.call('POST', '/api/alert/get-list', { key: p.apiKey, body: {} });
  assert.equal(alerts.body.data[0].alertSeverityId, null);
});

// A `vigil serve` child sending SMS through a (slow) fake Twilio is killed with SIGKILL while
// messages are between "Sending" and Twilio's answer, twice, and restarted each time. After the
// last child has settled, every page reached Twilio exactly once: none lost, none sent twice,
// none left Sending or Unknown (Twilio's message list says which of the cut-off calls went out).
// On PostgreSQL when TEST_DATABASE_URL is set, else on the embedded database.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { sql } from 'kysely';
import { createProject } from '../src/access/projects.ts';
import { systemClock } from '../src/storage/clock.ts';
import { openDatabase, type Database } from '../src/storage/database.ts';
import { startFakeTwilio, type FakeTwilio } from './fakes/fake-twilio.ts';
import { openTestDatabase } from './support/database.ts';
import { Api, createProjectOverSocket, postgresChildEnv, waitFor } from './support/escalations.ts';
import { startVigilServer, type ServerProcess } from './support/process.ts';

const URL_ = process.env.TEST_DATABASE_URL;
const USERS = 25;
const INCIDENTS = 4;
const PAGES = USERS * INCIDENTS;
const SID = 'AC' + 'c'.repeat(32);
const TOKEN = 'crash-token';
const FROM = '+15550009999';

let shared: (Database & { schema?: string }) | undefined;
let dataDir: string | undefined;
let server: ServerProcess | undefined;
let twilio: FakeTwilio | undefined;
after(async () => {
  server?.child.kill('SIGKILL');
  await twilio?.close();
  await shared?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

const pages = (f: FakeTwilio) => f.messages.filter((m) => m.body.includes('Crash '));

test('a server killed twice between "Sending" and Twilio\'s answer sends every SMS exactly once', { timeout: 240_000 }, async (t) => {
  twilio = await startFakeTwilio({ accountSid: SID, authToken: TOKEN });
  const fake = twilio;
  let env: Record<string, string> = {
    TWILIO_ACCOUNT_SID: SID,
    TWILIO_AUTH_TOKEN: TOKEN,
    TWILIO_FROM_NUMBER: FROM,
    VIGIL_TWILIO_API_URL: fake.baseUrl,
    NOTIFY_SEND_TIMEOUT_SECONDS: '2',
    RATE_LIMIT_ENABLED: 'false',
  };
  let apiKey: string;
  let projectId: string;
  if (URL_) {
    shared = await openTestDatabase();
    env = { ...env, ...postgresChildEnv(URL_, shared.schema!) };
    ({ apiKey, projectId } = await createProject(shared.db, systemClock, { name: 'Crash', ownerEmail: `notify-crash-${process.pid}@example.com` }));
    server = await startVigilServer(env);
  } else {
    dataDir = mkdtempSync(path.join(tmpdir(), 'vigil-notify-crash-'));
    env = { ...env, VIGIL_DATA_DIR: dataDir, DATABASE_URL: '' };
    server = await startVigilServer(env);
    ({ apiKey, projectId } = await createProjectOverSocket(path.join(dataDir, 'admin.sock'), 'Crash'));
  }

  // People with verified phones, all in one team paged by SMS for every incident.
  const api = new Api(server.url, apiKey);
  const userIds: string[] = [];
  for (let i = 0; i < USERS; i++) {
    const user = await api.create('user', { email: `crash-${i}-${process.pid}@example.com`, name: `Crash ${i}`, role: 'Project Member' });
    userIds.push(user._id);
    const phone = `+1555300${String(i).padStart(4, '0')}`;
    const sms = await api.create('user-sms', { userId: user._id, phone });
    await waitFor(`verification code for ${phone}`, 20_000, async () => fake.messages.some((m) => m.to === phone));
    const code = /\b(\d{6})\b/.exec(fake.messages.find((m) => m.to === phone)!.body)![1]!;
    const res: Response = await fetch(`${server.url}/api/user-sms/verify`, {
      method: 'POST',
      headers: { ApiKey: apiKey, 'content-type': 'application/json' },
      body: JSON.stringify({ itemId: sms._id, code }),
    });
    assert.equal(res.status, 200, await res.text());
  }
  const team = await api.create('team', { name: 'Everyone' });
  for (const userId of userIds) await api.create('team-member', { teamId: team._id, userId });
  const policy = await api.create('on-call-duty-policy', { name: 'SMS all' });
  await api.create('on-call-duty-policy-escalation-rule', { onCallDutyPolicyId: policy._id, name: 'All', order: 1, escalateAfterInMinutes: 60,
    notificationMethods: [{ method: 'sms', afterMinutes: 0 }] }, { users: [], teams: [team._id], onCallSchedules: [] });
  await api.create('on-call-duty-policy-routing-rule', { name: 'All incidents', subjectType: 'incident', onCallDutyPolicyIds: [policy._id] });

  // Twilio answers slowly, so that kills land between "Sending" and its answer.
  fake.setDelay(300);
  for (let i = 0; i < INCIDENTS; i++) assert.equal(await api.raiseIncident(`Crash ${i}`), 200);

  for (const [kill, atLeast] of [[1, 10], [2, 45]] as const) {
    await waitFor(`${atLeast} pages at Twilio`, 60_000, async () => pages(fake).length >= atLeast);
    const running: ServerProcess = server;
    assert.equal(await running.stop('SIGKILL'), null);
    t.diagnostic(`kill ${kill}: ${pages(fake).length} pages at Twilio so far`);
    server = await startVigilServer(env);
  }
  fake.setDelay(0);

  await waitFor('every page at Twilio', 90_000, async () => pages(fake).length >= PAGES, () => `${pages(fake).length} of ${PAGES}`);
  // Let recovery of the last stranded rows finish (their lease is the 2 s timeout plus 5 s).
  const settle = async (db: Database['db']) => {
    const r = await sql<{ status: string; n: string }>`select status, count(*) as n from notification_outbox
      where project_id = ${projectId} and reason = 'on-call-policy' and contact_method_id is not null group by status`.execute(db);
    return Object.fromEntries(r.rows.map((row) => [row.status, Number(row.n)]));
  };
  if (shared) {
    let last = '';
    await waitFor('every page settled', 60_000, async () => {
      const s = await settle(shared!.db);
      last = JSON.stringify(s);
      return (s.Sent ?? 0) === PAGES;
    }, () => last);
  } else {
    await new Promise((r) => setTimeout(r, 9_000));
  }
  assert.equal(await server.stop('SIGTERM'), 0, server.output().slice(-2000));
  server = undefined;

  // Exactly once at Twilio: one SMS per (person, incident).
  const seen = new Map<string, number>();
  for (const m of pages(fake)) {
    const key = `${m.to} ${/Crash \d+/.exec(m.body)![0]}`;
    seen.set(key, (seen.get(key) ?? 0) + 1);
  }
  assert.equal(seen.size, PAGES, 'every page arrived');
  assert.deepEqual([...seen].filter(([, n]) => n > 1), [], 'no page arrived twice');

  const database = shared ?? (await openDatabase({ kind: 'pglite', dataDir: path.join(dataDir!, 'pgdata') }));
  try {
    assert.deepEqual(await settle(database.db), { Sent: PAGES }, 'every leaf request Sent, none Unknown or stuck');
    const d = await sql<{ n: string; distinct_sids: string }>`select count(*) as n, count(distinct provider_message_id) as distinct_sids
      from notification_delivery where project_id = ${projectId} and reason = 'on-call-policy'`.execute(database.db);
    assert.equal(Number(d.rows[0]!.n), PAGES);
    assert.equal(Number(d.rows[0]!.distinct_sids), PAGES, 'each delivery records its own Twilio sid');
    const recovered = await sql<{ n: string }>`select count(*) as n from notification_delivery
      where project_id = ${projectId} and status_message like '%after a restart%'`.execute(database.db);
    t.diagnostic(`${recovered.rows[0]!.n} deliveries resolved at Twilio after a restart`);
  } finally {
    if (database !== shared) await database.close();
  }
});

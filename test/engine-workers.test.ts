// One engine with several claim workers (`concurrency`): items run side by side on PostgreSQL,
// the events of one subject one after the other in seq order, and an acknowledgement consumed
// while its alert's run is starting still stops the run. On PGlite (one connection) the workers
// queue on the connection, and nothing deadlocks.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { after, before, test } from 'node:test';
import { engineHandlers } from '../src/app/engine-handlers.ts';
import { createEngine } from '../src/engine/create-engine.ts';
import type { DomainEventHandler } from '../src/engine/types.ts';
import { newId } from '../src/storage/ids.ts';
import { startHarness, type Harness } from './support/harness.ts';
import { executions, member, policy, raise, routeAll, rule } from './support/policies.ts';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(() => h?.close());

const onPostgres = () => h.database.engine === 'postgres';

async function insertSubjectEvent(projectId: string, eventType: string, subjectId: string): Promise<number> {
  const now = h.clock.now();
  const r = await sql<{ seq: number }>`insert into domain_event (id, project_id, event_type, subject_type, subject_id, payload, created_at, updated_at)
    values (${newId()}, ${projectId}, ${eventType}, 'incident', ${subjectId}, '{}', ${now}, ${now}) returning seq`.execute(h.database.db);
  return r.rows[0]!.seq;
}

async function until(what: string, done: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

const unconsumed = async (projectId: string) =>
  (await sql<{ n: number }>`select count(*)::int as n from domain_event where project_id = ${projectId} and consumed_at is null`.execute(h.database.db)).rows[0]!.n;

test('concurrency 4: the events of one subject run in seq order, one after the other, while other subjects go beside', async () => {
  const p = await h.project();
  const slow = newId();
  const log: string[] = [];
  let inFlight = 0;
  let most = 0;
  const consumer: DomainEventHandler = async ({ tx, event }) => {
    if (event.projectId !== p.projectId) return;
    inFlight += 1;
    most = Math.max(most, inFlight);
    log.push(`start ${event.subjectId === slow ? 'slow' : 'other'} ${event.eventType}`);
    if (event.subjectId === slow) await sql`select pg_sleep(0.05)`.execute(tx);
    log.push(`end ${event.subjectId === slow ? 'slow' : 'other'} ${event.eventType}`);
    inFlight -= 1;
  };
  for (const type of ['incident.created', 'incident.acknowledged', 'incident.resolved']) await insertSubjectEvent(p.projectId, type, slow);
  for (let i = 0; i < 20; i++) await insertSubjectEvent(p.projectId, 'incident.created', newId());

  const engine = createEngine({ db: h.database.db, clock: h.clock, handlers: { jobs: {}, events: [consumer] }, concurrency: 4, maxSleepMs: 100 });
  await engine.start();
  try {
    await until('every event consumed', async () => (await unconsumed(p.projectId)) === 0);
  } finally {
    await engine.stop();
  }
  const ofSlow = log.filter((l) => l.includes(' slow '));
  assert.deepEqual(ofSlow, [
    'start slow incident.created',
    'end slow incident.created',
    'start slow incident.acknowledged',
    'end slow incident.acknowledged',
    'start slow incident.resolved',
    'end slow incident.resolved',
  ]);
  assert.equal(log.filter((l) => l.startsWith('end other')).length, 20);
  if (onPostgres()) {
    assert.ok(most > 1, 'workers consumed side by side on PostgreSQL');
    // Other subjects did not wait for the slow one: some were consumed while it was in flight.
    const first = log.indexOf('start slow incident.created');
    const last = log.indexOf('end slow incident.resolved');
    assert.ok(log.slice(first, last).some((l) => l.startsWith('end other')), log.join('\n'));
  } else {
    assert.equal(most, 1, 'the one PGlite connection serialises the workers');
  }
});

test('concurrency 4: an alert acknowledged while its run is starting has the run stopped by the acknowledgement', async (ctx) => {
  if (!onPostgres()) {
    ctx.skip('the acknowledgement is made from inside the consuming transaction: needs a second connection (set TEST_DATABASE_URL)');
    return;
  }
  const p = await h.project();
  const ann = await member(h, p, 'Ann');
  const policyId = await policy(h, p, { name: 'Race' });
  await rule(h, p, policyId, { order: 1, name: 'First line', escalateAfterInMinutes: 30, users: [ann.id] });
  await routeAll(h, p, 'alert', [policyId]);
  const alertId = await raise(h, p, 'alert', { title: 'Disk full' });

  // After the run is written but before its transaction commits, the alert is acknowledged
  // (committed, with its `alert.acknowledged` event) and the other workers get time to take
  // that event: without the per-subject order one would, find no run yet, and leave it running.
  let acknowledged = false;
  const ackDuringStart: DomainEventHandler = async ({ event }) => {
    if (event.subjectId !== alertId || event.eventType !== 'alert.created') return;
    const res = await h.call('POST', `/api/alert/${alertId}/acknowledge`, { key: ann.key });
    assert.equal(res.status, 200);
    acknowledged = true;
    await sleep(300);
  };
  const handlers = engineHandlers();
  const engine = createEngine({
    db: h.database.db,
    clock: h.clock,
    handlers: { jobs: handlers.jobs, events: [...handlers.events, ackDuringStart] },
    concurrency: 4,
    maxSleepMs: 100,
  });
  await engine.start();
  try {
    await until('both events consumed', async () => acknowledged && (await unconsumed(p.projectId)) === 0);
  } finally {
    await engine.stop();
  }
  const [run] = await executions(h, p);
  assert.ok(run);
  assert.equal(run.status, 'Execution Completed');
  assert.equal(run.acknowledgedByUserId, ann.id);
  const pending = await sql<{ n: number }>`select count(*)::int as n from job where group_key = ${`execution:${run._id}`} and state = 'pending'`.execute(h.database.db);
  assert.equal(pending.rows[0]!.n, 0, 'no step of the stopped run is left pending');
});

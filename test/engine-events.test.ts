// The job engine's domain event consumption: every event once, in seq order, all consumers
// in the transaction that marks it consumed; a failing consumer rolls back, waits with
// backoff while later events go ahead, and is set aside after its attempts with the error kept.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { MAX_EVENT_ATTEMPTS } from '../src/engine/consume-next-event.ts';
import { enqueueJob } from '../src/engine/job-queue.ts';
import type { DomainEvent } from '../src/engine/types.ts';
import { startHarness, type Harness } from './support/harness.ts';
import { countOutbox, insertEvent, insertOutbox, testHandlers } from './support/engine.ts';

const t = testHandlers();
let h: Harness;
before(async () => {
  h = await startHarness({ engineHandlers: t.handlers });
});
after(async () => {
  await h?.close();
});

const SECOND = 1_000;

interface EventState {
  consumed_at: Date | null;
  attempts: number;
  last_error: string | null;
  retry_at: Date | null;
}

async function eventState(id: string): Promise<EventState> {
  const r = await sql<EventState>`select consumed_at, attempts, last_error, retry_at from domain_event where id = ${id}`.execute(h.database.db);
  return r.rows[0]!;
}

/** Adds a consumer for one project's events only (consumers see every project's). */
function consume(projectId: string, fn: (event: DomainEvent, ctx: Parameters<(typeof t.consumers)[number]>[0]) => Promise<void>): void {
  t.consumers.push(async (ctx) => {
    if (ctx.event.projectId === projectId) await fn(ctx.event, ctx);
  });
}

describe('consuming domain events', () => {
  test('each event is consumed once, in seq order, by every consumer, and marked consumed', async () => {
    const p = await h.project();
    const a: number[] = [];
    const b: number[] = [];
    consume(p.projectId, async (e) => void a.push(e.seq));
    consume(p.projectId, async (e) => void b.push(e.seq));
    const written = [];
    for (const type of ['incident.created', 'incident.acknowledged', 'incident.resolved']) {
      written.push(await insertEvent(h.database.db, p.projectId, type, h.clock.now(), { type }));
    }
    assert.deepEqual(await h.engine.nextDueAt(), h.clock.now(), 'an unconsumed event is due now');

    const r = await h.runEngine();
    assert.equal(r.events >= 3, true);
    const seqs = written.map((w) => w.seq);
    assert.deepEqual(a, seqs);
    assert.deepEqual(b, seqs);
    for (const w of written) assert.deepEqual((await eventState(w.id)).consumed_at, h.clock.now());

    await h.advance(60 * SECOND);
    assert.deepEqual(a, seqs, 'never consumed twice');
  });

  test('consumers see the event as written, and events written by the API reach them', async () => {
    const p = await h.project();
    const seen: DomainEvent[] = [];
    consume(p.projectId, async (e) => void seen.push(e));
    const res = await h.call('POST', '/api/incident', { key: p.apiKey, body: { data: { title: 'Checkout latency high' } } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    await h.runEngine();
    assert.equal(seen.length, 1);
    const e = seen[0]!;
    assert.equal(e.eventType, 'incident.created');
    assert.equal(e.subjectType, 'incident');
    assert.equal(e.subjectId, res.body._id);
    assert.equal(e.projectId, p.projectId);
    assert.deepEqual(e.createdAt, h.clock.now());
    assert.equal(typeof e.seq, 'number');
    assert.equal(typeof e.payload, 'object');
  });

  test('all consumers commit with the mark or not at all: one throwing rolls back the others', async () => {
    const p = await h.project();
    const prefix = `event-atomic-${Date.now()}`;
    let failures = 1;
    consume(p.projectId, async (e, ctx) => insertOutbox(ctx.tx, p.projectId, p.userId, `${prefix}:${e.seq}`, ctx.now));
    consume(p.projectId, async () => {
      if (failures-- > 0) throw new Error('the SLA store is unavailable');
    });
    const w = await insertEvent(h.database.db, p.projectId, 'alert.created', h.clock.now());

    assert.deepEqual(await h.runEngine(), { jobs: 0, events: 0, failed: 1 });
    assert.equal(await countOutbox(h.database.db, prefix), 0, "the first consumer's row was rolled back");
    const failed = await eventState(w.id);
    assert.equal(failed.consumed_at, null);
    assert.equal(failed.attempts, 1);
    assert.equal(failed.last_error, 'the SLA store is unavailable');
    assert.deepEqual(failed.retry_at, new Date(h.clock.now().getTime() + SECOND));
    assert.deepEqual(await h.engine.nextDueAt(), failed.retry_at, 'the retry is the next due time');

    await h.advance(SECOND);
    assert.equal(await countOutbox(h.database.db, prefix), 1);
    const done = await eventState(w.id);
    assert.ok(done.consumed_at);
    assert.equal(done.retry_at, null);
  });

  test('a failing event does not hold up later ones, and is set aside with its error after its attempts', async () => {
    const p = await h.project();
    const order: string[] = [];
    let poisonRuns = 0;
    consume(p.projectId, async (e) => {
      if (e.eventType === 'poison') {
        poisonRuns += 1;
        throw new Error(`unparseable payload (${poisonRuns})`);
      }
      order.push(e.eventType);
    });
    const poison = await insertEvent(h.database.db, p.projectId, 'poison', h.clock.now());
    await insertEvent(h.database.db, p.projectId, 'after-1', h.clock.now());
    await h.runEngine();
    assert.deepEqual(order, ['after-1'], 'the later event went ahead at once');
    await insertEvent(h.database.db, p.projectId, 'after-2', h.clock.now());
    await h.runEngine();
    assert.deepEqual(order, ['after-1', 'after-2']);
    assert.equal(poisonRuns, 1);

    await h.advance(60 * 60 * SECOND);
    assert.equal(poisonRuns, MAX_EVENT_ATTEMPTS);
    const s = await eventState(poison.id);
    assert.ok(s.consumed_at, 'set aside: it never blocks anything again');
    assert.equal(s.attempts, MAX_EVENT_ATTEMPTS);
    assert.equal(s.last_error, `unparseable payload (${MAX_EVENT_ATTEMPTS})`, 'the error stays visible');
    assert.equal(s.retry_at, null);
    await h.advance(60 * 60 * SECOND);
    assert.equal(poisonRuns, MAX_EVENT_ATTEMPTS);
  });

  test('events run before jobs, and a job a consumer schedules for now runs in the same pass', async () => {
    const p = await h.project();
    const order: string[] = [];
    const kind = `t.from-event-${Date.now()}`;
    t.jobs[kind] = async (ctx) => void order.push(`job ${ctx.job.key}`);
    consume(p.projectId, async (e, ctx) => {
      order.push(`event ${e.eventType}`);
      await enqueueJob(ctx.tx, { projectId: p.projectId, kind, key: `${kind}:${e.seq}`, runAt: ctx.now }, ctx.now);
    });
    await enqueueJob(h.database.db, { projectId: p.projectId, kind, key: `${kind}:waiting`, runAt: h.clock.now() }, h.clock.now());
    const w = await insertEvent(h.database.db, p.projectId, 'incident.created', h.clock.now());
    const r = await h.runEngine();
    assert.equal(r.jobs, 2);
    assert.equal(order[0], 'event incident.created');
    assert.deepEqual(order.slice(1).sort(), [`job ${kind}:${w.seq}`, `job ${kind}:waiting`]);
  });
});

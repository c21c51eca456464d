// Several engines on one database: each job and each event is run by exactly one of them.
// On PostgreSQL the engines' transactions really overlap (a pool of several connections);
// on PGlite the one connection serialises them, and the same assertions hold.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { createEngine, type Engine } from '../src/engine/create-engine.ts';
import { enqueueJob } from '../src/engine/job-queue.ts';
import { startHarness, type Harness } from './support/harness.ts';
import { countOutbox, insertEvent, insertOutbox, jobByKey, testHandlers } from './support/engine.ts';

const t = testHandlers();
let h: Harness;
before(async () => {
  h = await startHarness({ engineHandlers: t.handlers });
});
after(async () => {
  await h?.close();
});

const onPostgres = () => h.database.engine === 'postgres';
const engines = (n: number): Engine[] =>
  Array.from({ length: n }, (_, i) => createEngine({ db: h.database.db, clock: h.clock, handlers: t.handlers, workerId: `engine-${i}`, batchSize: 10 }));

describe('engines sharing one database', () => {
  test('three engines draining the same 300 due jobs at once run each exactly once', async () => {
    const p = await h.project();
    const kind = `t.shared-${Date.now()}`;
    const runs = new Map<string, number>();
    t.jobs[kind] = async (ctx) => {
      runs.set(ctx.job.key, (runs.get(ctx.job.key) ?? 0) + 1);
      // A round trip inside the claim, so that the engines' transactions overlap.
      await sql`select pg_sleep(0.001)`.execute(ctx.tx);
      await insertOutbox(ctx.tx, p.projectId, p.userId, ctx.job.key, ctx.now);
    };
    const now = h.clock.now();
    await sql`insert into job (id, project_id, kind, run_at, idempotency_key, created_at, updated_at)
      select gen_random_uuid(), ${p.projectId}, ${kind}, ${now}, ${kind} || ':' || n, ${now}, ${now}
      from generate_series(1, 300) n`.execute(h.database.db);

    const results = await Promise.all(engines(3).map((e) => e.runDue()));
    assert.equal(results.reduce((n, r) => n + r.jobs, 0), 300);
    assert.equal(results.reduce((n, r) => n + r.failed, 0), 0);
    assert.equal(runs.size, 300);
    assert.deepEqual([...new Set(runs.values())], [1], 'no handler ran twice');
    assert.equal(await countOutbox(h.database.db, `${kind}:`), 300);
    const byWorker = await sql<{ locked_by: string; n: number }>`select locked_by, count(*)::int as n from job where kind = ${kind} group by locked_by`.execute(h.database.db);
    assert.equal(byWorker.rows.reduce((n, r) => n + r.n, 0), 300);
    if (onPostgres()) {
      assert.equal(byWorker.rows.length, 3, `every engine took a share on PostgreSQL: ${JSON.stringify(byWorker.rows)}`);
    }
  });

  test('two engines consume 200 events exactly once between them, each in seq order', async () => {
    const p = await h.project();
    const seen = new Map<number, number>();
    const perEngine: number[][] = [[], []];
    const consumer = (engineIndex: number) => async (ctx: Parameters<(typeof t.consumers)[number]>[0]) => {
      if (ctx.event.projectId !== p.projectId) return;
      seen.set(ctx.event.seq, (seen.get(ctx.event.seq) ?? 0) + 1);
      perEngine[engineIndex]!.push(ctx.event.seq);
      await sql`select pg_sleep(0.001)`.execute(ctx.tx);
    };
    const now = h.clock.now();
    for (let i = 0; i < 200; i++) await insertEvent(h.database.db, p.projectId, 'alert.created', now, { i });
    const e = [0, 1].map((i) =>
      createEngine({ db: h.database.db, clock: h.clock, handlers: { jobs: {}, events: [consumer(i)] }, workerId: `events-${i}` }),
    );
    const results = await Promise.all(e.map((x) => x.runDue()));
    assert.equal(seen.size, 200);
    assert.deepEqual([...new Set(seen.values())], [1]);
    assert.ok(results.every((r) => r.failed === 0));
    for (const seqs of perEngine) assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b));
    if (onPostgres()) assert.ok(perEngine.every((s) => s.length > 0), `both engines consumed on PostgreSQL: ${perEngine.map((s) => s.length)}`);
  });

  test('a job locked by another open transaction is skipped, and runs once that transaction ends', async (ctx) => {
    if (!onPostgres()) {
      ctx.skip('needs a second connection: PGlite has one, and a transaction held open on it would block the engine (set TEST_DATABASE_URL)');
      return;
    }
    const p = await h.project();
    const kind = `t.locked-${Date.now()}`;
    let runs = 0;
    t.jobs[kind] = async () => {
      runs += 1;
    };
    const key = `${kind}:1`;
    await enqueueJob(h.database.db, { projectId: p.projectId, kind, key, runAt: h.clock.now() }, h.clock.now());
    const other = await h.database.db.startTransaction().execute();
    try {
      await sql`select id from job where idempotency_key = ${key} for update`.execute(other);
      const r = await h.runEngine();
      assert.equal(r.jobs, 0);
      assert.equal(runs, 0, 'skipped while another transaction holds it');
      assert.equal((await jobByKey(h.database.db, key))?.state, 'pending');
    } finally {
      await other.rollback().execute();
    }
    assert.equal((await h.runEngine()).jobs, 1);
    assert.equal(runs, 1);
  });

  test('a claim that is rolled back (a crash before commit) leaves the job claimable at once', async (ctx) => {
    if (!onPostgres()) {
      ctx.skip('needs a second connection (set TEST_DATABASE_URL)');
      return;
    }
    const p = await h.project();
    const kind = `t.crash-${Date.now()}`;
    let runs = 0;
    t.jobs[kind] = async () => {
      runs += 1;
    };
    const key = `${kind}:1`;
    await enqueueJob(h.database.db, { projectId: p.projectId, kind, key, runAt: h.clock.now() }, h.clock.now());
    // The claim as the engine makes it, then the worker dies before committing.
    const dying = await h.database.db.startTransaction().execute();
    await sql`update job set locked_until = ${new Date(h.clock.now().getTime() + 60_000)}, locked_by = 'dying'
      where id = (select id from job where idempotency_key = ${key} for update skip locked)`.execute(dying);
    await dying.rollback().execute();
    const row = (await jobByKey(h.database.db, key))!;
    assert.equal(row.locked_until, null, 'the lease went with the rolled-back claim');
    assert.equal((await h.runEngine()).jobs, 1);
    assert.equal(runs, 1);
  });
});

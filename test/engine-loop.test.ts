// The engine's background loop on the system clock: it sleeps until the next due time,
// wakes at once on NOTIFY when another connection adds work (on both engines) or on
// wake(), re-establishes a dropped LISTEN connection, and stops only after the work in
// flight. These tests wait on real time, with generous bounds.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { createEngine, type Engine, type EngineOptions } from '../src/engine/create-engine.ts';
import { enqueueJob } from '../src/engine/job-queue.ts';
import { systemClock } from '../src/storage/clock.ts';
import { openDatabase, type Database } from '../src/storage/database.ts';
import { startHarness, type Harness } from './support/harness.ts';
import { jobByKey, testHandlers } from './support/engine.ts';

const t = testHandlers();
let h: Harness;
before(async () => {
  h = await startHarness({ engineHandlers: t.handlers });
});
after(async () => {
  await h?.close();
});

/** The started loops' fallback poll: far longer than any bound below, so a quick pick-up was a wake-up. */
const LONG_SLEEP_MS = 60_000;
/** How long a wake-up may take here (it takes milliseconds; the machine may be busy). */
const BOUND_MS = 2_000;

let counter = 0;
const uniqueKind = (name: string) => `t.${name}-${++counter}-${Date.now()}`;

function loopEngine(extra: Partial<EngineOptions> = {}): Engine {
  return createEngine({ db: h.database.db, clock: systemClock, handlers: t.handlers, maxSleepMs: LONG_SLEEP_MS, ...extra });
}

/** A handler that resolves `ran` with the real time it started at. */
function recorder(kind: string): { ran: Promise<number> } {
  let resolve!: (at: number) => void;
  const ran = new Promise<number>((r) => (resolve = r));
  t.jobs[kind] = async () => resolve(Date.now());
  return { ran };
}

function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([p, sleep(ms).then(() => Promise.reject(new Error(`${what}: not within ${ms} ms`)))]);
}

/** Another connection to the same database: a second pool on PostgreSQL; PGlite has only the one. */
async function otherConnection(): Promise<{ db: Database['db']; close(): Promise<void> }> {
  const url = process.env.TEST_DATABASE_URL;
  const schema = (h.database as Database & { schema?: string }).schema;
  if (h.database.engine !== 'postgres' || !url || !schema) return { db: h.database.db, close: async () => {} };
  const other = await openDatabase({ kind: 'postgres', url, schema, poolSize: 1 });
  return { db: other.db, close: () => other.close() };
}

describe('the background loop', () => {
  test('a job added by another connection runs within moments: NOTIFY wakes the sleeping loop', async () => {
    const p = await h.project();
    const engine = loopEngine({ listen: h.database.listen! });
    try {
      await engine.start();
      await sleep(300); // the loop has drained and gone to sleep for a minute
      const kind = uniqueKind('notify');
      const { ran } = recorder(kind);
      const other = await otherConnection();
      try {
        const added = Date.now();
        await enqueueJob(other.db, { projectId: p.projectId, kind, key: kind, runAt: systemClock.now() }, systemClock.now());
        const at = await within(ran, BOUND_MS, 'the notified loop ran the job');
        assert.ok(at - added < BOUND_MS);
      } finally {
        await other.close();
      }
    } finally {
      await engine.stop();
    }
  });

  test('a domain event written elsewhere wakes the loop too', async () => {
    const p = await h.project();
    let resolve!: () => void;
    const consumed = new Promise<void>((r) => (resolve = r));
    const engine = createEngine({
      db: h.database.db,
      clock: systemClock,
      handlers: { jobs: {}, events: [async (ctx) => void (ctx.event.projectId === p.projectId && resolve())] },
      maxSleepMs: LONG_SLEEP_MS,
      listen: h.database.listen!,
    });
    try {
      await engine.start();
      await sleep(300);
      const res = await h.call('POST', '/api/incident', { key: p.apiKey, body: { data: { title: 'Disk full' } } });
      assert.equal(res.status, 200);
      await within(consumed, BOUND_MS, 'the notified loop consumed the event');
    } finally {
      await engine.stop();
    }
  });

  test('without LISTEN, wake() cuts the sleep short, and the loop then sleeps exactly until the next due time', async () => {
    const p = await h.project();
    const engine = loopEngine();
    try {
      await engine.start();
      await sleep(300);
      const kind = uniqueKind('timer');
      const { ran } = recorder(kind);
      const due = new Date(Date.now() + 400);
      await enqueueJob(h.database.db, { projectId: p.projectId, kind, key: kind, runAt: due }, systemClock.now());
      engine.wake(); // as code in this process would after scheduling work
      const at = await within(ran, 400 + BOUND_MS, 'the job due in 400 ms ran');
      assert.ok(at >= due.getTime(), 'not early');
      assert.ok(at - due.getTime() < 250, `late by ${at - due.getTime()} ms`);
    } finally {
      await engine.stop();
    }
  });

  test('stop() waits for the job in flight, which commits; it is safe twice and without start()', async () => {
    const p = await h.project();
    await createEngine({ db: h.database.db, clock: systemClock, handlers: t.handlers }).stop();
    const kind = uniqueKind('inflight');
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let started!: () => void;
    const running = new Promise<void>((r) => (started = r));
    t.jobs[kind] = async () => {
      started();
      await gate;
    };
    await enqueueJob(h.database.db, { projectId: p.projectId, kind, key: kind, runAt: systemClock.now() }, systemClock.now());
    const engine = loopEngine();
    await engine.start();
    await within(running, BOUND_MS, 'the loop started the job');
    let stopped = false;
    const stopping = engine.stop().then(() => (stopped = true));
    await sleep(100);
    assert.equal(stopped, false, 'stop waits for the job in flight');
    release();
    await stopping;
    await engine.stop();
    assert.equal((await jobByKey(h.database.db, kind))?.state, 'done');
  });

  test('a dropped LISTEN connection is re-established, and wake-ups come again', async (ctx) => {
    if (h.database.engine !== 'postgres') {
      ctx.skip('PostgreSQL only: PGlite has no connection to drop (set TEST_DATABASE_URL)');
      return;
    }
    const p = await h.project();
    const warnings: string[] = [];
    const engine = loopEngine({ listen: h.database.listen!, logger: { warn: (_o, m) => warnings.push(m), error: (_o, m) => warnings.push(m) } });
    try {
      await engine.start();
      await sleep(300);
      const killed = await sql<{ n: number }>`select count(pg_terminate_backend(pid))::int as n from pg_stat_activity
        where application_name = ${`vigil-listen-${process.pid}`}`.execute(h.database.db);
      assert.equal(killed.rows[0]!.n, 1, 'one listening connection to drop');
      // Reconnection starts after 0.5 s.
      await sleep(1_500);
      assert.ok(warnings.some((w) => /listening/.test(w)), `the drop was logged: ${warnings}`);
      const kind = uniqueKind('relisten');
      const { ran } = recorder(kind);
      const other = await otherConnection();
      try {
        await enqueueJob(other.db, { projectId: p.projectId, kind, key: kind, runAt: systemClock.now() }, systemClock.now());
        await within(ran, BOUND_MS, 'the loop, listening again, ran the job');
      } finally {
        await other.close();
      }
    } finally {
      await engine.stop();
    }
  });
});

// The job engine's jobs: claimed due rows run once in the claiming transaction, with their
// writes and follow-up jobs; failures roll back, retry with backoff and end dead with the
// error kept; idempotency keys and cancelled groups. Time moves only on the fake clock.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { CreatedProject } from '../src/access/projects.ts';
import { retryDelayMs } from '../src/engine/backoff.ts';
import { cancelJobGroup, enqueueJob } from '../src/engine/job-queue.ts';
import type { Job, JobSpec } from '../src/engine/types.ts';
import { startHarness, type Harness } from './support/harness.ts';
import { countOutbox, insertOutbox, jobByKey, testHandlers } from './support/engine.ts';

const t = testHandlers();
let h: Harness;
before(async () => {
  h = await startHarness({ engineHandlers: t.handlers });
});
after(async () => {
  await h?.close();
});

const SECOND = 1_000;
let counter = 0;
/** A key (and kind) no other test uses. */
const unique = (name: string) => `${name}-${++counter}-${Math.random().toString(36).slice(2, 8)}`;
const inMs = (ms: number) => new Date(h.clock.now().getTime() + ms);

async function enqueue(p: CreatedProject, spec: Omit<JobSpec, 'projectId'>): Promise<boolean> {
  return enqueueJob(h.database.db, { projectId: p.projectId, ...spec }, h.clock.now());
}

describe('running jobs', () => {
  test('a due job runs once, with its payload, at its due time, and is marked done', async () => {
    const p = await h.project();
    const kind = unique('t.once');
    const key = unique('once');
    const seen: Array<{ job: Job; now: string }> = [];
    t.jobs[kind] = async (ctx) => {
      seen.push({ job: ctx.job, now: ctx.now.toISOString() });
    };
    const due = inMs(30 * SECOND);
    assert.equal(await enqueue(p, { kind, key, runAt: due, payload: { step: 2 }, group: 'g:once' }), true);

    assert.deepEqual(await h.runEngine(), { jobs: 0, events: 0, failed: 0 }, 'not due yet');
    assert.deepEqual(await h.engine.nextDueAt(), due);
    assert.equal(seen.length, 0);

    await h.advance(60 * SECOND);
    assert.equal(seen.length, 1);
    assert.equal(seen[0]!.now, due.toISOString(), 'the clock stopped at the due time');
    assert.deepEqual(
      { ...seen[0]!.job, id: undefined },
      { id: undefined, projectId: p.projectId, kind, runAt: due, payload: { step: 2 }, key, group: 'g:once', attempts: 0 },
    );
    const row = (await jobByKey(h.database.db, key))!;
    assert.equal(row.state, 'done');
    assert.deepEqual(row.finished_at, due);
    assert.ok(row.locked_by, 'the claim records who ran it');
    assert.ok(row.locked_until && row.locked_until.getTime() > due.getTime(), 'the lease ran past the claim');

    await h.advance(10 * 60 * SECOND);
    assert.equal(seen.length, 1, 'a done job never runs again');
  });

  test('due jobs run in run_at order, each at its own instant', async () => {
    const p = await h.project();
    const kind = unique('t.order');
    const ran: string[] = [];
    t.jobs[kind] = async (ctx) => {
      ran.push(`${ctx.job.payload.n}@${(ctx.now.getTime() - start) / SECOND}`);
    };
    const start = h.clock.now().getTime();
    for (const n of [3, 1, 2]) await enqueue(p, { kind, key: unique('order'), runAt: inMs(n * 10 * SECOND), payload: { n } });
    await h.advance(60 * SECOND);
    assert.deepEqual(ran, ['1@10', '2@20', '3@30']);
  });

  test("a job's rows and its follow-up job commit together, and the chain steps through fake time", async () => {
    const p = await h.project();
    const kind = unique('t.chain');
    const prefix = unique('chain');
    t.jobs[kind] = async (ctx) => {
      const step = ctx.job.payload.step as number;
      await insertOutbox(ctx.tx, p.projectId, p.userId, `${prefix}:${step}`, ctx.now);
      if (step < 3) {
        await enqueueJob(ctx.tx, { projectId: p.projectId, kind, key: `${prefix}:job:${step + 1}`, runAt: new Date(ctx.now.getTime() + 5 * 60 * SECOND), payload: { step: step + 1 } }, ctx.now);
      }
    };
    await enqueue(p, { kind, key: `${prefix}:job:1`, runAt: h.clock.now(), payload: { step: 1 } });
    const first = await h.runEngine();
    assert.equal(first.jobs, 1);
    assert.equal(await countOutbox(h.database.db, prefix), 1);
    assert.equal((await jobByKey(h.database.db, `${prefix}:job:2`))?.state, 'pending');

    const rest = await h.advance(15 * 60 * SECOND);
    assert.equal(rest.jobs, 2);
    assert.equal(await countOutbox(h.database.db, prefix), 3);
    assert.equal((await jobByKey(h.database.db, `${prefix}:job:3`))?.state, 'done');
  });

  test('a throwing handler leaves no partial rows; the job retries with backoff and then succeeds', async () => {
    const p = await h.project();
    const kind = unique('t.flaky');
    const prefix = unique('flaky');
    const runs: number[] = [];
    const start = h.clock.now().getTime();
    t.jobs[kind] = async (ctx) => {
      runs.push((ctx.now.getTime() - start) / SECOND);
      await insertOutbox(ctx.tx, p.projectId, p.userId, `${prefix}:row`, ctx.now);
      await enqueueJob(ctx.tx, { projectId: p.projectId, kind: `${kind}.next`, key: `${prefix}:next`, runAt: ctx.now }, ctx.now);
      if (runs.length < 3) throw new Error(`provider down (${runs.length})`);
    };
    t.jobs[`${kind}.next`] = async () => {};
    await enqueue(p, { kind, key: `${prefix}:job`, runAt: h.clock.now() });

    assert.deepEqual(await h.runEngine(), { jobs: 0, events: 0, failed: 1 });
    assert.equal(await countOutbox(h.database.db, prefix), 0, 'the rows written before the throw were rolled back');
    assert.equal(await jobByKey(h.database.db, `${prefix}:next`), undefined, 'so was the follow-up job');
    const failed = (await jobByKey(h.database.db, `${prefix}:job`))!;
    assert.equal(failed.state, 'pending');
    assert.equal(failed.attempts, 1);
    assert.equal(failed.last_error, 'provider down (1)');
    assert.deepEqual(failed.run_at, inMs(SECOND), 'retried after 1 s');
    assert.equal(failed.locked_until, null, 'no lease is left on a job waiting to be retried');

    const rest = await h.advance(60 * SECOND);
    assert.deepEqual(runs, [0, 1, 3], 'retries after 1 s, then 2 s more');
    assert.deepEqual(rest, { jobs: 2, events: 0, failed: 1 }, 'the job and its follow-up');
    assert.equal(await countOutbox(h.database.db, prefix), 1);
    const done = (await jobByKey(h.database.db, `${prefix}:job`))!;
    assert.equal(done.state, 'done');
    assert.equal(done.attempts, 2, 'failed attempts are counted');
    assert.equal(done.last_error, 'provider down (2)', 'the last error stays visible');
  });

  test('a job that always fails is dead after max_attempts, with its last error', async () => {
    const p = await h.project();
    const kind = unique('t.broken');
    const key = unique('broken');
    let runs = 0;
    t.jobs[kind] = async () => {
      runs += 1;
      throw new TypeError(`cannot read the policy (${runs})`);
    };
    await enqueue(p, { kind, key, runAt: h.clock.now(), maxAttempts: 4 });
    const r = await h.advance(60 * 60 * SECOND);
    assert.equal(runs, 4);
    assert.equal(r.failed, 4);
    const row = (await jobByKey(h.database.db, key))!;
    assert.equal(row.state, 'dead');
    assert.equal(row.attempts, 4);
    assert.equal(row.last_error, 'TypeError: cannot read the policy (4)');
    assert.ok(row.finished_at);
    assert.equal(await h.engine.nextDueAt().then((d) => d !== null && d.getTime() <= h.clock.now().getTime()), false, 'a dead job is not due');
  });

  test('a kind with no handler fails like a throwing handler and is dead-lettered', async () => {
    const p = await h.project();
    const key = unique('nohandler');
    // Object.prototype has "toString": it must not count as a handler.
    await enqueue(p, { kind: 'toString', key, runAt: h.clock.now(), maxAttempts: 2 });
    await h.advance(10 * SECOND);
    const row = (await jobByKey(h.database.db, key))!;
    assert.equal(row.state, 'dead');
    assert.equal(row.attempts, 2);
    assert.match(row.last_error!, /no handler for job kind "toString"/);
  });

  test('backoff doubles from 1 s and is capped at 5 minutes', () => {
    assert.deepEqual([1, 2, 3, 4, 5, 9, 10, 20, 1000].map(retryDelayMs), [1_000, 2_000, 4_000, 8_000, 16_000, 256_000, 300_000, 300_000, 300_000]);
  });

  test('the default ten attempts take 1 + 2 + … + 256 s before the job is dead', async () => {
    const p = await h.project();
    const kind = unique('t.ten');
    const key = unique('ten');
    const at: number[] = [];
    const start = h.clock.now().getTime();
    t.jobs[kind] = async (ctx) => {
      at.push((ctx.now.getTime() - start) / SECOND);
      throw new Error('no');
    };
    await enqueue(p, { kind, key, runAt: h.clock.now() });
    await h.advance(60 * 60 * SECOND);
    assert.deepEqual(at, [0, 1, 3, 7, 15, 31, 63, 127, 255, 511]);
    assert.equal((await jobByKey(h.database.db, key))?.state, 'dead');
  });
});

describe('idempotency keys and groups', () => {
  test('enqueueing a key again does nothing, even after the job ran', async () => {
    const p = await h.project();
    const kind = unique('t.idem');
    const key = unique('idem');
    let runs = 0;
    t.jobs[kind] = async () => {
      runs += 1;
    };
    assert.equal(await enqueue(p, { kind, key, runAt: inMs(SECOND), payload: { v: 1 } }), true);
    assert.equal(await enqueue(p, { kind, key, runAt: inMs(2 * SECOND), payload: { v: 2 } }), false);
    await h.advance(5 * SECOND);
    assert.equal(await enqueue(p, { kind, key, runAt: inMs(SECOND) }), false);
    await h.advance(5 * SECOND);
    assert.equal(runs, 1);
  });

  test('a step that runs twice schedules its follow-up once', async () => {
    const p = await h.project();
    const kind = unique('t.twice');
    const prefix = unique('twice');
    let follow = 0;
    t.jobs[`${kind}.follow`] = async () => {
      follow += 1;
    };
    t.jobs[kind] = async (ctx) => {
      const spec = { projectId: p.projectId, kind: `${kind}.follow`, key: `${prefix}:follow`, runAt: new Date(ctx.now.getTime() + SECOND) };
      assert.equal(await enqueueJob(ctx.tx, spec, ctx.now), ctx.job.key.endsWith(':a'));
    };
    await enqueue(p, { kind, key: `${prefix}:a`, runAt: h.clock.now() });
    await enqueue(p, { kind, key: `${prefix}:b`, runAt: h.clock.now() });
    const r = await h.advance(10 * SECOND);
    assert.deepEqual(r, { jobs: 3, events: 0, failed: 0 });
    assert.equal(follow, 1);
  });

  test('cancelJobGroup stops the pending jobs of a group and no others', async () => {
    const p = await h.project();
    const kind = unique('t.group');
    const group = `execution:${unique('exec')}`;
    const ran: string[] = [];
    t.jobs[kind] = async (ctx) => {
      ran.push(ctx.job.key);
    };
    const keys = { done: unique('done'), a: unique('a'), b: unique('b'), other: unique('other') };
    await enqueue(p, { kind, key: keys.done, runAt: h.clock.now(), group });
    await h.runEngine();
    await enqueue(p, { kind, key: keys.a, runAt: inMs(60 * SECOND), group });
    await enqueue(p, { kind, key: keys.b, runAt: inMs(120 * SECOND), group });
    await enqueue(p, { kind, key: keys.other, runAt: inMs(60 * SECOND), group: `${group}-other` });

    assert.equal(await cancelJobGroup(h.database.db, group, h.clock.now()), 2, 'the done job is left alone');
    await h.advance(10 * 60 * SECOND);
    assert.deepEqual(ran, [keys.done, keys.other]);
    assert.equal((await jobByKey(h.database.db, keys.a))?.state, 'cancelled');
    assert.equal((await jobByKey(h.database.db, keys.done))?.state, 'done');
  });

  test('a handler can cancel its own group: later steps of an acknowledged execution never run', async () => {
    const p = await h.project();
    const kind = unique('t.ack');
    const group = `execution:${unique('ack')}`;
    const ran: number[] = [];
    t.jobs[kind] = async (ctx) => {
      const step = ctx.job.payload.step as number;
      ran.push(step);
      if (step === 2) await cancelJobGroup(ctx.tx, group, ctx.now);
    };
    for (const step of [1, 2, 3, 4]) await enqueue(p, { kind, key: unique('step'), runAt: inMs(step * 60 * SECOND), group, payload: { step } });
    await h.advance(10 * 60 * SECOND);
    assert.deepEqual(ran, [1, 2]);
  });
});

describe('the harness clock', () => {
  test('advance(0) runs what is due now; advance never moves the clock past its target', async () => {
    const p = await h.project();
    const kind = unique('t.harness');
    let runs = 0;
    t.jobs[kind] = async () => {
      runs += 1;
    };
    const start = h.clock.now().getTime();
    await enqueue(p, { kind, key: unique('now'), runAt: h.clock.now() });
    await enqueue(p, { kind, key: unique('later'), runAt: inMs(90 * SECOND) });
    await h.advance(0);
    assert.equal(runs, 1);
    assert.equal(h.clock.now().getTime(), start);
    await h.advance(60 * SECOND);
    assert.equal(runs, 1);
    assert.equal(h.clock.now().getTime(), start + 60 * SECOND);
    await h.advance(30 * SECOND);
    assert.equal(runs, 2);
  });
});

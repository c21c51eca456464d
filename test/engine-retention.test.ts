// Finished jobs are pruned after the retention period, so the job table stays the size of
// its recent work; pending, dead and recent jobs stay. Time moves only on the fake clock.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import { cancelJobGroup, enqueueJob } from '../src/engine/job-queue.ts';
import { pruneFinishedJobs } from '../src/engine/prune-jobs.ts';
import { startHarness, type Harness } from './support/harness.ts';
import { testHandlers } from './support/engine.ts';

const DAY = 86_400_000;
const t = testHandlers();
let h: Harness;
before(async () => {
  h = await startHarness({ engineHandlers: t.handlers });
});
after(async () => {
  await h?.close();
});

async function states(keys: readonly string[]): Promise<Record<string, string>> {
  const r = await sql<{ idempotency_key: string; state: string }>`select idempotency_key, state from job
    where idempotency_key = any(${keys}::text[])`.execute(h.database.db);
  return Object.fromEntries(r.rows.map((row) => [row.idempotency_key, row.state]));
}

test('done and cancelled jobs older than the retention period are pruned; pending, dead and recent ones stay', async () => {
  const p = await h.project();
  const tag = Math.random().toString(36).slice(2, 8);
  const key = (name: string) => `retention-${tag}-${name}`;
  t.jobs[`retention.ok.${tag}`] = async () => {};
  t.jobs[`retention.fail.${tag}`] = async () => {
    throw new Error('provider down');
  };
  const at = (ms: number) => new Date(h.clock.now().getTime() + ms);
  const enqueue = (name: string, kind: string, runAt: Date, extra: { group?: string; maxAttempts?: number } = {}) =>
    enqueueJob(h.database.db, { projectId: p.projectId, kind, runAt, key: key(name), ...extra }, h.clock.now());
  await enqueue('old-done', `retention.ok.${tag}`, at(0));
  await enqueue('old-cancelled', `retention.ok.${tag}`, at(DAY), { group: `g-${tag}` });
  await enqueue('dead', `retention.fail.${tag}`, at(0), { maxAttempts: 1 });
  await enqueue('far-pending', `retention.ok.${tag}`, at(400 * DAY));
  await h.runEngine();
  await cancelJobGroup(h.database.db, `g-${tag}`, h.clock.now());
  await h.advance(20 * DAY);
  await enqueue('recent-done', `retention.ok.${tag}`, at(0));
  await h.runEngine();
  assert.deepEqual(await states([key('old-done'), key('old-cancelled'), key('dead'), key('far-pending'), key('recent-done')]), {
    [key('old-done')]: 'done',
    [key('old-cancelled')]: 'cancelled',
    [key('dead')]: 'dead',
    [key('far-pending')]: 'pending',
    [key('recent-done')]: 'done',
  });

  // 20 days on: nothing has finished 30 days ago yet.
  assert.equal(await pruneFinishedJobs(h.database.db, h.clock.now(), { retentionMs: 30 * DAY }), 0);
  h.clock.advance(11 * DAY);
  const pruned = await pruneFinishedJobs(h.database.db, h.clock.now(), { retentionMs: 30 * DAY, batchSize: 1 });
  assert.ok(pruned >= 2, `pruned ${pruned}`);
  assert.deepEqual(await states([key('old-done'), key('old-cancelled'), key('dead'), key('far-pending'), key('recent-done')]), {
    [key('dead')]: 'dead',
    [key('far-pending')]: 'pending',
    [key('recent-done')]: 'done',
  });
});

// Two `vigil serve` processes on one PostgreSQL schema share 1,000 escalations, raised over
// either one's API (incidents) and PagerDuty v2 endpoint (alerts), each run's three rules due
// one right after the other: every step runs exactly once, every run completes, and both
// processes take a share of the steps (the engine records the claiming worker in
// `job.locked_by`: host/pid/random). PostgreSQL only.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { sql } from 'kysely';
import { createProject } from '../src/access/projects.ts';
import { systemClock } from '../src/storage/clock.ts';
import type { Database } from '../src/storage/database.ts';
import { openTestDatabase } from './support/database.ts';
import { Api, checkEscalations, isSettled, postgresChildEnv, progress, sendConcurrently, setUpEscalationPolicy, waitFor } from './support/escalations.ts';
import { startVigilServer, type ServerProcess } from './support/process.ts';

const URL_ = process.env.TEST_DATABASE_URL;
const ESCALATIONS = 1_000;

let database: (Database & { schema?: string }) | undefined;
const servers: ServerProcess[] = [];
after(async () => {
  for (const s of servers) s.child.kill('SIGKILL');
  await database?.close();
});

describe('two vigil serve processes on one PostgreSQL', { skip: URL_ ? false : 'PostgreSQL only: set TEST_DATABASE_URL to run the two-process escalation test' }, () => {
  test(`${ESCALATIONS} escalations run every step exactly once between two processes`, { timeout: 300_000 }, async (t) => {
    database = await openTestDatabase();
    const db = database.db;
    const { projectId, apiKey } = await createProject(db, systemClock, { name: 'Two processes', ownerEmail: `two-${process.pid}@example.com` });
    const env = postgresChildEnv(URL_!, database.schema!);
    servers.push(...(await Promise.all([startVigilServer(env), startVigilServer(env)])));
    const [a, b] = servers.map((s) => new Api(s.url, apiKey)) as [Api, Api];
    const pids = servers.map((s) => s.child.pid!);
    const policy = await setUpEscalationPolicy(a, 0);

    // Half incidents over the resource API, half PagerDuty v2 triggers, alternating processes.
    const started = Date.now();
    let issued = 0;
    const sent = await sendConcurrently(16, () => (issued < ESCALATIONS ? issued++ : undefined), async (n) => {
      const api = n % 2 === 0 ? a : b;
      if (n % 4 < 2) return (await api.raiseIncident(`Two ${n}`)) === 200;
      return (await api.triggerPagerDuty(policy.routingKey, `two-${n}`)) === 202;
    }, () => false);
    assert.deepEqual(sent, { accepted: ESCALATIONS, refused: 0, cut: 0 });
    t.diagnostic(`${ESCALATIONS} raised in ${Date.now() - started} ms`);

    let last = '';
    await waitFor('every run finished', 240_000, async () => {
      const p = await progress(db, projectId);
      last = JSON.stringify(p);
      return isSettled(p);
    }, () => last);
    t.diagnostic(`settled ${Date.now() - started} ms after the first was raised`);
    for (const s of servers.splice(0)) assert.equal(await s.stop('SIGTERM'), 0, s.output().slice(-2000));

    const check = await checkEscalations(db, projectId, policy);
    t.diagnostic(JSON.stringify({ ...check, problems: check.problems.length }));
    assert.deepEqual(check.problems, []);
    assert.equal(check.incidents, ESCALATIONS / 2);
    assert.equal(check.alerts, ESCALATIONS / 2);
    assert.equal(check.executions, ESCALATIONS);

    // Who ran the steps: each process's worker id holds its pid.
    const byWorker = (await sql<{ locked_by: string; n: number }>`select locked_by, count(*)::int as n from job
      where project_id = ${projectId} and kind = 'on-call.execute-rule' group by locked_by order by locked_by`.execute(db)).rows;
    t.diagnostic(`steps per worker: ${JSON.stringify(byWorker)}`);
    assert.equal(byWorker.length, 2, 'two workers ran the steps');
    assert.equal(byWorker.reduce((sum, w) => sum + w.n, 0), check.stepJobs);
    for (const pid of pids) {
      const mine = byWorker.filter((w) => w.locked_by.split('/')[1] === String(pid));
      assert.equal(mine.length, 1, `process ${pid} is one of the workers`);
      assert.ok(mine[0]!.n > 0, `process ${pid} ran steps`);
    }
  });
});

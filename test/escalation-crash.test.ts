// A `vigil serve` child with escalations in flight is killed with SIGKILL at random moments,
// again and again, restarted each time, then left to finish. Every step of every run must have
// happened exactly once: no page lost, none sent twice, no run stuck. On PostgreSQL (the
// test's schema, through DATABASE_URL) when TEST_DATABASE_URL is set, else on the embedded
// database in a data directory of its own (checked once the last child has stopped: only one
// process may hold it).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { createProject } from '../src/access/projects.ts';
import { systemClock } from '../src/storage/clock.ts';
import { openDatabase, type Database } from '../src/storage/database.ts';
import { openTestDatabase } from './support/database.ts';
import {
  Api,
  checkEscalations,
  createProjectOverSocket,
  isSettled,
  postgresChildEnv,
  progress,
  sendConcurrently,
  setUpEscalationPolicy,
  waitFor,
  type Progress,
} from './support/escalations.ts';
import { startVigilServer, type ServerProcess } from './support/process.ts';

const URL_ = process.env.TEST_DATABASE_URL;
const INCIDENTS = 100;
const KILLS = 9;
/** The life killed once a third of the runs have completed (the others are killed 50–400 ms after they start). */
const MIDWAY = 5;
/** Incidents raised during each life that ends in a kill. */
const PER_LIFE = 3;
/** The policy repeats twice when nobody acknowledges: three passes over its rules. */
const REPEATS = 2;
const SEED = Number(process.env.CRASH_SEED ?? Date.now() % 2 ** 31);

/** A small seeded generator (Park–Miller), so that a failing run's kill times can be replayed with CRASH_SEED. */
function random(seed: number): () => number {
  let s = seed % 2147483647 || 1;
  return () => {
    s = (s * 48271) % 2147483647;
    return s / 2147483647;
  };
}

let shared: (Database & { schema?: string }) | undefined;
let dataDir: string | undefined;
let server: ServerProcess | undefined;
after(async () => {
  server?.child.kill('SIGKILL');
  await shared?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

test(`a server killed ${KILLS} times with escalations in flight runs every step exactly once`, { timeout: 180_000 }, async (t) => {
  const next = random(SEED);
  t.diagnostic(`CRASH_SEED=${SEED} (${URL_ ? 'PostgreSQL' : 'PGlite'})`);

  // The database the children share, and the project.
  let env: Record<string, string>;
  let apiKey: string | undefined;
  let projectId: string | undefined;
  if (URL_) {
    shared = await openTestDatabase();
    env = postgresChildEnv(URL_, shared.schema!);
    ({ apiKey, projectId } = await createProject(shared.db, systemClock, { name: 'Crash', ownerEmail: `crash-${process.pid}@example.com` }));
  } else {
    dataDir = mkdtempSync(path.join(tmpdir(), 'vigil-crash-'));
    env = { VIGIL_DATA_DIR: dataDir, DATABASE_URL: '', RATE_LIMIT_ENABLED: 'false' };
  }

  server = await startVigilServer(env);
  if (!apiKey) ({ apiKey, projectId } = await createProjectOverSocket(path.join(dataDir!, 'admin.sock'), 'Crash'));
  const policy = await setUpEscalationPolicy(new Api(server.url, apiKey), REPEATS);

  // The incidents are raised first, and the kills start once each has its run, so that they
  // find runs at every stage rather than only starts: the lives before MIDWAY cut into the
  // first rules, the life MIDWAY is killed once a third of the runs have completed, and the lives
  // after it cut into later passes and ends. A few more incidents are raised during each short
  // life, one at a time, some cut off by the kill: one cut off may or may not have been
  // committed (the database says); one answered 200 must be there.
  const started = Date.now();
  const accepted = new Set<string>();
  let issued = 0;
  const raise = (api: Api) => async (n: number) => {
    const ok = (await api.raiseIncident(`Crash ${n}`)) === 200;
    if (ok) accepted.add(`Crash ${n}`);
    return ok;
  };
  const first = new Api(server.url, apiKey);
  await sendConcurrently(8, () => (accepted.size >= INCIDENTS ? undefined : issued++), raise(first), () => false);
  await waitFor('a run for every incident', 120_000, async () =>
    (await first.count('on-call-duty-policy-execution-log')) >= (await first.count('incident')));
  t.diagnostic(`${accepted.size} incidents raised and started in ${Date.now() - started} ms`);

  const atKills: (Progress | null)[] = [];
  for (let kill = 1; kill <= KILLS; kill++) {
    const running: ServerProcess = server;
    let killed = false;
    const delay = 50 + Math.floor(next() * 350);
    const life = Date.now();
    const exited = (async () => {
      if (kill === MIDWAY) {
        const api = new Api(running.url, apiKey);
        await waitFor('a third of the runs completed', 120_000, async () =>
          (await api.count('on-call-duty-policy-execution-log', { status: 'Execution Completed' })) * 3 >= accepted.size);
      } else {
        await sleep(delay);
      }
      killed = true;
      return running.stop('SIGKILL');
    })();
    let inLife = 0;
    const sent = await sendConcurrently(1, () => (inLife++ < PER_LIFE ? issued++ : undefined), async (n) => {
      await sleep(Math.floor(next() * 100));
      return raise(new Api(running.url, apiKey))(n);
    }, () => killed);
    const code = await exited;
    assert.equal(code, null, `child ${kill} was killed, not exited: ${running.output().slice(-2000)}`);
    assert.equal(running.child.signalCode, 'SIGKILL');
    atKills.push(shared ? await progress(shared.db, projectId!) : null);
    t.diagnostic(`kill ${kill} at ${Date.now() - started} ms, ${Date.now() - life} ms after start: ${sent.accepted} raised, ${sent.cut} cut off` +
      `${atKills.at(-1) ? `; then ${JSON.stringify(atKills.at(-1))}` : ''}`);
    server = await startVigilServer(env);
  }

  // The last child runs undisturbed until everything has finished.
  const api = new Api(server.url, apiKey);
  let last = '';
  if (shared) {
    const db = shared.db;
    await waitFor('every run finished', 120_000, async () => {
      const p = await progress(db, projectId!);
      last = JSON.stringify(p);
      return isSettled(p);
    }, () => last);
    // Until MIDWAY the backlog is certain; later lives may find it drained (diagnostics only).
    const idle = atKills.slice(0, MIDWAY).filter((p) => p && p.pendingJobs === 0 && p.unconsumedEvents === 0);
    assert.deepEqual(idle, [], 'the kills up to MIDWAY found work in flight');
  } else {
    // The data directory is the child's until it stops: watch over the API meanwhile.
    await waitFor('every run finished', 120_000, async () => {
      const [incidents, completed] = await Promise.all([
        api.count('incident'),
        api.count('on-call-duty-policy-execution-log', { status: 'Execution Completed' }),
      ]);
      last = `incidents ${incidents}, completed runs ${completed}`;
      return incidents >= accepted.size && completed === incidents;
    }, () => last);
    // The last runs' requests were written as they completed; the sender (woken by their insert) expands them within moments.
    await sleep(2_000);
  }
  t.diagnostic(`settled at ${Date.now() - started} ms`);
  assert.equal(await server.stop('SIGTERM'), 0, server.output().slice(-2000));
  server = undefined;

  let database: Database;
  if (shared) database = shared;
  else database = await openDatabase({ kind: 'pglite', dataDir: path.join(dataDir!, 'pgdata') });
  try {
    const check = await checkEscalations(database.db, projectId!, policy);
    t.diagnostic(JSON.stringify({ ...check, problems: check.problems.length }));
    assert.deepEqual(check.problems, []);
    assert.equal(check.alerts, 0);
    assert.ok(check.incidents >= INCIDENTS, `${check.incidents} incidents`);
    assert.equal(check.executions, check.incidents, 'one run per incident');
    const titles = new Set((await sql<{ title: string }>`select title from incident where project_id = ${projectId!}`.execute(database.db)).rows.map((r) => r.title));
    assert.deepEqual([...accepted].filter((title) => !titles.has(title)), [], 'every incident answered 200 is stored');
  } finally {
    if (database !== shared) await database.close();
  }
});

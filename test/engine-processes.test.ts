// Two worker processes, each with its own engine, on one PostgreSQL database: 1,000 jobs
// due at once run exactly once between them, and when one process is killed mid-run the
// other finishes its work, the killed one's uncommitted claim rolled back. PostgreSQL only.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import type { CreatedProject } from '../src/access/projects.ts';
import type { Database } from '../src/storage/database.ts';
import { countOutbox } from './support/engine.ts';
import { startHarness, type Harness } from './support/harness.ts';

const URL_ = process.env.TEST_DATABASE_URL;
const WORKER = fileURLToPath(new URL('./support/engine-worker.ts', import.meta.url));
const JOBS = 1_000;

let h: Harness;
let p: CreatedProject;
before(async () => {
  if (!URL_) return;
  h = await startHarness();
  p = await h.project();
  await sql`create table engine_run (job_key text not null, worker text not null, attempts integer not null, at timestamptz not null default clock_timestamp())`.execute(h.database.db);
});
after(async () => {
  await h?.close();
});

interface Worker {
  readonly id: string;
  readonly child: ChildProcess;
  /** Resolves with the RESULT line after SIGTERM, or null when the process died without one. */
  readonly result: Promise<{ invoked: number } | null>;
}

function startWorker(id: string, kind: string, sleepMs: number): Promise<Worker> {
  const schema = (h.database as Database & { schema?: string }).schema!;
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER], {
    env: { ...process.env, WORKER_DATABASE_URL: URL_!, WORKER_SCHEMA: schema, WORKER_ID: id, WORKER_KIND: kind, WORKER_SLEEP_MS: String(sleepMs) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const result = new Promise<{ invoked: number } | null>((resolve) => {
    child.on('close', () => {
      const line = out.split('\n').find((l) => l.startsWith('RESULT '));
      resolve(line ? JSON.parse(line.slice('RESULT '.length)) : null);
    });
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker ${id} did not start: ${err}`)), 30_000);
    child.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('READY\n')) {
        clearTimeout(timer);
        resolve({ id, child, result });
      }
    });
    child.on('exit', (code) => reject(new Error(`worker ${id} exited with ${code}: ${err}`)));
  });
}

async function insertJobs(kind: string): Promise<void> {
  const payload = JSON.stringify({ projectId: p.projectId, userId: p.userId });
  await sql`insert into job (id, project_id, kind, run_at, payload, idempotency_key, created_at, updated_at)
    select gen_random_uuid(), ${p.projectId}, ${kind}, now(), ${payload}::jsonb, ${kind} || ':' || n, now(), now()
    from generate_series(1, ${JOBS}) n`.execute(h.database.db);
}

async function jobsLeft(kind: string): Promise<number> {
  const r = await sql<{ n: number }>`select count(*)::int as n from job where kind = ${kind} and state <> 'done'`.execute(h.database.db);
  return r.rows[0]!.n;
}

async function waitUntil(what: string, ms: number, ok: () => Promise<boolean>): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
    await sleep(50);
  }
}

async function runsOf(kind: string) {
  const r = await sql<{ job_key: string; worker: string; attempts: number }>`select job_key, worker, attempts from engine_run where job_key like ${`${kind}:%`}`.execute(h.database.db);
  return r.rows;
}

describe('engines in two processes on one PostgreSQL', { skip: URL_ ? false : 'PostgreSQL only: set TEST_DATABASE_URL to run the two-process engine tests' }, () => {
  test('1,000 jobs due at once run exactly once between two worker processes', async () => {
    const kind = `t.two-processes-${Date.now()}`;
    const workers = await Promise.all([startWorker('worker-a', kind, 2), startWorker('worker-b', kind, 2)]);
    try {
      await insertJobs(kind); // both sleeping workers are woken by the NOTIFY of this insert
      await waitUntil('all jobs done', 60_000, async () => (await jobsLeft(kind)) === 0);
    } finally {
      for (const w of workers) w.child.kill('SIGTERM');
    }
    const results = await Promise.all(workers.map((w) => w.result));
    const runs = await runsOf(kind);
    assert.equal(runs.length, JOBS, 'one committed run per job');
    assert.equal(new Set(runs.map((r) => r.job_key)).size, JOBS, 'no job ran twice');
    assert.ok(runs.every((r) => r.attempts === 0), 'each on its first attempt');
    assert.equal(await countOutbox(h.database.db, `${kind}:`), JOBS);
    const invoked = results.map((r) => r?.invoked ?? Number.NaN);
    assert.equal(invoked[0]! + invoked[1]!, JOBS, `no handler was called twice (calls per worker: ${invoked})`);
    for (const w of workers) {
      const n = runs.filter((r) => r.worker === w.id).length;
      assert.ok(n > 0, `${w.id} took a share (${n})`);
      assert.equal(n, invoked[workers.indexOf(w)], `${w.id} committed every job it ran`);
    }
  });

  test('a worker killed mid-run loses nothing: the other finishes, every job committed once', async () => {
    const kind = `t.killed-${Date.now()}`;
    const [a, b] = await Promise.all([startWorker('killed-a', kind, 5), startWorker('killed-b', kind, 5)]);
    try {
      await insertJobs(kind);
      await waitUntil('a third of the jobs done', 60_000, async () => (await jobsLeft(kind)) <= (JOBS * 2) / 3);
      a!.child.kill('SIGKILL'); // mid-transaction, most likely
      await waitUntil('the other worker finishing every job', 60_000, async () => (await jobsLeft(kind)) === 0);
    } finally {
      a!.child.kill('SIGKILL');
      b!.child.kill('SIGTERM');
    }
    assert.equal(await a!.result, null, 'the killed worker never reported');
    await b!.result;
    const runs = await runsOf(kind);
    assert.equal(runs.length, JOBS);
    assert.equal(new Set(runs.map((r) => r.job_key)).size, JOBS);
    assert.equal(await countOutbox(h.database.db, `${kind}:`), JOBS);
    assert.ok(runs.some((r) => r.worker === 'killed-a') && runs.some((r) => r.worker === 'killed-b'));
  });
});

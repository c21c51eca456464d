/**
 * Benchmark of the job engine's timers on embedded PGlite and on PostgreSQL: how late a
 * job starts after its `run_at` (real clock), and what one tick costs with many jobs
 * pending far in the future.
 *
 *   npm run bench:timers
 *
 * Two roles, as bench/api.ts (bench/support/engines.ts): the orchestrator, and one
 * engine's run with `--engine <pglite|postgres>`. Each engine's run:
 * 1. tick cost: `runDue()` (nothing due) and `nextDueAt()` timed BENCH_TICKS times each,
 *    with no job pending, then again with BENCH_FAR_JOBS (100,000) jobs pending a year
 *    ahead (they stay pending through the cases below);
 * 2. `scheduled`: BENCH_JOBS (10,000) jobs due over BENCH_SPREAD_SECONDS (60), written in
 *    one statement before the first is due, in an order unrelated to their due times; the
 *    engine is started (system clock, LISTEN, 5 s fallback poll) and a no-op handler
 *    records lateness = its start − `run_at`;
 * 3. `notify`: the engine asleep, BENCH_NOTIFY_JOBS (300) jobs each due at once, added
 *    one by one 5–25 ms apart from another connection (on PGlite: the one connection):
 *    lateness is the NOTIFY wake-up path;
 * 4. `burst`: BENCH_BURST_JOBS (10,000) jobs due at the same instant: the drain rate.
 *
 * Goal (issue 5): p99 lateness ≤ 100 ms on PostgreSQL for `scheduled`.
 * Settings (environment): BENCH_ENGINES (pglite,postgres), BENCH_DATABASE_URL
 * (postgres://postgres@127.0.0.1:5432/test; a fresh schema is created and dropped),
 * BENCH_JOBS, BENCH_SPREAD_SECONDS, BENCH_FAR_JOBS, BENCH_TICKS (300), BENCH_NOTIFY_JOBS,
 * BENCH_BURST_JOBS, BENCH_ENGINE_CONCURRENCY (the engine's claim workers; default as `vigil
 * serve`: 4 on PostgreSQL, 1 on PGlite), BENCH_ENGINE_TIMEOUT_SECONDS (400).
 */
import { withCleanups } from './support/cleanups.ts';
import { runEngineBench, type EngineName } from './support/engines.ts';
import { log } from './support/log.ts';
import { fmt, markdownTable, reportFooter, reportHeading } from './support/report.ts';
import { commonSettings, intSetting } from './support/settings.ts';
import { peakRssMiB } from './support/usage.ts';

const SETTINGS = {
  ...commonSettings({ connections: 1, maxRequests: 1, engineTimeoutSeconds: 400 }),
  jobs: intSetting('BENCH_JOBS', 10_000),
  spreadSeconds: intSetting('BENCH_SPREAD_SECONDS', 60),
  farJobs: intSetting('BENCH_FAR_JOBS', 100_000),
  ticks: intSetting('BENCH_TICKS', 300),
  notifyJobs: intSetting('BENCH_NOTIFY_JOBS', 300),
  burstJobs: intSetting('BENCH_BURST_JOBS', 10_000),
  /** 0: as `vigil serve` chooses (`engineConcurrency`). */
  concurrency: intSetting('BENCH_ENGINE_CONCURRENCY', 0),
};

/** Time between writing the scheduled jobs and the first of them falling due. */
const LEAD_MS = 5_000;

interface Lateness {
  readonly name: 'scheduled' | 'notify' | 'burst';
  readonly jobs: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  /** Jobs run per second from the first start to the last (burst only). */
  readonly perSecond?: number;
}

interface TickCost {
  readonly pending: number;
  readonly runDueP50: number;
  readonly runDueP99: number;
  readonly nextDueP50: number;
  readonly nextDueP99: number;
}

interface EngineResult {
  readonly engine: EngineName;
  readonly ticks: TickCost[];
  readonly lateness: Lateness[];
  readonly peakRssMiB: number;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

// ---------------------------------------------------------------------------
// One engine (child process)
// ---------------------------------------------------------------------------

async function runEngine(engine: EngineName): Promise<EngineResult> {
  // Imported here so that the orchestrator stays light.
  const { sql } = await import('kysely');
  const { performance } = await import('node:perf_hooks');
  const { setTimeout: sleep } = await import('node:timers/promises');
  const { createProject } = await import('../src/access/projects.ts');
  const { createEngine } = await import('../src/engine/create-engine.ts');
  const { engineConcurrency, loadConfig } = await import('../src/app/config.ts');
  const { systemClock } = await import('../src/storage/clock.ts');
  const { openDatabase } = await import('../src/storage/database.ts');
  const { listenPostgres } = await import('../src/storage/listen.ts');
  const { migrate } = await import('../src/storage/migrate.ts');
  const { openBenchDatabase } = await import('./support/bench-database.ts');
  type Db = import('../src/storage/database.ts').Db;
  type Listen = import('../src/storage/database.ts').Listen;

  return withCleanups(async (cleanups) => {
    // PostgreSQL: the bench's schema, LISTEN on a connection of its own, and a second pool
    // to add work from. PGlite: its own instance, whose notifications the engine listens to.
    let db: Db;
    let projectId: string;
    let listen: Listen;
    let other: Db;
    if (engine === 'postgres') {
      const opened = await openBenchDatabase(engine, { url: SETTINGS.url, poolSize: 4, cleanups });
      db = opened.db;
      projectId = opened.project.projectId;
      listen = listenPostgres(SETTINGS.url);
      const schema = (await sql<{ s: string }>`select current_schema() as s`.execute(db)).rows[0]!.s;
      const second = await openDatabase({ kind: 'postgres', url: SETTINGS.url, schema, poolSize: 1 });
      cleanups.add(() => second.close());
      other = second.db;
    } else {
      const database = await openDatabase({ kind: 'pglite' });
      cleanups.add(() => database.close());
      await migrate(database.db);
      db = database.db;
      other = db;
      projectId = (await createProject(db, systemClock, { name: 'Bench', ownerEmail: 'bench-owner@example.com' })).projectId;
      listen = database.listen!;
    }

    const timed = async (fn: () => Promise<unknown>): Promise<number[]> => {
      const out: number[] = [];
      for (let i = 0; i < SETTINGS.ticks; i++) {
        const t0 = performance.now();
        await fn();
        out.push(performance.now() - t0);
      }
      return out.sort((a, b) => a - b);
    };

    // Lateness recorded by the no-op handler, per case kind.
    const records = new Map<string, { late: number[]; first: number; last: number; want: number; done: () => void }>();
    const handler = async (ctx: { job: { kind: string; runAt: Date } }) => {
      const now = Date.now();
      const r = records.get(ctx.job.kind);
      if (!r) return;
      r.late.push(now - ctx.job.runAt.getTime());
      if (r.late.length === 1) r.first = now;
      r.last = now;
      if (r.late.length === r.want) r.done();
    };
    const expect = (kind: string, want: number): Promise<void> =>
      new Promise((resolve) => records.set(kind, { late: [], first: 0, last: 0, want, done: resolve }));
    const latenessOf = (name: Lateness['name'], kind: string): Lateness => {
      const r = records.get(kind)!;
      const late = [...r.late].sort((a, b) => a - b);
      return {
        name,
        jobs: late.length,
        p50: percentile(late, 50),
        p99: percentile(late, 99),
        max: late[late.length - 1] ?? Number.NaN,
        ...(name === 'burst' ? { perSecond: (late.length * 1000) / Math.max(1, r.last - r.first) } : {}),
      };
    };

    const kinds = ['bench.far', 'bench.scheduled', 'bench.notify', 'bench.burst'] as const;
    const handlers = { jobs: Object.fromEntries(kinds.map((k) => [k, handler])), events: [] };
    const concurrency = SETTINGS.concurrency > 0 ? SETTINGS.concurrency : engineConcurrency(loadConfig({}), engine);
    const eng = createEngine({ db, clock: systemClock, handlers, listen, maxSleepMs: 5_000, concurrency });
    cleanups.add(() => eng.stop());

    // 1. Tick cost, then 100,000 jobs a year ahead.
    const ticks: TickCost[] = [];
    const measureTicks = async (pending: number) => {
      await eng.runDue();
      const runDue = await timed(() => eng.runDue());
      const nextDue = await timed(() => eng.nextDueAt());
      const t = { pending, runDueP50: percentile(runDue, 50), runDueP99: percentile(runDue, 99), nextDueP50: percentile(nextDue, 50), nextDueP99: percentile(nextDue, 99) };
      log(`${engine} tick with ${pending} pending: runDue p50 ${fmt(t.runDueP50, 2)} ms p99 ${fmt(t.runDueP99, 2)} ms; nextDueAt p50 ${fmt(t.nextDueP50, 2)} ms p99 ${fmt(t.nextDueP99, 2)} ms`);
      ticks.push(t);
    };
    await measureTicks(0);
    const far = new Date(Date.now() + 365 * 86_400_000);
    await sql`insert into job (id, project_id, kind, run_at, idempotency_key, created_at, updated_at)
      select gen_random_uuid(), ${projectId}, 'bench.far', ${far}::timestamptz + n * interval '1 second', 'far:' || n, now(), now()
      from generate_series(1, ${SETTINGS.farJobs}) n`.execute(db);
    await sql`vacuum analyze job`.execute(db);
    await measureTicks(SETTINGS.farJobs);

    // 2. Scheduled: jobs due over the spread, written before the first falls due.
    const first = Date.now() + LEAD_MS;
    const spreadMs = SETTINGS.spreadSeconds * 1000;
    const scheduled = expect('bench.scheduled', SETTINGS.jobs);
    await sql`insert into job (id, project_id, kind, run_at, idempotency_key, created_at, updated_at)
      select gen_random_uuid(), ${projectId}, 'bench.scheduled',
        -- whole milliseconds, as the clock reads them
        date_trunc('milliseconds', ${new Date(first)}::timestamptz
          + ((n * 7919) % ${SETTINGS.jobs}) * (${spreadMs}::float8 / ${SETTINGS.jobs}) * interval '1 millisecond'),
        'scheduled:' || n, now(), now()
      from generate_series(1, ${SETTINGS.jobs}) n`.execute(db);
    if (Date.now() >= first) throw new Error('writing the scheduled jobs took longer than the lead time');
    log(`${engine} scheduled: ${SETTINGS.jobs} jobs due over ${SETTINGS.spreadSeconds} s from ${new Date(first).toISOString()}`);
    await eng.start();
    await scheduled;
    const lateness = [latenessOf('scheduled', 'bench.scheduled')];

    // 3. Notify: each job due at once, added from another connection while the engine sleeps.
    const notified = expect('bench.notify', SETTINGS.notifyJobs);
    await sleep(200);
    for (let i = 0; i < SETTINGS.notifyJobs; i++) {
      await sql`insert into job (id, project_id, kind, run_at, idempotency_key, created_at, updated_at)
        values (gen_random_uuid(), ${projectId}, 'bench.notify', ${new Date()}, ${`notify:${i}`}, now(), now())`.execute(other);
      await sleep(5 + ((i * 37) % 21));
    }
    await notified;
    lateness.push(latenessOf('notify', 'bench.notify'));

    // 4. Burst: all due at the same instant.
    const burst = expect('bench.burst', SETTINGS.burstJobs);
    const burstAt = new Date(Date.now() + 1_000);
    await sql`insert into job (id, project_id, kind, run_at, idempotency_key, created_at, updated_at)
      select gen_random_uuid(), ${projectId}, 'bench.burst', date_trunc('milliseconds', ${burstAt}::timestamptz), 'burst:' || n, now(), now()
      from generate_series(1, ${SETTINGS.burstJobs}) n`.execute(db);
    await burst;
    await eng.stop();
    lateness.push(latenessOf('burst', 'bench.burst'));

    for (const l of lateness) {
      log(`${engine} ${l.name}: ${l.jobs} jobs, lateness p50 ${fmt(l.p50)} ms, p99 ${fmt(l.p99)} ms, max ${fmt(l.max)} ms${l.perSecond ? `, ${fmt(l.perSecond, 0)} jobs/s` : ''}`);
    }
    return { engine, ticks, lateness, peakRssMiB: peakRssMiB() };
  });
}

// ---------------------------------------------------------------------------
// Report (orchestrator)
// ---------------------------------------------------------------------------

const CASES = [
  { name: 'scheduled', what: `${SETTINGS.jobs} jobs due over ${SETTINGS.spreadSeconds} s, written ${LEAD_MS / 1000} s ahead; the engine sleeps until each next due time` },
  { name: 'notify', what: `${SETTINGS.notifyJobs} jobs each due at once, added 5–25 ms apart from another connection while the engine sleeps: the NOTIFY wake-up` },
  { name: 'burst', what: `${SETTINGS.burstJobs} jobs due at the same instant: lateness grows with the queue; jobs/s is the drain rate` },
];

function printReport(results: EngineResult[], failed: string[]): void {
  const lines = reportHeading(`Job engine timers: lateness = handler start − run_at (real clock), no-op handler, ${SETTINGS.farJobs} jobs pending a year ahead throughout`);
  lines.push(...markdownTable(
    ['engine', 'case', 'jobs', 'p50 ms', 'p99 ms', 'max ms', 'jobs/s'],
    2,
    results.flatMap((r) => r.lateness.map((l) => [r.engine, l.name, l.jobs, fmt(l.p50), fmt(l.p99), fmt(l.max), l.perSecond ? fmt(l.perSecond, 0) : ''])),
  ));
  lines.push('');
  lines.push(...markdownTable(
    ['engine', 'pending far ahead', 'runDue p50 ms', 'runDue p99 ms', 'nextDueAt p50 ms', 'nextDueAt p99 ms'],
    2,
    results.flatMap((r) => r.ticks.map((t) => [r.engine, t.pending, fmt(t.runDueP50, 2), fmt(t.runDueP99, 2), fmt(t.nextDueP50, 2), fmt(t.nextDueP99, 2)])),
  ));
  lines.push('');
  lines.push(...markdownTable(['engine', 'peak RSS'], 1, results.map((r) => [r.engine, `${fmt(r.peakRssMiB, 0)} MiB`])));
  lines.push(...reportFooter(CASES, [`tick: runDue() with nothing due and nextDueAt(), each timed ${SETTINGS.ticks} times`], failed));
  console.log(lines.join('\n'));
}

await runEngineBench({ script: import.meta.url, engines: SETTINGS.engines, engineTimeoutSeconds: SETTINGS.engineTimeoutSeconds, runEngine, printReport });

/**
 * HTTP benchmark of the resource API's list route, `POST /api/team/get-list`, on a
 * project with BENCH_ROWS (default 100,000) teams, on embedded PGlite and on PostgreSQL.
 *
 *   npm run bench:api
 *
 * Two roles (bench/support/engines.ts):
 * - run directly, it is the orchestrator: it runs each engine in a child process (so
 *   each engine's peak RSS is its own), then prints the results table;
 * - with `--engine <pglite|postgres>` it is one engine's run: migrate, seed with
 *   set-based SQL, EXPLAIN the list's queries, build the app, listen on 127.0.0.1:0,
 *   load it, print one JSON result line on stdout (progress goes to stderr).
 * The load generator is bench/load-worker.mjs, on a worker thread of the engine's
 * process (so it does not share the server's event loop): keep-alive HTTP over
 * loopback with a fixed number of connections, bounded in requests and in time.
 *
 * Settings (environment): BENCH_ENGINES (pglite,postgres), BENCH_DATABASE_URL
 * (postgres://postgres@127.0.0.1:5432/test), BENCH_ROWS (100000), BENCH_CONNECTIONS (8),
 * BENCH_SECONDS (10, per case), BENCH_MAX_REQUESTS (20000, per case),
 * BENCH_WARMUP_SECONDS (2), BENCH_EXPLAIN (1; 0 skips the EXPLAIN plans),
 * BENCH_ENGINE_TIMEOUT_SECONDS (240), BENCH_SETUP_SQL (none; SQL run after seeding,
 * e.g. a candidate index to measure without touching the migrations).
 */
import { unavailableSecretBox } from '../src/notifications/secrets.ts';
import type { CompiledQuery as CompiledQueryType } from 'kysely';
import { withCleanups } from './support/cleanups.ts';
import { runEngineBench, type EngineName } from './support/engines.ts';
import { loadOnWorker, type LoadResult } from './support/load.ts';
import { log } from './support/log.ts';
import { fmt, markdownTable, reportFooter, reportHeading } from './support/report.ts';
import { commonSettings, intSetting } from './support/settings.ts';
import { peakRssMiB } from './support/usage.ts';

// ---------------------------------------------------------------------------
// Settings and the cases
// ---------------------------------------------------------------------------

const SETTINGS = {
  ...commonSettings({ connections: 8, maxRequests: 20_000, engineTimeoutSeconds: 240 }),
  rows: intSetting('BENCH_ROWS', 100_000),
  explain: process.env.BENCH_EXPLAIN !== '0',
  setupSql: process.env.BENCH_SETUP_SQL ?? '',
};

/** Seeded rows' created_at: BASE_TIME + k * STEP_MS, k a permutation of 0..rows-1. */
const BASE_TIME = Date.parse('2025-11-23T00:00:00.000Z');
const STEP_MS = 5 * 60_000;

interface BenchCase {
  readonly name: string;
  readonly what: string;
  readonly body: unknown;
}

function benchCases(rows: number): BenchCase[] {
  // The newest 10% of the rows are created after this instant.
  const cutoff = new Date(BASE_TIME + Math.floor(rows * 0.9) * STEP_MS - 1).toISOString();
  return [
    {
      name: 'all',
      what: 'no filter, default sort (createdAt desc), default limit 10: the count covers every row',
      body: { select: { name: true, createdAt: true } },
    },
    {
      name: 'search',
      what: 'name Search "team-12" (ILIKE %team-12%), sort createdAt desc, default limit 10',
      body: {
        query: { name: { _type: 'Search', value: 'team-12' } },
        sort: { createdAt: -1 },
        select: { name: true, createdAt: true },
      },
    },
    {
      name: 'range',
      what: 'createdAt GreaterThan (newest 10%), sort createdAt desc, limit 100',
      body: {
        query: { createdAt: { _type: 'GreaterThan', value: cutoff } },
        sort: { createdAt: -1 },
        select: { name: true, createdAt: true },
        limit: 100,
      },
    },
  ];
}

// ---------------------------------------------------------------------------
// Results exchanged between the roles
// ---------------------------------------------------------------------------

interface PlanSummary {
  readonly query: 'rows' | 'count';
  readonly scans: string[];
  readonly executionMs: number | null;
  readonly plan: string;
}

interface CaseResult {
  readonly name: string;
  readonly matching: number;
  readonly returned: number;
  readonly load: LoadResult;
  readonly plans: PlanSummary[];
}

interface EngineResult {
  readonly engine: EngineName;
  readonly rows: number;
  readonly seedSeconds: number;
  readonly peakRssMiB: number;
  readonly cases: CaseResult[];
}

// ---------------------------------------------------------------------------
// One engine (child process)
// ---------------------------------------------------------------------------

async function runEngine(engine: EngineName): Promise<EngineResult> {
  // Imported here so that the orchestrator stays light.
  const { CompiledQuery, DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler, sql } = await import('kysely');
  const { authenticateApiKey } = await import('../src/access/api-keys.ts');
  const { RESOURCES } = await import('../src/resources/definitions/index.ts');
  const { teamResource } = await import('../src/resources/definitions/team.ts');
  const { ResourceRegistry } = await import('../src/resources/registry.ts');
  const { ResourceService } = await import('../src/resources/service.ts');
  const { ResourceStore } = await import('../src/resources/store.ts');
  const { systemClock } = await import('../src/storage/clock.ts');
  const { listenBenchApp } = await import('./support/app-server.ts');
  const { openBenchDatabase } = await import('./support/bench-database.ts');

  return withCleanups(async (cleanups) => {
    // --- open and migrate; one project and its owner key
    const { db, project } = await openBenchDatabase(engine, { url: SETTINGS.url, poolSize: 10, cleanups });

    // --- seed: `rows` teams in one set-based insert
    const seedStart = performance.now();
    await sql`
      insert into team (id, project_id, name, description, label_ids, created_at, updated_at, created_by_user_id)
      select gen_random_uuid(),
             ${project.projectId}::uuid,
             'team-' || i,
             'Team ' || i || ' is on call for ' || (array['database', 'network', 'payments', 'frontend', 'mobile'])[1 + i % 5]
               || ' incidents. ' || repeat('Rotation notes and escalation hints. ', 1 + i % 6),
             '{}',
             ${new Date(BASE_TIME)}::timestamptz + ((i::bigint * 7919) % ${SETTINGS.rows}) * (${STEP_MS / 1000} * interval '1 second'),
             ${new Date(BASE_TIME)}::timestamptz + ((i::bigint * 7919) % ${SETTINGS.rows}) * (${STEP_MS / 1000} * interval '1 second'),
             ${project.userId}::uuid
      from generate_series(1, ${SETTINGS.rows}::int) as i`.execute(db);
    if (SETTINGS.setupSql) {
      log(`${engine}: BENCH_SETUP_SQL: ${SETTINGS.setupSql}`);
      await sql.raw(SETTINGS.setupSql).execute(db);
    }
    // Steady state, as autovacuum would leave it: statistics and the visibility map.
    await sql`vacuum analyze team`.execute(db);
    const seedSeconds = (performance.now() - seedStart) / 1000;
    log(`${engine}: seeded ${SETTINGS.rows} teams in ${seedSeconds.toFixed(1)} s (insert, setup SQL, vacuum analyze)`);

    const cases = benchCases(SETTINGS.rows);

    // --- EXPLAIN ANALYZE the exact SQL the service runs for each case. The service is
    // run once against a kysely with a dummy driver that only records compiled queries.
    const plans = new Map<string, PlanSummary[]>();
    if (SETTINGS.explain) {
      const actor = await authenticateApiKey(db, project.apiKey, systemClock.now());
      if (!actor) throw new Error('the bench key does not authenticate');
      for (const c of cases) {
        const captured: CompiledQueryType[] = [];
        const recorder = new Kysely({
          dialect: {
            createAdapter: () => new PostgresAdapter(),
            createDriver: () => new DummyDriver(),
            createIntrospector: (k) => new PostgresIntrospector(k),
            createQueryCompiler: () => new PostgresQueryCompiler(),
          },
          log: (e) => {
            if (e.level === 'query') captured.push(e.query);
          },
        });
        const service = new ResourceService(recorder, new ResourceStore(new ResourceRegistry(RESOURCES)), systemClock, unavailableSecretBox());
        await service.list(actor, teamResource, c.body as Record<string, unknown>);
        const summaries: PlanSummary[] = [];
        for (const q of captured) {
          const res = await db.executeQuery<Record<string, string>>(
            CompiledQuery.raw(`explain (analyze, buffers) ${q.sql}`, [...q.parameters]),
          );
          const plan = res.rows.map((r) => Object.values(r)[0]).join('\n');
          const scans = [...plan.matchAll(/((?:Parallel )?(?:Seq Scan|Index Only Scan|Index Scan|Bitmap Heap Scan|Bitmap Index Scan)(?: Backward)?(?: using \S+)? on \S+|(?:Parallel )?Bitmap Index Scan on \S+)/g)].map((m) => m[1]!);
          const exec = /Execution Time: ([\d.]+) ms/.exec(plan);
          const kind = /count\(\*\)/.test(q.sql) ? 'count' : 'rows';
          summaries.push({ query: kind, scans: [...new Set(scans)], executionMs: exec ? Number(exec[1]) : null, plan });
          log(`${engine} ${c.name} ${kind} query:\n  ${q.sql}\n  params ${JSON.stringify(q.parameters)}\n${indent(plan, '    ')}`);
        }
        plans.set(c.name, summaries);
      }
    }

    // --- the app, over real HTTP on loopback
    const port = await listenBenchApp(engine, db, cleanups);
    const headers = { 'content-type': 'application/json', apikey: project.apiKey };
    const path = '/api/team/get-list';
    const results: CaseResult[] = [];
    for (const c of cases) {
      const body = JSON.stringify(c.body);
      // One checked request: the route answers 200 with what the case expects.
      const check = await fetch(`http://127.0.0.1:${port}${path}`, { method: 'POST', headers, body });
      const answer = (await check.json()) as { count?: number; data?: unknown[] };
      if (check.status !== 200 || !Array.isArray(answer.data)) {
        throw new Error(`${c.name}: expected 200 with data, got ${check.status} ${JSON.stringify(answer).slice(0, 300)}`);
      }
      log(`${engine} ${c.name}: ${answer.count} matching, ${answer.data.length} returned; warming up`);
      const job = { port, path, headers, body, connections: SETTINGS.connections, maxRequests: SETTINGS.maxRequests };
      await loadOnWorker({ ...job, maxSeconds: SETTINGS.warmupSeconds });
      const load = await loadOnWorker({ ...job, maxSeconds: SETTINGS.seconds });
      log(`${engine} ${c.name}: ${load.requests} requests in ${load.seconds.toFixed(1)} s, ${load.reqPerSec.toFixed(0)} req/s, ` +
        `p50 ${load.p50.toFixed(1)} ms, p99 ${load.p99.toFixed(1)} ms, errors ${load.errors}`);
      results.push({ name: c.name, matching: answer.count ?? -1, returned: answer.data.length, load, plans: plans.get(c.name) ?? [] });
    }

    return { engine, rows: SETTINGS.rows, seedSeconds, peakRssMiB: peakRssMiB(), cases: results };
  });
}

function indent(text: string, pad: string): string {
  return text.split('\n').map((l) => pad + l).join('\n');
}

// ---------------------------------------------------------------------------
// Report (orchestrator)
// ---------------------------------------------------------------------------

function printReport(results: EngineResult[], failed: string[]): void {
  const lines = reportHeading(`POST /api/team/get-list: ${SETTINGS.rows} teams in one project, ${SETTINGS.connections} keep-alive connections, ` +
    `${SETTINGS.warmupSeconds} s warm-up, then up to ${SETTINGS.seconds} s or ${SETTINGS.maxRequests} requests per case`);
  lines.push(...markdownTable(
    ['engine', 'case', 'requests', 'req/s', 'p50 ms', 'p99 ms', 'max ms', 'errors', 'matching'],
    2,
    results.flatMap((r) => r.cases.map((c) => {
      const l = c.load;
      return [r.engine, c.name, l.requests, fmt(l.reqPerSec, 0), fmt(l.p50), fmt(l.p99), fmt(l.max), l.errors, c.matching];
    })),
  ));
  lines.push('');
  lines.push(...markdownTable(
    ['engine', 'seed (insert, setup SQL, vacuum analyze)', 'peak RSS'],
    1,
    results.map((r) => [r.engine, `${fmt(r.seedSeconds)} s`, `${fmt(r.peakRssMiB, 0)} MiB`]),
  ));
  if (results.some((r) => r.cases.some((c) => c.plans.length > 0))) {
    lines.push('');
    lines.push(...markdownTable(
      ['engine', 'case', 'query', 'plan scans', 'execution ms (EXPLAIN ANALYZE)'],
      4,
      results.flatMap((r) => r.cases.flatMap((c) => c.plans.map((p) => [r.engine, c.name, p.query, p.scans.join('; '), fmt(p.executionMs ?? NaN, 2)]))),
    ));
  }
  lines.push(...reportFooter(benchCases(SETTINGS.rows), SETTINGS.setupSql ? [`BENCH_SETUP_SQL: ${SETTINGS.setupSql}`] : [], failed));
  console.log(lines.join('\n'));
}

await runEngineBench({ script: import.meta.url, engines: SETTINGS.engines, engineTimeoutSeconds: SETTINGS.engineTimeoutSeconds, runEngine, printReport });

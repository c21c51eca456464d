/**
 * HTTP benchmark of the resource API's list route, `POST /api/team/get-list`, on a
 * project with BENCH_ROWS (default 100,000) teams, on embedded PGlite and on PostgreSQL.
 *
 *   npm run bench:api
 *
 * Two roles:
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
 * BENCH_SETUP_SQL (none; SQL run after seeding, e.g. a candidate index to measure
 * without touching the migrations).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { CompiledQuery as CompiledQueryType } from 'kysely';

// ---------------------------------------------------------------------------
// Settings and the cases
// ---------------------------------------------------------------------------

type EngineName = 'pglite' | 'postgres';

const env = process.env;
const SETTINGS = {
  engines: (env.BENCH_ENGINES ?? 'pglite,postgres').split(',').map((s) => s.trim()).filter(Boolean) as EngineName[],
  url: env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  rows: intSetting('BENCH_ROWS', 100_000),
  connections: intSetting('BENCH_CONNECTIONS', 8),
  seconds: intSetting('BENCH_SECONDS', 10),
  maxRequests: intSetting('BENCH_MAX_REQUESTS', 20_000),
  warmupSeconds: intSetting('BENCH_WARMUP_SECONDS', 2),
  explain: env.BENCH_EXPLAIN !== '0',
  setupSql: env.BENCH_SETUP_SQL ?? '',
  /** A whole engine run (seed, explain, load) is stopped after this long. */
  engineTimeoutSeconds: intSetting('BENCH_ENGINE_TIMEOUT_SECONDS', 240),
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

function intSetting(name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`${name} must be a positive whole number, got ${raw}`);
  return n;
}

// ---------------------------------------------------------------------------
// Results exchanged between the roles
// ---------------------------------------------------------------------------

interface LoadJob {
  readonly port: number;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: string;
  readonly connections: number;
  readonly maxRequests: number;
  readonly maxSeconds: number;
}

interface LoadResult {
  readonly requests: number;
  readonly errors: number;
  readonly statuses: Record<string, number>;
  readonly seconds: number;
  readonly reqPerSec: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

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

const RESULT_PREFIX = 'BENCH_RESULT ';

// ---------------------------------------------------------------------------
// Load generator: bench/load-worker.mjs, on a worker thread
// ---------------------------------------------------------------------------

/** Runs one load job on a fresh worker thread. */
function loadOnWorker(job: LoadJob): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./load-worker.mjs', import.meta.url), { workerData: job });
    worker.once('message', (m: LoadResult) => {
      resolve(m);
      void worker.terminate();
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0 && code !== 1) reject(new Error(`load worker exited with ${code}`));
    });
  });
}

// ---------------------------------------------------------------------------
// One engine (child process)
// ---------------------------------------------------------------------------

function log(msg: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

async function runEngine(engine: EngineName): Promise<EngineResult> {
  // Imported here so that the orchestrator stays light.
  const { default: pg } = await import('pg');
  const { CompiledQuery, DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler, sql } = await import('kysely');
  const { createProject } = await import('../src/access/projects.ts');
  const { authenticateApiKey } = await import('../src/access/api-keys.ts');
  const { buildApp } = await import('../src/app/build-app.ts');
  const { RESOURCES } = await import('../src/resources/definitions/index.ts');
  const { teamResource } = await import('../src/resources/definitions/team.ts');
  const { ResourceRegistry } = await import('../src/resources/registry.ts');
  const { ResourceService } = await import('../src/resources/service.ts');
  const { ResourceStore } = await import('../src/resources/store.ts');
  const { systemClock } = await import('../src/storage/clock.ts');
  const { openDatabase } = await import('../src/storage/database.ts');
  const { migrate } = await import('../src/storage/migrate.ts');

  const cleanups: Array<() => Promise<unknown>> = [];
  let cleaning: Promise<void> | undefined;
  const cleanup = () =>
    (cleaning ??= (async () => {
      for (const fn of cleanups.reverse()) {
        try {
          await fn();
        } catch (err) {
          log(`cleanup: ${(err as Error).message}`);
        }
      }
    })());
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      log(`${sig}: cleaning up`);
      void cleanup().finally(() => process.exit(130));
    });
  }

  const adminQuery = async (text: string) => {
    const client = new pg.Client({ connectionString: SETTINGS.url });
    await client.connect();
    try {
      await client.query(text);
    } finally {
      await client.end();
    }
  };

  try {
    // --- open and migrate
    let database;
    if (engine === 'pglite') {
      database = await openDatabase({ kind: 'pglite' });
    } else {
      const schema = `vigil_bench_${process.pid}_${randomBytes(4).toString('hex')}`;
      await adminQuery(`create schema ${schema}`);
      cleanups.push(() => adminQuery(`drop schema if exists ${schema} cascade`));
      database = await openDatabase({ kind: 'postgres', url: SETTINGS.url, schema, poolSize: 10 });
      log(`postgres: schema ${schema}`);
    }
    cleanups.push(() => database.close());
    const db = database.db;
    await migrate(db);

    // --- seed: one project, its owner key, and `rows` teams in one set-based insert
    const project = await createProject(db, systemClock, { name: 'Bench', ownerEmail: 'bench-owner@example.com' });
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
        const service = new ResourceService(recorder, new ResourceStore(new ResourceRegistry(RESOURCES)), systemClock);
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
    const app = await buildApp({ db, clock: systemClock, rateLimit: { enabled: false, max: 1, windowSeconds: 1 } });
    cleanups.push(() => app.http.close());
    await app.http.listen({ host: '127.0.0.1', port: 0 });
    const address = app.http.server.address();
    if (address === null || typeof address === 'string') throw new Error('no TCP address');
    const port = address.port;
    log(`${engine}: listening on 127.0.0.1:${port}`);

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
      const job = { port, path, headers, body, connections: SETTINGS.connections };
      await loadOnWorker({ ...job, maxRequests: SETTINGS.maxRequests, maxSeconds: SETTINGS.warmupSeconds });
      const load = await loadOnWorker({ ...job, maxRequests: SETTINGS.maxRequests, maxSeconds: SETTINGS.seconds });
      log(`${engine} ${c.name}: ${load.requests} requests in ${load.seconds.toFixed(1)} s, ${load.reqPerSec.toFixed(0)} req/s, ` +
        `p50 ${load.p50.toFixed(1)} ms, p99 ${load.p99.toFixed(1)} ms, errors ${load.errors}`);
      results.push({ name: c.name, matching: answer.count ?? -1, returned: answer.data.length, load, plans: plans.get(c.name) ?? [] });
    }

    return {
      engine,
      rows: SETTINGS.rows,
      seedSeconds,
      // Linux reports maxRSS in KiB: the peak of the whole process, load worker included.
      peakRssMiB: process.resourceUsage().maxRSS / 1024,
      cases: results,
    };
  } finally {
    await cleanup();
  }
}

function indent(text: string, pad: string): string {
  return text.split('\n').map((l) => pad + l).join('\n');
}

// ---------------------------------------------------------------------------
// Orchestrator
// ---------------------------------------------------------------------------

function runEngineChild(engine: EngineName): Promise<EngineResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--engine', engine], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => (out += d));
    const timer = setTimeout(() => {
      log(`${engine}: no result after ${SETTINGS.engineTimeoutSeconds} s; stopping it`);
      child.kill('SIGTERM');
    }, SETTINGS.engineTimeoutSeconds * 1000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const line = out.split('\n').find((l) => l.startsWith(RESULT_PREFIX));
      if (code === 0 && line) resolve(JSON.parse(line.slice(RESULT_PREFIX.length)) as EngineResult);
      else reject(new Error(`${engine} run failed (exit ${code})`));
    });
  });
}

function fmt(n: number, digits = 1): string {
  return Number.isFinite(n) ? n.toFixed(digits) : '-';
}

function printReport(results: EngineResult[], failed: string[]): void {
  const cpus = os.cpus();
  const lines: string[] = [];
  lines.push('');
  lines.push(`POST /api/team/get-list: ${SETTINGS.rows} teams in one project, ${SETTINGS.connections} keep-alive connections, ` +
    `${SETTINGS.warmupSeconds} s warm-up, then up to ${SETTINGS.seconds} s or ${SETTINGS.maxRequests} requests per case`);
  lines.push(`node ${process.version}, ${cpus.length} × ${cpus[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${new Date().toISOString().slice(0, 10)}`);
  lines.push('');
  lines.push('| engine | case | requests | req/s | p50 ms | p99 ms | max ms | errors | matching |');
  lines.push('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of results) {
    for (const c of r.cases) {
      const l = c.load;
      lines.push(`| ${r.engine} | ${c.name} | ${l.requests} | ${fmt(l.reqPerSec, 0)} | ${fmt(l.p50)} | ${fmt(l.p99)} | ${fmt(l.max)} | ${l.errors} | ${c.matching} |`);
    }
  }
  lines.push('');
  lines.push('| engine | seed (insert, setup SQL, vacuum analyze) | peak RSS |');
  lines.push('| --- | ---: | ---: |');
  for (const r of results) lines.push(`| ${r.engine} | ${fmt(r.seedSeconds)} s | ${fmt(r.peakRssMiB, 0)} MiB |`);
  if (results.some((r) => r.cases.some((c) => c.plans.length > 0))) {
    lines.push('');
    lines.push('| engine | case | query | plan scans | execution ms (EXPLAIN ANALYZE) |');
    lines.push('| --- | --- | --- | --- | ---: |');
    for (const r of results) {
      for (const c of r.cases) {
        for (const p of c.plans) lines.push(`| ${r.engine} | ${c.name} | ${p.query} | ${p.scans.join('; ')} | ${fmt(p.executionMs ?? NaN, 2)} |`);
      }
    }
  }
  lines.push('');
  for (const c of benchCases(SETTINGS.rows)) lines.push(`${c.name}: ${c.what}`);
  if (SETTINGS.setupSql) lines.push(`BENCH_SETUP_SQL: ${SETTINGS.setupSql}`);
  for (const f of failed) lines.push(`FAILED: ${f}`);
  console.log(lines.join('\n'));
}

async function orchestrate(): Promise<void> {
  const results: EngineResult[] = [];
  const failed: string[] = [];
  for (const engine of SETTINGS.engines) {
    if (engine !== 'pglite' && engine !== 'postgres') throw new Error(`unknown engine ${engine}; use pglite or postgres`);
    log(`${engine}: starting`);
    try {
      results.push(await runEngineChild(engine));
    } catch (err) {
      failed.push((err as Error).message);
    }
  }
  printReport(results, failed);
  if (failed.length > 0) process.exitCode = 1;
}

// ---------------------------------------------------------------------------
// Entry
// ---------------------------------------------------------------------------

const engineArg = process.argv.indexOf('--engine');
if (engineArg >= 0) {
  const engine = process.argv[engineArg + 1] as EngineName;
  try {
    const result = await runEngine(engine);
    process.stdout.write(RESULT_PREFIX + JSON.stringify(result) + '\n');
  } catch (err) {
    log(`${engine}: ${(err as Error).stack ?? err}`);
    process.exitCode = 1;
  }
} else {
  await orchestrate();
}

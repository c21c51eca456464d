/**
 * HTTP benchmark of PagerDuty Events API v2 ingestion, `POST /v2/enqueue` trigger events,
 * on embedded PGlite and on PostgreSQL: sustained durable events per second and latency.
 * Every event is committed (alert or fold, feed entry, domain event) before its 202.
 *
 *   npm run bench:ingest
 *
 * Two roles, as bench/api.ts:
 * - run directly, it is the orchestrator: each engine runs in a child process of its
 *   own, then the results table is printed;
 * - with `--engine <pglite|postgres>` it is one engine's run: migrate, make a project and
 *   a PagerDuty integration over the API, listen on 127.0.0.1:0, load each case, check
 *   that the database holds exactly what the 202s promised, print one JSON result line.
 * The load generator is bench/load-worker.mjs on a worker thread (keep-alive HTTP over
 * loopback, a fixed number of connections, bounded in requests and in time); its
 * `sequence` option gives each request its own dedup key.
 *
 * Cases: `distinct` (every event has a new dedup key: each opens an alert) and `fold`
 * (dedup keys cycle over 100 values: after the first 100, every event folds into an
 * open alert).
 *
 * Settings (environment): BENCH_ENGINES (pglite,postgres), BENCH_DATABASE_URL
 * (postgres://postgres@127.0.0.1:5432/test; a fresh schema is created and dropped),
 * BENCH_CONNECTIONS (16), BENCH_POOL (10, PostgreSQL connections), BENCH_SECONDS (10, per
 * case), BENCH_MAX_REQUESTS (30000, per case), BENCH_WARMUP_SECONDS (2),
 * BENCH_ENGINE_TIMEOUT_SECONDS (150).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

type EngineName = 'pglite' | 'postgres';

const env = process.env;
const SETTINGS = {
  engines: (env.BENCH_ENGINES ?? 'pglite,postgres').split(',').map((s) => s.trim()).filter(Boolean) as EngineName[],
  url: env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  connections: intSetting('BENCH_CONNECTIONS', 16),
  pool: intSetting('BENCH_POOL', 10),
  seconds: intSetting('BENCH_SECONDS', 10),
  maxRequests: intSetting('BENCH_MAX_REQUESTS', 30_000),
  warmupSeconds: intSetting('BENCH_WARMUP_SECONDS', 2),
  engineTimeoutSeconds: intSetting('BENCH_ENGINE_TIMEOUT_SECONDS', 150),
};

const FOLD_KEYS = 100;
const SEQ = '__SEQ__';

interface BenchCase {
  readonly name: 'distinct' | 'fold';
  readonly what: string;
  /** The dedup key template; SEQ is replaced per request. */
  readonly dedupKey: (phase: string) => string;
  readonly modulo?: number;
}

const CASES: readonly BenchCase[] = [
  { name: 'distinct', what: 'a new dedup key per event: every event opens an alert', dedupKey: (phase) => `${phase}-${SEQ}` },
  {
    name: 'fold',
    what: `dedup keys cycle over ${FOLD_KEYS} values: after the first ${FOLD_KEYS}, every event folds into an open alert`,
    dedupKey: (phase) => `fold-${phase}-${SEQ}`,
    modulo: FOLD_KEYS,
  },
];

function intSetting(name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`${name} must be a positive whole number, got ${raw}`);
  return n;
}

interface LoadJob {
  readonly port: number;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: string;
  readonly connections: number;
  readonly maxRequests: number;
  readonly maxSeconds: number;
  readonly okStatus: number;
  readonly sequence: { readonly placeholder: string; readonly modulo?: number };
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

/** CPU time spent per event during a case's run, in milliseconds. */
interface CpuPerEvent {
  /** This process: the server and the load generator's thread. */
  readonly node: number;
  /** The whole machine (Linux /proc/stat), null elsewhere: minus `node`, mostly PostgreSQL. */
  readonly machine: number | null;
}

interface CaseResult {
  readonly name: string;
  readonly load: LoadResult;
  readonly cpu: CpuPerEvent;
  /** What the database holds for this case's keys after the run. */
  readonly alerts: number;
  readonly events: number;
}

interface EngineResult {
  readonly engine: EngineName;
  readonly peakRssMiB: number;
  readonly cases: CaseResult[];
}

const RESULT_PREFIX = 'BENCH_RESULT ';

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

/** Busy CPU time of the whole machine so far, in ms (Linux), or null. */
async function machineBusyMs(): Promise<number | null> {
  try {
    const { readFile } = await import('node:fs/promises');
    const line = (await readFile('/proc/stat', 'utf8')).split('\n')[0]!;
    // cpu user nice system idle iowait irq softirq steal ...: busy = all but idle and iowait.
    const ticks = line.trim().split(/\s+/).slice(1).map(Number);
    const busy = ticks.reduce((a, b) => a + b, 0) - (ticks[3] ?? 0) - (ticks[4] ?? 0);
    return (busy * 1000) / 100; // USER_HZ is 100 on Linux
  } catch {
    return null;
  }
}

function log(msg: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

// ---------------------------------------------------------------------------
// One engine (child process)
// ---------------------------------------------------------------------------

async function runEngine(engine: EngineName): Promise<EngineResult> {
  const { default: pg } = await import('pg');
  const { sql } = await import('kysely');
  const { createProject } = await import('../src/access/projects.ts');
  const { buildApp } = await import('../src/app/build-app.ts');
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
    let database;
    if (engine === 'pglite') {
      database = await openDatabase({ kind: 'pglite' });
    } else {
      const schema = `vigil_bench_${process.pid}_${randomBytes(4).toString('hex')}`;
      await adminQuery(`create schema ${schema}`);
      cleanups.push(() => adminQuery(`drop schema if exists ${schema} cascade`));
      database = await openDatabase({ kind: 'postgres', url: SETTINGS.url, schema, poolSize: SETTINGS.pool });
      log(`postgres: schema ${schema}, pool ${SETTINGS.pool}`);
    }
    cleanups.push(() => database.close());
    const db = database.db;
    await migrate(db);
    const project = await createProject(db, systemClock, { name: 'Bench', ownerEmail: 'bench-owner@example.com' });

    const app = await buildApp({ db, clock: systemClock, rateLimit: { enabled: false, max: 1, windowSeconds: 1 } });
    cleanups.push(() => app.http.close());
    await app.http.listen({ host: '127.0.0.1', port: 0 });
    const address = app.http.server.address();
    if (address === null || typeof address === 'string') throw new Error('no TCP address');
    const port = address.port;
    const base = `http://127.0.0.1:${port}`;
    log(`${engine}: listening on 127.0.0.1:${port}`);

    // The integration, made over the resource API as a user would.
    const made = await fetch(`${base}/api/integration`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', apikey: project.apiKey },
      body: JSON.stringify({ data: { name: 'Bench PagerDuty', integrationType: 'pagerduty-events-v2' } }),
    });
    const integration = (await made.json()) as { _id?: string; routingKey?: string };
    if (made.status !== 200 || !integration.routingKey) throw new Error(`integration: ${made.status} ${JSON.stringify(integration)}`);

    const bodyFor = (dedupKey: string) =>
      JSON.stringify({
        routing_key: integration.routingKey,
        event_action: 'trigger',
        dedup_key: dedupKey,
        payload: {
          summary: `High CPU on web-${SEQ}`,
          source: 'web.example.com',
          severity: 'critical',
          component: 'nginx',
          group: 'prod-web',
          class: 'cpu',
          custom_details: { 'load avg': 7.5, cores: 2, note: 'generated by bench/ingest' },
        },
        links: [{ href: 'https://monitoring.example.com/web', text: 'Dashboard' }],
      });
    const headers = { 'content-type': 'application/json' };
    const path = '/v2/enqueue';

    const results: CaseResult[] = [];
    for (const c of CASES) {
      // One checked request: the route answers 202 with the dedup key.
      const check = await fetch(`${base}${path}`, { method: 'POST', headers, body: bodyFor(`check-${c.name}`).replaceAll(SEQ, '0') });
      const answer = (await check.json()) as { status?: string; dedup_key?: string };
      if (check.status !== 202 || answer.dedup_key !== `check-${c.name}`) throw new Error(`${c.name}: expected 202, got ${check.status} ${JSON.stringify(answer)}`);

      const job = { port, path, headers, connections: SETTINGS.connections, okStatus: 202, maxRequests: SETTINGS.maxRequests };
      const sequence = { placeholder: SEQ, ...(c.modulo ? { modulo: c.modulo } : {}) };
      log(`${engine} ${c.name}: warming up`);
      await loadOnWorker({ ...job, body: bodyFor(c.dedupKey('warm')), sequence, maxSeconds: SETTINGS.warmupSeconds });
      const cpu0 = process.cpuUsage();
      const machine0 = await machineBusyMs();
      const load = await loadOnWorker({ ...job, body: bodyFor(c.dedupKey('run')), sequence, maxSeconds: SETTINGS.seconds });
      const nodeCpu = process.cpuUsage(cpu0);
      const machine1 = await machineBusyMs();
      const cpu = {
        node: (nodeCpu.user + nodeCpu.system) / 1000 / Math.max(1, load.requests),
        machine: machine0 !== null && machine1 !== null ? (machine1 - machine0) / Math.max(1, load.requests) : null,
      };

      // Durability check: every 202 of the run is in the database.
      const prefix = c.dedupKey('run').replace(SEQ, '');
      const held = await sql<{ alerts: number; events: number }>`select count(*)::int as alerts, coalesce(sum(event_count), 0)::int as events
        from alert where project_id = ${project.projectId} and starts_with(dedup_key, ${prefix})`.execute(db);
      const { alerts, events } = held.rows[0]!;
      const accepted = load.statuses['202'] ?? 0;
      if (events !== accepted) throw new Error(`${c.name}: ${accepted} events answered 202 but ${events} are in the database`);
      log(`${engine} ${c.name}: ${load.requests} events in ${load.seconds.toFixed(1)} s, ${load.reqPerSec.toFixed(0)}/s, ` +
        `p50 ${load.p50.toFixed(1)} ms, p99 ${load.p99.toFixed(1)} ms, errors ${load.errors}; ${alerts} alerts hold ${events} events; ` +
        `CPU per event: node ${cpu.node.toFixed(2)} ms, machine ${fmt(cpu.machine ?? NaN, 2)} ms`);
      results.push({ name: c.name, load, cpu, alerts, events });
    }
    return { engine, peakRssMiB: process.resourceUsage().maxRSS / 1024, cases: results };
  } finally {
    await cleanup();
  }
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
  lines.push(`POST /v2/enqueue trigger events, ${SETTINGS.connections} keep-alive connections, ` +
    `${SETTINGS.warmupSeconds} s warm-up, then up to ${SETTINGS.seconds} s or ${SETTINGS.maxRequests} events per case; ` +
    `PostgreSQL pool ${SETTINGS.pool}`);
  lines.push(`node ${process.version}, ${cpus.length} × ${cpus[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${new Date().toISOString().slice(0, 10)}`);
  lines.push('');
  lines.push('| engine | case | events | events/s | p50 ms | p90 ms | p99 ms | max ms | errors | alerts | events stored | CPU ms/event node | CPU ms/event machine |');
  lines.push('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of results) {
    for (const c of r.cases) {
      const l = c.load;
      lines.push(`| ${r.engine} | ${c.name} | ${l.requests} | ${fmt(l.reqPerSec, 0)} | ${fmt(l.p50)} | ${fmt(l.p90)} | ${fmt(l.p99)} | ${fmt(l.max)} | ${l.errors} | ` +
        `${c.alerts} | ${c.events} | ${fmt(c.cpu.node, 2)} | ${fmt(c.cpu.machine ?? NaN, 2)} |`);
    }
  }
  lines.push('');
  lines.push('| engine | peak RSS |');
  lines.push('| --- | ---: |');
  for (const r of results) lines.push(`| ${r.engine} | ${fmt(r.peakRssMiB, 0)} MiB |`);
  lines.push('');
  for (const c of CASES) lines.push(`${c.name}: ${c.what}`);
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

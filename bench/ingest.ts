/**
 * HTTP benchmark of PagerDuty Events API v2 ingestion, `POST /v2/enqueue` trigger events,
 * on embedded PGlite and on PostgreSQL: sustained durable events per second and latency.
 * Every event is committed (alert or fold, feed entry, domain event) before its 202.
 *
 *   npm run bench:ingest
 *
 * Two roles, as bench/api.ts (bench/support/engines.ts):
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
import { withCleanups } from './support/cleanups.ts';
import { runEngineBench, type EngineName } from './support/engines.ts';
import { loadOnWorker, type LoadResult } from './support/load.ts';
import { log } from './support/log.ts';
import { fmt, markdownTable, reportFooter, reportHeading } from './support/report.ts';
import { commonSettings, intSetting } from './support/settings.ts';
import { machineBusyMs, peakRssMiB } from './support/usage.ts';

const SETTINGS = {
  ...commonSettings({ connections: 16, maxRequests: 30_000, engineTimeoutSeconds: 150 }),
  pool: intSetting('BENCH_POOL', 10),
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

// ---------------------------------------------------------------------------
// One engine (child process)
// ---------------------------------------------------------------------------

async function runEngine(engine: EngineName): Promise<EngineResult> {
  // Imported here so that the orchestrator stays light.
  const { sql } = await import('kysely');
  const { listenBenchApp } = await import('./support/app-server.ts');
  const { openBenchDatabase } = await import('./support/bench-database.ts');

  return withCleanups(async (cleanups) => {
    const { db, project } = await openBenchDatabase(engine, { url: SETTINGS.url, poolSize: SETTINGS.pool, logPool: true, cleanups });
    const port = await listenBenchApp(engine, db, cleanups);
    const base = `http://127.0.0.1:${port}`;

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
    return { engine, peakRssMiB: peakRssMiB(), cases: results };
  });
}

// ---------------------------------------------------------------------------
// Report (orchestrator)
// ---------------------------------------------------------------------------

function printReport(results: EngineResult[], failed: string[]): void {
  const lines = reportHeading(`POST /v2/enqueue trigger events, ${SETTINGS.connections} keep-alive connections, ` +
    `${SETTINGS.warmupSeconds} s warm-up, then up to ${SETTINGS.seconds} s or ${SETTINGS.maxRequests} events per case; ` +
    `PostgreSQL pool ${SETTINGS.pool}`);
  lines.push(...markdownTable(
    ['engine', 'case', 'events', 'events/s', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'errors', 'alerts', 'events stored', 'CPU ms/event node', 'CPU ms/event machine'],
    2,
    results.flatMap((r) => r.cases.map((c) => {
      const l = c.load;
      return [r.engine, c.name, l.requests, fmt(l.reqPerSec, 0), fmt(l.p50), fmt(l.p90), fmt(l.p99), fmt(l.max), l.errors,
        c.alerts, c.events, fmt(c.cpu.node, 2), fmt(c.cpu.machine ?? NaN, 2)];
    })),
  ));
  lines.push('');
  lines.push(...markdownTable(['engine', 'peak RSS'], 1, results.map((r) => [r.engine, `${fmt(r.peakRssMiB, 0)} MiB`])));
  lines.push(...reportFooter(CASES, [], failed));
  console.log(lines.join('\n'));
}

await runEngineBench({ script: import.meta.url, engines: SETTINGS.engines, engineTimeoutSeconds: SETTINGS.engineTimeoutSeconds, runEngine, printReport });

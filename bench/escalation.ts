/**
 * Benchmark of escalations end to end, on embedded PGlite and on PostgreSQL:
 * (a) how long after a PagerDuty v2 trigger is accepted (its 202 received) the first page of
 *     its escalation is in the notification outbox, at a steady rate of triggers;
 * (b) what the engine's idle tick costs, and how late a step starts, with 100,000 runs held
 *     waiting for their next rule, against the same with none.
 *
 *   npm run bench:escalation
 *
 * Two roles, as bench/api.ts (bench/support/engines.ts): the orchestrator, and one engine's
 * run with `--engine <pglite|postgres>`. Each engine's run serves the API and runs the engine
 * in one process on one pool, as `vigil serve` does (PGlite in memory; PostgreSQL in a fresh
 * schema), with a policy paging one user at once and a second 30 minutes later, run by a
 * PagerDuty v2 integration for every alert it opens. Then, in order:
 * 1. tick cost with no run active: `runDue()` (nothing due) and `nextDueAt()`, BENCH_TICKS
 *    times each, on an engine that is not started (nothing else runs meanwhile);
 * 2. step lateness: BENCH_NEAR_STEPS runs started through PagerDuty, each then waiting for its
 *    second rule; their pending step is rewritten due 2 s ahead, 150 ms apart (a new job row, so
 *    the insert's NOTIFY reaches the sleeping engine as for any step just scheduled); lateness =
 *    the second rule's timeline row (stamped at the claim) − the step's `run_at`;
 * 3. trigger → first page: BENCH_RATE (200) triggers per second for BENCH_SECONDS (20), each a
 *    new alert, sent open-loop from a worker thread (bench/paced-load-worker.mjs); a
 *    bench-only trigger on `notification_outbox` NOTIFYs each row's alert id, so the time
 *    seen is when the row was committed; latency = that − the 202's arrival (and − the send);
 * 4. BENCH_ACTIVE (100,000) runs of a second policy written in bulk with SQL in the shape a run
 *    has after its first rule (run row `Executing`, its timeline, user log and outbox rows, and
 *    its pending step job due 7 days after), then `vacuum analyze`;
 * 5. steps 1–3 again, with those runs active.
 *
 * Goal (issue 5): p99 trigger → first page ≤ 250 ms on PostgreSQL.
 * Settings (environment): BENCH_ENGINES (pglite,postgres), BENCH_DATABASE_URL
 * (postgres://postgres@127.0.0.1:5432/test; a fresh schema is created and dropped), BENCH_RATE,
 * BENCH_SECONDS, BENCH_ACTIVE, BENCH_TICKS (300), BENCH_NEAR_STEPS (20), BENCH_POOL (10,
 * PostgreSQL connections), BENCH_DRAIN_SECONDS (120: the longest wait for pages after the load),
 * BENCH_ENGINE_LOOPS (1, as `vigil serve` runs: engines started in the server's process, sharing
 * the work through their claims as engines in several processes do), BENCH_ENGINE_CONCURRENCY
 * (each engine's claim workers; default as `vigil serve`: 4 on PostgreSQL, 1 on PGlite),
 * BENCH_ENGINE_TIMEOUT_SECONDS (900).
 */
import { Worker } from 'node:worker_threads';
import { withCleanups } from './support/cleanups.ts';
import { runEngineBench, type EngineName } from './support/engines.ts';
import { log } from './support/log.ts';
import { fmt, markdownTable, reportFooter, reportHeading } from './support/report.ts';
import { commonSettings, intSetting } from './support/settings.ts';
import { machineBusyMs, peakRssMiB } from './support/usage.ts';

const SETTINGS = {
  ...commonSettings({ connections: 1, maxRequests: 1, engineTimeoutSeconds: 900 }),
  seconds: intSetting('BENCH_SECONDS', 20),
  rate: intSetting('BENCH_RATE', 200),
  active: intSetting('BENCH_ACTIVE', 100_000),
  ticks: intSetting('BENCH_TICKS', 300),
  nearSteps: intSetting('BENCH_NEAR_STEPS', 20),
  pool: intSetting('BENCH_POOL', 10),
  drainSeconds: intSetting('BENCH_DRAIN_SECONDS', 120),
  loops: intSetting('BENCH_ENGINE_LOOPS', 1),
  /** 0: as `vigil serve` chooses (`engineConcurrency`). */
  concurrency: intSetting('BENCH_ENGINE_CONCURRENCY', 0),
};

const SEQ = '__SEQ__';
/** The held runs' next rule: a week after their first. */
const HELD_MINUTES = 7 * 24 * 60;

interface Spread {
  readonly n: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

interface LatencyResult {
  /** Runs active (waiting for a step) when the load began. */
  readonly active: number;
  readonly sent: number;
  readonly accepted: number;
  /** Triggers per second actually sent. */
  readonly rate: number;
  /** Send → 202. */
  readonly http: Spread;
  /** 202 received → first outbox row committed. */
  readonly fromAccepted: Spread;
  /** Request sent → first outbox row committed. */
  readonly fromSent: Spread;
  /** Accepted triggers whose page was not seen within the drain time. */
  readonly missing: number;
  /** Outbox rows written for the load's alerts (one each expected). */
  readonly outboxRows: number;
  /** From the last 202 to the last page seen, in seconds. */
  readonly drainSeconds: number;
  /** Pages seen per second, from the first send to the last page. */
  readonly pagesPerSecond: number;
  /** CPU time per accepted trigger from the first send to the last page, in ms: this process (server, engine, load) and the machine. */
  readonly cpuNode: number;
  readonly cpuMachine: number | null;
}

interface TickResult {
  readonly active: number;
  readonly pendingJobs: number;
  readonly runDue: Spread;
  readonly nextDue: Spread;
  /** The due-time query of a tick under EXPLAIN ANALYZE: server-side execution and planning ms, and the indexes it scanned. */
  readonly plan: { readonly executionMs: number; readonly planningMs: number; readonly indexes: string[] };
}

interface PhaseResult {
  readonly name: string;
  readonly ticks: TickResult;
  readonly lateness: Spread;
  readonly latency: LatencyResult;
}

interface EngineResult {
  readonly engine: EngineName;
  readonly phases: PhaseResult[];
  readonly bulkSeconds: number;
  readonly peakRssMiB: number;
}

function spread(values: readonly number[]): Spread {
  const s = [...values].sort((a, b) => a - b);
  const at = (p: number) => (s.length === 0 ? Number.NaN : s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!);
  return { n: s.length, p50: at(50), p99: at(99), max: s.length ? s[s.length - 1]! : Number.NaN };
}

/** One request of the paced load: its number, when it was sent and answered (epoch ms), its status (0: failed). */
interface Sent {
  readonly n: number;
  readonly sentAt: number;
  readonly doneAt: number;
  readonly status: number;
}

function pacedLoad(job: { port: number; path: string; headers: Record<string, string>; body: string; placeholder: string; rate: number; seconds: number }) {
  return new Promise<{ start: number; end: number; results: Sent[] }>((resolve, reject) => {
    const worker = new Worker(new URL('./paced-load-worker.mjs', import.meta.url), { workerData: job });
    worker.once('message', (m) => {
      resolve(m);
      void worker.terminate();
    });
    worker.once('error', reject);
  });
}

/** Epoch milliseconds with fractions, comparable with the load worker's. */
const clock = () => performance.timeOrigin + performance.now();

// ---------------------------------------------------------------------------
// One engine (child process)
// ---------------------------------------------------------------------------

async function runEngine(engine: EngineName): Promise<EngineResult> {
  // Imported here so that the orchestrator stays light.
  const { sql } = await import('kysely');
  const { setTimeout: sleep } = await import('node:timers/promises');
  const { createProject } = await import('../src/access/projects.ts');
  const { buildApp } = await import('../src/app/build-app.ts');
  const { engineHandlers } = await import('../src/app/engine-handlers.ts');
  const { engineConcurrency, loadConfig } = await import('../src/app/config.ts');
  const { createEngine } = await import('../src/engine/create-engine.ts');
  const { systemClock } = await import('../src/storage/clock.ts');
  const { openDatabase } = await import('../src/storage/database.ts');
  const { listenPostgres } = await import('../src/storage/listen.ts');
  const { migrate } = await import('../src/storage/migrate.ts');
  const { openBenchDatabase } = await import('./support/bench-database.ts');
  type Db = import('../src/storage/database.ts').Db;
  type Listen = import('../src/storage/database.ts').Listen;
  type Engine = import('../src/engine/create-engine.ts').Engine;

  return withCleanups(async (cleanups) => {
    let db: Db;
    let project: { projectId: string; apiKey: string };
    let listen: Listen;
    if (engine === 'postgres') {
      const opened = await openBenchDatabase(engine, { url: SETTINGS.url, poolSize: SETTINGS.pool, logPool: true, cleanups });
      db = opened.db;
      project = opened.project;
      listen = listenPostgres(SETTINGS.url);
    } else {
      const database = await openDatabase({ kind: 'pglite' });
      cleanups.add(() => database.close());
      await migrate(database.db);
      db = database.db;
      project = await createProject(db, systemClock, { name: 'Bench', ownerEmail: 'bench-owner@example.com' });
      listen = database.listen!;
    }
    const { projectId } = project;

    // The server as `vigil serve` runs it: the API and the engine over one pool.
    const app = await buildApp({ db, clock: systemClock, rateLimit: { enabled: false, max: 1, windowSeconds: 1 } });
    cleanups.add(() => app.http.close());
    await app.http.listen({ host: '127.0.0.1', port: 0 });
    const address = app.http.server.address();
    if (address === null || typeof address === 'string') throw new Error('no TCP address');
    const port = address.port;
    const base = `http://127.0.0.1:${port}`;
    let running: Engine[] = [];
    const startEngine = async () => {
      const concurrency = SETTINGS.concurrency > 0 ? SETTINGS.concurrency : engineConcurrency(loadConfig({}), engine);
      running = Array.from({ length: SETTINGS.loops }, () => createEngine({ db, clock: systemClock, handlers: engineHandlers(), listen, concurrency }));
      await Promise.all(running.map((e) => e.start()));
    };
    const stopEngine = async () => {
      await Promise.all(running.map((e) => e.stop()));
      running = [];
    };
    cleanups.add(stopEngine);

    // A request on a keep-alive connection that the server closed while the event loop was busy
    // (PGlite runs the bulk writes on this thread) fails before any answer: send it again. A
    // trigger sent twice folds into its open alert (same dedup key): one run either way.
    const post = async (url: string, init: RequestInit): Promise<Response> => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await fetch(url, init);
        } catch (err) {
          if (attempt >= 3) throw err;
        }
      }
    };
    const create = async (resource: string, data: Record<string, unknown>, miscDataProps?: Record<string, unknown>) => {
      const res = await post(`${base}/api/${resource}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ApiKey: project.apiKey },
        body: JSON.stringify({ data, ...(miscDataProps ? { miscDataProps } : {}) }),
      });
      const body = (await res.json()) as Record<string, unknown>;
      if (res.status !== 200) throw new Error(`create ${resource}: ${res.status} ${JSON.stringify(body)}`);
      return body as { _id: string } & Record<string, unknown>;
    };
    const user = async (name: string) => (await create('user', { email: `${name.toLowerCase()}@example.com`, name, role: 'Project Member' }))._id;
    const ann = await user('Ann');
    const bob = await user('Bob');
    const policyWith = async (name: string, minutes: number) => {
      const policyId = (await create('on-call-duty-policy', { name }))._id;
      const first = (await create('on-call-duty-policy-escalation-rule', { onCallDutyPolicyId: policyId, name: 'First line', order: 1, escalateAfterInMinutes: minutes },
        { users: [ann], teams: [], onCallSchedules: [] }))._id;
      await create('on-call-duty-policy-escalation-rule', { onCallDutyPolicyId: policyId, name: 'Second line', order: 2, escalateAfterInMinutes: minutes },
        { users: [bob], teams: [], onCallSchedules: [] });
      return { policyId, first };
    };
    const live = await policyWith('Live', 30);
    const held = await policyWith('Held', HELD_MINUTES);
    const pd = await create('integration', { name: 'PagerDuty', integrationType: 'pagerduty-events-v2' });
    await create('integration-on-call-duty-policy', { integrationId: pd._id, onCallDutyPolicyId: live.policyId });
    const routingKey = pd.routingKey as string;
    const triggerBody = (dedupKey: string) => JSON.stringify({
      routing_key: routingKey,
      event_action: 'trigger',
      dedup_key: dedupKey,
      payload: { summary: `Checkout errors above 5% (${dedupKey})`, source: 'checkout-1.example.com', severity: 'critical', component: 'checkout' },
    });
    const trigger = async (dedupKey: string) => {
      const res = await post(`${base}/v2/enqueue`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: triggerBody(dedupKey) });
      await res.arrayBuffer();
      if (res.status !== 202) throw new Error(`trigger ${dedupKey}: ${res.status}`);
    };

    // Bench only: each outbox row committed is announced with its alert id.
    await sql`create function bench_outbox_seen() returns trigger language plpgsql as $$
      begin perform pg_notify('bench_outbox', coalesce(new.alert_id::text, '')); return null; end $$`.execute(db);
    await sql`create trigger bench_outbox_seen after insert on notification_outbox for each row execute function bench_outbox_seen()`.execute(db);
    const seen = new Map<string, number>();
    const unlisten = await listen('bench_outbox', (alertId) => {
      if (alertId && !seen.has(alertId)) seen.set(alertId, clock());
    });
    cleanups.add(unlisten);

    const counts = async () => (await sql<{ active: number; pending: number }>`select
        (select count(*)::int from on_call_policy_execution where project_id = ${projectId} and status in ('Scheduled', 'Started', 'Executing')) as active,
        (select count(*)::int from job where state = 'pending') as pending`.execute(db)).rows[0]!;

    const waitUntil = async (what: string, seconds: number, ok: () => Promise<boolean>) => {
      const end = Date.now() + seconds * 1000;
      while (!(await ok())) {
        if (Date.now() > end) throw new Error(`${what}: not within ${seconds} s`);
        await sleep(50);
      }
    };

    /** 1. The idle tick, on an engine that is not started. */
    const measureTicks = async (): Promise<TickResult> => {
      const { active, pending } = await counts();
      const idle = createEngine({ db, clock: systemClock, handlers: engineHandlers() });
      await idle.runDue();
      const timed = async (fn: () => Promise<unknown>) => {
        const out: number[] = [];
        for (let i = 0; i < SETTINGS.ticks; i++) {
          const t0 = performance.now();
          await fn();
          out.push(performance.now() - t0);
        }
        return spread(out);
      };
      const runDue = await timed(() => idle.runDue());
      const nextDue = await timed(() => idle.nextDueAt());
      // The engine's due-time query (src/engine/due-times.ts), as the database runs it.
      const at = new Date().toISOString();
      const explained = await sql.raw(`explain (analyze, format json) select
          (select min(run_at) from job where state = 'pending' and run_at <= '${at}') as job_due,
          (select min(run_at) from job where state = 'pending' and run_at > '${at}') as job_next,
          exists (select 1 from domain_event where consumed_at is null and (retry_at is null or retry_at <= '${at}')) as event_due,
          (select min(retry_at) from domain_event where consumed_at is null and retry_at > '${at}') as event_next`).execute(db);
      const doc = explained.rows[0] as Record<string, unknown>;
      const top = (doc['QUERY PLAN'] as Array<{ Plan: unknown; 'Execution Time': number; 'Planning Time': number }>)[0]!;
      const indexes = new Set<string>();
      const walk = (node: { 'Index Name'?: string; 'Node Type'?: string; 'Relation Name'?: string; Plans?: unknown[] }) => {
        if (node['Index Name']) indexes.add(node['Index Name']);
        else if (node['Node Type'] === 'Seq Scan') indexes.add(`seq scan ${node['Relation Name']}`);
        for (const child of node.Plans ?? []) walk(child as typeof node);
      };
      walk(top.Plan as Parameters<typeof walk>[0]);
      const plan = { executionMs: top['Execution Time'], planningMs: top['Planning Time'], indexes: [...indexes].sort() };
      log(`${engine} tick with ${active} runs active, ${pending} jobs pending: runDue p50 ${fmt(runDue.p50, 2)} ms p99 ${fmt(runDue.p99, 2)} ms; ` +
        `nextDueAt p50 ${fmt(nextDue.p50, 2)} ms p99 ${fmt(nextDue.p99, 2)} ms; due-time query executes in ${fmt(plan.executionMs, 3)} ms ` +
        `(planning ${fmt(plan.planningMs, 3)} ms) on ${plan.indexes.join(', ')}`);
      return { active, pendingJobs: pending, runDue, nextDue, plan };
    };

    /** 2. Lateness of steps falling due while the engine sleeps. */
    const measureLateness = async (phase: string): Promise<Spread> => {
      const tag = `near-${phase}-`;
      for (let i = 0; i < SETTINGS.nearSteps; i++) await trigger(`${tag}${i}`);
      const waiting = async () => (await sql<{ job_id: string }>`select j.id as job_id from alert a
          join on_call_policy_execution e on e.triggered_by_alert_id = a.id
          join job j on j.group_key = 'execution:' || e.id and j.state = 'pending' and j.kind = 'on-call.execute-rule'
        where a.project_id = ${projectId} and starts_with(a.dedup_key, ${tag}) order by a.dedup_key`.execute(db)).rows;
      await waitUntil('the near runs waiting for their second rule', 60, async () => (await waiting()).length === SETTINGS.nearSteps);
      const jobs = await waiting();
      const first = Date.now() + 2_000;
      const ids = await db.transaction().execute(async (tx) => {
        const old = (await sql<{ project_id: string; kind: string; payload: unknown; idempotency_key: string; group_key: string; max_attempts: number }>`
          delete from job where id = any(${jobs.map((j) => j.job_id)}::uuid[])
          returning project_id, kind, payload, idempotency_key, group_key, max_attempts`.execute(tx)).rows
          .sort((x, y) => x.idempotency_key.localeCompare(y.idempotency_key));
        const out: string[] = [];
        for (const [i, j] of old.entries()) {
          const r = await sql<{ id: string }>`insert into job (id, project_id, kind, run_at, payload, idempotency_key, group_key, max_attempts, created_at, updated_at)
            values (gen_random_uuid(), ${j.project_id}, ${j.kind}, ${new Date(first + i * 150)}, ${JSON.stringify(j.payload)}::jsonb, ${j.idempotency_key},
              ${j.group_key}, ${j.max_attempts}, now(), now()) returning id`.execute(tx);
          out.push(r.rows[0]!.id);
        }
        return out;
      });
      const late = async () => (await sql<{ late_ms: number | null }>`select
          extract(epoch from (select min(t.created_at) from on_call_policy_execution_timeline t
            where t.execution_id = (j.payload->>'executionId')::uuid and t.rule_order = 2) - j.run_at) * 1000 as late_ms
        from job j where j.id = any(${ids}::uuid[])`.execute(db)).rows.map((r) => (r.late_ms === null ? null : Number(r.late_ms)));
      await waitUntil('the near steps', 60, async () => (await late()).every((v) => v !== null));
      const s = spread((await late()) as number[]);
      log(`${engine} ${phase}: ${s.n} steps, lateness p50 ${fmt(s.p50)} ms, p99 ${fmt(s.p99)} ms, max ${fmt(s.max)} ms`);
      return s;
    };

    /** 3. PagerDuty v2 trigger → first page in the outbox, at a steady rate. */
    const measureLatency = async (phase: string): Promise<LatencyResult> => {
      const { active } = await counts();
      const tag = `load-${phase}-`;
      log(`${engine} ${phase}: ${SETTINGS.rate} triggers/s for ${SETTINGS.seconds} s`);
      const cpu0 = process.cpuUsage();
      const machine0 = await machineBusyMs();
      const load = await pacedLoad({
        port, path: '/v2/enqueue', headers: { 'content-type': 'application/json' }, body: triggerBody(`${tag}${SEQ}`), placeholder: SEQ,
        rate: SETTINGS.rate, seconds: SETTINGS.seconds,
      });
      const accepted = load.results.filter((r) => r.status === 202);
      const alertOf = async () => new Map((await sql<{ id: string; dedup_key: string }>`select id, dedup_key from alert
        where project_id = ${projectId} and starts_with(dedup_key, ${tag})`.execute(db)).rows.map((r) => [Number(r.dedup_key.slice(tag.length)), r.id]));
      let alerts = await alertOf();
      const unseen = () => accepted.filter((r) => !seen.has(alerts.get(r.n) ?? '')).length;
      const lastAnswer = Math.max(...accepted.map((r) => r.doneAt));
      const drainEnd = Date.now() + SETTINGS.drainSeconds * 1000;
      while (unseen() > 0 && Date.now() < drainEnd) {
        await sleep(100);
        if (alerts.size < accepted.length) alerts = await alertOf();
      }
      const cpu = process.cpuUsage(cpu0);
      const machine1 = await machineBusyMs();
      const fromAccepted: number[] = [];
      const fromSent: number[] = [];
      let lastSeen = 0;
      for (const r of accepted) {
        const at = seen.get(alerts.get(r.n) ?? '');
        if (at === undefined) continue;
        fromAccepted.push(at - r.doneAt);
        fromSent.push(at - r.sentAt);
        lastSeen = Math.max(lastSeen, at);
      }
      const outboxRows = (await sql<{ n: number }>`select count(*)::int as n from notification_outbox o join alert a on a.id = o.alert_id
        where o.project_id = ${projectId} and starts_with(a.dedup_key, ${tag})`.execute(db)).rows[0]!.n;
      const result: LatencyResult = {
        active,
        sent: load.results.length,
        accepted: accepted.length,
        rate: (load.results.length * 1000) / Math.max(1, Math.max(...load.results.map((r) => r.sentAt)) - load.start),
        http: spread(accepted.map((r) => r.doneAt - r.sentAt)),
        fromAccepted: spread(fromAccepted),
        fromSent: spread(fromSent),
        missing: accepted.length - fromAccepted.length,
        outboxRows,
        drainSeconds: Math.max(0, lastSeen - lastAnswer) / 1000,
        pagesPerSecond: (fromAccepted.length * 1000) / Math.max(1, lastSeen - load.start),
        cpuNode: (cpu.user + cpu.system) / 1000 / Math.max(1, accepted.length),
        cpuMachine: machine0 !== null && machine1 !== null ? (machine1 - machine0) / Math.max(1, accepted.length) : null,
      };
      log(`${engine} ${phase}: ${result.accepted}/${result.sent} accepted at ${fmt(result.rate, 0)}/s, 202 p99 ${fmt(result.http.p99)} ms; ` +
        `send → first page p99 ${fmt(result.fromSent.p99)} ms; 202 → first page p50 ${fmt(result.fromAccepted.p50)} ms, ` +
        `p99 ${fmt(result.fromAccepted.p99)} ms, max ${fmt(result.fromAccepted.max)} ms; missing ${result.missing}; outbox rows ${outboxRows}; ` +
        `last page ${fmt(result.drainSeconds, 1)} s after the last 202, ${fmt(result.pagesPerSecond, 0)} pages/s; ` +
        `CPU per trigger: node ${fmt(result.cpuNode, 2)} ms, machine ${fmt(result.cpuMachine ?? Number.NaN, 2)} ms`);
      return result;
    };

    const phase = async (name: string): Promise<PhaseResult> => {
      const ticks = await measureTicks();
      await startEngine();
      const lateness = await measureLateness(name);
      const latency = await measureLatency(name);
      await stopEngine();
      return { name, ticks, lateness, latency };
    };

    const phases = [await phase('none held')];

    // 4. Runs held in bulk, each as its first rule left it, its next step a week away.
    log(`${engine}: writing ${SETTINGS.active} held runs`);
    const t0 = performance.now();
    const n = SETTINGS.active;
    const msg = `Escalation rule 1 "First line" executed: 1 user(s) notified.`;
    await db.transaction().execute(async (tx) => {
      const exec = sql`md5('held-run-' || n)::uuid`;
      const alert = sql`md5('held-alert-' || n)::uuid`;
      const timeline = sql`md5('held-timeline-' || n)::uuid`;
      const userLog = sql`md5('held-user-log-' || n)::uuid`;
      const ranAt = sql`(now() - (n % 3600) * interval '1 second')`;
      await sql`insert into on_call_policy_execution (id, project_id, policy_id, triggered_by_alert_id, status, status_message,
          user_notification_event_type, last_executed_escalation_rule_order, last_escalation_rule_executed_at, last_executed_escalation_rule_id,
          execute_next_escalation_rule_in_minutes, on_call_policy_execution_repeat_count, users_notified, start_key, created_at, updated_at)
        select ${exec}, ${projectId}, ${held.policyId}, ${alert}, 'Executing', ${msg}, 'Alert Created', 1, ${ranAt}, ${held.first},
          ${HELD_MINUTES}, 1, 1, 'auto:' || ${held.policyId} || ':alert:' || ${alert}, ${ranAt}, ${ranAt}
        from generate_series(1, ${n}) n`.execute(tx);
      await sql`insert into on_call_policy_execution_timeline (id, project_id, execution_id, policy_id, rule_id, triggered_by_alert_id,
          user_notification_event_type, repeat_count, rule_order, alert_sent_to_user_id, status, status_message, created_at, updated_at)
        select ${timeline}, ${projectId}, ${exec}, ${held.policyId}, ${held.first}, ${alert}, 'Alert Created', 1, 1, ${ann}, 'Executing',
          'Sending notification to user through their personal notification rules.', ${ranAt}, ${ranAt}
        from generate_series(1, ${n}) n`.execute(tx);
      await sql`insert into user_notification_log (id, project_id, user_id, execution_id, timeline_id, policy_id, rule_id, triggered_by_alert_id,
          user_notification_event_type, status, status_message, created_at, updated_at)
        select ${userLog}, ${projectId}, ${ann}, ${exec}, ${timeline}, ${held.policyId}, ${held.first}, ${alert}, 'Alert Created', 'Executing',
          'Sending notification to user through their personal notification rules.', ${ranAt}, ${ranAt}
        from generate_series(1, ${n}) n`.execute(tx);
      await sql`insert into notification_outbox (id, project_id, idempotency_key, user_id, reason, title, body, status, send_after, alert_id,
          on_call_duty_policy_id, on_call_duty_policy_escalation_rule_id, on_call_duty_policy_execution_log_id, user_notification_log_id, payload,
          created_at, updated_at)
        select md5('held-outbox-' || n)::uuid, ${projectId}, 'oncall:' || ${exec} || ':1:1:' || ${ann} || ':personal', ${ann}, 'on-call-policy',
          'Alert: held', '', 'Sent', ${ranAt}, ${alert}, ${held.policyId}, ${held.first}, ${exec}, ${userLog},
          jsonb_build_object('repeat', 1, 'ruleOrder', 1), ${ranAt}, ${ranAt}
        from generate_series(1, ${n}) n`.execute(tx);
      await sql`insert into job (id, project_id, kind, run_at, payload, idempotency_key, group_key, created_at, updated_at)
        select md5('held-job-' || n)::uuid, ${projectId}, 'on-call.execute-rule', ${ranAt} + ${HELD_MINUTES} * interval '1 minute',
          jsonb_build_object('executionId', ${exec}, 'repeat', 1, 'afterOrder', 1), 'oncall:' || ${exec} || ':step:1:1',
          'execution:' || ${exec}, ${ranAt}, ${ranAt}
        from generate_series(1, ${n}) n`.execute(tx);
    });
    for (const table of ['on_call_policy_execution', 'on_call_policy_execution_timeline', 'user_notification_log', 'notification_outbox', 'job']) {
      await sql`vacuum analyze ${sql.table(table)}`.execute(db);
    }
    const bulkSeconds = (performance.now() - t0) / 1000;
    log(`${engine}: ${n} held runs written in ${fmt(bulkSeconds, 1)} s`);

    phases.push(await phase(`${n} held`));
    return { engine, phases, bulkSeconds, peakRssMiB: peakRssMiB() };
  });
}

// ---------------------------------------------------------------------------
// Report (orchestrator)
// ---------------------------------------------------------------------------

function printReport(results: EngineResult[], failed: string[]): void {
  const lines = reportHeading(`Escalations: PagerDuty v2 trigger → first page in the outbox at ${SETTINGS.rate} triggers/s for ${SETTINGS.seconds} s, ` +
    `and the engine's tick and step lateness with ${SETTINGS.active} runs held; API and engine in one process ` +
    `(${SETTINGS.loops} engine loop${SETTINGS.loops > 1 ? 's' : ''}, ${SETTINGS.concurrency > 0 ? `${SETTINGS.concurrency} workers each` : 'workers as `vigil serve`: 4 on PostgreSQL, 1 on PGlite'}), PostgreSQL pool ${SETTINGS.pool}`);
  lines.push(...markdownTable(
    ['engine', 'phase', 'runs active', 'accepted', 'sent/s', '202 p50 ms', '202 p99 ms', 'page p50 ms', 'page p99 ms', 'page max ms', 'from send p99 ms',
      'missing', 'outbox rows', 'drain s', 'pages/s', 'CPU ms/trigger node', 'CPU ms/trigger machine'],
    2,
    results.flatMap((r) => r.phases.map((p) => {
      const l = p.latency;
      return [r.engine, p.name, l.active, `${l.accepted}/${l.sent}`, fmt(l.rate, 0), fmt(l.http.p50), fmt(l.http.p99), fmt(l.fromAccepted.p50),
        fmt(l.fromAccepted.p99), fmt(l.fromAccepted.max), fmt(l.fromSent.p99), l.missing, l.outboxRows, fmt(l.drainSeconds, 1), fmt(l.pagesPerSecond, 0),
        fmt(l.cpuNode, 2), fmt(l.cpuMachine ?? Number.NaN, 2)];
    })),
  ));
  lines.push('');
  lines.push(...markdownTable(
    ['engine', 'phase', 'runs active', 'jobs pending', 'runDue p50 ms', 'runDue p99 ms', 'nextDueAt p50 ms', 'nextDueAt p99 ms', 'due query exec ms',
      'steps', 'lateness p50 ms', 'lateness p99 ms', 'lateness max ms'],
    2,
    results.flatMap((r) => r.phases.map((p) => [r.engine, p.name, p.ticks.active, p.ticks.pendingJobs, fmt(p.ticks.runDue.p50, 2), fmt(p.ticks.runDue.p99, 2),
      fmt(p.ticks.nextDue.p50, 2), fmt(p.ticks.nextDue.p99, 2), fmt(p.ticks.plan.executionMs, 3), p.lateness.n, fmt(p.lateness.p50), fmt(p.lateness.p99),
      fmt(p.lateness.max)])),
  ));
  lines.push('');
  lines.push(...markdownTable(['engine', 'held runs written (5 tables + vacuum analyze)', 'peak RSS'], 1,
    results.map((r) => [r.engine, `${fmt(r.bulkSeconds, 1)} s`, `${fmt(r.peakRssMiB, 0)} MiB`])));
  lines.push(...reportFooter([
    { name: 'page', what: 'from the 202 received to the commit of the trigger\'s first outbox row (seen by LISTEN on a bench-only row trigger)' },
    { name: 'tick', what: `runDue() with nothing due and nextDueAt(), each ${SETTINGS.ticks} times, engine not started; due query exec: the ` +
      'due-time query under EXPLAIN ANALYZE (server-side)' },
    { name: 'lateness', what: 'a step\'s claim − its run_at, for steps falling due 150 ms apart while the engine sleeps' },
  ], [], failed));
  console.log(lines.join('\n'));
}

await runEngineBench({ script: import.meta.url, engines: SETTINGS.engines, engineTimeoutSeconds: SETTINGS.engineTimeoutSeconds, runEngine, printReport });

/**
 * Benchmark of the notification pipeline, against the server as `npm start` runs it (a
 * `vigil serve` child: engine, sender, logging and rate limiter on, limit raised) on
 * PostgreSQL, sending to loopback fakes over real sockets:
 * (a) outbox row written → provider request: BENCH_A_RATE (50) rows per second for
 *     BENCH_A_SECONDS (10), each a webhook request to a receiver in this process; latency =
 *     the request's arrival − the insert's commit;
 * (b) messages per second through the pipeline: BENCH_B_COUNT (5,000) webhook rows, and
 *     BENCH_B_SMS (2,000) SMS rows to as many numbers through a fake Twilio, written in one
 *     transaction each; rate = count / (last arrival − commit);
 * (c) alert accepted → first provider request: BENCH_RATE (200) PagerDuty v2 triggers per
 *     second for BENCH_SECONDS (10), open-loop from a worker thread; each alert runs a policy
 *     whose first rule pages a user over a webhook at once; latency = the webhook's arrival −
 *     the trigger's 202 (and − its send).
 *
 *   npm run bench:notify
 *
 * Goals (issue 10): (a) p99 ≤ 50 ms, (b) ≥ 500 messages/s, (c) p99 ≤ 250 ms on PostgreSQL.
 * Settings: BENCH_DATABASE_URL (postgres://postgres@127.0.0.1:5432/test; a fresh schema is
 * created and dropped), BENCH_A_RATE, BENCH_A_SECONDS, BENCH_B_COUNT, BENCH_B_SMS, BENCH_RATE,
 * BENCH_SECONDS, BENCH_DRAIN_SECONDS (60).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Worker } from 'node:worker_threads';
import { sql } from 'kysely';
import { createProject } from '../src/access/projects.ts';
import { systemClock } from '../src/storage/clock.ts';
import { openDatabase } from '../src/storage/database.ts';
import { newId } from '../src/storage/ids.ts';
import { startFakeTwilio } from '../test/fakes/fake-twilio.ts';
import { Api, postgresChildEnv } from '../test/support/escalations.ts';
import { startVigilServer } from '../test/support/process.ts';
import { log } from './support/log.ts';
import { fmt, markdownTable, reportFooter, reportHeading } from './support/report.ts';
import { intSetting } from './support/settings.ts';
import { machineBusyMs } from './support/usage.ts';

const S = {
  url: process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  aRate: intSetting('BENCH_A_RATE', 50),
  aSeconds: intSetting('BENCH_A_SECONDS', 10),
  bCount: intSetting('BENCH_B_COUNT', 5_000),
  bSms: intSetting('BENCH_B_SMS', 2_000),
  rate: intSetting('BENCH_RATE', 200),
  seconds: intSetting('BENCH_SECONDS', 10),
  drainSeconds: intSetting('BENCH_DRAIN_SECONDS', 60),
};

/** Epoch milliseconds with fractions, comparable with the load worker's. */
const clock = () => performance.timeOrigin + performance.now();

interface Spread {
  readonly n: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

function spread(values: number[]): Spread {
  const v = [...values].sort((a, b) => a - b);
  const at = (q: number) => v[Math.min(v.length - 1, Math.floor(q * v.length))] ?? NaN;
  return { n: v.length, p50: at(0.5), p99: at(0.99), max: v.at(-1) ?? NaN };
}

/** A webhook receiver that stamps each request's arrival by its title (`bench:<tag>`). */
async function startReceiver() {
  const arrivals = new Map<string, number>();
  const waiters: Array<() => void> = [];
  const server = http.createServer((req, res) => {
    const at = clock();
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (body += d));
    req.on('end', () => {
      try {
        const title = (JSON.parse(body) as { data?: { title?: string } }).data?.title ?? '';
        const tag = /bench:(\S+)/.exec(title)?.[1];
        if (tag && !arrivals.has(tag)) arrivals.set(tag, at);
      } catch {
        /* not ours */
      }
      res.writeHead(204).end();
      for (const w of waiters.splice(0)) w();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    arrivals,
    async waitFor(pred: () => boolean, ms: number): Promise<boolean> {
      const end = Date.now() + ms;
      while (!pred()) {
        if (Date.now() > end) return false;
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 200);
        });
      }
      return true;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

function pacedLoad(job: Record<string, unknown>): Promise<{ start: number; end: number; results: { n: number; sentAt: number; doneAt: number; status: number }[] }> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./paced-load-worker.mjs', import.meta.url), { workerData: job });
    worker.once('message', (m) => {
      resolve(m);
      void worker.terminate();
    });
    worker.once('error', reject);
  });
}

async function main(): Promise<void> {
  const schema = `bench_notify_${process.pid}`;
  const admin = await openDatabase({ kind: 'postgres', url: S.url });
  await sql`create schema ${sql.id(schema)}`.execute(admin.db);
  const db = await openDatabase({ kind: 'postgres', url: S.url, schema });
  const receiver = await startReceiver();
  const twilio = await startFakeTwilio({ accountSid: `AC${'b'.repeat(32)}`, authToken: 'bench-token' });
  const env = {
    ...postgresChildEnv(S.url, schema),
    RATE_LIMIT_ENABLED: 'true',
    RATE_LIMIT_MAX: '1000000',
    TWILIO_ACCOUNT_SID: twilio.accountSid,
    TWILIO_AUTH_TOKEN: twilio.authToken,
    TWILIO_FROM_NUMBER: '+15550000000',
    VIGIL_TWILIO_API_URL: twilio.baseUrl,
    VIGIL_WEBHOOK_ALLOW_PRIVATE: 'true',
  };
  log('starting vigil serve on PostgreSQL');
  const server = await startVigilServer(env);
  const lines: string[] = [];
  try {
    const { projectId, userId, apiKey } = await createProject(db.db, systemClock, { name: 'Bench', ownerEmail: `bench-${process.pid}@example.com` });
    const now = new Date();
    const api = new Api(server.url, apiKey);
    // A webhook made as users make one (its signing secret sealed by the server), then verified.
    const hook = (await api.create('user-webhook', { userId, url: receiver.url }))._id as string;
    await sql`update contact_method set is_verified = true where id = ${hook}`.execute(db.db);

    const insertRows = async (rows: { tag: string; method: string; contact: string }[]) => {
      const t = new Date();
      await sql`insert into notification_outbox (id, project_id, idempotency_key, user_id, method, reason, title, body, status, send_after,
          contact_method_id, created_at, updated_at)
        select gen_random_uuid(), ${projectId}, 'bench:' || r.tag, ${userId}, r.method, 'bench', 'bench:' || r.tag, 'Benchmark message', 'Pending',
          ${t}, r.contact::uuid, ${t}, ${t}
        from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as r(tag text, method text, contact text)`.execute(db.db);
      return clock();
    };

    // (a) row written → provider request.
    log(`(a) ${S.aRate} rows/s for ${S.aSeconds} s`);
    const committed = new Map<string, number>();
    const total = S.aRate * S.aSeconds;
    const aStart = clock();
    for (let i = 0; i < total; i++) {
      const wait = aStart + (i * 1000) / S.aRate - clock();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      committed.set(`a${i}`, await insertRows([{ tag: `a${i}`, method: 'webhook', contact: hook }]));
    }
    await receiver.waitFor(() => [...committed.keys()].every((k) => receiver.arrivals.has(k)), S.drainSeconds * 1000);
    const a = spread([...committed].filter(([k]) => receiver.arrivals.has(k)).map(([k, t]) => receiver.arrivals.get(k)! - t));

    // (b) throughput: webhooks, then SMS to distinct numbers.
    log(`(b) ${S.bCount} webhooks in one transaction`);
    const busy0 = await machineBusyMs();
    const bTags = Array.from({ length: S.bCount }, (_, i) => `b${i}`);
    const bCommit = await insertRows(bTags.map((tag) => ({ tag, method: 'webhook', contact: hook })));
    const bDone = await receiver.waitFor(() => bTags.every((t) => receiver.arrivals.has(t)), S.drainSeconds * 1000);
    const bLast = Math.max(...bTags.map((t) => receiver.arrivals.get(t) ?? NaN));
    const busy1 = await machineBusyMs();
    const webhookRate = bDone ? S.bCount / ((bLast - bCommit) / 1000) : NaN;

    log(`(b) ${S.bSms} SMS to as many numbers`);
    const numbers = Array.from({ length: S.bSms }, (_, i) => ({ id: newId(), phone: `+1555${String(1_000_000 + i).padStart(7, '0')}` }));
    await sql`insert into contact_method (id, project_id, user_id, kind, address, is_verified, created_at, updated_at)
      select r.id::uuid, ${projectId}, ${userId}, 'sms', r.phone, true, ${now}, ${now}
      from jsonb_to_recordset(${JSON.stringify(numbers)}::jsonb) as r(id text, phone text)`.execute(db.db);
    const smsBefore = twilio.messages.length;
    const sCommit = await insertRows(numbers.map((n, i) => ({ tag: `s${i}`, method: 'sms', contact: n.id })));
    let sLast = NaN;
    const smsEnd = Date.now() + S.drainSeconds * 1000;
    while (twilio.messages.length - smsBefore < S.bSms && Date.now() < smsEnd) await new Promise((r) => setTimeout(r, 20));
    if (twilio.messages.length - smsBefore >= S.bSms) sLast = clock();
    const smsRate = S.bSms / ((sLast - sCommit) / 1000);

    // (c) PagerDuty trigger → first provider request.
    log(`(c) ${S.rate} triggers/s for ${S.seconds} s`);
    const policy = await api.create('on-call-duty-policy', { name: 'Bench' });
    await api.create('on-call-duty-policy-escalation-rule', { onCallDutyPolicyId: policy._id, name: 'Now', order: 1, escalateAfterInMinutes: 30,
      notificationMethods: [{ method: 'webhook', afterMinutes: 0 }] }, { users: [userId], teams: [], onCallSchedules: [] });
    const integration = await api.create('integration', { name: 'PD', integrationType: 'pagerduty-events-v2' });
    await api.create('integration-on-call-duty-policy', { integrationId: integration._id, onCallDutyPolicyId: policy._id });
    const port = Number(new URL(server.url).port);
    const load = await pacedLoad({
      port,
      path: '/v2/enqueue',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ routing_key: integration.routingKey, event_action: 'trigger', dedup_key: 'c__N__',
        payload: { summary: 'bench:c__N__ disk full', source: 'db-1', severity: 'critical' } }),
      placeholder: '__N__',
      rate: S.rate,
      seconds: S.seconds,
    });
    const accepted = load.results.filter((r) => r.status === 202);
    await receiver.waitFor(() => accepted.every((r) => receiver.arrivals.has(`c${r.n}`)), S.drainSeconds * 1000);
    const seen = accepted.filter((r) => receiver.arrivals.has(`c${r.n}`));
    const fromAccept = spread(seen.map((r) => receiver.arrivals.get(`c${r.n}`)! - r.doneAt));
    const fromSend = spread(seen.map((r) => receiver.arrivals.get(`c${r.n}`)! - r.sentAt));
    // Where the time went: alert stored → its page requested (the engine's run start) → claimed → provider took it.
    const stages = await sql<{ engine: number; claim: number; send: number }>`select
        extract(epoch from (o.created_at - a.created_at)) * 1000 as engine,
        extract(epoch from (d.created_at - o.created_at)) * 1000 as claim,
        extract(epoch from (d.sent_at - d.created_at)) * 1000 as send
      from alert a join notification_outbox o on o.alert_id = a.id and o.parent_id is null
        join notification_outbox c on c.parent_id = o.id join notification_delivery d on d.outbox_id = c.id
      where a.project_id = ${projectId}`.execute(db.db);
    const stage = (k: 'engine' | 'claim' | 'send') => spread(stages.rows.map((r) => Number(r[k])));
    const dup = await sql<{ n: string }>`select count(*) as n from notification_delivery where project_id = ${projectId} and status = 'Sent'`.execute(db.db);

    lines.push(...reportHeading('### bench:notify (vigil serve on PostgreSQL; loopback fakes)'));
    lines.push(...markdownTable(['case', 'count', 'p50 ms', 'p99 ms', 'max ms', 'rate /s', 'goal'], 1, [
      ['(a) row → webhook request', a.n, fmt(a.p50), fmt(a.p99), fmt(a.max), S.aRate, 'p99 ≤ 50 ms'],
      ['(b) webhooks through the pipeline', S.bCount, '-', '-', '-', fmt(webhookRate, 0), '≥ 500/s'],
      ['(b) SMS through the pipeline (fake Twilio)', S.bSms, '-', '-', '-', fmt(smsRate, 0), '≥ 500/s'],
      ['(c) trigger 202 → first webhook', fromAccept.n, fmt(fromAccept.p50), fmt(fromAccept.p99), fmt(fromAccept.max), `${fmt(accepted.length / S.seconds, 0)} sent`, 'p99 ≤ 250 ms'],
      ['(c) trigger sent → first webhook', fromSend.n, fmt(fromSend.p50), fmt(fromSend.p99), fmt(fromSend.max), '', ''],
    ]));
    lines.push('', ...markdownTable(['(c) stage', 'p50 ms', 'p99 ms', 'max ms'], 1, [
      ['alert stored → page requested (engine)', fmt(stage('engine').p50), fmt(stage('engine').p99), fmt(stage('engine').max)],
      ['page requested → claimed (sender)', fmt(stage('claim').p50), fmt(stage('claim').p99), fmt(stage('claim').max)],
      ['claimed → provider took it', fmt(stage('send').p50), fmt(stage('send').p99), fmt(stage('send').max)],
    ]));
    lines.push(...reportFooter([], [
      `triggers accepted ${accepted.length}/${load.results.length}; deliveries Sent ${dup.rows[0]?.n}; machine busy during (b) webhooks ${busy0 !== null && busy1 !== null ? fmt((busy1 - busy0) / 1000, 1) : '-'} s CPU`,
    ], []));
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await server.stop('SIGTERM');
    await twilio.close();
    await receiver.close();
    await db.close();
    await sql`drop schema ${sql.id(schema)} cascade`.execute(admin.db);
    await admin.close();
  }
}

await main();

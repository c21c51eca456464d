// Escalations under load, for the crash and two-process tests: `vigil serve` children on one
// database, a policy set up over their HTTP API, incidents and PagerDuty v2 triggers sent to
// them, and the checks that every step of every run happened exactly once.
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import type { Db } from '../../src/storage/database.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Row = Record<string, any>;

/** The environment that points a `vigil serve` child at a PostgreSQL schema (search_path in the URL's connection options). */
export function postgresChildEnv(url: string, schema: string): Record<string, string> {
  const u = new URL(url);
  u.searchParams.set('options', `-c search_path=${schema}`);
  return { DATABASE_URL: u.toString(), RATE_LIMIT_ENABLED: 'false' };
}

/** Creates a project through the admin socket of a server on the embedded database (what `vigil project create` does). */
export function createProjectOverSocket(socketPath: string, name: string): Promise<{ projectId: string; userId: string; apiKey: string }> {
  const body = JSON.stringify({ name, ownerEmail: `owner-${randomUUID()}@example.com` });
  return new Promise((resolve, reject) => {
    const req = http.request(
      { socketPath, path: '/admin/projects', method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(text)) : reject(new Error(`admin socket: ${res.statusCode} ${text}`))));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** A Vigil API over HTTP, acting with one key. */
export class Api {
  constructor(
    readonly baseUrl: string,
    readonly key: string,
  ) {}

  /** Creates a row (`POST /api/<resource>`); throws unless 200. */
  async create(resource: string, data: Row, miscDataProps?: Row): Promise<Row> {
    const res = await this.post(`/api/${resource}`, { data, ...(miscDataProps ? { miscDataProps } : {}) });
    if (res.status !== 200) throw new Error(`create ${resource}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }

  /** `POST /api/<resource>/count`; throws unless 200. */
  async count(resource: string, query: Row = {}): Promise<number> {
    const res = await this.post(`/api/${resource}/count`, { query });
    if (res.status !== 200) throw new Error(`count ${resource}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.count as number;
  }

  /** Raises an incident; answers the status (throws when the connection fails). */
  async raiseIncident(title: string): Promise<number> {
    return (await this.post('/api/incident', { data: { title } })).status;
  }

  /** Sends a PagerDuty Events v2 trigger (no ApiKey: the routing key authenticates); answers the status. */
  async triggerPagerDuty(routingKey: string, dedupKey: string): Promise<number> {
    const res = await fetch(`${this.baseUrl}/v2/enqueue`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        routing_key: routingKey,
        event_action: 'trigger',
        dedup_key: dedupKey,
        payload: { summary: `Disk full (${dedupKey})`, source: 'db-1.example.com', severity: 'critical' },
      }),
    });
    await res.arrayBuffer();
    return res.status;
  }

  private async post(path: string, body: unknown): Promise<{ status: number; body: Row }> {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ApiKey: this.key },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: Row = {};
    try {
      parsed = text ? JSON.parse(text) : {};
    } catch {
      parsed = { text };
    }
    return { status: res.status, body: parsed };
  }
}

/** A policy set up for the tests, and what each of its runs must page. */
export interface EscalationPolicy {
  readonly policyId: string;
  /** The routing key of a PagerDuty v2 integration whose alerts run the policy. */
  readonly routingKey: string;
  /** The users each rule pages, by rule order (the same in every pass). */
  readonly rules: ReadonlyArray<{ readonly order: number; readonly users: readonly string[] }>;
  /** Passes over the rules: 1 + the policy's repeat count. */
  readonly passes: number;
}

/**
 * Sets up, over the API: five project members; a policy of three rules, each due at once
 * after the one before (`escalateAfterInMinutes` 0), paging a user, a team of three, and a
 * second user, repeated `repeats` times when nobody acknowledges; a routing rule that runs it
 * for every incident; and a PagerDuty v2 integration that runs it for every alert it opens.
 */
export async function setUpEscalationPolicy(api: Api, repeats: number): Promise<EscalationPolicy> {
  const member = async (name: string) =>
    (await api.create('user', { email: `${name.toLowerCase()}-${randomUUID()}@example.com`, name, role: 'Project Member' }))._id as string;
  const ann = await member('Ann');
  const crew = [await member('Tom'), await member('Tia'), await member('Ted')];
  const bob = await member('Bob');
  const team = (await api.create('team', { name: `Crew ${randomUUID().slice(0, 6)}` }))._id as string;
  for (const userId of crew) await api.create('team-member', { teamId: team, userId });

  const policyId = (await api.create('on-call-duty-policy', {
    name: 'Primary',
    ...(repeats > 0 ? { repeatPolicyIfNoOneAcknowledges: true, repeatPolicyIfNoOneAcknowledgesNoOfTimes: repeats } : {}),
  }))._id as string;
  const rule = (order: number, targets: { users?: string[]; teams?: string[] }) =>
    api.create('on-call-duty-policy-escalation-rule', { onCallDutyPolicyId: policyId, name: `Rule ${order}`, order, escalateAfterInMinutes: 0 },
      { users: targets.users ?? [], teams: targets.teams ?? [], onCallSchedules: [] });
  await rule(1, { users: [ann] });
  await rule(2, { teams: [team] });
  await rule(3, { users: [bob] });
  await api.create('on-call-duty-policy-routing-rule', { name: 'All incidents', subjectType: 'incident', onCallDutyPolicyIds: [policyId] });
  const pd = await api.create('integration', { name: 'PagerDuty', integrationType: 'pagerduty-events-v2' });
  await api.create('integration-on-call-duty-policy', { integrationId: pd._id, onCallDutyPolicyId: policyId });
  return { policyId, routingKey: pd.routingKey as string, rules: [{ order: 1, users: [ann] }, { order: 2, users: crew }, { order: 3, users: [bob] }], passes: repeats + 1 };
}

/** What is still going on in a project's database. */
export interface Progress {
  readonly subjects: number;
  readonly executions: number;
  readonly running: number;
  readonly pendingJobs: number;
  readonly unconsumedEvents: number;
  /** Steps (jobs after a rule) run so far. */
  readonly stepsDone: number;
  /** Notification requests the sender has not settled yet (pending or in flight). */
  readonly unsentRequests: number;
}

export async function progress(db: Db, projectId: string): Promise<Progress> {
  const r = await sql<Progress>`select
      (select count(*)::int from incident where project_id = ${projectId})
        + (select count(*)::int from alert where project_id = ${projectId}) as subjects,
      (select count(*)::int from on_call_policy_execution where project_id = ${projectId}) as executions,
      (select count(*)::int from on_call_policy_execution where project_id = ${projectId}
        and status in ('Scheduled', 'Started', 'Executing')) as running,
      (select count(*)::int from job where project_id = ${projectId} and state = 'pending') as "pendingJobs",
      (select count(*)::int from domain_event where project_id = ${projectId} and consumed_at is null) as "unconsumedEvents",
      (select count(*)::int from job where project_id = ${projectId} and kind = 'on-call.execute-rule' and state = 'done') as "stepsDone",
      (select count(*)::int from notification_outbox where project_id = ${projectId} and status in ('Pending', 'Sending')) as "unsentRequests"`.execute(db);
  return r.rows[0]!;
}

/** Whether everything started has finished: a run per subject, none running, no job pending, every event consumed, every request settled. */
export function isSettled(p: Progress): boolean {
  return p.executions === p.subjects && p.running === 0 && p.pendingJobs === 0 && p.unconsumedEvents === 0 && p.unsentRequests === 0;
}

/** Polls `check` every 250 ms until it answers true; throws with the last `describe()` after `ms`. */
export async function waitFor(what: string, ms: number, check: () => Promise<boolean>, describe: () => string = () => ''): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms ${describe()}`);
    await sleep(250);
  }
}

/** The outcome of {@link checkEscalations}: counts, and every broken invariant (empty when all hold). */
export interface EscalationCheck {
  readonly incidents: number;
  readonly alerts: number;
  readonly executions: number;
  readonly timelineRows: number;
  readonly userLogRows: number;
  readonly outboxRows: number;
  readonly stepJobs: number;
  readonly problems: string[];
}

const SAMPLE = 5;

/**
 * Checks, in SQL on the project's rows, that every incident and alert has exactly one run;
 * that every run completed every pass over every rule; and that for every (run, pass, rule)
 * exactly the rule's users have one timeline row, one user notification log row and one
 * outbox request each (counted per natural key and per idempotency key, with nothing else
 * written), each expanded by the sender exactly once; that every step job ran once, on its first attempt; that no job is pending or
 * dead and every domain event was consumed without error.
 */
export async function checkEscalations(db: Db, projectId: string, policy: EscalationPolicy): Promise<EscalationCheck> {
  const problems: string[] = [];
  const report = (what: string, rows: Row[]) => {
    if (rows.length > 0) problems.push(`${what}: ${rows.length} (e.g. ${JSON.stringify(rows.slice(0, SAMPLE))})`);
  };
  const q = async <T extends Row>(query: ReturnType<typeof sql<T>>): Promise<T[]> => (await query.execute(db)).rows;

  // What every run must have written: (pass, rule order, user).
  const expected = policy.rules.flatMap((r) =>
    Array.from({ length: policy.passes }, (_, i) => r.users.map((user) => ({ repeat: i + 1, order: r.order, user }))).flat());
  const perRun = expected.length;
  const expectedRows = sql`select * from unnest(${expected.map((e) => e.repeat)}::int[], ${expected.map((e) => e.order)}::int[],
    ${expected.map((e) => e.user)}::uuid[]) as x(repeat, rule_order, user_id)`;
  const lastOrder = Math.max(...policy.rules.map((r) => r.order));
  const rulesPerPass = policy.rules.length;

  const [counts] = await q<{ incidents: number; alerts: number; executions: number; timeline: number; user_logs: number; outbox: number; step_jobs: number }>(sql`select
      (select count(*)::int from incident where project_id = ${projectId}) as incidents,
      (select count(*)::int from alert where project_id = ${projectId}) as alerts,
      (select count(*)::int from on_call_policy_execution where project_id = ${projectId}) as executions,
      (select count(*)::int from on_call_policy_execution_timeline where project_id = ${projectId}) as timeline,
      (select count(*)::int from user_notification_log where project_id = ${projectId}) as user_logs,
      (select count(*)::int from notification_outbox where project_id = ${projectId} and parent_id is null) as outbox,
      (select count(*)::int from job where project_id = ${projectId} and kind = 'on-call.execute-rule') as step_jobs`);

  // One run per subject: none lost, none doubled.
  report('incidents without exactly one run', await q(sql`select i.id, count(e.id)::int as runs from incident i
    left join on_call_policy_execution e on e.triggered_by_incident_id = i.id
    where i.project_id = ${projectId} group by i.id having count(e.id) <> 1`));
  report('alerts without exactly one run', await q(sql`select a.id, count(e.id)::int as runs from alert a
    left join on_call_policy_execution e on e.triggered_by_alert_id = a.id
    where a.project_id = ${projectId} group by a.id having count(e.id) <> 1`));
  report('runs of another policy or without a subject', await q(sql`select id from on_call_policy_execution
    where project_id = ${projectId} and (policy_id <> ${policy.policyId} or num_nonnulls(triggered_by_incident_id, triggered_by_alert_id) <> 1)`));

  // Every run completed every pass and paged everyone once per rule and pass.
  report('runs not completed after every pass', await q(sql`select id, status, on_call_policy_execution_repeat_count as passes,
      last_executed_escalation_rule_order as last_order, users_notified
    from on_call_policy_execution where project_id = ${projectId}
      and not (status = 'Execution Completed' and on_call_policy_execution_repeat_count = ${policy.passes}
        and last_executed_escalation_rule_order = ${lastOrder} and users_notified = ${perRun})`));

  // Timeline: exactly one row per (run, pass, rule, user), and no other row.
  report('timeline rows per (run, pass, rule, user) other than one', await q(sql`with
      want as (select e.id as execution_id, x.repeat, x.rule_order, x.user_id from on_call_policy_execution e
        cross join (${expectedRows}) x where e.project_id = ${projectId}),
      got as (select execution_id, repeat_count as repeat, rule_order, alert_sent_to_user_id as user_id, count(*)::int as n,
          string_agg(distinct status, ',') as statuses
        from on_call_policy_execution_timeline where project_id = ${projectId} group by 1, 2, 3, 4)
    select execution_id, repeat, rule_order, user_id, coalesce(got.n, 0) as n, want.execution_id is not null as expected, got.statuses
    from want full join got using (execution_id, repeat, rule_order, user_id)
    where got.n is distinct from 1 or want.execution_id is null or got.statuses <> 'Executing'`));

  // User notification log: one per (run, pass, rule, user), on its own timeline row.
  report('user notification log rows per (run, pass, rule, user) other than one', await q(sql`with
      want as (select e.id as execution_id, x.repeat, x.rule_order, x.user_id from on_call_policy_execution e
        cross join (${expectedRows}) x where e.project_id = ${projectId}),
      got as (select u.execution_id, t.repeat_count as repeat, t.rule_order, u.user_id, count(*)::int as n
        from user_notification_log u left join on_call_policy_execution_timeline t on t.id = u.timeline_id
        where u.project_id = ${projectId} group by 1, 2, 3, 4)
    select execution_id, repeat, rule_order, user_id, coalesce(got.n, 0) as n, want.execution_id is not null as expected
    from want full join got using (execution_id, repeat, rule_order, user_id)
    where got.n is distinct from 1 or want.execution_id is null`));
  report('user notification log rows not matching their timeline row', await q(sql`select u.id from user_notification_log u
    join on_call_policy_execution_timeline t on t.id = u.timeline_id
    where u.project_id = ${projectId} and (t.execution_id <> u.execution_id or t.alert_sent_to_user_id <> u.user_id or t.rule_id <> u.rule_id)`));
  report('user notification log rows per timeline row other than one', await q(sql`select t.id, count(u.id)::int as n
    from on_call_policy_execution_timeline t left join user_notification_log u on u.timeline_id = t.id
    where t.project_id = ${projectId} group by t.id having count(u.id) <> 1`));

  // Outbox: one request per (run, pass, rule, user), under the key of that step, and one per key.
  report('outbox rows sharing an idempotency key', await q(sql`select idempotency_key, count(*)::int as n from notification_outbox
    where project_id = ${projectId} group by idempotency_key having count(*) > 1`));
  report('outbox rows per (run, pass, rule, user) other than one', await q(sql`with
      want as (select e.id as execution_id, x.repeat, x.rule_order, x.user_id,
          'oncall:' || e.id || ':' || x.repeat || ':' || x.rule_order || ':' || x.user_id || ':personal' as key
        from on_call_policy_execution e cross join (${expectedRows}) x where e.project_id = ${projectId}),
      got as (select on_call_duty_policy_execution_log_id as execution_id, (payload->>'repeat')::int as repeat,
          (payload->>'ruleOrder')::int as rule_order, user_id, count(*)::int as n, min(idempotency_key) as key
        from notification_outbox where project_id = ${projectId} and parent_id is null group by 1, 2, 3, 4)
    select execution_id, repeat, rule_order, user_id, coalesce(got.n, 0) as n, want.execution_id is not null as expected, got.key
    from want full join got using (execution_id, repeat, rule_order, user_id)
    where got.n is distinct from 1 or want.execution_id is null or got.key <> want.key`));
  // The sender expands each step's request (the users have no personal rules: email, the fallback) exactly once.
  report('step requests not expanded into exactly one email request', await q(sql`select p.id, p.status, count(c.id)::int as children
    from notification_outbox p left join notification_outbox c on c.parent_id = p.id
    where p.project_id = ${projectId} and p.parent_id is null and p.status <> 'Cancelled'
    group by p.id, p.status having count(c.id) <> 1 or p.status <> 'Expanded'`));
  report('outbox rows not tied to their user notification log row', await q(sql`select o.id from notification_outbox o
    left join user_notification_log u on u.id = o.user_notification_log_id
    where o.project_id = ${projectId} and (u.id is null or u.user_id <> o.user_id or u.execution_id <> o.on_call_duty_policy_execution_log_id)`));

  // Jobs: each run's steps (one after each rule of each pass), each run once, first time; nothing pending or dead.
  report('runs without exactly one step job per rule and pass', await q(sql`select e.id, count(j.id)::int as steps,
      count(distinct j.idempotency_key)::int as keys
    from on_call_policy_execution e left join job j on j.group_key = 'execution:' || e.id and j.kind = 'on-call.execute-rule'
    where e.project_id = ${projectId} group by e.id having count(j.id) <> ${rulesPerPass * policy.passes}`));
  report('jobs pending, dead, failed or retried', await q(sql`select idempotency_key, kind, state, attempts, last_error from job
    where project_id = ${projectId} and (state not in ('done', 'cancelled') or attempts > 0 or last_error is not null)`));
  report('step jobs not run', await q(sql`select idempotency_key, state from job
    where project_id = ${projectId} and kind = 'on-call.execute-rule' and state <> 'done'`));
  report('domain events not consumed, or consumed after an error', await q(sql`select id, event_type, consumed_at, attempts, last_error
    from domain_event where project_id = ${projectId} and (consumed_at is null or attempts > 0 or last_error is not null)`));

  const c = counts!;
  const runs = c.executions;
  if (c.timeline !== runs * perRun) problems.push(`timeline rows: ${c.timeline}, expected ${runs * perRun}`);
  if (c.user_logs !== runs * perRun) problems.push(`user notification log rows: ${c.user_logs}, expected ${runs * perRun}`);
  if (c.outbox !== runs * perRun) problems.push(`outbox rows: ${c.outbox}, expected ${runs * perRun}`);
  if (c.step_jobs !== runs * rulesPerPass * policy.passes) problems.push(`step jobs: ${c.step_jobs}, expected ${runs * rulesPerPass * policy.passes}`);
  return {
    incidents: c.incidents,
    alerts: c.alerts,
    executions: runs,
    timelineRows: c.timeline,
    userLogRows: c.user_logs,
    outboxRows: c.outbox,
    stepJobs: c.step_jobs,
    problems,
  };
}

/**
 * Sends `send(n)` for n = first, first+1, ... with `concurrency` requests in flight until
 * `enough()` or `stop()`; a request that fails (the server was killed) is counted, not
 * retried. Answers how many were accepted, refused and cut off.
 */
export async function sendConcurrently(
  concurrency: number,
  next: () => number | undefined,
  send: (n: number) => Promise<boolean>,
  stop: () => boolean,
): Promise<{ accepted: number; refused: number; cut: number }> {
  const out = { accepted: 0, refused: 0, cut: 0 };
  const lane = async () => {
    while (!stop()) {
      const n = next();
      if (n === undefined) return;
      try {
        if (await send(n)) out.accepted += 1;
        else out.refused += 1;
      } catch {
        out.cut += 1;
        return;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  return out;
}

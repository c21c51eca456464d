// POST /api/on-call-duty-policy/:id/simulate on the fake clock: the timeline of who would be
// paged when and how, resolved with the runs' own code (hand-offs, overrides, teams, dedup,
// gaps and their re-checks, repeats, channel order), nothing written, and the same steps as
// the real run of the same incident when the clock is then advanced.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { after, before, test } from 'node:test';
import type { CreatedProject } from '../src/access/projects.ts';
import { startHarness, type Harness } from './support/harness.ts';
import {
  create,
  executions,
  expect400,
  iso,
  member,
  MINUTE,
  outbox,
  policy,
  raise,
  routeAll,
  rule,
  severityId,
  team,
  timeline,
  type Row,
} from './support/policies.ts';
import { makeSchedule, rotation } from './support/schedules.ts';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(() => h.close());

const WEEK = 7 * 24 * 60 * MINUTE;

async function simulate(p: CreatedProject, policyId: string, body?: Row, key = p.apiKey) {
  return h.call('POST', `/api/on-call-duty-policy/${policyId}/simulate`, { key, ...(body !== undefined ? { body } : {}) });
}

async function simulated(p: CreatedProject, policyId: string, body?: Row): Promise<Row> {
  const res = await simulate(p, policyId, body);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
}

/** Rows written anywhere a run, its pages or its jobs would leave a trace. */
async function traces(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const table of ['on_call_policy_execution', 'on_call_policy_execution_timeline', 'user_notification_log', 'notification_outbox', 'job', 'domain_event', 'activity']) {
    const res = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)}`.execute(h.database.db);
    out[table] = res.rows[0]!.n;
  }
  return out;
}

/** Simulated entries in the shape of timeline rows: [status, order, repeat, user, team, schedule, overridden, at]. */
function asTimeline(entries: readonly Row[]): unknown[][] {
  return entries.map((e) => [
    e.kind === 'notify' ? 'Executing' : 'Skipped',
    e.ruleOrder,
    e.repeat,
    e.userId ?? null,
    e.via?.teamId ?? e.teamId ?? null,
    e.via?.scheduleId ?? e.scheduleId ?? null,
    e.via?.overriddenUserId ?? null,
    e.at,
  ]);
}

function realTimeline(rows: readonly Row[]): unknown[][] {
  return rows.map((r) => [r.status, r.order, r.repeat, r.user, r.team, r.schedule, r.overrided, r.at]);
}

/** Who is paged at which instant, per step, from either side: [order, repeat, user, at]. */
const notifySteps = (entries: readonly Row[]) => entries.filter((e) => e.kind === 'notify').map((e) => [e.ruleOrder, e.repeat, e.userId, e.at]);
const realSteps = (rows: readonly Row[]) => rows.filter((r) => r.status === 'Executing').map((r) => [r.order, r.repeat, r.user, r.at]);

/** Methods per page, sorted: [user, method (null = personal rules), at]. */
function simulatedMethods(entries: readonly Row[]): unknown[][] {
  return entries
    .filter((e) => e.kind === 'notify')
    .flatMap((e) => e.methods.map((m: Row) => [e.userId, m.method === 'personal' ? null : m.method, m.at]))
    .sort(byJson);
}
const byJson = (a: unknown, b: unknown) => JSON.stringify(a).localeCompare(JSON.stringify(b));

/** Triggers the policy for a new incident now and advances the clock by `minutes`; answers the run's timeline. */
async function runForReal(p: CreatedProject, policyId: string, minutes: number): Promise<{ rows: Row[]; run: Row }> {
  await routeAll(h, p, 'incident', [policyId]);
  await raise(h, p, 'incident');
  await h.runEngine();
  await h.advance(minutes * MINUTE);
  const [run] = await executions(h, p);
  assert.ok(run);
  return { rows: await timeline(h, p, run._id), run };
}

test('a hand-off during the escalation changes the schedule target; channel order, team, dedup and repeats; nothing written; the real run matches', async () => {
  const p = await h.project();
  const [ann, bob, dan, eve] = [await member(h, p, 'Ann'), await member(h, p, 'Bob'), await member(h, p, 'Dan'), await member(h, p, 'Eve')];
  const t0 = h.clock.now().getTime();
  // Weekly rotation Dan → Eve; the hand-off to Eve falls 20 minutes into the escalation.
  const { scheduleId } = await makeSchedule(h, p, {
    name: 'Primary',
    timezone: 'UTC',
    layers: [{ startsAt: iso(t0 + 20 * MINUTE - WEEK), rotation: rotation('Week', 1), userIds: [dan.id, eve.id] }],
  });
  const ops = await team(h, p, 'Ops', [bob.id, ann.id]);
  const policyId = await policy(h, p, { name: 'Database', repeatPolicyIfNoOneAcknowledges: true, repeatPolicyIfNoOneAcknowledgesNoOfTimes: 1 });
  const rule1 = await rule(h, p, policyId, {
    order: 1,
    name: 'First line',
    escalateAfterInMinutes: 30,
    users: [ann.id],
    onCallSchedules: [scheduleId],
    notificationMethods: [{ method: 'call', afterMinutes: 5 }, { method: 'sms', afterMinutes: 0 }],
  });
  const rule2 = await rule(h, p, policyId, { order: 2, name: 'Everyone', escalateAfterInMinutes: 15, teams: [ops], users: [ann.id], onCallSchedules: [scheduleId] });

  const before = await traces();
  const body = await simulated(p, policyId);
  assert.deepEqual(await traces(), before, 'a simulation writes nothing: no run, timeline, user log, outbox row, job, event or activity');

  assert.deepEqual(body.summary, {
    policyId,
    policyName: 'Database',
    from: iso(t0),
    until: iso(t0 + 1440 * MINUTE),
    completesAt: iso(t0 + 90 * MINUTE),
    repeats: 1,
    passes: 2,
    truncated: false,
    severity: null,
    notificationTitle: 'On-call policy "Database" needs you',
    rules: [
      {
        ruleId: rule1, ruleOrder: 1, ruleName: 'First line', escalateAfterInMinutes: 30,
        notificationMethods: [{ method: 'sms', afterMinutes: 0 }, { method: 'call', afterMinutes: 5 }],
        runsAt: [{ repeat: 1, at: iso(t0) }, { repeat: 2, at: iso(t0 + 45 * MINUTE) }],
      },
      {
        ruleId: rule2, ruleOrder: 2, ruleName: 'Everyone', escalateAfterInMinutes: 15, notificationMethods: null,
        runsAt: [{ repeat: 1, at: iso(t0 + 30 * MINUTE) }, { repeat: 2, at: iso(t0 + 75 * MINUTE) }],
      },
    ],
  });
  const r1 = { ruleOrder: 1, ruleId: rule1, ruleName: 'First line' };
  const r2 = { ruleOrder: 2, ruleId: rule2, ruleName: 'Everyone' };
  const channel = (at: number) => [{ method: 'sms', at: iso(at) }, { method: 'call', at: iso(at + 5 * MINUTE) }];
  const personal = (at: number) => ({ methods: [{ method: 'personal', at: iso(at) }], note: body.timeline[2].note });
  assert.match(body.timeline[2].note, /personal notification rules/);
  assert.deepEqual(body.timeline, [
    { kind: 'notify', at: iso(t0), ...r1, repeat: 1, userId: ann.id, userName: 'Ann', via: { kind: 'user' }, methods: channel(t0) },
    { kind: 'notify', at: iso(t0), ...r1, repeat: 1, userId: dan.id, userName: 'Dan', via: { kind: 'schedule', scheduleId }, methods: channel(t0) },
    { kind: 'notify', at: iso(t0 + 30 * MINUTE), ...r2, repeat: 1, userId: bob.id, userName: 'Bob', via: { kind: 'team', teamId: ops }, ...personal(t0 + 30 * MINUTE) },
    { kind: 'notify', at: iso(t0 + 30 * MINUTE), ...r2, repeat: 1, userId: ann.id, userName: 'Ann', via: { kind: 'team', teamId: ops }, ...personal(t0 + 30 * MINUTE) },
    {
      kind: 'skip', at: iso(t0 + 30 * MINUTE), ...r2, repeat: 1, reason: 'duplicate', skipped: 'already paged by an earlier target of this rule',
      userId: ann.id, via: { kind: 'user' },
    },
    { kind: 'notify', at: iso(t0 + 30 * MINUTE), ...r2, repeat: 1, userId: eve.id, userName: 'Eve', via: { kind: 'schedule', scheduleId }, ...personal(t0 + 30 * MINUTE) },
    { kind: 'notify', at: iso(t0 + 45 * MINUTE), ...r1, repeat: 2, userId: ann.id, userName: 'Ann', via: { kind: 'user' }, methods: channel(t0 + 45 * MINUTE) },
    { kind: 'notify', at: iso(t0 + 45 * MINUTE), ...r1, repeat: 2, userId: eve.id, userName: 'Eve', via: { kind: 'schedule', scheduleId }, methods: channel(t0 + 45 * MINUTE) },
    { kind: 'notify', at: iso(t0 + 75 * MINUTE), ...r2, repeat: 2, userId: bob.id, userName: 'Bob', via: { kind: 'team', teamId: ops }, ...personal(t0 + 75 * MINUTE) },
    { kind: 'notify', at: iso(t0 + 75 * MINUTE), ...r2, repeat: 2, userId: ann.id, userName: 'Ann', via: { kind: 'team', teamId: ops }, ...personal(t0 + 75 * MINUTE) },
    {
      kind: 'skip', at: iso(t0 + 75 * MINUTE), ...r2, repeat: 2, reason: 'duplicate', skipped: 'already paged by an earlier target of this rule',
      userId: ann.id, via: { kind: 'user' },
    },
    { kind: 'notify', at: iso(t0 + 75 * MINUTE), ...r2, repeat: 2, userId: eve.id, userName: 'Eve', via: { kind: 'schedule', scheduleId }, ...personal(t0 + 75 * MINUTE) },
  ]);

  // The same incident for real, the clock run to the end: the same pages at the same instants.
  const { rows, run } = await runForReal(p, policyId, 90);
  assert.deepEqual(realSteps(rows), notifySteps(body.timeline));
  assert.deepEqual(realTimeline(rows), asTimeline(body.timeline));
  assert.deepEqual((await outbox(h, p)).map((o) => [o.user, o.method, o.sendAfter]).sort(byJson), simulatedMethods(body.timeline));
  assert.equal((await executions(h, p))[0]!.status, 'Execution Completed');
  assert.equal(run.status, 'Execution Completed');
  assert.equal(h.clock.now().getTime(), Date.parse(body.summary.completesAt));
});

test('an override for the policy beats a global one; an override starting during the escalation shows at the later rule', async () => {
  const p = await h.project();
  const [ann, bob, carl, dan, eve] = [
    await member(h, p, 'Ann'), await member(h, p, 'Bob'), await member(h, p, 'Carl'), await member(h, p, 'Dan'), await member(h, p, 'Eve'),
  ];
  const t0 = h.clock.now().getTime();
  const { scheduleId } = await makeSchedule(h, p, {
    timezone: 'UTC',
    layers: [{ startsAt: iso(t0 - 60 * MINUTE), rotation: rotation('Day', 1), userIds: [ann.id] }],
  });
  const mine = await policy(h, p, { name: 'Mine' });
  const other = await policy(h, p, { name: 'Other' });
  for (const policyId of [mine, other]) {
    await rule(h, p, policyId, { order: 1, escalateAfterInMinutes: 10, onCallSchedules: [scheduleId] });
    await rule(h, p, policyId, { order: 2, escalateAfterInMinutes: 10, users: [bob.id] });
  }
  for (const data of [
    { overrideUserId: ann.id, routeAlertsToUserId: carl.id, startsAt: iso(t0 - MINUTE), endsAt: iso(t0 + 24 * 60 * MINUTE) },
    { overrideUserId: ann.id, routeAlertsToUserId: dan.id, onCallDutyPolicyId: mine, startsAt: iso(t0 - MINUTE), endsAt: iso(t0 + 24 * 60 * MINUTE) },
    // Bob is covered by Eve for this policy from five minutes in.
    { overrideUserId: bob.id, routeAlertsToUserId: eve.id, onCallDutyPolicyId: mine, startsAt: iso(t0 + 5 * MINUTE), endsAt: iso(t0 + 60 * MINUTE) },
  ]) {
    await create(h, p, 'on-call-duty-policy-user-override', data);
  }
  const pick = (body: Row) => body.timeline.map((e: Row) => [e.ruleOrder, e.userId, e.via, e.at]);
  const mineSim = await simulated(p, mine);
  assert.deepEqual(pick(mineSim), [
    [1, dan.id, { kind: 'schedule', scheduleId, overriddenUserId: ann.id }, iso(t0)],
    [2, eve.id, { kind: 'user', overriddenUserId: bob.id }, iso(t0 + 10 * MINUTE)],
  ]);
  assert.deepEqual(pick(await simulated(p, other)), [
    [1, carl.id, { kind: 'schedule', scheduleId, overriddenUserId: ann.id }, iso(t0)],
    [2, bob.id, { kind: 'user' }, iso(t0 + 10 * MINUTE)],
  ]);
  // Simulated from before the overrides start: Ann and Bob themselves.
  assert.deepEqual(pick(await simulated(p, mine, { at: iso(t0 - 30 * MINUTE) })).map((x: unknown[]) => x[1]), [ann.id, bob.id]);

  const { rows } = await runForReal(p, mine, 20);
  assert.deepEqual(realSteps(rows), notifySteps(mineSim.timeline));
  assert.deepEqual(realTimeline(rows), asTimeline(mineSim.timeline));
});

test('repeats: the summary counts the passes and when each rule runs; the horizon cuts the walk but not completesAt; `at` sets the start', async () => {
  const p = await h.project();
  const ann = await member(h, p, 'Ann');
  const policyId = await policy(h, p, { repeatPolicyIfNoOneAcknowledges: true, repeatPolicyIfNoOneAcknowledgesNoOfTimes: 2 });
  const ruleId = await rule(h, p, policyId, { order: 3, escalateAfterInMinutes: 5, users: [ann.id] });
  const t0 = h.clock.now().getTime();
  const full = await simulated(p, policyId, {});
  assert.deepEqual(full.timeline.map((e: Row) => [e.repeat, e.ruleOrder, e.userId, e.at]), [
    [1, 3, ann.id, iso(t0)],
    [2, 3, ann.id, iso(t0 + 5 * MINUTE)],
    [3, 3, ann.id, iso(t0 + 10 * MINUTE)],
  ]);
  assert.deepEqual([full.summary.repeats, full.summary.passes, full.summary.completesAt, full.summary.truncated], [2, 3, iso(t0 + 15 * MINUTE), false]);
  assert.deepEqual(full.summary.rules[0].runsAt.map((r: Row) => r.at), [0, 5, 10].map((m) => iso(t0 + m * MINUTE)));

  const cut = await simulated(p, policyId, { horizonMinutes: 7 });
  assert.equal(cut.timeline.length, 2);
  assert.deepEqual([cut.summary.until, cut.summary.completesAt, cut.summary.truncated], [iso(t0 + 7 * MINUTE), iso(t0 + 15 * MINUTE), true]);

  const later = await simulated(p, policyId, { at: '2030-01-01T12:00:00+02:00' });
  assert.deepEqual(later.timeline.map((e: Row) => e.at), ['2030-01-01T10:00:00.000Z', '2030-01-01T10:05:00.000Z', '2030-01-01T10:10:00.000Z']);
  assert.equal(later.summary.from, '2030-01-01T10:00:00.000Z');

  const { rows } = await runForReal(p, policyId, 15);
  assert.deepEqual(realSteps(rows), notifySteps(full.timeline));
  assert.deepEqual((await outbox(h, p)).map((o) => [o.user, o.method, o.sendAfter]).sort(byJson), simulatedMethods(full.timeline));
  assert.equal(ruleId, full.timeline[0].ruleId);

  const empty = await policy(h, p, { name: 'No rules' });
  const none = await simulated(p, empty);
  assert.deepEqual([none.timeline, none.summary.passes, none.summary.completesAt, none.summary.rules], [[], 0, iso(h.clock.now().getTime()), []]);
});

test('a schedule gap is an explicit entry; the rule is re-checked as a run would, and someone coming on call is paged then', async () => {
  const p = await h.project();
  const ann = await member(h, p, 'Ann');
  const t0 = h.clock.now().getTime();
  const nobody = await makeSchedule(h, p, { name: 'Nights', timezone: 'UTC', layers: [] });
  // Ann comes on call three minutes into the escalation.
  const later = await makeSchedule(h, p, { name: 'Days', timezone: 'UTC', layers: [{ startsAt: iso(t0 + 3 * MINUTE), rotation: rotation('Day', 1), userIds: [ann.id] }] });
  const policyId = await policy(h, p);
  await rule(h, p, policyId, { order: 1, escalateAfterInMinutes: 10, onCallSchedules: [nobody.scheduleId, later.scheduleId] });
  await rule(h, p, policyId, { order: 2, escalateAfterInMinutes: 3, onCallSchedules: [nobody.scheduleId] });
  const body = await simulated(p, policyId);
  const gapText = (s: { scheduleId: string }, name: string) => `nobody on call in schedule "${name}" (${s.scheduleId})`;
  assert.deepEqual(body.timeline.map((e: Row) => [e.kind, e.ruleOrder, e.at, e.recheck, e.reason ?? e.userId, e.skipped, e.scheduleId ?? e.via?.scheduleId]), [
    ['skip', 1, iso(t0), undefined, 'schedule-gap', gapText(nobody, 'Nights'), nobody.scheduleId],
    ['skip', 1, iso(t0), undefined, 'schedule-gap', gapText(later, 'Days'), later.scheduleId],
    ['skip', 1, iso(t0), undefined, 'no-one-reached',
      `no one reached by this rule yet: nobody on call in its schedule; re-checked every minute until the next step at ${iso(t0 + 10 * MINUTE)}`, undefined],
    ['skip', 1, iso(t0 + 3 * MINUTE), 3, 'schedule-gap', gapText(nobody, 'Nights'), nobody.scheduleId],
    ['notify', 1, iso(t0 + 3 * MINUTE), 3, ann.id, undefined, later.scheduleId],
    ['skip', 2, iso(t0 + 10 * MINUTE), undefined, 'schedule-gap', gapText(nobody, 'Nights'), nobody.scheduleId],
    ['skip', 2, iso(t0 + 10 * MINUTE), undefined, 'no-one-reached',
      `no one reached by this rule yet: nobody on call in its schedule; re-checked every minute until the next step at ${iso(t0 + 13 * MINUTE)}`, undefined],
    ['skip', 2, iso(t0 + 12 * MINUTE), 2, 'no-one-reached',
      'no one reached by this rule: nobody was on call in its schedule at any of 2 re-check(s) before the next step', undefined],
  ]);
  assert.equal(body.summary.completesAt, iso(t0 + 13 * MINUTE));

  const { rows } = await runForReal(p, policyId, 13);
  assert.deepEqual(realTimeline(rows), asTimeline(body.timeline));
  assert.deepEqual(realSteps(rows), [[1, 1, ann.id, iso(t0 + 3 * MINUTE)]]);
});

test('a severity is echoed and titles the pages but never changes the walk, even with routing by severity', async () => {
  const p = await h.project();
  const ann = await member(h, p, 'Ann');
  const policyId = await policy(h, p, { name: 'Payments' });
  await rule(h, p, policyId, { users: [ann.id], escalateAfterInMinutes: 5 });
  const critical = await severityId(h, p, 'incident', 'Critical');
  const alertSeverity = await severityId(h, p, 'alert', 'Critical');
  const minor = await severityId(h, p, 'incident', 'Minor');
  await routeAll(h, p, 'incident', [policyId], { severityIds: [critical] });
  const plain = await simulated(p, policyId);
  const withCritical = await simulated(p, policyId, { severityId: critical.toUpperCase() });
  const withMinor = await simulated(p, policyId, { severityId: minor });
  assert.deepEqual(withCritical.summary.severity, { _id: critical, name: 'Critical', type: 'incident' });
  assert.equal(withCritical.summary.notificationTitle, '[Critical] On-call policy "Payments" needs you');
  assert.deepEqual(withMinor.summary.severity.name, 'Minor');
  assert.deepEqual(withCritical.timeline, plain.timeline);
  assert.deepEqual(withMinor.timeline, plain.timeline);
  assert.deepEqual((await simulated(p, policyId, { severityId: alertSeverity })).summary.severity, { _id: alertSeverity, name: 'Critical', type: 'alert' });
});

test('bad input is a 400 naming the field; another project\'s policy is a 404; no key 401; no read permission 403', async () => {
  const a = await h.project();
  const b = await h.project();
  const policyId = await policy(h, a);
  await rule(h, a, policyId, { users: [a.userId] });
  const otherSeverity = await severityId(h, b, 'incident', 'Critical');
  expect400(await simulate(a, policyId, { at: 'yesterday' }), 'at');
  expect400(await simulate(a, policyId, { at: '2026-13-45T99:00:00Z' }), 'at');
  expect400(await simulate(a, policyId, { at: 1_700_000_000_000 }), 'at');
  expect400(await simulate(a, policyId, { severityId: 'critical' }), 'severityId');
  expect400(await simulate(a, policyId, { severityId: randomUUID() }), 'severityId');
  expect400(await simulate(a, policyId, { severityId: otherSeverity }), 'severityId');
  for (const horizonMinutes of [0, -5, 10_081, 1.5, '60', null]) {
    expect400(await simulate(a, policyId, { horizonMinutes }), 'horizonMinutes');
  }
  expect400(await simulate(a, policyId, { horizon: 60 }), 'horizon');
  expect400(await simulate(a, policyId, [1, 2]), 'body');
  assert.equal((await simulate(a, policyId, { horizonMinutes: 10_080 })).status, 200);
  assert.equal((await simulate(a, policyId)).status, 200, 'no body at all is fine');

  const theirs = await policy(h, b);
  for (const id of [theirs, theirs.toUpperCase(), randomUUID()]) {
    const res = await simulate(a, id);
    assert.equal(res.status, 404, JSON.stringify(res.body));
    assert.match(res.body.error, /No On-Call Duty Policy with _id/);
  }
  assert.equal((await simulate(a, 'not-a-uuid')).status, 400);
  assert.equal((await h.call('POST', `/api/on-call-duty-policy/${policyId}/simulate`, { body: {} })).status, 401);
  const narrow = await create(h, a, 'api-key', { name: 'labels only', permissions: ['Read Label'] });
  const denied = await simulate(a, policyId, {}, narrow.apiKey);
  assert.equal(denied.status, 403, JSON.stringify(denied.body));
  assert.match(denied.body.error, /Read On-Call Duty Policy/);
  const reader = await create(h, a, 'api-key', { name: 'policies only', permissions: ['Read On-Call Duty Policy'] });
  const read = await simulate(a, policyId, {}, reader.apiKey);
  assert.equal(read.status, 200, JSON.stringify(read.body));
  assert.equal(read.body.timeline[0].userId, a.userId);
  assert.equal(read.body.timeline[0].userName, undefined, 'names only for keys that may read users');
});

// Runs of on-call duty policies on the fake clock: rules fire at their instants, targets resolve
// when a rule runs, repeats, acknowledgement and resolution stop everything.
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { after, before, test } from 'node:test';
import { startHarness, type Harness } from './support/harness.ts';
import {
  executions,
  iso,
  jobStates,
  member,
  MINUTE,
  outbox,
  pendingJobs,
  policy,
  raise,
  routeAll,
  rule,
  severityId,
  team,
  timeline,
  userLogs,
} from './support/policies.ts';
import { makeSchedule, rotation } from './support/schedules.ts';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(() => h.close());

test('the first rule runs at once, the next after escalateAfterInMinutes and not before, then the run completes', async () => {
  const p = await h.project();
  const ann = await member(h, p, 'Ann');
  const bob = await member(h, p, 'Bob');
  const policyId = await policy(h, p, { name: 'Database' });
  const rule1 = await rule(h, p, policyId, { order: 1, name: 'First line', escalateAfterInMinutes: 5, users: [ann.id] });
  const rule2 = await rule(h, p, policyId, { order: 2, name: 'Second line', escalateAfterInMinutes: 10, users: [bob.id] });
  await routeAll(h, p, 'incident', [policyId]);
  const critical = await severityId(h, p, 'incident', 'Critical');

  const t0 = h.clock.now().getTime();
  const incidentId = await raise(h, p, 'incident', { title: 'Database down', incidentSeverityId: critical, description: 'Primary is not answering' });
  await h.runEngine();

  const [run] = await executions(h, p);
  assert.ok(run);
  assert.deepEqual(run, {
    _id: run._id,
    projectId: p.projectId,
    onCallDutyPolicyId: policyId,
    triggeredByIncidentId: incidentId,
    triggeredByAlertId: null,
    triggeredByAlertEpisodeId: null,
    triggeredByIncidentEpisodeId: null,
    status: 'Executing',
    statusMessage: `Escalation rule 1 "First line" executed: 1 user(s) notified. Next step at ${iso(t0 + 5 * MINUTE)}.`,
    userNotificationEventType: 'Incident Created',
    acknowledgedByUserId: null,
    acknowledgedAt: null,
    acknowledgedByTeamId: null,
    lastExecutedEscalationRuleOrder: 1,
    lastEscalationRuleExecutedAt: iso(t0),
    lastExecutedEscalationRuleId: rule1,
    executeNextEscalationRuleInMinutes: 5,
    onCallPolicyExecutionRepeatCount: 1,
    triggeredByUserId: null,
    createdByUserId: null,
    createdAt: iso(t0),
  });
  assert.deepEqual(await timeline(h, p, run._id), [
    { order: 1, repeat: 1, user: ann.id, team: null, schedule: null, overrided: null, status: 'Executing', message: 'Sending notification to user through their personal notification rules.', ack: false, at: iso(t0) },
  ]);
  const [annLog] = await userLogs(h, p, run._id);
  assert.deepEqual(
    { ...annLog, _id: undefined, onCallDutyPolicyExecutionLogTimelineId: undefined, createdAt: undefined, updatedAt: undefined },
    {
      _id: undefined,
      projectId: p.projectId,
      userId: ann.id,
      onCallDutyPolicyExecutionLogId: run._id,
      onCallDutyPolicyExecutionLogTimelineId: undefined,
      onCallDutyPolicyId: policyId,
      onCallDutyPolicyEscalationRuleId: rule1,
      onCallDutyPolicyScheduleId: null,
      userBelongsToTeamId: null,
      triggeredByIncidentId: incidentId,
      triggeredByAlertId: null,
      triggeredByAlertEpisodeId: null,
      triggeredByIncidentEpisodeId: null,
      userNotificationEventType: 'Incident Created',
      overridedByUserId: null,
      status: 'Executing',
      statusMessage: 'Sending notification to user through their personal notification rules.',
      isAcknowledged: false,
      acknowledgedAt: null,
      createdAt: undefined,
      updatedAt: undefined,
    },
  );
  const first = await outbox(h, p);
  assert.equal(first.length, 1);
  assert.deepEqual({ ...first[0], payload: undefined }, {
    key: `oncall:${run._id}:1:1:${ann.id}:personal`,
    user: ann.id,
    method: null,
    status: 'Pending',
    sendAfter: iso(t0),
    title: '[Critical] Incident: Database down',
    body: [
      'Incident "Database down" was created (severity Critical).',
      'Primary is not answering',
      'On-call policy "Database", escalation rule 1 "First line".',
      'Acknowledge it to stop the escalation.',
    ].join('\n'),
    incident: incidentId,
    alert: null,
    alertEpisode: null,
    incidentEpisode: null,
    policy: policyId,
    rule: rule1,
    schedule: null,
    team: null,
    execution: run._id,
    userLog: annLog!._id,
    reason: 'on-call-policy',
    payload: undefined,
  });
  assert.equal(first[0]!.payload.timelineId, annLog!.onCallDutyPolicyExecutionLogTimelineId);
  assert.deepEqual(await pendingJobs(h, run._id), [{ kind: 'on-call.execute-rule', runAt: iso(t0 + 5 * MINUTE) }]);

  // One millisecond before the rule is due: nothing more.
  await h.advance(5 * MINUTE - 1);
  assert.equal((await timeline(h, p, run._id)).length, 1);
  assert.equal((await outbox(h, p)).length, 1);

  await h.advance(1);
  const [second] = await executions(h, p);
  assert.equal(second!.lastExecutedEscalationRuleOrder, 2);
  assert.equal(second!.lastExecutedEscalationRuleId, rule2);
  assert.equal(second!.lastEscalationRuleExecutedAt, iso(t0 + 5 * MINUTE));
  assert.equal(second!.executeNextEscalationRuleInMinutes, 10);
  assert.equal(second!.status, 'Executing');
  assert.deepEqual((await timeline(h, p, run._id)).map((r) => [r.order, r.user, r.status, r.at]), [
    [1, ann.id, 'Executing', iso(t0)],
    [2, bob.id, 'Executing', iso(t0 + 5 * MINUTE)],
  ]);
  assert.deepEqual((await outbox(h, p)).map((o) => [o.user, o.rule, o.sendAfter, o.status]), [
    [ann.id, rule1, iso(t0), 'Pending'],
    [bob.id, rule2, iso(t0 + 5 * MINUTE), 'Pending'],
  ]);

  await h.advance(10 * MINUTE - 1);
  assert.equal((await executions(h, p))[0]!.status, 'Executing');
  await h.advance(1);
  const [done] = await executions(h, p);
  assert.equal(done!.status, 'Execution Completed');
  assert.equal(done!.statusMessage, 'Execution completed: every escalation rule ran and no one acknowledged.');
  assert.deepEqual((await userLogs(h, p, run._id)).map((l) => l.status), ['Completed', 'Completed']);
  assert.deepEqual(await pendingJobs(h, run._id), []);
  assert.deepEqual(await jobStates(h, run._id), ['done', 'done']);
});

test('a gap in the order numbering never ends the escalation; a zero wait runs the next rule at once', async () => {
  const p = await h.project();
  const [ann, bob, cat] = [await member(h, p, 'Ann'), await member(h, p, 'Bob'), await member(h, p, 'Cat')];
  const policyId = await policy(h, p);
  await rule(h, p, policyId, { order: 20, escalateAfterInMinutes: 3, users: [cat.id] });
  await rule(h, p, policyId, { order: 1, escalateAfterInMinutes: 0, users: [ann.id] });
  await rule(h, p, policyId, { order: 5, escalateAfterInMinutes: 7, users: [bob.id] });
  await routeAll(h, p, 'alert', [policyId]);
  const t0 = h.clock.now().getTime();
  await raise(h, p, 'alert');
  await h.runEngine();
  const [run] = await executions(h, p);
  assert.deepEqual((await timeline(h, p, run!._id)).map((r) => [r.order, r.user, r.at]), [
    [1, ann.id, iso(t0)],
    [5, bob.id, iso(t0)],
  ]);
  assert.equal(run!.userNotificationEventType, 'Alert Created');
  await h.advance(7 * MINUTE);
  assert.deepEqual((await timeline(h, p, run!._id)).map((r) => [r.order, r.user, r.at]), [
    [1, ann.id, iso(t0)],
    [5, bob.id, iso(t0)],
    [20, cat.id, iso(t0 + 7 * MINUTE)],
  ]);
  await h.advance(3 * MINUTE);
  const [done] = await executions(h, p);
  assert.equal(done!.status, 'Execution Completed');
  assert.equal(done!.lastExecutedEscalationRuleOrder, 20);
  assert.deepEqual((await outbox(h, p)).map((o) => [o.user, o.sendAfter]), [
    [ann.id, iso(t0)],
    [bob.id, iso(t0)],
    [cat.id, iso(t0 + 7 * MINUTE)],
  ]);
});

test('teams expand to their members; a user reached twice in one rule is paged once; an empty team is recorded', async () => {
  const p = await h.project();
  const [ann, bob, cat] = [await member(h, p, 'Ann'), await member(h, p, 'Bob'), await member(h, p, 'Cat')];
  const ops = await team(h, p, 'Ops', [ann.id, bob.id]);
  const db = await team(h, p, 'DB', [bob.id, cat.id]);
  const empty = await team(h, p, 'Empty', []);
  const { scheduleId } = await makeSchedule(h, p, {
    timezone: 'UTC',
    layers: [{ startsAt: '2026-01-01T00:00:00.000Z', rotation: rotation('Week', 1), userIds: [cat.id] }],
  });
  const policyId = await policy(h, p);
  const ruleId = await rule(h, p, policyId, { teams: [ops, db, empty], users: [ann.id], onCallSchedules: [scheduleId] });
  await routeAll(h, p, 'incident', [policyId]);
  const t0 = h.clock.now().getTime();
  await raise(h, p, 'incident');
  await h.runEngine();
  const [run] = await executions(h, p);
  const already = 'Skipped because notification sent to this user already.';
  assert.deepEqual((await timeline(h, p, run!._id)).map((r) => [r.user, r.team, r.schedule, r.status, r.message]), [
    [ann.id, ops, null, 'Executing', 'Sending notification to user through their personal notification rules.'],
    [bob.id, ops, null, 'Executing', 'Sending notification to user through their personal notification rules.'],
    [bob.id, db, null, 'Skipped', already],
    [cat.id, db, null, 'Executing', 'Sending notification to user through their personal notification rules.'],
    [null, empty, null, 'Skipped', 'Skipped because this team has no members.'],
    [ann.id, null, null, 'Skipped', already],
    [cat.id, null, scheduleId, 'Skipped', already],
  ]);
  assert.deepEqual((await userLogs(h, p, run!._id)).map((l) => [l.userId, l.userBelongsToTeamId, l.onCallDutyPolicyScheduleId]), [
    [ann.id, ops, null],
    [bob.id, ops, null],
    [cat.id, db, null],
  ]);
  const rows = await outbox(h, p);
  assert.deepEqual(rows.map((o) => [o.user, o.team, o.rule, o.sendAfter, o.key]), [
    [ann.id, ops, ruleId, iso(t0), `oncall:${run!._id}:1:1:${ann.id}:personal`],
    [bob.id, ops, ruleId, iso(t0), `oncall:${run!._id}:1:1:${bob.id}:personal`],
    [cat.id, db, ruleId, iso(t0), `oncall:${run!._id}:1:1:${cat.id}:personal`],
  ]);
  assert.match(rows[0]!.body, new RegExp(`You are paged because you are a member of team ${ops}\\.`));
});

test('a schedule pages whoever is on call when the rule runs; a policy override beats a global one', async () => {
  const p = await h.project();
  const [ann, bob, carl, dan, eve] = [
    await member(h, p, 'Ann'), await member(h, p, 'Bob'), await member(h, p, 'Carl'), await member(h, p, 'Dan'), await member(h, p, 'Eve'),
  ];
  // Daily hand-off at 09:00 UTC: Ann today (from t0), Bob tomorrow.
  const { scheduleId } = await makeSchedule(h, p, {
    timezone: 'UTC',
    layers: [{ startsAt: '2026-01-05T09:00:00.000Z', rotation: rotation('Day', 1), userIds: [ann.id, bob.id] }],
  });
  const policyId = await policy(h, p);
  const other = await policy(h, p, { name: 'Other' });
  const day = 24 * 60;
  await rule(h, p, policyId, { order: 1, escalateAfterInMinutes: day, onCallSchedules: [scheduleId] });
  await rule(h, p, policyId, { order: 2, escalateAfterInMinutes: day, onCallSchedules: [scheduleId], users: [eve.id] });
  const override = (data: Record<string, unknown>) =>
    h.call('POST', '/api/on-call-duty-policy-user-override', { key: p.apiKey, body: { data: { startsAt: '2026-01-06T08:00:00.000Z', endsAt: '2026-01-06T10:00:00.000Z', ...data } } });
  // Tomorrow Bob is replaced: globally by Carl, for this policy by Dan, for another policy by Ann; Eve for this policy by Carl.
  for (const data of [
    { overrideUserId: bob.id, routeAlertsToUserId: carl.id },
    { overrideUserId: bob.id, routeAlertsToUserId: dan.id, onCallDutyPolicyId: policyId },
    { overrideUserId: bob.id, routeAlertsToUserId: ann.id, onCallDutyPolicyId: other },
    { overrideUserId: eve.id, routeAlertsToUserId: carl.id, onCallDutyPolicyId: policyId },
  ]) {
    const res = await override(data);
    assert.equal(res.status, 200, JSON.stringify(res.body));
  }
  await routeAll(h, p, 'incident', [policyId]);
  const t0 = h.clock.now().getTime();
  await raise(h, p, 'incident');
  await h.runEngine();
  const [run] = await executions(h, p);
  await h.advance(day * MINUTE);
  assert.deepEqual((await timeline(h, p, run!._id)).map((r) => [r.order, r.user, r.schedule, r.overrided, r.status, r.at]), [
    [1, ann.id, scheduleId, null, 'Executing', iso(t0)],
    [2, carl.id, null, eve.id, 'Executing', iso(t0 + day * MINUTE)],
    [2, dan.id, scheduleId, bob.id, 'Executing', iso(t0 + day * MINUTE)],
  ]);
  const rows = await outbox(h, p);
  assert.deepEqual(rows.map((o) => [o.user, o.schedule]), [[ann.id, scheduleId], [carl.id, null], [dan.id, scheduleId]]);
  assert.match(rows[2]!.body, new RegExp(`you are on call in schedule ${scheduleId} and you are standing in for user ${bob.id}`));
  assert.equal((await userLogs(h, p, run!._id))[2]!.overridedByUserId, bob.id);
});

test('with repeats, the rules run again from the first until the count is used up; the count field follows the passes', async () => {
  const p = await h.project();
  const ann = await member(h, p, 'Ann');
  const policyId = await policy(h, p, { repeatPolicyIfNoOneAcknowledges: true, repeatPolicyIfNoOneAcknowledgesNoOfTimes: 2 });
  await rule(h, p, policyId, { order: 3, escalateAfterInMinutes: 5, users: [ann.id] });
  await routeAll(h, p, 'incident', [policyId]);
  const t0 = h.clock.now().getTime();
  await raise(h, p, 'incident');
  await h.runEngine();
  const [run] = await executions(h, p);
  await h.advance(5 * MINUTE);
  assert.equal((await executions(h, p))[0]!.onCallPolicyExecutionRepeatCount, 2);
  await h.advance(5 * MINUTE);
  const third = (await executions(h, p))[0]!;
  assert.equal(third.onCallPolicyExecutionRepeatCount, 3);
  assert.equal(third.status, 'Executing');
  assert.match(third.statusMessage, /^Escalation rule 3 "Rule 3" executed \(repeat 3\)/);
  await h.advance(5 * MINUTE);
  const done = (await executions(h, p))[0]!;
  assert.equal(done.status, 'Execution Completed');
  assert.equal(done.statusMessage, 'Execution completed: every escalation rule ran 3 times and no one acknowledged.');
  assert.deepEqual((await timeline(h, p, run!._id)).map((r) => [r.repeat, r.order, r.at]), [
    [1, 3, iso(t0)],
    [2, 3, iso(t0 + 5 * MINUTE)],
    [3, 3, iso(t0 + 10 * MINUTE)],
  ]);
  assert.deepEqual((await outbox(h, p)).map((o) => o.key), [1, 2, 3].map((n) => `oncall:${run!._id}:${n}:3:${ann.id}:personal`));
  await h.advance(60 * MINUTE);
  assert.equal((await timeline(h, p, run!._id)).length, 3, 'nothing after the end');
});

test('acknowledging through the API stops the run in the same engine run: jobs cancelled, logs acknowledged, requests not yet sent cancelled', async () => {
  const p = await h.project();
  const [ann, bob] = [await member(h, p, 'Ann'), await member(h, p, 'Bob')];
  const ops = await team(h, p, 'Ops', [ann.id]);
  const policyId = await policy(h, p);
  await rule(h, p, policyId, {
    order: 1,
    escalateAfterInMinutes: 10,
    teams: [ops],
    notificationMethods: [{ method: 'call', afterMinutes: 2 }, { method: 'sms', afterMinutes: 0 }],
  });
  await rule(h, p, policyId, { order: 2, users: [bob.id] });
  await routeAll(h, p, 'incident', [policyId]);
  const t0 = h.clock.now().getTime();
  const incidentId = await raise(h, p, 'incident');
  await h.runEngine();
  const [run] = await executions(h, p);
  assert.deepEqual((await outbox(h, p)).map((o) => [o.method, o.sendAfter, o.status, o.key]), [
    ['sms', iso(t0), 'Pending', `oncall:${run!._id}:1:1:${ann.id}:sms`],
    ['call', iso(t0 + 2 * MINUTE), 'Pending', `oncall:${run!._id}:1:1:${ann.id}:call`],
  ]);
  assert.equal((await timeline(h, p, run!._id))[0]!.message, 'Sending notification to user: sms now, call after 2 min.');

  h.clock.advance(MINUTE);
  const ack = await h.call('POST', `/api/incident/${incidentId}/acknowledge`, { key: ann.key });
  assert.equal(ack.status, 200, JSON.stringify(ack.body));
  await h.runEngine();
  const [stopped] = await executions(h, p);
  const msg = `the incident was acknowledged by user ${ann.id}`;
  assert.equal(stopped!.status, 'Execution Completed');
  assert.equal(stopped!.statusMessage, `Execution completed because ${msg}.`);
  assert.equal(stopped!.acknowledgedByUserId, ann.id);
  assert.equal(stopped!.acknowledgedAt, iso(t0 + MINUTE));
  assert.equal(stopped!.acknowledgedByTeamId, ops);
  assert.deepEqual((await timeline(h, p, run!._id)).map((r) => [r.status, r.ack, r.message]), [['Successfully Acknowledged', true, `Acknowledged: ${msg}.`]]);
  const [log] = await userLogs(h, p, run!._id);
  assert.deepEqual([log!.status, log!.isAcknowledged, log!.acknowledgedAt, log!.statusMessage], ['Completed', true, iso(t0 + MINUTE), `Completed: ${msg}.`]);
  assert.deepEqual((await outbox(h, p)).map((o) => [o.method, o.status]), [['sms', 'Cancelled'], ['call', 'Cancelled']]);
  assert.deepEqual(await pendingJobs(h, run!._id), []);
  assert.deepEqual(await jobStates(h, run!._id), ['cancelled']);
  await h.advance(60 * MINUTE);
  assert.equal((await timeline(h, p, run!._id)).length, 1, 'the second rule never runs');
  assert.equal((await outbox(h, p)).length, 2);
});

test('resolving stops the run; the resolver is recorded as who acknowledged', async () => {
  const p = await h.project();
  const ann = await member(h, p, 'Ann');
  const policyId = await policy(h, p);
  await rule(h, p, policyId, { order: 1, escalateAfterInMinutes: 5, users: [ann.id] });
  await rule(h, p, policyId, { order: 2, users: [ann.id] });
  await routeAll(h, p, 'alert', [policyId]);
  const alertId = await raise(h, p, 'alert');
  await h.runEngine();
  await h.advance(2 * MINUTE);
  const res = await h.call('POST', `/api/alert/${alertId}/resolve`, { key: p.apiKey });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  await h.runEngine();
  const [run] = await executions(h, p);
  assert.equal(run!.status, 'Execution Completed');
  assert.equal(run!.statusMessage, `Execution completed because the alert was resolved by user ${p.userId}.`);
  assert.equal(run!.acknowledgedByUserId, p.userId);
  assert.equal(run!.acknowledgedByTeamId, null);
  await h.advance(30 * MINUTE);
  assert.equal((await timeline(h, p, run!._id)).length, 1);
});

test('a step that finds its subject acknowledged stops the run even before the event is consumed', async () => {
  const p = await h.project();
  const ann = await member(h, p, 'Ann');
  const policyId = await policy(h, p);
  await rule(h, p, policyId, { order: 1, escalateAfterInMinutes: 5, users: [ann.id] });
  await rule(h, p, policyId, { order: 2, users: [ann.id] });
  await routeAll(h, p, 'incident', [policyId]);
  const incidentId = await raise(h, p, 'incident');
  await h.runEngine();
  // The acknowledgement is written directly, as another process could, with no event to consume.
  const ackAt = new Date(h.clock.now().getTime() + MINUTE);
  await sql`update incident set state = 'Acknowledged', acknowledged_at = ${ackAt}, acknowledged_by_user_id = ${ann.id} where id = ${incidentId}`.execute(h.database.db);
  await h.advance(5 * MINUTE);
  const [run] = await executions(h, p);
  assert.equal(run!.status, 'Execution Completed');
  assert.equal(run!.acknowledgedByUserId, ann.id);
  assert.equal(run!.acknowledgedAt, ackAt.toISOString());
  assert.equal((await timeline(h, p, run!._id)).length, 1);
});

test('a schedule with nobody on call is re-checked every minute until the next rule is due', async () => {
  const p = await h.project();
  const ann = await member(h, p, 'Ann');
  const t0 = h.clock.now().getTime();
  // The layer starts three minutes after the incident: nobody is on call before.
  const { scheduleId } = await makeSchedule(h, p, {
    timezone: 'UTC',
    layers: [{ startsAt: iso(t0 + 3 * MINUTE), rotation: rotation('Day', 1), userIds: [ann.id] }],
  });
  const policyId = await policy(h, p);
  await rule(h, p, policyId, { order: 1, escalateAfterInMinutes: 10, onCallSchedules: [scheduleId] });
  await routeAll(h, p, 'incident', [policyId]);
  await raise(h, p, 'incident');
  await h.runEngine();
  const [run] = await executions(h, p);
  const gap = 'Skipped because no active users are found in this schedule.';
  assert.deepEqual((await timeline(h, p, run!._id)).map((r) => [r.schedule, r.status, r.message]), [
    [scheduleId, 'Skipped', gap],
    [null, 'Skipped', `No one reached by this rule yet: no one is on call in its schedule. Re-checking every minute until the next step at ${iso(t0 + 10 * MINUTE)}.`],
  ]);
  assert.deepEqual(await pendingJobs(h, run!._id), [
    { kind: 'on-call.recheck-rule', runAt: iso(t0 + MINUTE) },
    { kind: 'on-call.execute-rule', runAt: iso(t0 + 10 * MINUTE) },
  ]);
  await h.advance(3 * MINUTE);
  const rows = await timeline(h, p, run!._id);
  assert.equal(rows.length, 3);
  assert.deepEqual([rows[2]!.user, rows[2]!.schedule, rows[2]!.status, rows[2]!.message, rows[2]!.at], [
    ann.id, scheduleId, 'Executing', 'Sending notification to user through their personal notification rules. (re-check 3)', iso(t0 + 3 * MINUTE),
  ]);
  assert.deepEqual((await outbox(h, p)).map((o) => [o.user, o.sendAfter]), [[ann.id, iso(t0 + 3 * MINUTE)]]);
  assert.deepEqual(await pendingJobs(h, run!._id), [{ kind: 'on-call.execute-rule', runAt: iso(t0 + 10 * MINUTE) }]);
  await h.advance(7 * MINUTE);
  assert.equal((await executions(h, p))[0]!.status, 'Execution Completed');
});

test('a run that never reaches anyone ends as "No One Notified"; a policy without rules ends in Error', async () => {
  const p = await h.project();
  const { scheduleId } = await makeSchedule(h, p, { timezone: 'UTC', layers: [] });
  const empty = await policy(h, p, { name: 'Empty' });
  const gaps = await policy(h, p, { name: 'Gaps' });
  await rule(h, p, gaps, { order: 1, escalateAfterInMinutes: 3, onCallSchedules: [scheduleId] });
  await routeAll(h, p, 'incident', [empty, gaps]);
  const t0 = h.clock.now().getTime();
  await raise(h, p, 'incident');
  await h.runEngine();
  const [emptyRun, gapRun] = await executions(h, p);
  assert.equal(emptyRun!.onCallDutyPolicyId, empty);
  assert.equal(emptyRun!.status, 'Error');
  assert.equal(emptyRun!.statusMessage, 'No escalation rules in on-call policy "Empty": add escalation rules to it. No one was notified.');
  await h.advance(3 * MINUTE);
  const done = (await executions(h, p))[1]!;
  assert.equal(done.status, 'Execution Completed - No One Notified');
  assert.deepEqual((await timeline(h, p, gapRun!._id)).map((r) => [r.status, r.message, r.at]), [
    ['Skipped', 'Skipped because no active users are found in this schedule.', iso(t0)],
    ['Skipped', `No one reached by this rule yet: no one is on call in its schedule. Re-checking every minute until the next step at ${iso(t0 + 3 * MINUTE)}.`, iso(t0)],
    ['Skipped', 'Skipped because no one was reached by this rule: no one was on call in its schedule at any of 2 re-check(s) before the next step.', iso(t0 + 2 * MINUTE)],
  ]);
  assert.deepEqual(await outbox(h, p), []);
});

test('deleting the incident stops its run and cancels every request not yet handed to a provider', async () => {
  const p = await h.project();
  const ann = await member(h, p, 'Ann');
  const policyId = await policy(h, p);
  await rule(h, p, policyId, { order: 1, escalateAfterInMinutes: 5, users: [ann.id], notificationMethods: [{ method: 'email', afterMinutes: 0 }, { method: 'call', afterMinutes: 3 }] });
  await rule(h, p, policyId, { order: 2, users: [ann.id] });
  await routeAll(h, p, 'incident', [policyId]);
  const incidentId = await raise(h, p, 'incident');
  await h.runEngine();
  assert.equal((await h.call('DELETE', `/api/incident/${incidentId}`, { key: p.apiKey })).status, 200);
  await h.runEngine();
  const [run] = await executions(h, p);
  assert.equal(run!.status, 'Execution Completed');
  assert.equal(run!.statusMessage, 'Execution completed because the incident was deleted.');
  assert.equal(run!.acknowledgedByUserId, null);
  assert.deepEqual((await outbox(h, p)).map((o) => [o.method, o.status]), [['email', 'Cancelled'], ['call', 'Cancelled']]);
  assert.deepEqual((await timeline(h, p, run!._id)).map((r) => [r.status, r.ack]), [['Executing', false]]);
  assert.deepEqual((await userLogs(h, p, run!._id)).map((l) => [l.status, l.isAcknowledged]), [['Completed', false]]);
  assert.deepEqual(await pendingJobs(h, run!._id), []);
});

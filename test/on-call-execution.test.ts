// Runs of on-call duty policies on the fake clock: rules fire at their instants, targets resolve
// when a rule runs, repeats, acknowledgement and resolution stop everything.
import assert from 'node:assert/strict';
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

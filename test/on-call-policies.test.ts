// On-call duty policies over the resource API: policies, escalation rules with their targets
// (OneUptime's miscDataProps), routing rules, attachments and integration links; the execution
// log API exactly as seed 000 documents it (list, get-item, count, create; no update, no delete)
// with its permissions; which policies run for what (integration, routing rule, attachment,
// episodes); and every kind of malformed input answered with a 400 naming the field.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import type { CreatedProject } from '../src/access/projects.ts';
import { startHarness, type Harness } from './support/harness.ts';
import {
  create,
  executions,
  expect400,
  list,
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
  tryCreate,
  type Row,
} from './support/policies.ts';
import { makeSchedule, rotation } from './support/schedules.ts';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(() => h.close());

const LOG = 'on-call-duty-policy-execution-log';
const RULE = 'on-call-duty-policy-escalation-rule';

async function count(p: CreatedProject, resource: string, query: Row = {}): Promise<number> {
  const res = await h.call('POST', `/api/${resource}/count`, { key: p.apiKey, body: { query } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.count;
}

describe('policies, rules and their targets', () => {
  test('a rule created with miscDataProps gets its user, team and schedule rows; order and wait default', async () => {
    const p = await h.project();
    const ann = await member(h, p, 'Ann');
    const ops = await team(h, p, 'Ops', [ann.id]);
    const { scheduleId } = await makeSchedule(h, p, { timezone: 'UTC', layers: [] });
    const policyId = await policy(h, p, { name: 'Payments', description: 'Card processing', repeatPolicyIfNoOneAcknowledges: true, repeatPolicyIfNoOneAcknowledgesNoOfTimes: 3 });
    const got = await h.call('GET', `/api/on-call-duty-policy/${policyId}/get-item`, { key: p.apiKey });
    assert.equal(got.status, 200);
    assert.deepEqual(
      [got.body.name, got.body.description, got.body.labels, got.body.repeatPolicyIfNoOneAcknowledges, got.body.repeatPolicyIfNoOneAcknowledgesNoOfTimes],
      ['Payments', 'Card processing', [], true, 3],
    );

    const first = await create(h, p, RULE, { onCallDutyPolicyId: policyId, name: 'First' }, {
      users: [{ _type: 'ObjectID', value: ann.id }],
      teams: [ops],
      onCallSchedules: [scheduleId],
    });
    assert.equal(first.order, 1);
    assert.equal(first.escalateAfterInMinutes, 30);
    assert.equal(first.notificationMethods, null);
    const second = await create(h, p, RULE, { onCallDutyPolicyId: policyId, name: 'Second', order: 7, notificationMethods: [{ method: 'push', afterMinutes: 1 }, { method: 'email' }] });
    assert.deepEqual(second.notificationMethods, [{ method: 'email', afterMinutes: 0 }, { method: 'push', afterMinutes: 1 }]);
    const third = await create(h, p, RULE, { onCallDutyPolicyId: policyId, name: 'Third' });
    assert.equal(third.order, 8, 'after the last rule');

    const links = async (resource: string, field: string) =>
      (await list(h, p, resource, { onCallDutyPolicyEscalationRuleId: first._id })).map((r) => [r.onCallDutyPolicyId, r[field]]);
    assert.deepEqual(await links('on-call-duty-policy-escalation-rule-user', 'userId'), [[policyId, ann.id]]);
    assert.deepEqual(await links('on-call-duty-policy-escalation-rule-team', 'teamId'), [[policyId, ops]]);
    assert.deepEqual(await links('on-call-duty-policy-escalation-rule-schedule', 'onCallDutyPolicyScheduleId'), [[policyId, scheduleId]]);

    // Link rows: created and deleted, never changed.
    const bob = await member(h, p, 'Bob');
    const link = await create(h, p, 'on-call-duty-policy-escalation-rule-user', { onCallDutyPolicyEscalationRuleId: second._id, userId: bob.id });
    assert.equal(link.onCallDutyPolicyId, policyId);
    const put = await h.call('PUT', `/api/on-call-duty-policy-escalation-rule-user/${link._id}`, { key: p.apiKey, body: { data: { userId: ann.id } } });
    assert.equal(put.status, 405);
    assert.match(put.body.error, /cannot be updated via the API/);
    const dup = await tryCreate(h, p, 'on-call-duty-policy-escalation-rule-user', { onCallDutyPolicyEscalationRuleId: second._id, userId: bob.id });
    assert.equal(dup.status, 409);
    assert.equal((await h.call('DELETE', `/api/on-call-duty-policy-escalation-rule-user/${link._id}`, { key: p.apiKey })).status, 200);

    // Rules can be renumbered and re-timed; the order stays unique within the policy.
    assert.equal((await h.call('PUT', `/api/${RULE}/${third._id}`, { key: p.apiKey, body: { data: { order: 2, escalateAfterInMinutes: 0 } } })).status, 200);
    const taken = await h.call('PUT', `/api/${RULE}/${third._id}`, { key: p.apiKey, body: { data: { order: 7 } } });
    assert.equal(taken.status, 409);
    assert.match(taken.body.error, /data\.order/);
    const ordered = await list(h, p, RULE, { onCallDutyPolicyId: policyId }, { order: true, name: true });
    assert.deepEqual(ordered.map((r) => r.order).sort((a, b) => a - b), [1, 2, 7]);
  });

  test('malformed policies and rules are 400s naming the field, and write nothing', async () => {
    const p = await h.project();
    const other = await h.project();
    const policyId = await policy(h, p);
    const base = { onCallDutyPolicyId: policyId, name: 'R' };
    expect400(await tryCreate(h, p, 'on-call-duty-policy', {}), 'data.name');
    expect400(await tryCreate(h, p, 'on-call-duty-policy', { name: 'x', repeatPolicyIfNoOneAcknowledges: 'yes' }), 'data.repeatPolicyIfNoOneAcknowledges');
    expect400(await tryCreate(h, p, 'on-call-duty-policy', { name: 'x', repeatPolicyIfNoOneAcknowledgesNoOfTimes: -1 }), 'data.repeatPolicyIfNoOneAcknowledgesNoOfTimes');
    expect400(await tryCreate(h, p, 'on-call-duty-policy', { name: 'x', repeatPolicyIfNoOneAcknowledges: null }), 'data.repeatPolicyIfNoOneAcknowledges');
    expect400(await tryCreate(h, p, RULE, { ...base, onCallDutyPolicyId: randomUUID() }), 'data.onCallDutyPolicyId');
    expect400(await tryCreate(h, p, RULE, { ...base, onCallDutyPolicyId: await policy(h, other) }), 'data.onCallDutyPolicyId');
    expect400(await tryCreate(h, p, RULE, { ...base, onCallDutyPolicyId: 'not-an-id' }), 'data.onCallDutyPolicyId');
    expect400(await tryCreate(h, p, RULE, { ...base, escalateAfterInMinutes: -1 }), 'data.escalateAfterInMinutes');
    expect400(await tryCreate(h, p, RULE, { ...base, escalateAfterInMinutes: '5' }), 'data.escalateAfterInMinutes');
    expect400(await tryCreate(h, p, RULE, { ...base, escalateAfterInMinutes: null }), 'data.escalateAfterInMinutes');
    expect400(await tryCreate(h, p, RULE, { ...base, order: -1 }), 'data.order');
    expect400(await tryCreate(h, p, RULE, { ...base, order: 1.5 }), 'data.order');
    expect400(await tryCreate(h, p, RULE, { ...base, order: 'first' }), 'data.order');
    expect400(await tryCreate(h, p, RULE, { ...base, notificationMethods: { method: 'sms' } }), 'data.notificationMethods');
    expect400(await tryCreate(h, p, RULE, { ...base, notificationMethods: [{ method: 'fax', afterMinutes: 0 }] }), 'data.notificationMethods[0].method');
    expect400(await tryCreate(h, p, RULE, { ...base, notificationMethods: [{ method: 'sms' }, { method: 'call', afterMinutes: -2 }] }), 'data.notificationMethods[1].afterMinutes');
    expect400(await tryCreate(h, p, RULE, { ...base, notificationMethods: [{ method: 'sms', afterMinutes: 1.5 }] }), 'data.notificationMethods[0].afterMinutes');
    expect400(await tryCreate(h, p, RULE, { ...base, notificationMethods: [{ method: 'sms' }, { method: 'sms', afterMinutes: 5 }] }), 'data.notificationMethods[1].method');
    expect400(await tryCreate(h, p, RULE, { ...base, notificationMethods: [{ method: 'sms', after: 5 }] }), 'data.notificationMethods[0].after');
    expect400(await tryCreate(h, p, RULE, { ...base, notificationMethods: ['sms'] }), 'data.notificationMethods[0]');
    expect400(await tryCreate(h, p, RULE, base, { users: [randomUUID()] }), 'miscDataProps.users[0]');
    expect400(await tryCreate(h, p, RULE, base, { users: [other.userId] }), 'miscDataProps.users[0]');
    expect400(await tryCreate(h, p, RULE, base, { teams: 'ops' }), 'miscDataProps.teams');
    expect400(await tryCreate(h, p, RULE, base, { onCallSchedules: [p.userId, 'x'] }), 'miscDataProps.onCallSchedules[0]');
    expect400(await tryCreate(h, p, RULE, base, { users: [p.userId, 'x'] }), 'miscDataProps.users[1]');
    assert.equal(await count(p, RULE), 0, 'no rule was written');
    assert.equal(await count(p, 'on-call-duty-policy-escalation-rule-user'), 0, 'no target was written');
    await create(h, p, RULE, { ...base, order: 4 });
    const dup = await tryCreate(h, p, RULE, { ...base, order: 4 });
    assert.equal(dup.status, 409);
    assert.match(dup.body.error, /data\.order/);
    const ruleId = (await list(h, p, RULE))[0]!._id;
    expect400(await tryCreate(h, p, 'on-call-duty-policy-escalation-rule-team', { onCallDutyPolicyEscalationRuleId: ruleId, teamId: randomUUID() }), 'data.teamId');
    expect400(await tryCreate(h, p, 'on-call-duty-policy-escalation-rule-user', { onCallDutyPolicyEscalationRuleId: ruleId, userId: p.userId, onCallDutyPolicyId: await policy(h, p) }), 'data.onCallDutyPolicyId');
    expect400(await h.call('PUT', `/api/${RULE}/${ruleId}`, { key: p.apiKey, body: { data: { notificationMethods: [{ method: 'pager' }] } } }), 'data.notificationMethods[0].method');
    expect400(await h.call('PUT', `/api/${RULE}/${ruleId}`, { key: p.apiKey, body: { data: { order: null } } }), 'data.order');
  });

  test('malformed routing rules, attachments and integration links are 400s naming the field', async () => {
    const p = await h.project();
    const policyId = await policy(h, p);
    const base = { name: 'r', subjectType: 'incident', onCallDutyPolicyIds: [policyId] };
    const R = 'on-call-duty-policy-routing-rule';
    expect400(await tryCreate(h, p, R, { ...base, titlePattern: '([a-z' }), 'data.titlePattern');
    expect400(await tryCreate(h, p, R, { ...base, descriptionPattern: '*' }), 'data.descriptionPattern');
    expect400(await tryCreate(h, p, R, { ...base, titlePattern: 'x'.repeat(501) }), 'data.titlePattern');
    expect400(await tryCreate(h, p, R, { ...base, subjectType: 'ticket' }), 'data.subjectType');
    expect400(await tryCreate(h, p, R, { ...base, onCallDutyPolicyIds: [] }), 'data.onCallDutyPolicyIds');
    expect400(await tryCreate(h, p, R, { ...base, onCallDutyPolicyIds: [randomUUID()] }), 'data.onCallDutyPolicyIds');
    expect400(await tryCreate(h, p, R, { ...base, onCallDutyPolicyIds: policyId }), 'data.onCallDutyPolicyIds');
    expect400(await tryCreate(h, p, R, { ...base, severityIds: [await severityId(h, p, 'alert', 'Critical')] }), 'data.severityIds[0]');
    expect400(await tryCreate(h, p, R, { ...base, subjectType: 'alert-episode', severityIds: [await severityId(h, p, 'alert', 'Critical')] }), 'data.severityIds');
    expect400(await tryCreate(h, p, R, { ...base, order: -3 }), 'data.order');
    expect400(await tryCreate(h, p, R, { ...base, isEnabled: 'no' }), 'data.isEnabled');
    assert.equal(await count(p, R), 0);
    const ruleId = (await create(h, p, R, base))._id;
    expect400(await h.call('PUT', `/api/${R}/${ruleId}`, { key: p.apiKey, body: { data: { titlePattern: '(?<' } } }), 'data.titlePattern');
    expect400(await h.call('PUT', `/api/${R}/${ruleId}`, { key: p.apiKey, body: { data: { subjectType: 'alert' } } }), '"subjectType"');

    const A = 'on-call-duty-policy-attachment';
    const incidentId = await raise(h, p, 'incident');
    const alertId = await raise(h, p, 'alert');
    expect400(await tryCreate(h, p, A, { onCallDutyPolicyId: policyId }), 'data');
    expect400(await tryCreate(h, p, A, { onCallDutyPolicyId: policyId, incidentId, alertId }), 'data');
    expect400(await tryCreate(h, p, A, { onCallDutyPolicyId: policyId, incidentId: randomUUID() }), 'data.incidentId');

    const I = 'integration-on-call-duty-policy';
    const integrationId = (await create(h, p, 'integration', { name: 'PD', integrationType: 'pagerduty-events-v2' }))._id;
    expect400(await tryCreate(h, p, I, { integrationId, onCallDutyPolicyId: policyId, subjectType: 'incident' }), 'data.subjectType');
    expect400(await tryCreate(h, p, I, { integrationId: randomUUID(), onCallDutyPolicyId: policyId }), 'data.integrationId');
  });
});

describe('the execution log API (seed 000)', () => {
  test('create with the seed example body starts a run by hand; list, get-item and count answer as documented', async () => {
    const p = await h.project();
    const ann = await member(h, p, 'Ann');
    const policyId = await policy(h, p);
    await rule(h, p, policyId, { order: 1, escalateAfterInMinutes: 5, users: [ann.id] });
    const t0 = h.clock.now().getTime();
    // The seed's create request, verbatim apart from the ids.
    const created = await h.call('POST', `/api/${LOG}`, {
      key: p.apiKey,
      headers: { 'Content-Type': 'application/json' },
      body: {
        data: {
          onCallDutyPolicyId: policyId,
          onCallPolicyExecutionRepeatCount: 3,
          projectId: p.projectId,
          status: 'Executing',
          statusMessage: 'On-call policy execution started. Notifying primary on-call team members.',
        },
      },
    });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    assert.deepEqual(created.body, {
      _id: created.body._id,
      onCallDutyPolicyId: policyId,
      projectId: p.projectId,
      status: 'Executing',
      statusMessage: 'On-call policy execution started. Notifying primary on-call team members.',
      userNotificationEventType: 'Incident Created',
    });
    const id = created.body._id;
    const [run] = await executions(h, p);
    assert.equal(run!.triggeredByUserId, p.userId, "the key's user");
    assert.equal(run!.createdByUserId, p.userId);
    assert.equal(run!.onCallPolicyExecutionRepeatCount, 1, 'a new run starts at the first pass');
    assert.equal(run!.lastExecutedEscalationRuleOrder, 1);
    assert.deepEqual((await timeline(h, p, id)).map((r) => [r.user, r.status]), [[ann.id, 'Executing']]);
    const [page] = await outbox(h, p);
    assert.equal(page!.title, 'On-call policy "Primary" needs you');
    assert.equal(page!.incident, null);
    assert.match(page!.body, new RegExp(`^On-call policy "Primary" was run by hand by user ${p.userId}\\.`));

    // The seed's list request.
    const listed = await h.call('POST', `/api/${LOG}/get-list?skip=0&limit=10`, {
      key: p.apiKey,
      body: {
        select: { onCallDutyPolicyId: true, projectId: true, status: true, statusMessage: true, userNotificationEventType: true },
        query: { status: 'Executing' },
        sort: { createdAt: -1 },
      },
    });
    assert.equal(listed.status, 200);
    assert.deepEqual(listed.body, { count: 1, limit: 10, skip: 0, data: [created.body] });
    const viaGet = await h.call('GET', `/api/${LOG}/get-list`, { key: p.apiKey });
    assert.deepEqual(viaGet.body.data, [created.body], 'without select: the seed fields');
    // The seed's get-item and count requests.
    const item = await h.call('POST', `/api/${LOG}/${id}/get-item`, {
      key: p.apiKey,
      body: { select: { onCallDutyPolicyId: true, projectId: true, status: true, statusMessage: true, userNotificationEventType: true } },
    });
    assert.deepEqual([item.status, item.body], [200, created.body]);
    assert.deepEqual((await h.call('GET', `/api/${LOG}/${id}/get-item`, { key: p.apiKey })).body, created.body);
    const counted = await h.call('POST', `/api/${LOG}/count`, { key: p.apiKey, body: { query: { status: 'Executing' } } });
    assert.deepEqual([counted.status, counted.body], [200, { count: 1 }]);
    assert.deepEqual((await h.call('POST', `/api/${LOG}/count`, { key: p.apiKey, body: { query: { userNotificationEventType: 'IncidentCreated' } } })).body, { count: 1 });

    // A message given on create stays while the run goes on, and gives way to the outcome.
    await h.advance(5 * MINUTE);
    const [done] = await executions(h, p);
    assert.equal(done!.status, 'Execution Completed');
    assert.equal(done!.statusMessage, 'Execution completed: every escalation rule ran and no one acknowledged.');
    assert.equal(t0 + 5 * MINUTE, h.clock.now().getTime());
  });

  test('no update, no delete; bad create data is a 400 naming the field', async () => {
    const p = await h.project();
    const other = await h.project();
    const policyId = await policy(h, p);
    await rule(h, p, policyId, { users: [p.userId] });
    const id = (await create(h, p, LOG, { onCallDutyPolicyId: policyId }))._id;
    for (const [method, url] of [['PUT', `/api/${LOG}/${id}`], ['POST', `/api/${LOG}/${id}/update-item`]] as const) {
      const res = await h.call(method, url, { key: p.apiKey, body: { data: { status: 'Error' } } });
      assert.equal(res.status, 405);
      assert.equal(res.body.error, 'On-Call Duty Execution Log cannot be updated via the API');
    }
    for (const [method, url] of [['DELETE', `/api/${LOG}/${id}`], ['POST', `/api/${LOG}/${id}/delete-item`]] as const) {
      const res = await h.call(method, url, { key: p.apiKey });
      assert.equal(res.status, 405);
      assert.equal(res.body.error, 'On-Call Duty Execution Log cannot be deleted via the API');
    }
    const incidentId = await raise(h, p, 'incident');
    const alertId = await raise(h, p, 'alert');
    expect400(await tryCreate(h, p, LOG, {}), 'data.onCallDutyPolicyId');
    expect400(await tryCreate(h, p, LOG, { onCallDutyPolicyId: randomUUID() }), 'data.onCallDutyPolicyId');
    expect400(await tryCreate(h, p, LOG, { onCallDutyPolicyId: policyId, projectId: other.projectId }), 'data.projectId');
    expect400(await tryCreate(h, p, LOG, { onCallDutyPolicyId: policyId, status: 'Execution Completed' }), 'data.status');
    expect400(await tryCreate(h, p, LOG, { onCallDutyPolicyId: policyId, status: 'Paused' }), 'data.status');
    expect400(await tryCreate(h, p, LOG, { onCallDutyPolicyId: policyId, userNotificationEventType: 'MonitorDown' }), 'data.userNotificationEventType');
    expect400(await tryCreate(h, p, LOG, { onCallDutyPolicyId: policyId, triggeredByIncidentId: incidentId, userNotificationEventType: 'AlertCreated' }), 'data.userNotificationEventType');
    expect400(await tryCreate(h, p, LOG, { onCallDutyPolicyId: policyId, triggeredByIncidentId: incidentId, triggeredByAlertId: alertId }), 'data.triggeredByAlertId');
    expect400(await tryCreate(h, p, LOG, { onCallDutyPolicyId: policyId, triggeredByIncidentId: randomUUID() }), 'data.triggeredByIncidentId');
    expect400(await tryCreate(h, p, LOG, { onCallDutyPolicyId: policyId, triggeredByUserId: other.userId }), 'data.triggeredByUserId');
    expect400(await tryCreate(h, p, LOG, { onCallDutyPolicyId: policyId, onCallPolicyExecutionRepeatCount: 'three' }), 'data.onCallPolicyExecutionRepeatCount');
    expect400(await tryCreate(h, p, LOG, { onCallDutyPolicyId: policyId, lastExecutedEscalationRuleOrder: 2 }), '"lastExecutedEscalationRuleOrder"');
    assert.equal(await count(p, LOG), 1, 'nothing more was created');

    // A run for a subject: its type decides the event type (aliases accepted), and an acknowledged subject is a 409.
    const forAlert = await create(h, p, LOG, { onCallDutyPolicyId: policyId, triggeredByAlertId: alertId, userNotificationEventType: 'AlertCreated', status: 'Scheduled' });
    assert.equal(forAlert.userNotificationEventType, 'Alert Created');
    assert.equal(forAlert.status, 'Executing');
    assert.equal((await h.call('POST', `/api/incident/${incidentId}/acknowledge`, { key: p.apiKey })).status, 200);
    const acked = await tryCreate(h, p, LOG, { onCallDutyPolicyId: policyId, triggeredByIncidentId: incidentId });
    assert.equal(acked.status, 409);
    assert.match(acked.body.error, /data\.triggeredByIncidentId: the incident is Acknowledged/);
  });

  test('permissions are the seed\'s: members and the named grants; Viewers read, never create', async () => {
    const p = await h.project();
    const policyId = await policy(h, p);
    await rule(h, p, policyId, { users: [p.userId] });
    const key = async (data: Row) => (await create(h, p, 'api-key', { name: `k ${randomUUID().slice(0, 4)}`, ...data })).apiKey as string;
    const viewer = await key({ role: 'Viewer' });
    const member = await key({ role: 'Project Member' });
    const reader = await key({ permissions: ['Read On-Call Duty Policy Execution Log'] });
    const creator = await key({ permissions: ['Create On-Call Duty Policy Execution Log'] });
    const body = { data: { onCallDutyPolicyId: policyId } };
    assert.equal((await h.call('POST', `/api/${LOG}`, { key: member, body })).status, 200);
    assert.equal((await h.call('POST', `/api/${LOG}`, { key: creator, body })).status, 200);
    for (const k of [viewer, reader]) {
      const res = await h.call('POST', `/api/${LOG}`, { key: k, body });
      assert.equal(res.status, 403);
      assert.match(res.body.error, /Create On-Call Duty Policy Execution Log/);
    }
    for (const k of [viewer, member, reader]) assert.equal((await h.call('POST', `/api/${LOG}/count`, { key: k, body: {} })).body.count, 2);
    const denied = await h.call('POST', `/api/${LOG}/get-list`, { key: creator, body: {} });
    assert.equal(denied.status, 403);
    assert.match(denied.body.error, /Read On-Call Duty Policy Execution Log/);
    assert.equal((await h.call('POST', `/api/${LOG}/count`, { body: {} })).status, 401);
  });
});

describe('which policies run', () => {
  test('a PagerDuty v2 trigger through /v2/enqueue runs its integration\'s policy; its acknowledge stops it', async () => {
    const p = await h.project();
    const ann = await member(h, p, 'Ann');
    const policyId = await policy(h, p);
    await rule(h, p, policyId, { order: 1, escalateAfterInMinutes: 5, users: [ann.id] });
    await rule(h, p, policyId, { order: 2, users: [ann.id] });
    const pd = await create(h, p, 'integration', { name: 'PD', integrationType: 'pagerduty-events-v2' });
    await create(h, p, 'integration-on-call-duty-policy', { integrationId: pd._id, onCallDutyPolicyId: policyId });
    // Routed a second way too: the policy still runs once.
    await routeAll(h, p, 'alert', [policyId]);
    const event = { routing_key: pd.routingKey, event_action: 'trigger', dedup_key: 'disk-web-01', payload: { summary: 'Disk full on web-01', source: 'web-01', severity: 'critical' } };
    const res = await h.call('POST', '/v2/enqueue', { body: event });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    await h.runEngine();
    const [alert] = await list(h, p, 'alert');
    const runs = await executions(h, p);
    assert.equal(runs.length, 1);
    assert.equal(runs[0]!.triggeredByAlertId, alert!._id);
    assert.equal(runs[0]!.userNotificationEventType, 'Alert Created');
    const [page] = await outbox(h, p);
    assert.equal(page!.title, '[Critical] Alert: Disk full on web-01');
    assert.equal(page!.alert, alert!._id);
    const feed = await list(h, p, 'alert-feed', { alertId: alert!._id });
    assert.ok(feed.some((f) => f.kind === 'on_call_policy_started' && f.message.includes(`through integration ${pd._id}`)), JSON.stringify(feed));

    h.clock.advance(MINUTE);
    const ack = await h.call('POST', '/v2/enqueue', { body: { routing_key: pd.routingKey, event_action: 'acknowledge', dedup_key: 'disk-web-01' } });
    assert.equal(ack.status, 202);
    await h.runEngine();
    const [stopped] = await executions(h, p);
    assert.equal(stopped!.status, 'Execution Completed');
    assert.equal(stopped!.statusMessage, 'Execution completed because the alert was acknowledged.');
    assert.equal(stopped!.acknowledgedByUserId, null);
    assert.equal(stopped!.acknowledgedAt, h.clock.now().toISOString());
    await h.advance(30 * MINUTE);
    assert.equal((await timeline(h, p, stopped!._id)).length, 1);
  });

  test('routing rules match on severity, labels, integration and title; disabled rules and suppressed alerts page nobody', async () => {
    const p = await h.project();
    const ann = await member(h, p, 'Ann');
    const [dbPolicy, labelPolicy, allPolicy, offPolicy] = [await policy(h, p, { name: 'DB' }), await policy(h, p, { name: 'Label' }), await policy(h, p, { name: 'All' }), await policy(h, p, { name: 'Off' })];
    for (const id of [dbPolicy, labelPolicy, allPolicy, offPolicy]) await rule(h, p, id, { users: [ann.id] });
    const critical = await severityId(h, p, 'incident', 'Critical');
    const minor = await severityId(h, p, 'incident', 'Minor');
    const label = (await create(h, p, 'label', { name: `payments-${randomUUID().slice(0, 4)}` }))._id;
    await routeAll(h, p, 'incident', [dbPolicy], { titlePattern: '^db\\b', severityIds: [critical] });
    await routeAll(h, p, 'incident', [labelPolicy, allPolicy], { labelIds: [label], descriptionPattern: 'card' });
    await routeAll(h, p, 'incident', [offPolicy], { isEnabled: false });
    await routeAll(h, p, 'alert', [allPolicy]);

    const cases: [Row, string[]][] = [
      [{ title: 'DB primary down', incidentSeverityId: critical }, [dbPolicy]],
      [{ title: 'db slow', incidentSeverityId: minor }, []],
      [{ title: 'Web down', incidentSeverityId: critical }, []],
      [{ title: 'DB down', incidentSeverityId: critical, labels: [label], description: 'Card payments failing' }, [dbPolicy, labelPolicy, allPolicy]],
      [{ title: 'Checkout', labels: [label], description: 'no match' }, []],
    ];
    for (const [data, expected] of cases) {
      const incidentId = await raise(h, p, 'incident', data);
      await h.runEngine();
      const runs = await executions(h, p, { triggeredByIncidentId: incidentId });
      assert.deepEqual(runs.map((r) => r.onCallDutyPolicyId), expected, JSON.stringify(data));
    }

    // An integration filter, and maintenance: an alert raised during maintenance is recorded, never paged.
    const pd = await create(h, p, 'integration', { name: 'PD', integrationType: 'pagerduty-events-v2' });
    const viaPd = await policy(h, p, { name: 'Via PD' });
    await rule(h, p, viaPd, { users: [ann.id] });
    await routeAll(h, p, 'alert', [viaPd], { integrationIds: [pd._id] });
    const now = h.clock.now().getTime();
    await create(h, p, 'scheduled-maintenance', { title: 'Upgrade', startsAt: new Date(now - MINUTE).toISOString(), endsAt: new Date(now + MINUTE).toISOString(), integrations: [pd._id] });
    const send = (key: string) => h.call('POST', '/v2/enqueue', { body: { routing_key: pd.routingKey, event_action: 'trigger', dedup_key: key, payload: { summary: key, source: 's', severity: 'error' } } });
    assert.equal((await send('during')).status, 202);
    await h.advance(2 * MINUTE);
    assert.equal((await send('after')).status, 202);
    await h.runEngine();
    const alerts = await list(h, p, 'alert');
    const runsFor = async (alertId: string) => (await executions(h, p, { triggeredByAlertId: alertId })).map((r) => r.onCallDutyPolicyId).sort();
    assert.deepEqual(await runsFor(alerts.find((a) => a.title === 'during')!._id), []);
    assert.deepEqual(await runsFor(alerts.find((a) => a.title === 'after')!._id), [allPolicy, viaPd].sort());
  });

  test('attaching a policy to an open incident starts it at once, and only once', async () => {
    const p = await h.project();
    const ann = await member(h, p, 'Ann');
    const policyId = await policy(h, p);
    await rule(h, p, policyId, { users: [ann.id] });
    const incidentId = await raise(h, p, 'incident');
    const attached = await create(h, p, 'on-call-duty-policy-attachment', { onCallDutyPolicyId: policyId, incidentId });
    const [run] = await executions(h, p);
    assert.equal(attached.onCallDutyPolicyExecutionLogId, run!._id);
    assert.equal(run!.triggeredByIncidentId, incidentId);
    assert.equal(run!.status, 'Executing');
    await h.runEngine();
    assert.equal((await executions(h, p)).length, 1, 'the creation event does not start it again');
    const again = await tryCreate(h, p, 'on-call-duty-policy-attachment', { onCallDutyPolicyId: policyId, incidentId });
    assert.equal(again.status, 409);
    // Attached to a resolved incident, it is recorded and runs nothing.
    const resolvedId = await raise(h, p, 'incident');
    await h.runEngine();
    assert.equal((await h.call('POST', `/api/incident/${resolvedId}/resolve`, { key: p.apiKey })).status, 200);
    const late = await create(h, p, 'on-call-duty-policy-attachment', { onCallDutyPolicyId: policyId, incidentId: resolvedId });
    assert.equal(late.onCallDutyPolicyExecutionLogId, null);
    assert.equal((await executions(h, p)).length, 1);
  });

  test('policies named on incident or alert create (onCallDutyPolicyIds) run for it once, beside those routing chooses', async () => {
    const p = await h.project();
    const ann = await member(h, p, 'Ann');
    const [named, routed] = [await policy(h, p, { name: 'Named' }), await policy(h, p, { name: 'Routed' })];
    await rule(h, p, named, { users: [ann.id] });
    await rule(h, p, routed, { users: [ann.id] });
    await routeAll(h, p, 'alert', [routed, named]);
    const incidentId = await raise(h, p, 'incident', { onCallDutyPolicyIds: [named, named] });
    const alertId = await raise(h, p, 'alert', { onCallDutyPolicyIds: [named] });
    await h.runEngine();
    const runs = await executions(h, p);
    const ran = (field: string, id: string) => runs.filter((r) => r[field] === id).map((r) => r.onCallDutyPolicyId).sort();
    assert.deepEqual(ran('triggeredByIncidentId', incidentId), [named]);
    assert.deepEqual(ran('triggeredByAlertId', alertId), [named, routed].sort(), 'a policy named and routed runs once');
    expect400(await tryCreate(h, p, 'incident', { title: 'x', onCallDutyPolicyIds: [randomUUID()] }), 'data.onCallDutyPolicyIds');
    expect400(await tryCreate(h, p, 'alert', { title: 'x', onCallDutyPolicyIds: 'nope' }), 'data.onCallDutyPolicyIds');
    const other = await h.project();
    expect400(await tryCreate(h, other, 'incident', { title: 'x', onCallDutyPolicyIds: [named] }), 'data.onCallDutyPolicyIds');
  });

  test('an episode runs its own policies; acknowledging one of its alerts stops the episode\'s run and the alerts\' runs', async () => {
    const p = await h.project();
    const ann = await member(h, p, 'Ann');
    const bob = await member(h, p, 'Bob');
    const episodePolicy = await policy(h, p, { name: 'Episodes' });
    await rule(h, p, episodePolicy, { order: 1, escalateAfterInMinutes: 5, users: [ann.id] });
    await rule(h, p, episodePolicy, { order: 2, users: [bob.id] });
    const alertPolicy = await policy(h, p, { name: 'Alerts' });
    await rule(h, p, alertPolicy, { order: 1, escalateAfterInMinutes: 5, users: [bob.id] });
    await rule(h, p, alertPolicy, { order: 2, users: [bob.id] });
    // Alertmanager-style grouping: the integration's policy runs for the episode it opens.
    const pd = await create(h, p, 'integration', { name: 'PD', integrationType: 'pagerduty-events-v2', episodeGroupBy: ['source'] });
    await create(h, p, 'integration-on-call-duty-policy', { integrationId: pd._id, onCallDutyPolicyId: episodePolicy, subjectType: 'alert-episode' });
    await create(h, p, 'integration-on-call-duty-policy', { integrationId: pd._id, onCallDutyPolicyId: alertPolicy });
    const send = (key: string) => h.call('POST', '/v2/enqueue', { body: { routing_key: pd.routingKey, event_action: 'trigger', dedup_key: key, payload: { summary: key, source: 'db-1', severity: 'error' } } });
    assert.equal((await send('cpu')).status, 202);
    assert.equal((await send('disk')).status, 202);
    await h.runEngine();
    const [episode] = await list(h, p, 'alert-episode');
    const runs = await executions(h, p);
    assert.deepEqual(
      runs.map((r) => [r.onCallDutyPolicyId, r.userNotificationEventType, r.triggeredByAlertEpisodeId !== null]),
      [[episodePolicy, 'Alert Episode Created', true], [alertPolicy, 'Alert Created', false], [alertPolicy, 'Alert Created', false]],
    );
    assert.equal(runs[0]!.triggeredByAlertEpisodeId, episode!._id);
    const [cpu] = await list(h, p, 'alert', { title: 'cpu' });
    const [disk] = await list(h, p, 'alert', { title: 'disk' });
    // The source resolving one alert stops that alert's run only: the episode still has an open alert.
    assert.equal((await h.call('POST', '/v2/enqueue', { body: { routing_key: pd.routingKey, event_action: 'resolve', dedup_key: 'disk' } })).status, 202);
    await h.runEngine();
    assert.deepEqual((await executions(h, p)).map((r) => [r.triggeredByAlertId ?? r.triggeredByAlertEpisodeId, r.status]), [
      [episode!._id, 'Executing'],
      [cpu!._id, 'Executing'],
      [disk!._id, 'Execution Completed'],
    ]);
    // A person acknowledging the other alert stops its run and the episode's.
    assert.equal((await h.call('POST', `/api/alert/${cpu!._id}/acknowledge`, { key: ann.key })).status, 200);
    await h.runEngine();
    const after = await executions(h, p);
    assert.deepEqual(after.map((r) => [r.status, r.acknowledgedByUserId]), [
      ['Execution Completed', ann.id],
      ['Execution Completed', ann.id],
      ['Execution Completed', null],
    ]);
    assert.equal(after[0]!.statusMessage, `Execution completed because alert ${cpu!._id} was acknowledged by user ${ann.id}.`);
    assert.equal(after[1]!.statusMessage, `Execution completed because the alert was acknowledged by user ${ann.id}.`);
    assert.equal(after[2]!.statusMessage, 'Execution completed because the alert was resolved.');
    await h.advance(30 * MINUTE);
    assert.equal((await timeline(h, p, after[0]!._id)).length, 1, 'the episode policy never reached its second rule');
  });

  test('a member acknowledged before its episode\'s creation is consumed (several workers) still stops the episode\'s run', async () => {
    const p = await h.project();
    const ann = await member(h, p, 'Ann');
    const episodePolicy = await policy(h, p, { name: 'Episodes' });
    await rule(h, p, episodePolicy, { order: 1, escalateAfterInMinutes: 5, users: [ann.id] });
    await rule(h, p, episodePolicy, { order: 2, users: [ann.id] });
    const pd = await create(h, p, 'integration', { name: 'PD', integrationType: 'pagerduty-events-v2', episodeGroupBy: ['source'] });
    await create(h, p, 'integration-on-call-duty-policy', { integrationId: pd._id, onCallDutyPolicyId: episodePolicy, subjectType: 'alert-episode' });
    for (const key of ['cpu', 'disk']) {
      const trig = await h.call('POST', '/v2/enqueue', { body: { routing_key: pd.routingKey, event_action: 'trigger', dedup_key: key, payload: { summary: key, source: 'db-1', severity: 'error' } } });
      assert.equal(trig.status, 202);
    }
    const [alert] = await list(h, p, 'alert', { title: 'cpu' });
    assert.equal((await h.call('POST', `/api/alert/${alert!._id}/acknowledge`, { key: ann.key })).status, 200);
    // Another worker holds the episode's creation event: everything else is consumed first.
    const held = await sql<{ id: string }>`update domain_event set retry_at = ${new Date(h.clock.now().getTime() + 60_000)}
      where project_id = ${p.projectId} and event_type = 'alert_episode.created' and consumed_at is null returning id`.execute(h.database.db);
    assert.equal(held.rows.length, 1);
    await h.runEngine();
    assert.equal((await executions(h, p)).length, 0);
    await sql`update domain_event set retry_at = null where id = ${held.rows[0]!.id}`.execute(h.database.db);
    await h.runEngine();
    const [run] = await executions(h, p);
    assert.deepEqual([run!.status, run!.acknowledgedByUserId], ['Execution Completed', ann.id]);
    await h.advance(30 * MINUTE);
    assert.equal((await timeline(h, p, run!._id)).length, 1, 'the second rule never ran');
  });

  test('acknowledging an incident episode stops its own run and its incidents\' runs', async () => {
    const p = await h.project();
    const ann = await member(h, p, 'Ann');
    const policyId = await policy(h, p);
    await rule(h, p, policyId, { order: 1, escalateAfterInMinutes: 5, users: [ann.id] });
    await routeAll(h, p, 'incident-episode', [policyId]);
    await routeAll(h, p, 'incident', [policyId]);
    const episodeId = (await create(h, p, 'incident-episode', { title: 'Checkout outage' }))._id;
    const incidentId = await raise(h, p, 'incident', { episodeId });
    await h.runEngine();
    const runs = await executions(h, p);
    assert.deepEqual(runs.map((r) => [r.userNotificationEventType, r.triggeredByIncidentEpisodeId ?? r.triggeredByIncidentId]), [
      ['Incident Episode Created', episodeId],
      ['Incident Created', incidentId],
    ]);
    assert.equal((await outbox(h, p))[0]!.title, 'Incident episode: Checkout outage');
    assert.equal((await h.call('POST', `/api/incident-episode/${episodeId}/acknowledge`, { key: ann.key })).status, 200);
    await h.runEngine();
    assert.deepEqual((await executions(h, p)).map((r) => [r.status, r.acknowledgedByUserId]), [
      ['Execution Completed', ann.id],
      ['Execution Completed', ann.id],
    ]);
  });
});

describe('previewing a policy', () => {
  test('GET /api/on-call-duty-policy/:id/targets answers who each rule would page at an instant', async () => {
    const p = await h.project();
    const [ann, bob] = [await member(h, p, 'Ann'), await member(h, p, 'Bob')];
    const ops = await team(h, p, 'Ops', [ann.id, bob.id]);
    const { scheduleId } = await makeSchedule(h, p, {
      timezone: 'UTC',
      layers: [{ startsAt: '2026-03-01T00:00:00.000Z', rotation: rotation('Day', 1), userIds: [bob.id] }],
    });
    const policyId = await policy(h, p);
    const r1 = await rule(h, p, policyId, { order: 1, teams: [ops], users: [ann.id], notificationMethods: [{ method: 'sms', afterMinutes: 0 }] });
    const r2 = await rule(h, p, policyId, { order: 4, escalateAfterInMinutes: 15, onCallSchedules: [scheduleId] });
    const url = (at: string) => `/api/on-call-duty-policy/${policyId}/targets?at=${encodeURIComponent(at)}`;
    // Nobody here has a contact method (and there is no SMTP for the email fallback): not ready.
    const person = (kind: string, userId: string, teamId: string | null, sched: string | null) =>
      ({ kind, userId, teamId, scheduleId: sched, overriddenUserId: null, notificationReady: kind === 'notify' ? false : null });
    const before = await h.call('GET', url('2026-02-01T00:00:00Z'), { key: p.apiKey });
    assert.equal(before.status, 200, JSON.stringify(before.body));
    assert.deepEqual(before.body, {
      onCallDutyPolicyId: policyId,
      at: '2026-02-01T00:00:00.000Z',
      rules: [
        {
          _id: r1,
          name: 'Rule 1',
          order: 1,
          escalateAfterInMinutes: 30,
          notificationMethods: [{ method: 'sms', afterMinutes: 0 }],
          targets: [person('notify', ann.id, ops, null), person('notify', bob.id, ops, null), person('duplicate', ann.id, null, null)],
        },
        {
          _id: r2,
          name: 'Rule 4',
          order: 4,
          escalateAfterInMinutes: 15,
          notificationMethods: null,
          targets: [{ kind: 'schedule-gap', userId: null, teamId: null, scheduleId, overriddenUserId: null, notificationReady: null }],
        },
      ],
    });
    const later = await h.call('GET', url('2026-03-02T00:00:00Z'), { key: p.apiKey });
    assert.deepEqual(later.body.rules[1].targets, [person('notify', bob.id, null, scheduleId)]);
    expect400(await h.call('GET', url('yesterday'), { key: p.apiKey }), 'at');
    assert.equal((await h.call('GET', `/api/on-call-duty-policy/${randomUUID()}/targets`, { key: p.apiKey })).status, 404);
    const other = await h.project();
    assert.equal((await h.call('GET', url('2026-02-01T00:00:00Z'), { key: other.apiKey })).status, 404);
  });
});

describe('routing patterns', () => {
  test('a catastrophic pattern is interrupted and counts as no match; the other rules still route', async () => {
    const p = await h.project();
    const [slow, fine] = [await policy(h, p, { name: 'Slow' }), await policy(h, p, { name: 'Fine' })];
    for (const id of [slow, fine]) await rule(h, p, id, { users: [p.userId] });
    await routeAll(h, p, 'incident', [slow], { titlePattern: '^(a+)+$' });
    await routeAll(h, p, 'incident', [fine], { titlePattern: 'A{10}' });
    const started = Date.now();
    const incidentId = await raise(h, p, 'incident', { title: `${'a'.repeat(40)}b` });
    await h.runEngine();
    assert.ok(Date.now() - started < 5_000, 'the engine was not stalled');
    assert.deepEqual((await executions(h, p, { triggeredByIncidentId: incidentId })).map((r) => r.onCallDutyPolicyId), [fine]);
  });
});

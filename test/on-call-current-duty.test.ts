// GET /api/on-call-duty-policy/current-on-duty-escalation-policies: the escalation rules that
// would page a user now, directly, through a team or through a schedule they are on call in,
// with overrides counted as a run counts them (a policy's own beating global ones).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import type { CreatedProject } from '../src/access/projects.ts';
import { startHarness, type Harness } from './support/harness.ts';
import { create, iso, member, MINUTE, policy, rule, team, type Row } from './support/policies.ts';
import { makeSchedule, rotation } from './support/schedules.ts';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(() => h.close());

const ROUTE = '/api/on-call-duty-policy/current-on-duty-escalation-policies';

async function duty(key: string, userId?: string): Promise<Row> {
  const res = await h.call('GET', userId ? `${ROUTE}?userId=${userId}` : ROUTE, { key });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
}

/** The three lists reduced to [policy name, rule order, target id, overriddenUserId]. */
function brief(body: Row): Record<string, unknown[][]> {
  return {
    byUser: body.escalationRulesByUser.map((r: Row) => [r.onCallDutyPolicy.name, r.onCallDutyPolicyEscalationRule.order, r.userId, r.overriddenUserId]),
    byTeam: body.escalationRulesByTeam.map((r: Row) => [r.onCallDutyPolicy.name, r.onCallDutyPolicyEscalationRule.order, r.teamId, r.overriddenUserId]),
    bySchedule: body.escalationRulesBySchedule.map((r: Row) => [r.onCallDutyPolicy.name, r.onCallDutyPolicyEscalationRule.order, r.onCallDutyPolicyScheduleId, r.overriddenUserId]),
  };
}

async function linkId(p: CreatedProject, resource: string, query: Row): Promise<string> {
  const res = await h.call('POST', `/api/${resource}/get-list`, { key: p.apiKey, body: { query } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.data.length, 1);
  return res.body.data[0]._id;
}

test('the key\'s user is on duty directly, through a team and through a schedule they are on call in now; hand-offs move it', async () => {
  const p = await h.project();
  const [ann, bob] = [await member(h, p, 'Ann'), await member(h, p, 'Bob')];
  const t0 = h.clock.now().getTime();
  // Ann is on call for the next 30 minutes, then Bob.
  const { scheduleId } = await makeSchedule(h, p, {
    name: 'Primary',
    timezone: 'UTC',
    layers: [{ startsAt: iso(t0 + 30 * MINUTE - 24 * 60 * MINUTE), rotation: rotation('Day', 1), userIds: [ann.id, bob.id] }],
  });
  const ops = await team(h, p, 'Ops', [bob.id, ann.id]);
  const alpha = await policy(h, p, { name: 'Alpha' });
  const beta = await policy(h, p, { name: 'Beta' });
  const direct = await rule(h, p, alpha, { order: 1, name: 'Ann herself', users: [ann.id] });
  const viaTeam = await rule(h, p, alpha, { order: 2, name: 'Ops', teams: [ops], users: [ann.id] });
  const viaSchedule = await rule(h, p, alpha, { order: 3, name: 'On call', onCallSchedules: [scheduleId] });
  await rule(h, p, beta, { order: 1, users: [bob.id] });

  const body = await duty(ann.key);
  assert.deepEqual(brief(body), {
    byUser: [['Alpha', 1, ann.id, null], ['Alpha', 2, ann.id, null]],
    byTeam: [['Alpha', 2, ops, null]],
    bySchedule: [['Alpha', 3, scheduleId, null]],
  });
  assert.deepEqual(body.escalationRulesByUser[0], {
    _id: await linkId(p, 'on-call-duty-policy-escalation-rule-user', { onCallDutyPolicyEscalationRuleId: direct }),
    projectId: p.projectId,
    onCallDutyPolicyId: alpha,
    onCallDutyPolicyEscalationRuleId: direct,
    onCallDutyPolicy: { _id: alpha, name: 'Alpha' },
    onCallDutyPolicyEscalationRule: { _id: direct, name: 'Ann herself', order: 1 },
    overriddenUserId: null,
    userId: ann.id,
  });
  assert.deepEqual(body.escalationRulesByTeam[0], {
    _id: await linkId(p, 'on-call-duty-policy-escalation-rule-team', { onCallDutyPolicyEscalationRuleId: viaTeam }),
    projectId: p.projectId,
    onCallDutyPolicyId: alpha,
    onCallDutyPolicyEscalationRuleId: viaTeam,
    onCallDutyPolicy: { _id: alpha, name: 'Alpha' },
    onCallDutyPolicyEscalationRule: { _id: viaTeam, name: 'Ops', order: 2 },
    overriddenUserId: null,
    teamId: ops,
    team: { _id: ops, name: body.escalationRulesByTeam[0].team.name },
  });
  assert.match(body.escalationRulesByTeam[0].team.name, /^Ops /);
  assert.deepEqual(body.escalationRulesBySchedule[0], {
    _id: await linkId(p, 'on-call-duty-policy-escalation-rule-schedule', { onCallDutyPolicyEscalationRuleId: viaSchedule }),
    projectId: p.projectId,
    onCallDutyPolicyId: alpha,
    onCallDutyPolicyEscalationRuleId: viaSchedule,
    onCallDutyPolicy: { _id: alpha, name: 'Alpha' },
    onCallDutyPolicyEscalationRule: { _id: viaSchedule, name: 'On call', order: 3 },
    overriddenUserId: null,
    onCallDutyPolicyScheduleId: scheduleId,
    onCallDutyPolicySchedule: { _id: scheduleId, name: 'Primary' },
  });
  assert.deepEqual(body.onCallSchedules.map((s: Row) => [s._id, s.onCallUntil]), [[scheduleId, iso(t0 + 30 * MINUTE)]]);

  assert.deepEqual(brief(await duty(bob.key)), {
    byUser: [['Beta', 1, bob.id, null]],
    byTeam: [['Alpha', 2, ops, null]],
    bySchedule: [],
  });

  // After the hand-off the schedule rule is Bob's.
  h.clock.advance(30 * MINUTE);
  assert.deepEqual(brief(await duty(ann.key)).bySchedule, []);
  assert.deepEqual(brief(await duty(bob.key)).bySchedule, [['Alpha', 3, scheduleId, null]]);
  assert.deepEqual((await duty(p.apiKey)).escalationRulesByUser, [], 'the owner is on duty nowhere');
});

test('overrides: the replaced user is off duty where the override applies, the user standing in is on, a policy override beating a global one', async () => {
  const p = await h.project();
  const [ann, bob, carl, dan] = [await member(h, p, 'Ann'), await member(h, p, 'Bob'), await member(h, p, 'Carl'), await member(h, p, 'Dan')];
  const t0 = h.clock.now().getTime();
  const { scheduleId } = await makeSchedule(h, p, {
    timezone: 'UTC',
    layers: [{ startsAt: iso(t0 - 60 * MINUTE), rotation: rotation('Week', 1), userIds: [ann.id] }],
  });
  const alpha = await policy(h, p, { name: 'Alpha' });
  const beta = await policy(h, p, { name: 'Beta' });
  await rule(h, p, alpha, { order: 1, users: [ann.id] });
  await rule(h, p, alpha, { order: 2, onCallSchedules: [scheduleId] });
  await rule(h, p, beta, { order: 1, users: [ann.id] });
  await rule(h, p, beta, { order: 2, onCallSchedules: [scheduleId] });
  const window = { startsAt: iso(t0 - MINUTE), endsAt: iso(t0 + 60 * MINUTE) };
  // Ann is covered by Carl everywhere, but by Dan for Alpha.
  await create(h, p, 'on-call-duty-policy-user-override', { overrideUserId: ann.id, routeAlertsToUserId: carl.id, ...window });
  await create(h, p, 'on-call-duty-policy-user-override', { overrideUserId: ann.id, routeAlertsToUserId: dan.id, onCallDutyPolicyId: alpha, ...window });

  const annNow = await duty(ann.key);
  assert.deepEqual(brief(annNow), { byUser: [], byTeam: [], bySchedule: [] });
  assert.deepEqual(annNow.onCallSchedules, [], 'the global override takes her schedule too');
  assert.deepEqual(brief(await duty(carl.key)), {
    byUser: [['Beta', 1, ann.id, ann.id]],
    byTeam: [],
    bySchedule: [['Beta', 2, scheduleId, ann.id]],
  });
  assert.deepEqual(brief(await duty(p.apiKey, dan.id)), {
    byUser: [['Alpha', 1, ann.id, ann.id]],
    byTeam: [],
    bySchedule: [['Alpha', 2, scheduleId, ann.id]],
  });
  assert.deepEqual(brief(await duty(bob.key)), { byUser: [], byTeam: [], bySchedule: [] });

  // When the overrides end, Ann is back on duty in both.
  h.clock.advance(60 * MINUTE);
  assert.deepEqual(brief(await duty(ann.key)), {
    byUser: [['Alpha', 1, ann.id, null], ['Beta', 1, ann.id, null]],
    byTeam: [],
    bySchedule: [['Alpha', 2, scheduleId, null], ['Beta', 2, scheduleId, null]],
  });
  assert.deepEqual(brief(await duty(carl.key)), { byUser: [], byTeam: [], bySchedule: [] });
});

test('`userId` needs read permission on users and a member of the project; both reads are needed; other projects never show', async () => {
  const a = await h.project();
  const b = await h.project();
  const ann = await member(h, a, 'Ann');
  const policyId = await policy(h, a, { name: 'Alpha' });
  await rule(h, a, policyId, { users: [ann.id] });
  const theirs = await member(h, b, 'Bea');
  const bPolicy = await policy(h, b, { name: 'Theirs' });
  await rule(h, b, bPolicy, { users: [theirs.id] });

  assert.deepEqual(brief(await duty(a.apiKey, ann.id.toUpperCase())).byUser, [['Alpha', 1, ann.id, null]]);
  for (const id of [theirs.id, randomUUID()]) {
    const res = await h.call('GET', `${ROUTE}?userId=${id}`, { key: a.apiKey });
    assert.equal(res.status, 404, JSON.stringify(res.body));
  }
  const bad = await h.call('GET', `${ROUTE}?userId=ann`, { key: a.apiKey });
  assert.equal(bad.status, 400);
  assert.match(bad.body.error, /^userId: /);

  const both = await create(h, a, 'api-key', { name: 'schedules and policies', permissions: ['Read On-Call Duty Policy Schedule', 'Read On-Call Duty Policy'] });
  const empty = await duty(both.apiKey);
  assert.deepEqual(empty, { escalationRulesByUser: [], escalationRulesByTeam: [], escalationRulesBySchedule: [], onCallSchedules: [] }, 'a key without a user');
  const noUsers = await h.call('GET', `${ROUTE}?userId=${ann.id}`, { key: both.apiKey });
  assert.equal(noUsers.status, 403, JSON.stringify(noUsers.body));
  assert.match(noUsers.body.error, /Read Project User/);

  const schedulesOnly = await create(h, a, 'api-key', { name: 'schedules', permissions: ['Read On-Call Duty Policy Schedule'] });
  const denied = await h.call('GET', ROUTE, { key: schedulesOnly.apiKey });
  assert.equal(denied.status, 403, JSON.stringify(denied.body));
  assert.match(denied.body.error, /Read On-Call Duty Policy\b/);
  assert.equal((await h.call('GET', ROUTE)).status, 401);
  // B's rules never show in A's answers.
  assert.deepEqual(brief(await duty(a.apiKey)), { byUser: [], byTeam: [], bySchedule: [] });
});

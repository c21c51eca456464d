import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, afterEach, before, test } from 'node:test';
import { sql } from 'kysely';
import type { CreatedProject } from '../src/access/projects.ts';
import { startHarness, type Harness } from './support/harness.ts';
import { SEED_TEXT } from './support/sla-seed.ts';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(() => h.close());

// A handler that throws is retried silently by the engine: no sla job may have failed.
afterEach(async () => {
  const res = await sql<{ kind: string; last_error: string }>`select kind, last_error from job where kind like 'sla.%' and last_error is not null`.execute(h.database.db);
  assert.deepEqual(res.rows, []);
});

type Json = Record<string, any>;
const S = 1000;

interface PolicyShape {
  readonly IncidentTypes?: string[];
  readonly TargetDurations: Json;
  readonly EscalationSettings: Json;
}

function level(recipients: Json[], timeAfter = 0): Json {
  return { Action: 'NOTIFY', Recipients: recipients, TimeAfter: timeAfter };
}

function to(entity: string, medium = 'MATRIX_APP_NOTIFICATION', only: string[] = []): Json {
  return { Entity: entity, EntityMedium: medium, MediumDetails: {}, NotifyForIncidents: only };
}

async function createPolicy(p: CreatedProject, shape: PolicyShape): Promise<string> {
  const doc = { Name: `policy ${randomUUID().slice(0, 8)}`, Description: 'test', PolicyId: 'default', IncidentTypes: ['*'], ...shape };
  const res = await h.call('POST', '/api/escalation-policy', { key: p.apiKey, body: doc });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  // The policy applies to open incidents through a job: let it run.
  await h.runEngine();
  return res.body.ID;
}

async function addUser(p: CreatedProject): Promise<string> {
  const res = await h.call('POST', '/api/user', { key: p.apiKey, body: { data: { email: `u-${randomUUID()}@example.com`, name: 'Responder', role: 'Project Member' } } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body._id;
}

async function createIncident(p: CreatedProject, data: Json): Promise<string> {
  const res = await h.call('POST', '/api/incident', { key: p.apiKey, body: { data: { title: `Leak in room ${randomUUID().slice(0, 4)}`, ...data } } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body._id;
}

async function act(p: CreatedProject, id: string, action: string, body?: Json) {
  const res = await h.call('POST', `/api/incident/${id}/${action}`, { key: p.apiKey, ...(body ? { body } : {}) });
  assert.equal(res.status, 200, `${action}: ${JSON.stringify(res.body)}`);
}

interface OutboxRow {
  user_id: string;
  method: string;
  reason: string;
  title: string;
  idempotency_key: string;
  send_after: Date;
  team_id: string | null;
  escalation_policy_id: string;
  payload: Json;
}

/** What the incident's escalation wrote to the outbox, in order. */
async function outbox(incidentId: string): Promise<OutboxRow[]> {
  const res = await sql<OutboxRow>`select user_id, method, reason, title, idempotency_key, send_after, team_id,
      replace(escalation_policy_id::text, '-', '') as escalation_policy_id, payload
    from notification_outbox where incident_id = ${incidentId} order by created_at, idempotency_key`.execute(h.database.db);
  return res.rows;
}

/** The escalation log of an incident, through the API, oldest first. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function escalationLog(p: CreatedProject, incidentId: string): Promise<any[]> {
  const query = encodeURIComponent(JSON.stringify({ incidentId }));
  const sort = encodeURIComponent(JSON.stringify({ firedAt: 1, level: 1 }));
  const res = await h.call('GET', `/api/escalation-policy-log/get-list?limit=100&query=${query}&sort=${sort}`, { key: p.apiKey });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.data;
}

function summary(rows: OutboxRow[]): string[] {
  return rows.map((r) => `${r.payload.condition}:${r.payload.level}:${r.user_id}:${r.method}`);
}

test('start breach: L0 at StartThreshold, L1 TimeAfter later, and not a moment before', async () => {
  const p = await h.project();
  const alice = await addUser(p);
  const bob = await addUser(p);
  const policyId = await createPolicy(p, {
    TargetDurations: { H: { StartThreshold: 300, DueTime: 3600 } },
    EscalationSettings: { StartThresholdSettings: { L0: level([to('$assignee')], 999), L1: level([to(bob, 'EMAIL')], 120) } },
  });
  const t0 = h.clock.now().getTime();
  const id = await createIncident(p, { priority: 'H', incidentType: 'leak', assigneeUserId: alice });

  await h.advance(300 * S - 1);
  assert.deepEqual(await outbox(id), []);
  await h.advance(1);
  assert.deepEqual(summary(await outbox(id)), [`start:L0:${alice}:in-app`]);

  await h.advance(120 * S - 1);
  assert.equal((await outbox(id)).length, 1);
  await h.advance(1);
  const rows = await outbox(id);
  assert.deepEqual(summary(rows), [`start:L0:${alice}:in-app`, `start:L1:${bob}:email`]);
  assert.deepEqual(rows.map((r) => r.send_after.getTime() - t0), [300 * S, 420 * S]);
  for (const r of rows) {
    assert.equal(r.reason, 'sla-escalation');
    assert.equal(r.escalation_policy_id, policyId);
  }
  assert.equal(rows[0]!.idempotency_key, `sla:${id}:${policyId}:start:L0:1:${alice}:in-app`);
  assert.match(rows[0]!.title, /^SLA L0: work not started in time: Leak in room/);

  const log = await escalationLog(p, id);
  assert.deepEqual(log.map((l) => [l.condition, l.level, l.breachNo]), [['start', 'L0', 1], ['start', 'L1', 1]]);
  assert.deepEqual(log.map((l) => new Date(l.scheduledAt).getTime() - t0), [300 * S, 420 * S]);
  assert.deepEqual(log.map((l) => new Date(l.firedAt).getTime() - t0), [300 * S, 420 * S]);
  assert.equal(new Date(log[0].breachedAt).getTime() - t0, 300 * S);
  assert.deepEqual(log[0].recipients, [{ entity: '$assignee', entityMedium: 'MATRIX_APP_NOTIFICATION', method: 'in-app', userId: alice, teamId: null }]);
  assert.deepEqual(log[1].recipients, [{ entity: bob, entityMedium: 'EMAIL', method: 'email', userId: bob, teamId: null }]);
  assert.equal(log[0].escalationPolicyId, policyId);

  // Nothing more: the breach stays open (work still not started) but has no later level.
  await h.advance(3000 * S);
  const later = await outbox(id);
  assert.equal(later.filter((r) => r.payload.condition === 'start').length, 2);
});

test('the seed policy as written: start L0 at 300 s, due L1 300 s after the 900 s due time, unassigned L0 with nobody to tell', async () => {
  const p = await h.project();
  const alice = await addUser(p);
  const res = await h.call('POST', '/api/escalation-policy', { key: p.apiKey, rawBody: SEED_TEXT, headers: { 'content-type': 'application/json' } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  await h.runEngine();
  const t0 = h.clock.now().getTime();
  const assigned = await createIncident(p, { priority: 'H', incidentType: 'toilet-clog', assigneeUserId: alice });
  const unassigned = await createIncident(p, { priority: 'H', incidentType: 'toilet-clog' });
  await h.advance(2000 * S);
  const rows = await outbox(assigned);
  assert.deepEqual(summary(rows), [`start:L0:${alice}:in-app`, `due:L1:${alice}:in-app`]);
  assert.deepEqual(rows.map((r) => r.send_after.getTime() - t0), [300 * S, 1200 * S]);
  assert.deepEqual(await outbox(unassigned), []);
  const log = await escalationLog(p, unassigned);
  assert.deepEqual(
    log.map((l) => [l.condition, l.level, new Date(l.firedAt).getTime() - t0, l.recipients.length, l.skippedRecipients.map((x: Json) => x.reason)]),
    [
      ['unassigned', 'L0', 0, 0, []],
      ['start', 'L0', 300 * S, 0, ['the incident has no assignee']],
      ['due', 'L1', 1200 * S, 0, ['the incident has no assignee']],
    ],
  );
  assert.deepEqual((await escalationLog(p, assigned)).map((l) => `${l.condition}:${l.level}`), ['start:L0', 'due:L1']);
});

test('acknowledging or starting before the start threshold: nothing fires', async () => {
  const p = await h.project();
  const alice = await addUser(p);
  await createPolicy(p, {
    TargetDurations: { M: { StartThreshold: 600 } },
    EscalationSettings: { StartThresholdSettings: { L0: level([to(alice)]), L1: level([to(alice, 'SMS')], 60) } },
  });
  const acked = await createIncident(p, { priority: 'M', assigneeUserId: alice });
  const started = await createIncident(p, { priority: 'M', assigneeUserId: alice });
  await h.advance(599 * S);
  await act(p, acked, 'acknowledge');
  await act(p, started, 'start');
  await h.advance(3600 * S);
  assert.deepEqual(await outbox(acked), []);
  assert.deepEqual(await outbox(started), []);
  assert.deepEqual(await escalationLog(p, acked), []);
});

test('due breach: not resolved by DueTime fires the due levels (a missing L0 counts from the breach); acknowledging does not stop it', async () => {
  const p = await h.project();
  const alice = await addUser(p);
  const t0 = h.clock.now().getTime();
  await createPolicy(p, {
    TargetDurations: { N: { StartThreshold: 60, DueTime: 600 } },
    // As in the seed: only L1, with TimeAfter 300.
    EscalationSettings: { DueTimeThresholdSettings: { L1: level([to('$assignee')], 300), L3: level([to(alice, 'CALL')], 100) } },
  });
  const id = await createIncident(p, { priority: 'N', assigneeUserId: alice });
  await h.advance(30 * S);
  await act(p, id, 'acknowledge');
  await h.advance(869 * S);
  assert.deepEqual(await outbox(id), []);
  await h.advance(1 * S);
  assert.deepEqual(summary(await outbox(id)), [`due:L1:${alice}:in-app`]);
  await h.advance(100 * S);
  const rows = await outbox(id);
  assert.deepEqual(summary(rows), [`due:L1:${alice}:in-app`, `due:L3:${alice}:call`]);
  assert.deepEqual(rows.map((r) => r.send_after.getTime() - t0), [900 * S, 1000 * S]);
  const log = await escalationLog(p, id);
  assert.deepEqual(log.map((l) => [l.condition, l.level, new Date(l.breachedAt).getTime() - t0]), [['due', 'L1', 600 * S], ['due', 'L3', 600 * S]]);
});

test('unassigned at creation fires L0 at once and stops when assigned; unassigned again is a new breach', async () => {
  const p = await h.project();
  const alice = await addUser(p);
  const lead = await addUser(p);
  await createPolicy(p, {
    TargetDurations: { H: { StartThreshold: 86_400, DueTime: 86_400 } },
    EscalationSettings: { UnassignedSettings: { L0: level([to(lead, 'PUSH')], 300), L1: level([to(lead, 'SMS')], 60) } },
  });
  const t0 = h.clock.now().getTime();
  const id = await createIncident(p, { priority: 'H' });
  await h.advance(0);
  assert.deepEqual(summary(await outbox(id)), [`unassigned:L0:${lead}:push`]);
  assert.equal((await outbox(id))[0]!.send_after.getTime(), t0);

  await h.advance(30 * S);
  await act(p, id, 'assign', { userId: alice });
  await h.advance(600 * S);
  assert.equal((await outbox(id)).length, 1, 'L1 must not fire once assigned');

  await act(p, id, 'unassign');
  const t1 = h.clock.now().getTime();
  await h.advance(0);
  await h.advance(59 * S);
  assert.deepEqual(summary(await outbox(id)), [`unassigned:L0:${lead}:push`, `unassigned:L0:${lead}:push`]);
  await h.advance(1 * S);
  const rows = await outbox(id);
  assert.deepEqual(summary(rows), [`unassigned:L0:${lead}:push`, `unassigned:L0:${lead}:push`, `unassigned:L1:${lead}:sms`]);
  assert.deepEqual(rows.map((r) => r.payload.breachNo), [1, 2, 2]);
  assert.equal(rows[1]!.send_after.getTime(), t1);
  assert.equal(rows[2]!.send_after.getTime(), t1 + 60 * S);
  const log = await escalationLog(p, id);
  assert.deepEqual(log.map((l) => [l.condition, l.level, l.breachNo]), [['unassigned', 'L0', 1], ['unassigned', 'L0', 2], ['unassigned', 'L1', 2]]);
});

test('assigned at creation: the unassigned condition never fires; the seed\'s empty L0 logs a level with nobody reached', async () => {
  const p = await h.project();
  const alice = await addUser(p);
  await createPolicy(p, {
    TargetDurations: { L: { StartThreshold: 1800, DueTime: 3600 } },
    EscalationSettings: { UnassignedSettings: { L0: level([], 300) } },
  });
  const assigned = await createIncident(p, { priority: 'L', assigneeUserId: alice });
  const unassigned = await createIncident(p, { priority: 'L' });
  await h.advance(10 * S);
  assert.deepEqual(await escalationLog(p, assigned), []);
  const log = await escalationLog(p, unassigned);
  assert.deepEqual(log.map((l) => [l.condition, l.level, l.recipients, l.skippedRecipients]), [['unassigned', 'L0', [], []]]);
  assert.deepEqual(await outbox(unassigned), []);
});

test('$assignee is the assignee when the level fires; without one it is logged as skipped', async () => {
  const p = await h.project();
  const alice = await addUser(p);
  const bob = await addUser(p);
  await createPolicy(p, {
    TargetDurations: { H: { StartThreshold: 300 } },
    EscalationSettings: { StartThresholdSettings: { L0: level([to('$assignee', 'e-mail')]) } },
  });
  const reassigned = await createIncident(p, { priority: 'H', assigneeUserId: alice });
  const nobody = await createIncident(p, { priority: 'H' });
  await h.advance(100 * S);
  await act(p, reassigned, 'assign', { userId: bob });
  await h.advance(200 * S);
  assert.deepEqual(summary(await outbox(reassigned)), [`start:L0:${bob}:email`]);
  assert.deepEqual(await outbox(nobody), []);
  const log = await escalationLog(p, nobody);
  assert.equal(log.length, 1);
  assert.deepEqual(log[0].recipients, []);
  assert.deepEqual(log[0].skippedRecipients, [{ entity: '$assignee', entityMedium: 'e-mail', userId: null, teamId: null, reason: 'the incident has no assignee' }]);
});

test('a team recipient reaches every member; a user reached twice over one medium gets one message', async () => {
  const p = await h.project();
  const [a, b, c] = [await addUser(p), await addUser(p), await addUser(p)];
  const team = await h.call('POST', '/api/team', { key: p.apiKey, body: { data: { name: 'Night shift' } } });
  assert.equal(team.status, 200, JSON.stringify(team.body));
  const teamId = team.body._id as string;
  for (const userId of [a, b]) {
    const m = await h.call('POST', '/api/team-member', { key: p.apiKey, body: { data: { teamId, userId } } });
    assert.equal(m.status, 200, JSON.stringify(m.body));
  }
  await createPolicy(p, {
    TargetDurations: { H: { StartThreshold: 60 } },
    EscalationSettings: { StartThresholdSettings: { L0: level([to(teamId, 'SLACK'), to(a, 'SLACK'), to(c, 'TEAMS')]) } },
  });
  const id = await createIncident(p, { priority: 'H', assigneeUserId: c });
  await h.advance(60 * S);
  const rows = await outbox(id);
  assert.deepEqual(new Set(summary(rows)), new Set([`start:L0:${a}:slack`, `start:L0:${b}:slack`, `start:L0:${c}:teams`]));
  assert.equal(rows.find((r) => r.user_id === a)!.team_id, teamId);
  assert.equal(rows.find((r) => r.user_id === c)!.team_id, null);
  const log = await escalationLog(p, id);
  assert.deepEqual(log[0].recipients.map((r: Json) => [r.userId, r.teamId, r.method]), [[a, teamId, 'slack'], [b, teamId, 'slack'], [c, null, 'teams']]);
  assert.deepEqual(log[0].skippedRecipients.map((r: Json) => [r.userId, r.reason]), [[a, 'already reached over slack at this level']]);
});

test('NotifyForIncidents limits a recipient to those incident types', async () => {
  const p = await h.project();
  const plumber = await addUser(p);
  const cleaner = await addUser(p);
  await createPolicy(p, {
    TargetDurations: { H: { StartThreshold: 60 } },
    EscalationSettings: { StartThresholdSettings: { L0: level([to(plumber, 'SMS', ['leak']), to(cleaner, 'SMS', ['spill', 'litter'])]) } },
  });
  const leak = await createIncident(p, { priority: 'H', incidentType: 'leak', assigneeUserId: plumber });
  const untyped = await createIncident(p, { priority: 'H', assigneeUserId: plumber });
  await h.advance(60 * S);
  assert.deepEqual(summary(await outbox(leak)), [`start:L0:${plumber}:sms`]);
  assert.deepEqual(await outbox(untyped), []);
  const log = await escalationLog(p, leak);
  assert.deepEqual(log[0].skippedRecipients, [{ entity: cleaner, entityMedium: 'SMS', userId: null, teamId: null, reason: 'incident type leak is not in NotifyForIncidents' }]);
});

test('an incident type the policy does not list, or a priority without targets, is not watched', async () => {
  const p = await h.project();
  const alice = await addUser(p);
  const settings = { StartThresholdSettings: { L0: level([to(alice)]) }, UnassignedSettings: { L0: level([to(alice)]) } };
  await createPolicy(p, { IncidentTypes: ['leak', 'spill'], TargetDurations: { H: { StartThreshold: 60, DueTime: 120 } }, EscalationSettings: settings });
  const otherType = await createIncident(p, { priority: 'H', incidentType: 'litter' });
  const untyped = await createIncident(p, { priority: 'H' });
  const otherPriority = await createIncident(p, { priority: 'L', incidentType: 'leak' });
  const noPriority = await createIncident(p, { incidentType: 'leak' });
  const watched = await createIncident(p, { priority: 'H', incidentType: 'spill' });
  await h.advance(3600 * S);
  for (const id of [otherType, untyped, otherPriority, noPriority]) {
    assert.deepEqual(await outbox(id), []);
    assert.deepEqual(await escalationLog(p, id), []);
  }
  assert.deepEqual(new Set(summary(await outbox(watched))), new Set([`unassigned:L0:${alice}:in-app`, `start:L0:${alice}:in-app`]));
});

test('resolving stops every pending level; the escalation log keeps what fired', async () => {
  const p = await h.project();
  const alice = await addUser(p);
  await createPolicy(p, {
    TargetDurations: { H: { StartThreshold: 60, DueTime: 600 } },
    EscalationSettings: {
      StartThresholdSettings: { L0: level([to(alice)]), L1: level([to(alice, 'SMS')], 120), L2: level([to(alice, 'CALL')], 120) },
      DueTimeThresholdSettings: { L0: level([to(alice, 'CALL')]) },
      UnassignedSettings: { L0: level([to(alice, 'EMAIL')]), L1: level([to(alice, 'CALL')], 600) },
    },
  });
  const id = await createIncident(p, { priority: 'H' });
  await h.advance(60 * S);
  assert.deepEqual(new Set(summary(await outbox(id))), new Set([`unassigned:L0:${alice}:email`, `start:L0:${alice}:in-app`]));
  await h.advance(60 * S);
  await act(p, id, 'resolve');
  await h.advance(7200 * S);
  assert.equal((await outbox(id)).length, 2);
  const pending = await sql<{ n: number }>`select count(*)::int as n from job where kind = 'sla.level' and state = 'pending'
    and payload->>'incidentId' = ${id}`.execute(h.database.db);
  assert.equal(pending.rows[0]!.n, 0);
  const cancelled = await sql<{ n: number }>`select count(*)::int as n from job where kind = 'sla.level' and state = 'cancelled'
    and payload->>'incidentId' = ${id}`.execute(h.database.db);
  assert.equal(cancelled.rows[0]!.n, 2, 'the start L1 and the unassigned L1 were cancelled');
  const log = await escalationLog(p, id);
  assert.deepEqual(new Set(log.map((l) => `${l.condition}:${l.level}`)), new Set(['unassigned:L0', 'start:L0']));
});

test('a priority change moves the deadlines; a reopened incident past its due time breaches again', async () => {
  const p = await h.project();
  const alice = await addUser(p);
  await createPolicy(p, {
    TargetDurations: { N: { StartThreshold: 900, DueTime: 1800 }, H: { StartThreshold: 300, DueTime: 900 } },
    EscalationSettings: { StartThresholdSettings: { L0: level([to(alice)]) }, DueTimeThresholdSettings: { L0: level([to(alice, 'EMAIL')]) } },
  });
  const t0 = h.clock.now().getTime();
  const id = await createIncident(p, { priority: 'N', assigneeUserId: alice });
  await h.advance(100 * S);
  const put = await h.call('PUT', `/api/incident/${id}`, { key: p.apiKey, body: { data: { priority: 'H' } } });
  assert.equal(put.status, 200, JSON.stringify(put.body));
  await h.advance(200 * S);
  const first = await outbox(id);
  assert.deepEqual(summary(first), [`start:L0:${alice}:in-app`]);
  assert.equal(first[0]!.send_after.getTime() - t0, 300 * S);

  await act(p, id, 'resolve');
  await h.advance(1000 * S);
  assert.equal((await outbox(id)).length, 1);
  await act(p, id, 'reopen');
  const reopenedAt = h.clock.now().getTime();
  await h.advance(0);
  const rows = await outbox(id);
  // Reopened past both deadlines, with the acknowledgement undone: both conditions breach at once.
  assert.deepEqual(new Set(summary(rows.slice(1))), new Set([`start:L0:${alice}:in-app`, `due:L0:${alice}:email`]));
  for (const r of rows.slice(1)) assert.equal(r.send_after.getTime(), reopenedAt);
  assert.deepEqual(new Set(rows.map((r) => `${r.payload.condition}:${r.payload.breachNo}`)), new Set(['start:1', 'start:2', 'due:1']));
});

test('a policy created or deleted while incidents are open applies to them at once', async () => {
  const p = await h.project();
  const alice = await addUser(p);
  const id = await createIncident(p, { priority: 'H', incidentType: 'leak' });
  await h.advance(10 * S);
  const policyId = await createPolicy(p, {
    TargetDurations: { H: { StartThreshold: 600 } },
    EscalationSettings: { UnassignedSettings: { L0: level([to(alice)]), L1: level([to(alice, 'SMS')], 60) } },
  });
  assert.deepEqual(summary(await outbox(id)), [`unassigned:L0:${alice}:in-app`]);
  const del = await h.call('DELETE', `/api/escalation-policy/${policyId}`, { key: p.apiKey });
  assert.equal(del.status, 200);
  await h.advance(3600 * S);
  assert.equal((await outbox(id)).length, 1, 'the deleted policy\'s L1 must not fire');
});

test('a new policy reaches every open incident of the project, a batch of 100 at a time', async () => {
  const p = await h.project();
  const lead = await addUser(p);
  const ids: string[] = [];
  for (let i = 0; i < 105; i += 1) ids.push(await createIncident(p, { priority: 'M' }));
  const done = await createIncident(p, { priority: 'M' });
  await act(p, done, 'resolve');
  await h.advance(S);
  await createPolicy(p, { TargetDurations: { M: {} }, EscalationSettings: { UnassignedSettings: { L0: level([to(lead, 'WEBHOOK')]) } } });
  const res = await sql<{ incident_id: string }>`select distinct incident_id from notification_outbox
    where project_id = ${p.projectId} and method = 'webhook'`.execute(h.database.db);
  assert.deepEqual(new Set(res.rows.map((r) => r.incident_id)), new Set(ids));
});

test('the escalation log is read-only and project-scoped', async () => {
  const p = await h.project();
  const q = await h.project();
  const alice = await addUser(p);
  await createPolicy(p, { TargetDurations: { H: { StartThreshold: 0 } }, EscalationSettings: { StartThresholdSettings: { L0: level([to(alice)]) } } });
  const id = await createIncident(p, { priority: 'H', assigneeUserId: alice });
  await h.advance(0);
  const log = await escalationLog(p, id);
  assert.equal(log.length, 1);
  assert.deepEqual(await escalationLog(q, id), []);
  const write = await h.call('POST', '/api/escalation-policy-log', { key: p.apiKey, body: { data: { incidentId: id } } });
  assert.equal(write.status, 405);
  const del = await h.call('DELETE', `/api/escalation-policy-log/${log[0]._id}`, { key: p.apiKey });
  assert.equal(del.status, 405);
  const item = await h.call('GET', `/api/escalation-policy-log/${log[0]._id}/get-item`, { key: p.apiKey });
  assert.equal(item.status, 200);
  assert.equal(item.body.level, 'L0');
});

// Personal notification rules: every field is checked; a policy run paging a user (no method:
// their rules decide) expands into the rule's contact method at the rule's delay; an opt-out
// rule ignores the page; no rule falls back to the account email unless the project turned
// that off. Readiness says whether a page can wake a user, and the policy targets show it.
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { after, before, describe, test } from 'node:test';
import type { CreatedProject } from '../src/access/projects.ts';
import { addContact } from './support/contacts.ts';
import { startHarness, type Harness } from './support/harness.ts';
import { create, expect400, member, MINUTE, policy, raise, routeAll, rule, severityId, tryCreate, type Row } from './support/policies.ts';

// Twilio is configured (at a closed loopback port: nothing leaves this machine); SMTP and Slack are not.
const TWILIO = { accountSid: 'ACtest000001', authToken: 'token', fromNumber: '+15550000000', apiBaseUrl: 'http://127.0.0.1:9' };

let h: Harness;
before(async () => {
  h = await startHarness({ notifications: { providers: { twilio: TWILIO } } });
});
after(() => h.close());

const INCIDENT_RULE = 'When incident on-call policy is executed';
const ALERT_RULE = 'When alert on-call policy is executed';

/** The outbox rows of a user, oldest first, with their parent. */
async function outboxOf(p: CreatedProject, userId: string): Promise<Row[]> {
  const r = await sql<Row>`select id, idempotency_key, method, status, status_message, send_after, contact_method_id, parent_id,
      user_notification_rule_id, reason
    from notification_outbox where project_id = ${p.projectId} and user_id = ${userId} and reason <> 'verification'
    order by created_at, send_after, idempotency_key`.execute(h.database.db);
  return r.rows;
}

/** A policy paging `userIds` through their personal rules, routed every incident (or alert). */
async function pagingPolicy(p: CreatedProject, userIds: string[], subject: 'incident' | 'alert' = 'incident'): Promise<string> {
  const policyId = await policy(h, p, { name: `Pager ${userIds.length}` });
  await rule(h, p, policyId, { order: 1, users: userIds, escalateAfterInMinutes: 60 });
  await routeAll(h, p, subject, [policyId]);
  return policyId;
}

describe('rule validation', () => {
  test('every field is checked, each 400 naming it, and nothing is written', async () => {
    const p = await h.project();
    const ann = await member(h, p, 'Ann');
    const bob = await member(h, p, 'Bob');
    const annSms = await addContact(h, p.projectId, ann.id, 'sms', '+15550001001');
    const annEmail = await addContact(h, p.projectId, ann.id, 'email', 'ann@example.com');
    const bobSms = await addContact(h, p.projectId, bob.id, 'sms', '+15550001002');
    const shared = await addContact(h, p.projectId, null, 'slack', 'C0SHARED');
    const bobSlack = await addContact(h, p.projectId, bob.id, 'slack', 'U0BOB');
    const critical = await severityId(h, p, 'incident', 'Critical');
    const alertCritical = (await h.call('POST', '/api/alert-severity/get-list', { key: p.apiKey, body: {} })).body.data[0]._id;
    const base = { userId: ann.id, ruleType: INCIDENT_RULE, userSmsId: annSms };

    const cases: Array<[Row, string]> = [
      [{ ...base, ruleType: 'When something happens' }, 'data.ruleType'],
      [{ ...base, ruleType: undefined }, 'data.ruleType'],
      [{ ...base, userId: undefined }, 'data.userId'],
      [{ ...base, userId: '00000000-0000-4000-8000-000000000000' }, 'data.userId'],
      [{ ...base, notifyAfterMinutes: -1 }, 'data.notifyAfterMinutes'],
      [{ ...base, notifyAfterMinutes: 1441 }, 'data.notifyAfterMinutes'],
      [{ ...base, notifyAfterMinutes: 1.5 }, 'data.notifyAfterMinutes'],
      [{ ...base, notifyAfterMinutes: '5' }, 'data.notifyAfterMinutes'],
      [{ ...base, incidentSeverityId: '00000000-0000-4000-8000-000000000000' }, 'data.incidentSeverityId'],
      [{ ...base, incidentSeverityId: alertCritical }, 'data.incidentSeverityId'],
      [{ ...base, alertSeverityId: alertCritical }, 'data.alertSeverityId'],
      [{ ...base, ruleType: ALERT_RULE, incidentSeverityId: critical }, 'data.incidentSeverityId'],
      [{ ...base, ruleType: 'When user goes on call', incidentSeverityId: critical }, 'data.incidentSeverityId'],
      [{ userId: ann.id, ruleType: INCIDENT_RULE }, 'userSmsId'],
      [{ ...base, userEmailId: annEmail }, 'data.userSmsId'],
      [{ ...base, isOptOut: true }, 'data.userSmsId'],
      [{ ...base, userSmsId: bobSms }, 'data.userSmsId'],
      [{ ...base, userSmsId: undefined, userEmailId: annSms }, 'data.userEmailId'],
      [{ ...base, userSmsId: 'not-a-uuid' }, 'data.userSmsId'],
      [{ ...base, userSmsId: undefined, workspaceDestinationId: bobSlack }, 'data.workspaceDestinationId'],
      [{ ...base, isOptOut: 'yes' }, 'data.isOptOut'],
      [{ ...base, unknownField: 1 }, 'unknownField'],
    ];
    for (const [data, field] of cases) expect400(await tryCreate(h, p, 'user-notification-rule', data), field);
    assert.equal((await h.call('POST', '/api/user-notification-rule/count', { key: p.apiKey })).body.count, 0);

    // Valid ones: a severity-scoped SMS rule, an opt-out, a shared workspace destination.
    const r = await create(h, p, 'user-notification-rule', { ...base, incidentSeverityId: critical, notifyAfterMinutes: 5 });
    assert.equal(r.notifyAfterMinutes, 5);
    assert.equal(r.isOptOut, false);
    const optOut = await create(h, p, 'user-notification-rule', { userId: ann.id, ruleType: ALERT_RULE, alertSeverityId: alertCritical, isOptOut: true });
    assert.equal(optOut.userSmsId, null);
    await create(h, p, 'user-notification-rule', { userId: ann.id, ruleType: INCIDENT_RULE, workspaceDestinationId: shared });

    // Updates are checked against the whole rule.
    expect400(await h.call('PUT', `/api/user-notification-rule/${r._id}`, { key: p.apiKey, body: { data: { isOptOut: true } } }), 'data.userSmsId');
    expect400(await h.call('PUT', `/api/user-notification-rule/${r._id}`, { key: p.apiKey, body: { data: { userEmailId: annEmail } } }), 'data.userSmsId');
    expect400(await h.call('PUT', `/api/user-notification-rule/${r._id}`, { key: p.apiKey, body: { data: { notifyAfterMinutes: 2000 } } }), 'data.notifyAfterMinutes');
    expect400(await h.call('PUT', `/api/user-notification-rule/${r._id}`, { key: p.apiKey, body: { data: { ruleType: ALERT_RULE } } }), 'ruleType');
    assert.equal((await h.call('PUT', `/api/user-notification-rule/${r._id}`, { key: p.apiKey, body: { data: { userSmsId: null, userEmailId: annEmail } } })).status, 200);
    assert.equal((await h.call('PUT', `/api/user-notification-rule/${optOut._id}`, { key: p.apiKey, body: { data: { isOptOut: false, userSmsId: annSms } } })).status, 200);

    // Members manage their own rules only.
    assert.equal((await tryCreate(h, p, 'user-notification-rule', { userId: bob.id, ruleType: INCIDENT_RULE, userSmsId: bobSms }, undefined, ann.key)).status, 403);
    assert.equal((await tryCreate(h, p, 'user-notification-rule', { ...base, notifyAfterMinutes: 10 }, undefined, ann.key)).status, 200);
    assert.equal((await h.call('DELETE', `/api/user-notification-rule/${r._id}`, { key: bob.key })).status, 403);
    assert.equal((await h.call('DELETE', `/api/user-notification-rule/${r._id}`, { key: ann.key })).status, 200);
  });
});

describe('a policy run pages through personal rules', () => {
  test('a page with no method expands into the rule\'s contact method at the rule\'s delay', async () => {
    const p = await h.project();
    const ann = await member(h, p, 'Ann');
    const sms = await addContact(h, p.projectId, ann.id, 'sms', '+15550002001');
    const call = await addContact(h, p.projectId, ann.id, 'call', '+15550002001');
    const critical = await severityId(h, p, 'incident', 'Critical');
    const minor = await severityId(h, p, 'incident', 'Minor');
    const smsRule = await create(h, p, 'user-notification-rule', { userId: ann.id, ruleType: INCIDENT_RULE, userSmsId: sms, notifyAfterMinutes: 0 });
    const callRule = await create(h, p, 'user-notification-rule', { userId: ann.id, ruleType: INCIDENT_RULE, userCallId: call, notifyAfterMinutes: 5, incidentSeverityId: critical });
    await create(h, p, 'user-notification-rule', { userId: ann.id, ruleType: INCIDENT_RULE, userCallId: call, notifyAfterMinutes: 1, incidentSeverityId: minor });
    await create(h, p, 'user-notification-rule', { userId: ann.id, ruleType: ALERT_RULE, userSmsId: sms, notifyAfterMinutes: 0 });
    await pagingPolicy(p, [ann.id]);

    const t0 = h.clock.now().getTime();
    await raise(h, p, 'incident', { incidentSeverityId: critical });
    await h.runEngine();
    const rows = await outboxOf(p, ann.id);
    const parent = rows.find((r) => r.parent_id === null)!;
    assert.equal(parent.method, null);
    assert.equal(parent.status, 'Expanded');
    const children = rows.filter((r) => r.parent_id === parent.id);
    assert.deepEqual(children.map((c) => [c.method, c.contact_method_id, c.user_notification_rule_id]), [
      ['sms', sms, smsRule._id],
      ['call', call, callRule._id],
    ]);
    // The SMS went out at once (its delivery row is written); the call waits 5 minutes.
    const smsRow = children.find((c) => c.method === 'sms')!;
    const smsDelivery = await sql<Row>`select created_at from notification_delivery where outbox_id = ${smsRow.id}`.execute(h.database.db);
    assert.equal(new Date(smsDelivery.rows[0]!.created_at).getTime(), t0);
    const callRow = children.find((c) => c.method === 'call')!;
    assert.equal(new Date(callRow.send_after).getTime() - t0, 5 * MINUTE);
    assert.equal(callRow.status, 'Pending');
    const callTried = async () =>
      (await sql<Row>`select created_at from notification_delivery where outbox_id = ${callRow.id}`.execute(h.database.db)).rows[0]?.created_at;
    await h.advance(4 * MINUTE);
    assert.equal(await callTried(), undefined);
    await h.advance(1 * MINUTE);
    assert.equal(new Date(await callTried()).getTime(), t0 + 5 * MINUTE);
  });

  test('an opt-out rule ignores the page, with no fallback', async () => {
    const p = await h.project();
    const ann = await member(h, p, 'Ann');
    await create(h, p, 'user-notification-rule', { userId: ann.id, ruleType: INCIDENT_RULE, isOptOut: true });
    await pagingPolicy(p, [ann.id]);
    await raise(h, p, 'incident');
    await h.runEngine();
    const rows = await outboxOf(p, ann.id);
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.status, 'Ignored');
    assert.match(rows[0]!.status_message, /opted out/);
    const d = await sql<Row>`select status, ignored_reason from notification_delivery where outbox_id = ${rows[0]!.id}`.execute(h.database.db);
    assert.deepEqual(d.rows, [{ status: 'Ignored', ignored_reason: 'USER_UNSUBSCRIBED' }]);
  });

  test('no rule: the account email at once (the fallback); with the fallback turned off, nothing', async () => {
    const p = await h.project();
    const ann = await member(h, p, 'Ann');
    await pagingPolicy(p, [ann.id]);
    await raise(h, p, 'incident');
    await h.runEngine();
    const rows = await outboxOf(p, ann.id);
    const parent = rows.find((r) => r.parent_id === null)!;
    assert.equal(parent.status, 'Expanded');
    const [child, ...more] = rows.filter((r) => r.parent_id === parent.id);
    assert.equal(more.length, 0);
    assert.equal(child!.method, 'email');
    assert.equal(child!.contact_method_id, null);
    assert.ok(child!.idempotency_key.endsWith(':fallback:email'));

    const q = await h.project();
    const bob = await member(h, q, 'Bob');
    const off = await h.call('PUT', `/api/project/${q.projectId}`, { key: q.apiKey, body: { data: { disableOnCallNotificationFallback: true } } });
    assert.equal(off.status, 200);
    await pagingPolicy(q, [bob.id]);
    await raise(h, q, 'incident');
    await h.runEngine();
    const bobRows = await outboxOf(q, bob.id);
    assert.equal(bobRows.length, 1);
    assert.equal(bobRows[0]!.status, 'Ignored');
    assert.match(bobRows[0]!.status_message, /no notification rule/);
  });
});

describe('notification readiness', () => {
  test('ready:false with reasons for a user with nothing; ready:true once a verified SMS exists with Twilio configured', async () => {
    const p = await h.project();
    const ann = await member(h, p, 'Ann');
    const url = `/api/user/${ann.id}/notification-readiness`;
    const none = await h.call('GET', url, { key: p.apiKey });
    assert.equal(none.status, 200, JSON.stringify(none.body));
    assert.equal(none.body.userId, ann.id);
    assert.equal(none.body.ready, false);
    assert.deepEqual(none.body.methods, []);
    assert.ok(none.body.reasons.some((r: string) => /No contact method/.test(r)), JSON.stringify(none.body.reasons));
    assert.ok(none.body.reasons.some((r: string) => /SMTP, which is not configured/.test(r)));

    // An in-app device alone does not wake anyone.
    await create(h, p, 'user-push', { userId: ann.id, deviceName: 'Laptop' });
    const push = (await h.call('GET', url, { key: p.apiKey })).body;
    assert.equal(push.ready, false);
    assert.deepEqual(push.methods.map((m: Row) => [m.kind, m.usable]), [['push', true]]);

    // An unverified SMS: not yet.
    const sms = await create(h, p, 'user-sms', { userId: ann.id, phone: '+15550003456' });
    const unverified = (await h.call('GET', url, { key: p.apiKey })).body;
    assert.equal(unverified.ready, false);
    const m = unverified.methods.find((x: Row) => x.kind === 'sms');
    assert.deepEqual(m, { _id: sms._id, kind: 'sms', address: '+1•••••3456', isVerified: false, isDisabled: false, providerConfigured: true, usable: false });
    assert.ok(unverified.reasons.some((r: string) => r === 'SMS +1•••••3456 is not verified'));

    // Verified: ready.
    const msg = await sql<Row>`select body from notification_outbox where contact_method_id = ${sms._id} and reason = 'verification'`.execute(h.database.db);
    const code = /(\d{6})/.exec(msg.rows[0]!.body)![1];
    assert.equal((await h.call('POST', '/api/user-sms/verify', { key: p.apiKey, body: { itemId: sms._id, code } })).status, 200);
    const ready = (await h.call('GET', url, { key: p.apiKey })).body;
    assert.equal(ready.ready, true);
    assert.equal(ready.methods.find((x: Row) => x.kind === 'sms').usable, true);
    assert.ok(!JSON.stringify(ready).includes('+15550003456'));

    // A verified email is not usable without SMTP.
    const emailId = await addContact(h, p.projectId, ann.id, 'email', 'ann@example.com');
    const withEmail = (await h.call('GET', url, { key: p.apiKey })).body;
    assert.deepEqual(withEmail.methods.find((x: Row) => x._id === emailId), {
      _id: emailId, kind: 'email', address: 'ann@example.com', isVerified: true, isDisabled: false, providerConfigured: false, usable: false,
    });

    // The email fallback counts once the project has SMTP (and the user no rules).
    const bob = await member(h, p, 'Bob');
    assert.equal((await h.call('GET', `/api/user/${bob.id}/notification-readiness`, { key: p.apiKey })).body.ready, false);
    await create(h, p, 'smtp-config', { hostname: '127.0.0.1', port: 9, fromEmail: 'pager@example.com' });
    const bobReady = (await h.call('GET', `/api/user/${bob.id}/notification-readiness`, { key: p.apiKey })).body;
    assert.equal(bobReady.ready, true);
    assert.ok(bobReady.reasons.some((r: string) => /email fallback/.test(r)));

    // Malformed and forbidden requests.
    assert.equal((await h.call('GET', '/api/user/not-a-uuid/notification-readiness', { key: p.apiKey })).status, 400);
    assert.equal((await h.call('GET', '/api/user/00000000-0000-4000-8000-000000000000/notification-readiness', { key: p.apiKey })).status, 404);
    assert.equal((await h.call('GET', url)).status, 401);
    const other = await h.project();
    assert.equal((await h.call('GET', url, { key: other.apiKey })).status, 404);
  });

  test('the policy targets and current-on-duty answers show notificationReady', async () => {
    const p = await h.project();
    const ann = await member(h, p, 'Ann');
    const bob = await member(h, p, 'Bob');
    await addContact(h, p.projectId, ann.id, 'call', '+15550004567');
    const policyId = await pagingPolicy(p, [ann.id, bob.id]);
    const res = await h.call('GET', `/api/on-call-duty-policy/${policyId}/targets`, { key: p.apiKey });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const targets: Row[] = res.body.rules[0].targets;
    assert.deepEqual(Object.fromEntries(targets.map((t) => [t.userId, [t.kind, t.notificationReady]])), {
      [ann.id]: ['notify', true],
      [bob.id]: ['notify', false],
    });
    // Where a user is on duty now says it too.
    const duty = (key: string) => h.call('GET', '/api/on-call-duty-policy/current-on-duty-escalation-policies', { key });
    const annDuty = await duty(ann.key);
    assert.equal(annDuty.status, 200, JSON.stringify(annDuty.body));
    assert.equal(annDuty.body.escalationRulesByUser.length, 1);
    assert.equal(annDuty.body.notificationReady, true);
    assert.equal((await duty(bob.key)).body.notificationReady, false);
  });
});

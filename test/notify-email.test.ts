// Email over SMTP against the loopback fake (smtp-server, parsed back with mailparser), and the
// signed acknowledge / resolve links: the mail a policy run sends (subject, facts, text and
// HTML bodies, two links, a Message-ID derived from the delivery), the confirmation page that
// changes nothing, the POST that acknowledges via email, refused links (altered, expired,
// unknown, malformed), and the failures: no SMTP server, refused credentials, 451 retried with
// backoff and delivered once, 550 failed at once. Mail without an email contact goes to the
// account email.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { classifySmtpError } from '../src/notifications/channels/email/classify-smtp-error.ts';
import { closeSmtpTransports } from '../src/notifications/channels/email/smtp-transport.ts';
import { PermanentFailure, TemporaryFailure } from '../src/notifications/channels/channel.ts';
import { startFakeSmtp, type FakeSmtp, type FakeSmtpMessage } from './fakes/fake-smtp.ts';
import { addContact, deliveries, requestMessage, type DeliveryRow } from './support/contacts.ts';
import { startHarness, type CallResult, type Harness } from './support/harness.ts';
import { create, executions, member, MINUTE, policy, raise, routeAll, rule, severityId, timeline, type Row } from './support/policies.ts';

const PUBLIC = 'http://vigil.test';
const ACTION_PREFIX = `${PUBLIC}/api/notifications/action/`;
const FROM = 'vigil@example.com';
const DAY = 24 * 60 * MINUTE;

let counter = 0;
/** A fresh address per use, so tests never see each other's mail. */
function address(name = 'ann'): string {
  counter += 1;
  return `${name}-${counter}@example.com`;
}

async function incident(h: Harness, id: string): Promise<Row> {
  const r = await sql<Row>`select state, acknowledged_by_user_id, resolved_at from incident where id = ${id}`.execute(h.database.db);
  return r.rows[0]!;
}

async function feed(h: Harness, id: string): Promise<Row[]> {
  const r = await sql<Row>`select kind, via, user_id from activity where subject_id = ${id} and kind in ('acknowledged', 'resolved') order by seq`.execute(h.database.db);
  return r.rows;
}

async function attemptTimes(h: Harness, deliveryId: string): Promise<number[]> {
  const r = await sql<{ started_at: Date }>`select started_at from notification_attempt where delivery_id = ${deliveryId} order by attempt_no`.execute(h.database.db);
  return r.rows.map((a) => new Date(a.started_at).getTime());
}

/** The links of a mail's text body, by name. */
function linksOf(mail: FakeSmtpMessage): { acknowledge: string; resolve: string } {
  const acknowledge = /^Acknowledge: (\S+)$/m.exec(mail.text)?.[1];
  const resolve = /^Resolve: (\S+)$/m.exec(mail.text)?.[1];
  assert.ok(acknowledge && resolve, mail.text);
  return { acknowledge, resolve };
}

/** GET or POST a link through the app (the public host stripped). */
function follow(h: Harness, method: 'GET' | 'POST', url: string, opts: { headers?: Record<string, string>; rawBody?: string } = {}): Promise<CallResult> {
  assert.ok(url.startsWith(ACTION_PREFIX), url);
  return h.call(method, url.slice(PUBLIC.length), opts);
}

const mailsTo = (smtp: FakeSmtp, to: string): FakeSmtpMessage[] => smtp.messages.filter((m) => m.to.includes(to));

describe('email through an SMTP server', () => {
  let h: Harness;
  let smtp: FakeSmtp;
  before(async () => {
    smtp = await startFakeSmtp();
    h = await startHarness({
      notifications: {
        publicUrl: PUBLIC,
        providers: { smtp: { host: '127.0.0.1', port: smtp.port, secure: false, user: null, password: null, fromEmail: FROM, fromName: 'Vigil' } },
      },
    });
  });
  after(async () => {
    closeSmtpTransports();
    await h?.close();
    await smtp?.close();
  });

  /** A project whose incidents page Ann by email at once, and one incident raised. */
  async function paged(title = 'Disk full on db-1') {
    const p = await h.project();
    const ann = await member(h, p, 'Ann');
    const to = address();
    await addContact(h, p.projectId, ann.id, 'email', to);
    const policyId = await policy(h, p, { name: 'Databases' });
    await rule(h, p, policyId, { users: [ann.id], notificationMethods: [{ method: 'email', afterMinutes: 0 }] });
    await routeAll(h, p, 'incident', [policyId]);
    const incidentId = await raise(h, p, 'incident', { title, incidentSeverityId: await severityId(h, p, 'incident', 'Critical') });
    await h.advance(0);
    const mails = mailsTo(smtp, to);
    assert.equal(mails.length, 1, 'one mail');
    const [d, ...more] = (await deliveries(h, p.projectId)).filter((x) => x.method === 'email');
    assert.equal(more.length, 0);
    return { p, ann, to, incidentId, mail: mails[0]!, delivery: d! };
  }

  test('a policy run mails the facts and two signed links; the delivery records recipient, provider id and attempts', async () => {
    const { p, ann, to, incidentId, mail, delivery: d } = await paged('Disk <full> on db-1 & "more"');

    assert.equal(mail.subject, '[Critical] Incident: Disk <full> on db-1 & "more"');
    assert.equal(mail.from, FROM, 'envelope sender');
    assert.deepEqual(mail.to, [to]);
    const from = mail.parsed.from?.value[0];
    assert.deepEqual([from?.name, from?.address], ['Vigil', FROM]);
    assert.equal(mail.headerTo, to);
    assert.equal(mail.headers['message-id'], `<${d.id}@vigil>`, 'the Message-ID is derived from the delivery');
    assert.equal(mail.headers['auto-submitted'], 'auto-generated');
    assert.match(mail.headers['content-type'] ?? '', /multipart\/alternative/);

    for (const fact of ['Severity: Critical', 'About: Incident', 'Reason: on-call-policy', 'Incident "Disk <full> on db-1 & "more"" was created (severity Critical).']) {
      assert.ok(mail.text.includes(fact), `text has ${fact}:\n${mail.text}`);
    }
    const links = linksOf(mail);
    for (const [action, url] of Object.entries(links)) {
      const claim = h.notifications.links.verify(url.slice(ACTION_PREFIX.length));
      assert.ok(!('error' in claim), JSON.stringify(claim));
      assert.deepEqual([claim.deliveryId, claim.action], [d.id, action]);
    }
    const html = mail.html ?? '';
    assert.ok(html.includes('Disk &lt;full&gt; on db-1 &amp; &quot;more&quot;'), 'the title is escaped in the HTML');
    assert.ok(!html.includes('<full>'), 'nothing of the title is markup');
    assert.ok(html.includes('<th style="text-align:left;padding:2px 12px 2px 0;color:#555">Severity</th><td style="padding:2px 0">Critical</td>'), html);
    assert.ok(html.includes(`href="${links.acknowledge}"`) && html.includes(`href="${links.resolve}"`), 'both links in the HTML');
    assert.match(html, />Acknowledge<\/a>/);
    assert.match(html, />Resolve<\/a>/);
    const page = await follow(h, 'GET', links.acknowledge);
    assert.ok(page.body.includes('[Critical] Incident: Disk &lt;full&gt; on db-1 &amp; &quot;more&quot;') && !page.body.includes('<full>'), 'the page escapes the title');
    assert.match(String(page.headers['content-security-policy']), /default-src 'none'/);

    assert.equal(d.status, 'Sent', d.status_message);
    assert.equal(d.medium, 'EMAIL');
    assert.equal(d.recipient, to);
    assert.equal(d.from_address, FROM);
    assert.equal(d.provider_message_id, `<${d.id}@vigil>`);
    assert.match(d.provider_status, /^250 /);
    assert.equal(d.attempts, 1);
    assert.equal(d.user_id, ann.id);
    assert.equal(d.incident_id, incidentId);
    assert.deepEqual(d.attempt_list.map((a: Row) => [a.status, a.providerMessageId]), [['Sent', `<${d.id}@vigil>`]]);
    const [run] = await executions(h, p);
    assert.equal((await timeline(h, p, run!._id))[0]!.status, 'Notification Sent');
  });

  test('GET on the link shows a confirmation page and changes nothing; POST acknowledges via email; again is harmless; resolve too', async () => {
    const { p, ann, incidentId, mail, delivery } = await paged();
    const links = linksOf(mail);

    const page = await follow(h, 'GET', links.acknowledge);
    assert.equal(page.status, 200);
    assert.match(String(page.headers['content-type']), /^text\/html/);
    assert.equal(page.headers['cache-control'], 'no-store');
    assert.equal(page.headers['referrer-policy'], 'no-referrer');
    assert.match(page.body, /<h1>Acknowledge this incident\?<\/h1>/);
    assert.match(page.body, /\[Critical\] Incident: Disk full on db-1/);
    assert.match(page.body, /<form method="post"><button type="submit">Acknowledge<\/button><\/form>/);
    assert.equal((await follow(h, 'HEAD' as 'GET', links.acknowledge)).status, 200);
    await h.runEngine();
    assert.equal((await incident(h, incidentId)).state, 'Created', 'showing the page acknowledges nothing');
    assert.deepEqual(await feed(h, incidentId), []);

    // The browser's form POST: form-encoded, empty.
    const acted = await follow(h, 'POST', links.acknowledge, { headers: { 'content-type': 'application/x-www-form-urlencoded' }, rawBody: '' });
    assert.equal(acted.status, 200, acted.body);
    assert.match(String(acted.headers['content-type']), /^text\/html/);
    assert.match(acted.body, /<h1>Acknowledged<\/h1>/);
    const row = await incident(h, incidentId);
    assert.equal(row.state, 'Acknowledged');
    assert.equal(row.acknowledged_by_user_id, ann.id, 'the delivery\'s recipient');
    assert.deepEqual(await feed(h, incidentId), [{ kind: 'acknowledged', via: 'email', user_id: ann.id }]);
    const d = (await deliveries(h, p.projectId)).find((x) => x.id === delivery.id)!;
    assert.ok(d.acknowledged_at);

    await h.runEngine();
    const [run] = await executions(h, p);
    assert.equal(run!.status, 'Execution Completed');
    assert.equal(run!.acknowledgedByUserId, ann.id);
    assert.deepEqual((await timeline(h, p, run!._id)).map((t) => [t.status, t.ack]), [['Successfully Acknowledged', true]]);

    // A second POST (a double click, a scanner replaying it) changes nothing.
    const again = await follow(h, 'POST', links.acknowledge);
    assert.equal(again.status, 200);
    assert.match(again.body, /<h1>Already acknowledged<\/h1>/);
    assert.equal((await feed(h, incidentId)).length, 1);

    // JSON for programs that ask for it; then resolve.
    const resolved = await follow(h, 'POST', links.resolve, { headers: { accept: 'application/json' } });
    assert.equal(resolved.status, 200);
    assert.deepEqual(resolved.body, { outcome: 'done', action: 'resolve', about: 'Incident', title: '[Critical] Incident: Disk full on db-1' });
    assert.equal((await incident(h, incidentId)).state, 'Resolved');
    assert.deepEqual((await feed(h, incidentId)).map((f) => [f.kind, f.via]), [['acknowledged', 'email'], ['resolved', 'email']]);
    const twice = await follow(h, 'POST', links.resolve);
    assert.match(twice.body, /<h1>Already resolved<\/h1>/);
    assert.equal((await follow(h, 'GET', links.acknowledge)).status, 200, 'the page still opens');
  });

  test('altered, malformed, unknown and oversized links are refused with nothing changed', async () => {
    const { incidentId, mail } = await paged();
    const { acknowledge } = linksOf(mail);
    const token = acknowledge.slice(ACTION_PREFIX.length);
    const [body, sig] = token.split('.') as [string, string];
    const claim = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Row;
    const forgedBody = Buffer.from(JSON.stringify({ ...claim, a: 'resolve' })).toString('base64url');
    const flipped = `${sig.slice(0, -1)}${sig.endsWith('A') ? 'B' : 'A'}`;

    const refusals: Array<[string, number, RegExp]> = [
      [`${body}.${flipped}`, 400, /not signed by this Vigil/],
      [`${forgedBody}.${sig}`, 400, /not signed by this Vigil/],
      [body, 400, /malformed/],
      ['abc', 400, /malformed/],
      [`${'x'.repeat(1500)}.${sig}`, 400, /malformed/],
      [h.notifications.links.token(randomUUID(), 'acknowledge'), 404, /no longer exists/],
    ];
    for (const [t, status, why] of refusals) {
      for (const method of ['GET', 'POST'] as const) {
        const res = await h.call(method, `/api/notifications/action/${t}`);
        assert.equal(res.status, status, `${method} ${t.slice(0, 40)}: ${res.status}`);
        assert.match(String(res.headers['content-type']), /^text\/html/);
        assert.match(res.body, why);
      }
    }
    // A path with more after the token is no link at all.
    assert.equal((await h.call('GET', `/api/notifications/action/${token}/extra`)).status, 404);
    // JSON callers get a JSON error naming the token.
    const json = await h.call('POST', `/api/notifications/action/${body}.${flipped}`, { headers: { accept: 'application/json' } });
    assert.equal(json.status, 400);
    assert.match(json.body.error, /^token: the link is not signed by this Vigil/);
    // A token longer than any Vigil makes is refused before it is looked at.
    assert.equal((await h.call('GET', `/api/notifications/action/${'y'.repeat(5000)}`)).status, 400);
    // A huge body is refused (413) before anything happens.
    const huge = await h.call('POST', `/api/notifications/action/${token}`, { headers: { 'content-type': 'application/x-www-form-urlencoded' }, rawBody: `a=${'x'.repeat(10_000)}` });
    assert.equal(huge.status, 413);
    // An unknown path under the action prefix is refused too.
    assert.equal((await h.call('POST', '/api/notifications/action/')).status, 400);

    assert.equal((await incident(h, incidentId)).state, 'Created');
    assert.deepEqual(await feed(h, incidentId), []);
  });

  test('a message about nothing has no links; a link made for it anyway is a 404', async () => {
    const p = await h.project();
    const to = address('notes');
    await addContact(h, p.projectId, p.userId, 'email', to);
    await requestMessage(h, p.projectId, p.userId, 'email', { title: 'Weekly report', body: 'All quiet.' });
    await h.runEngine();
    const [mail] = mailsTo(smtp, to);
    assert.ok(mail);
    assert.equal(mail.subject, 'Weekly report');
    assert.ok(!/Acknowledge|Resolve/.test(mail.text), mail.text);
    assert.ok(!(mail.html ?? '').includes('/api/notifications/action/'));
    const [d] = await deliveries(h, p.projectId);
    const res = await h.call('POST', `/api/notifications/action/${h.notifications.links.token(d!.id, 'acknowledge')}`);
    assert.equal(res.status, 404);
    assert.match(res.body, /not about anything that can be acknowledged/);
  });

  test('a user without an email contact method gets the mail at their account email', async () => {
    const p = await h.project();
    const account = (await sql<{ email: string }>`select email from app_user where id = ${p.userId}`.execute(h.database.db)).rows[0]!.email;
    const incidentId = await raise(h, p, 'incident', { title: 'Queue backlog' });
    await requestMessage(h, p.projectId, p.userId, 'email', { incidentId, title: 'Queue backlog' });
    await h.runEngine();
    const mails = mailsTo(smtp, account);
    assert.equal(mails.length, 1);
    assert.equal(mails[0]!.headerTo, account);
    const [d] = await deliveries(h, p.projectId);
    assert.deepEqual([d!.status, d!.recipient, d!.contact_method_id], ['Sent', account, null]);
    // Its link acts as the account's user.
    const acted = await follow(h, 'POST', linksOf(mails[0]!).acknowledge);
    assert.equal(acted.status, 200);
    assert.deepEqual(await feed(h, incidentId), [{ kind: 'acknowledged', via: 'email', user_id: p.userId }]);
  });

  test('451 is retried with growing backoff and the mail delivered once after recovery, under the same Message-ID', async () => {
    const p = await h.project();
    const to = address('retry');
    await addContact(h, p.projectId, p.userId, 'email', to);
    const incidentId = await raise(h, p, 'incident');
    smtp.failWith(451);
    let d: DeliveryRow;
    try {
      await requestMessage(h, p.projectId, p.userId, 'email', { incidentId, title: 'Retry me' });
      await h.runEngine();
      [d] = (await deliveries(h, p.projectId)) as [DeliveryRow];
      assert.equal(d.status, 'Pending');
      assert.match(d.status_message, /451/);
      await h.advance(40_000);
    } finally {
      smtp.failWith(null);
    }
    assert.equal(mailsTo(smtp, to).length, 0);
    await h.advance(5 * MINUTE);
    const mails = mailsTo(smtp, to);
    assert.equal(mails.length, 1, 'delivered exactly once');
    [d] = (await deliveries(h, p.projectId)) as [DeliveryRow];
    assert.equal(d.status, 'Sent');
    assert.equal(mails[0]!.headers['message-id'], `<${d.id}@vigil>`);
    const attempts = d.attempt_list as Row[];
    assert.ok(attempts.length >= 4, `${attempts.length} attempts`);
    assert.equal(d.attempts, attempts.length);
    assert.equal(attempts.at(-1)!.status, 'Sent');
    assert.ok(attempts.slice(0, -1).every((a) => a.status === 'TemporaryFailure' && /451/.test(a.error)), JSON.stringify(attempts));
    // 5 s, 10 s, 20 s, ... each ±20 %.
    const times = await attemptTimes(h, d.id);
    const gaps = times.slice(1, 4).map((t, i) => t - times[i]!);
    for (const [i, gap] of gaps.slice(0, 3).entries()) {
      const base = 5_000 * 2 ** i;
      assert.ok(gap >= base * 0.8 && gap <= base * 1.2, `gap ${i + 1}: ${gap} ms, want about ${base} ms`);
    }
  });

  test('550 fails at once without retrying; a refused DATA (554) too', async () => {
    const p = await h.project();
    const to = address('nobody');
    await addContact(h, p.projectId, p.userId, 'email', to);
    smtp.rejectRecipient(to, 550);
    const incidentId = await raise(h, p, 'incident');
    await requestMessage(h, p.projectId, p.userId, 'email', { incidentId, title: 'Nobody home' });
    await h.advance(10 * MINUTE);
    let [d] = await deliveries(h, p.projectId);
    assert.deepEqual([d!.status, d!.failed_reason, d!.attempts], ['Failed', 'CLIENT_ERROR', 1]);
    assert.match(d!.status_message, /550 at RCPT TO/);
    assert.equal(mailsTo(smtp, to).length, 0);

    const q = await h.project();
    const other = address('data');
    await addContact(h, q.projectId, q.userId, 'email', other);
    smtp.failWith(554, 'data');
    try {
      await requestMessage(h, q.projectId, q.userId, 'email', { title: 'Refused body' });
      await h.advance(10 * MINUTE);
    } finally {
      smtp.failWith(null);
    }
    [d] = await deliveries(h, q.projectId);
    assert.deepEqual([d!.status, d!.failed_reason, d!.attempts], ['Failed', 'PROVIDER_ERROR', 1]);
    assert.match(d!.status_message, /554 at DATA/);
  });

  test('a project SMTP server that refuses the credentials fails NOT_CONFIGURED, not retried, the password nowhere', async () => {
    const authed = await startFakeSmtp({ auth: { user: 'vigil', pass: 'right-password' } });
    try {
      const p = await h.project();
      await create(h, p, 'smtp-config', { hostname: '127.0.0.1', port: authed.port, username: 'vigil', password: 'wrong-password-xyz', fromEmail: 'ops@example.org' });
      const to = address('authed');
      await addContact(h, p.projectId, p.userId, 'email', to);
      await requestMessage(h, p.projectId, p.userId, 'email', { title: 'Through the project server' });
      await h.advance(10 * MINUTE);
      const [d] = await deliveries(h, p.projectId);
      assert.deepEqual([d!.status, d!.failed_reason, d!.attempts], ['Failed', 'NOT_CONFIGURED', 1]);
      assert.match(d!.status_message, /refused Vigil's credentials.*535/);
      assert.ok(!JSON.stringify(d).includes('wrong-password-xyz'));
      assert.equal(authed.messages.length, 0);
      assert.equal(mailsTo(smtp, to).length, 0, 'not sent through the installation\'s server either');

      // With the right password the project's own server and From are used.
      const r = await h.project();
      await create(h, r, 'smtp-config', { hostname: '127.0.0.1', port: authed.port, username: 'vigil', password: 'right-password', fromEmail: 'ops@example.org', fromName: 'Ops' });
      const other = address('authed-ok');
      await addContact(h, r.projectId, r.userId, 'email', other);
      await requestMessage(h, r.projectId, r.userId, 'email', { title: 'Through the project server' });
      await h.runEngine();
      assert.equal(authed.messages.length, 1);
      assert.equal(authed.messages[0]!.user, 'vigil');
      assert.equal(authed.messages[0]!.from, 'ops@example.org');
      assert.deepEqual(authed.messages[0]!.parsed.from?.value[0], { name: 'Ops', address: 'ops@example.org' });
      assert.equal((await deliveries(h, r.projectId))[0]!.from_address, 'ops@example.org');
    } finally {
      closeSmtpTransports();
      await authed.close();
    }
  });

  test('a link refuses once it has expired (7 days): 410, nothing changed', async () => {
    const { incidentId, mail } = await paged();
    const { acknowledge } = linksOf(mail);
    h.clock.advance(6 * DAY);
    assert.equal((await follow(h, 'GET', acknowledge)).status, 200, 'still good after 6 days');
    h.clock.advance(2 * DAY);
    for (const method of ['GET', 'POST'] as const) {
      const res = await follow(h, method, acknowledge);
      assert.equal(res.status, 410);
      assert.match(res.body, /expired/);
    }
    assert.equal((await incident(h, incidentId)).state, 'Created');
    assert.deepEqual(await feed(h, incidentId), []);
  });
});

describe('email without an SMTP server', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ notifications: { publicUrl: PUBLIC } });
  });
  after(async () => {
    await h?.close();
  });

  test('the delivery fails at once with "no SMTP server configured" (NOT_CONFIGURED) and is not retried', async () => {
    const p = await h.project();
    await addContact(h, p.projectId, p.userId, 'email', address('unsent'));
    const incidentId = await raise(h, p, 'incident');
    await requestMessage(h, p.projectId, p.userId, 'email', { incidentId });
    await h.advance(30 * MINUTE);
    const [d, ...more] = await deliveries(h, p.projectId);
    assert.equal(more.length, 0);
    assert.deepEqual([d!.status, d!.failed_reason, d!.attempts], ['Failed', 'NOT_CONFIGURED', 1]);
    assert.match(d!.status_message, /no SMTP server configured/);
    assert.deepEqual(d!.attempt_list.map((a: Row) => a.status), ['PermanentFailure']);
  });
});

test('SMTP errors are classified as PROVIDERS.md §4 says', () => {
  const kind = (e: unknown) => {
    const f = classifySmtpError(e);
    return f instanceof PermanentFailure ? `permanent:${f.reason}` : f instanceof TemporaryFailure ? 'temporary' : 'other';
  };
  assert.equal(kind({ code: 'EENVELOPE', responseCode: 550, command: 'RCPT TO', response: '550 5.1.1 No such user' }), 'permanent:CLIENT_ERROR');
  assert.equal(kind({ code: 'EMESSAGE', responseCode: 552, command: 'DATA', response: '552 too big' }), 'permanent:PROVIDER_ERROR');
  for (const code of [421, 450, 451, 452]) assert.equal(kind({ code: 'EENVELOPE', responseCode: code, command: 'RCPT TO' }), 'temporary');
  for (const code of ['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS']) assert.equal(kind(Object.assign(new Error('x'), { code })), 'temporary');
  assert.equal(kind({ code: 'EAUTH', responseCode: 535, command: 'AUTH PLAIN', response: '535 5.7.8 bad' }), 'permanent:NOT_CONFIGURED');
  assert.equal(kind({ code: 'EENVELOPE', command: 'API', message: 'No recipients defined' }), 'permanent:CLIENT_ERROR');
  assert.equal(kind(new Error('something odd')), 'temporary');
  assert.match(classifySmtpError({ code: 'EENVELOPE', responseCode: 550, command: 'RCPT TO', response: '550 5.1.1 No such user' }).message, /550 at RCPT TO: 5\.1\.1 No such user/);
});

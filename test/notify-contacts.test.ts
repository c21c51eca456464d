// Contact methods over the API: each kind is created, gets its verification code over itself
// (an outbox row the sender sends), and is verified with it; wrong codes, expiry, the attempt
// limit and the resend cooldown; secrets shown once or never; provider settings never answer
// their secrets; members manage only their own contact methods. Every URL points at a closed
// loopback port, so whatever the sender tries never leaves this machine.
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { after, before, describe, test } from 'node:test';
import type { CreatedProject } from '../src/access/projects.ts';
import { startHarness, type Harness } from './support/harness.ts';
import { expect400, member, MINUTE, type Row } from './support/policies.ts';

let h: Harness;
before(async () => {
  h = await startHarness({ notifications: {} });
});
after(() => h.close());

const SECOND = 1000;

async function create(p: CreatedProject, resource: string, data: Row, key = p.apiKey) {
  return h.call('POST', `/api/${resource}`, { key, body: { data } });
}

async function created(p: CreatedProject, resource: string, data: Row, key = p.apiKey): Promise<Row> {
  const res = await create(p, resource, data, key);
  assert.equal(res.status, 200, `create ${resource}: ${JSON.stringify(res.body)}`);
  return res.body;
}

async function getItem(p: CreatedProject, resource: string, id: string, select?: Row) {
  return h.call('POST', `/api/${resource}/${id}/get-item`, { key: p.apiKey, body: select ? { select } : {} });
}

/** The verification messages written for a contact method, newest first (SQL: the outbox has no resource). */
async function codeMessages(contactId: string): Promise<Row[]> {
  const r = await sql<Row>`select * from notification_outbox where contact_method_id = ${contactId} and reason = 'verification'
    order by created_at desc, idempotency_key desc`.execute(h.database.db);
  return r.rows;
}

/** The code in the newest verification message of a contact method. */
async function latestCode(contactId: string): Promise<string> {
  const [row] = await codeMessages(contactId);
  assert.ok(row, 'a verification message was written');
  const m = /Your Vigil verification code is (\d{6})\. It expires in 15 minutes\./.exec(row.body);
  assert.ok(m, `the body carries the code: ${row.body}`);
  return m[1]!;
}

async function contactRow(id: string): Promise<Row> {
  const r = await sql<Row>`select * from contact_method where id = ${id}`.execute(h.database.db);
  return r.rows[0]!;
}

function wrongCode(code: string): string {
  return code === '000000' ? '000001' : '000000';
}

function verify(p: CreatedProject, resource: string, id: string, code: unknown, key = p.apiKey) {
  return h.call('POST', `/api/${resource}/verify`, { key, body: { itemId: id, code } });
}

const KINDS: ReadonlyArray<{ resource: string; method: string; data: (n: number) => Row }> = [
  { resource: 'user-email', method: 'email', data: (n) => ({ email: `ann-${n}@example.com` }) },
  { resource: 'user-sms', method: 'sms', data: (n) => ({ phone: `+1555000${String(n).padStart(4, '0')}` }) },
  { resource: 'user-call', method: 'call', data: (n) => ({ phone: `+4930000${String(n).padStart(4, '0')}` }) },
  { resource: 'user-webhook', method: 'webhook', data: (n) => ({ url: `http://127.0.0.1:9/vigil/${n}`, name: 'My hook' }) },
  { resource: 'workspace-destination', method: 'slack', data: (n) => ({ workspaceType: 'Slack', name: '#ops', channelId: `C0OPS${n}` }) },
  {
    resource: 'workspace-destination',
    method: 'teams',
    data: (n) => ({ workspaceType: 'MicrosoftTeams', name: `Ops ${n}`, webhookUrl: `https://127.0.0.1:9/workflows/w${n}/triggers/manual/paths/invoke?sig=s3cr3t${n}` }),
  },
];

describe('every contact method is verified with a code sent over itself', () => {
  let n = 0;
  for (const k of KINDS) {
    test(`${k.resource} (${k.method}): the code arrives in the outbox, a wrong one is refused, the right one verifies`, async () => {
      const p = await h.project();
      n += 1;
      const c = await created(p, k.resource, { userId: p.userId, ...k.data(n) });
      assert.equal(c.isVerified, false);
      assert.equal(c.isDisabled, false);
      assert.equal(c.userId, p.userId);

      const [msg] = await codeMessages(c._id);
      assert.ok(msg);
      assert.equal(msg.method, k.method);
      assert.equal(msg.reason, 'verification');
      assert.equal(msg.user_id, p.userId);
      assert.equal(msg.title, 'Your Vigil verification code');
      assert.equal(msg.status, 'Pending');
      assert.equal(msg.idempotency_key, `verify:${c._id}:${h.clock.now().getTime()}`);
      assert.equal(new Date(msg.send_after).getTime(), h.clock.now().getTime());
      const code = await latestCode(c._id);

      // Only a digest is stored, with its expiry 15 minutes on.
      const stored = await contactRow(c._id);
      assert.ok(stored.verification_code_hash && !stored.verification_code_hash.includes(code));
      assert.equal(new Date(stored.verification_code_expires_at).getTime(), h.clock.now().getTime() + 15 * MINUTE);
      assert.equal(stored.verification_attempts, 0);

      const wrong = await verify(p, k.resource, c._id, wrongCode(code));
      expect400(wrong, 'code');
      assert.match(wrong.body.error, /does not match; 4 attempts left/);
      assert.equal((await contactRow(c._id)).verification_attempts, 1);
      assert.equal((await getItem(p, k.resource, c._id)).body.isVerified, false);

      const ok = await h.call('POST', `/api/${k.resource}/${c._id}/verify`, { key: p.apiKey, body: { code } });
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
      assert.deepEqual(ok.body, {});
      assert.equal((await getItem(p, k.resource, c._id)).body.isVerified, true);
      const after = await contactRow(c._id);
      assert.equal(after.verification_code_hash, null);
      assert.equal(after.verification_attempts, 0);

      // Used up: the same code again is refused, and nothing changes.
      expect400(await verify(p, k.resource, c._id, code), 'already verified');
    });
  }

  test('user-push: an in-app device is verified on registration and gets no code', async () => {
    const p = await h.project();
    const c = await created(p, 'user-push', { userId: p.userId, deviceName: 'Ann\'s phone', deviceType: 'ios' });
    assert.equal(c.isVerified, true);
    assert.equal(c.deviceType, 'ios');
    assert.equal((await codeMessages(c._id)).length, 0);
    assert.equal((await h.call('POST', '/api/user-push/verify', { key: p.apiKey, body: { itemId: c._id, code: '123456' } })).status, 404);
    expect400(await create(p, 'user-push', { userId: p.userId, deviceName: 'x', deviceType: 'blackberry' }), 'data.deviceType');
  });

  test('changing the address makes it unverified again and sends a new code to the new address', async () => {
    const p = await h.project();
    const c = await created(p, 'user-email', { userId: p.userId, email: 'old@example.com' });
    assert.equal((await verify(p, 'user-email', c._id, await latestCode(c._id))).status, 200);
    await h.advance(5 * SECOND);
    const res = await h.call('PUT', `/api/user-email/${c._id}`, { key: p.apiKey, body: { data: { email: 'new@example.com' } } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const item = (await getItem(p, 'user-email', c._id)).body;
    assert.equal(item.email, 'new@example.com');
    assert.equal(item.isVerified, false);
    const messages = await codeMessages(c._id);
    assert.equal(messages.length, 2);
    assert.equal(messages[0]!.idempotency_key, `verify:${c._id}:${h.clock.now().getTime()}`);
    assert.equal((await verify(p, 'user-email', c._id, await latestCode(c._id))).status, 200);

    // The same address again changes nothing.
    assert.equal((await h.call('PUT', `/api/user-email/${c._id}`, { key: p.apiKey, body: { data: { email: 'new@example.com' } } })).status, 200);
    assert.equal((await getItem(p, 'user-email', c._id)).body.isVerified, true);
    assert.equal((await codeMessages(c._id)).length, 2);
  });
});

describe('verification limits', () => {
  test('a code expires after 15 minutes: refused with 410 telling to resend; a new code works', async () => {
    const p = await h.project();
    const c = await created(p, 'user-sms', { userId: p.userId, phone: '+15550001111' });
    const code = await latestCode(c._id);
    await h.advance(16 * MINUTE);
    const res = await verify(p, 'user-sms', c._id, code);
    assert.equal(res.status, 410, JSON.stringify(res.body));
    assert.match(res.body.error, /^code: this verification code has expired; request a new code with POST resend-verification-code/);
    assert.equal((await getItem(p, 'user-sms', c._id)).body.isVerified, false);

    const resend = await h.call('POST', '/api/user-sms/resend-verification-code', { key: p.apiKey, body: { itemId: c._id } });
    assert.equal(resend.status, 200, JSON.stringify(resend.body));
    const fresh = await latestCode(c._id);
    assert.equal((await codeMessages(c._id)).length, 2);
    assert.equal((await verify(p, 'user-sms', c._id, fresh)).status, 200);
  });

  test('five wrong attempts burn the code; even the right one is refused until a new one is sent', async () => {
    const p = await h.project();
    const c = await created(p, 'user-call', { userId: p.userId, phone: '+15550002222' });
    const code = await latestCode(c._id);
    for (let i = 1; i <= 4; i++) {
      const res = await verify(p, 'user-call', c._id, wrongCode(code));
      expect400(res, 'code');
      assert.match(res.body.error, new RegExp(`${5 - i} attempts? left`));
    }
    const fifth = await verify(p, 'user-call', c._id, wrongCode(code));
    expect400(fifth, 'code');
    assert.match(fifth.body.error, /last attempt; request a new code/);
    const locked = await verify(p, 'user-call', c._id, code);
    expect400(locked, 'code');
    assert.match(locked.body.error, /request a new code/);
    assert.equal((await getItem(p, 'user-call', c._id)).body.isVerified, false);

    await h.advance(61 * SECOND);
    assert.equal((await h.call('POST', `/api/user-call/${c._id}/resend-verification-code`, { key: p.apiKey })).status, 200);
    assert.equal((await contactRow(c._id)).verification_attempts, 0);
    assert.equal((await verify(p, 'user-call', c._id, await latestCode(c._id))).status, 200);
  });

  test('a resend within a minute is 429 with Retry-After; the old code stops working once a new one is sent', async () => {
    const p = await h.project();
    const c = await created(p, 'user-email', { userId: p.userId, email: 'cooldown@example.com' });
    const first = await latestCode(c._id);
    const soon = await h.call('POST', '/api/user-email/resend-verification-code', { key: p.apiKey, body: { itemId: c._id } });
    assert.equal(soon.status, 429, JSON.stringify(soon.body));
    assert.equal(soon.headers['retry-after'], '60');
    await h.advance(30 * SECOND);
    const later = await h.call('POST', `/api/user-email/${c._id}/resend-verification-code`, { key: p.apiKey });
    assert.equal(later.status, 429);
    assert.equal(later.headers['retry-after'], '30');
    assert.equal((await codeMessages(c._id)).length, 1);

    await h.advance(30 * SECOND);
    assert.equal((await h.call('POST', '/api/user-email/resend-verification-code', { key: p.apiKey, body: { itemId: c._id } })).status, 200);
    assert.equal((await codeMessages(c._id)).length, 2);
    const second = await latestCode(c._id);
    if (second !== first) expect400(await verify(p, 'user-email', c._id, first), 'does not match');
    assert.equal((await verify(p, 'user-email', c._id, second)).status, 200);
    expect400(await h.call('POST', '/api/user-email/resend-verification-code', { key: p.apiKey, body: { itemId: c._id } }), 'already verified');
  });

  test('malformed verification requests are 4xx and change nothing', async () => {
    const p = await h.project();
    const c = await created(p, 'user-email', { userId: p.userId, email: 'malformed@example.com' });
    const code = await latestCode(c._id);
    const cases: Array<[number, unknown, string?]> = [
      [400, { itemId: c._id, code: '12345' }, 'code'],
      [400, { itemId: c._id, code: '1234567' }, 'code'],
      [400, { itemId: c._id, code: Number(code) }, 'code'],
      [400, { itemId: c._id, code: 'abcdef' }, 'code'],
      [400, { itemId: 'not-a-uuid', code }, 'itemId'],
      [400, { itemId: c._id }, 'code'],
      [400, { itemId: c._id, code, extra: 1 }],
      [404, { itemId: '00000000-0000-4000-8000-000000000000', code }],
    ];
    for (const [status, body, field] of cases) {
      const res = await h.call('POST', '/api/user-email/verify', { key: p.apiKey, body });
      assert.equal(res.status, status, `${JSON.stringify(body)} → ${JSON.stringify(res.body)}`);
      if (field) assert.match(res.body.error, new RegExp(field));
    }
    assert.equal((await h.call('POST', '/api/user-email/verify', { body: { itemId: c._id, code } })).status, 401);
    assert.equal((await h.call('POST', '/api/user-email/verify', { key: 'wrong-key', body: { itemId: c._id, code } })).status, 401);
    assert.equal((await h.call('POST', '/api/user-email/verify', { key: p.apiKey, rawBody: '{"itemId":', headers: { 'content-type': 'application/json' } })).status, 400);
    const huge = JSON.stringify({ itemId: c._id, code: 'x'.repeat(2_000_000) });
    assert.equal((await h.call('POST', '/api/user-email/verify', { key: p.apiKey, rawBody: huge, headers: { 'content-type': 'application/json' } })).status, 413);
    // A method of one kind is not found under another kind's route.
    assert.equal((await verify(p, 'user-sms', c._id, code)).status, 404);
    // Another project's key does not reach it.
    const other = await h.project();
    assert.equal((await verify(other, 'user-email', c._id, code)).status, 404);
    const row = await contactRow(c._id);
    assert.equal(row.verification_attempts, 0);
    assert.equal(row.is_verified, false);
    assert.equal((await verify(p, 'user-email', c._id, code)).status, 200);
  });
});

describe('contact method input', () => {
  test('addresses are checked, and isVerified cannot be set by the caller', async () => {
    const p = await h.project();
    expect400(await create(p, 'user-email', { userId: p.userId, email: 'not-an-email' }), 'data.email');
    expect400(await create(p, 'user-sms', { userId: p.userId, phone: '5551234' }), 'data.phone');
    expect400(await create(p, 'user-call', { userId: p.userId, phone: '+0123' }), 'data.phone');
    expect400(await create(p, 'user-sms', { userId: p.userId, phone: 15551234567 }), 'data.phone');
    expect400(await create(p, 'user-webhook', { userId: p.userId, url: 'ftp://example.com/x' }), 'data.url');
    expect400(await create(p, 'user-webhook', { userId: p.userId, url: 'https://user:pw@example.com/x' }), 'data.url');
    expect400(await create(p, 'user-email', { userId: p.userId, email: 'a@example.com', isVerified: true }), 'isVerified');
    expect400(await create(p, 'user-email', { email: 'a@example.com' }), 'data.userId');
    expect400(await create(p, 'user-email', { userId: '00000000-0000-4000-8000-000000000000', email: 'a@example.com' }), 'data.userId');
    expect400(await create(p, 'workspace-destination', { workspaceType: 'Slack', name: '#ops' }), 'data.channelId');
    expect400(await create(p, 'workspace-destination', { workspaceType: 'Slack', name: '#ops', channelId: '#ops' }), 'data.channelId');
    expect400(await create(p, 'workspace-destination', { workspaceType: 'MicrosoftTeams', name: 'Ops' }), 'data.webhookUrl');
    expect400(await create(p, 'workspace-destination', { workspaceType: 'MicrosoftTeams', name: 'Ops', webhookUrl: 'http://example.com/x' }), 'data.webhookUrl');
    expect400(await create(p, 'workspace-destination', { workspaceType: 'MicrosoftTeams', name: 'Ops', webhookUrl: 'https://x.logic.azure.com/a', channelId: 'C123' }), 'data.channelId');
    expect400(await create(p, 'workspace-destination', { workspaceType: 'Discord', name: 'Ops' }), 'data.workspaceType');

    const sms = await created(p, 'user-sms', { userId: p.userId, phone: '+1 (555) 000-3333' });
    assert.equal(sms.phone, '+15550003333');
    assert.equal((await create(p, 'user-sms', { userId: p.userId, phone: '+15550003333' })).status, 409);
    expect400(await h.call('PUT', `/api/user-sms/${sms._id}`, { key: p.apiKey, body: { data: { isVerified: true } } }), 'isVerified');
    expect400(await h.call('PUT', `/api/user-sms/${sms._id}`, { key: p.apiKey, body: { data: { phone: 'call me' } } }), 'data.phone');
    assert.equal((await getItem(p, 'user-sms', sms._id)).body.phone, '+15550003333');
    assert.equal((await codeMessages(sms._id)).length, 1);
  });

  test('a member manages only their own contact methods; owners and admins anyone\'s', async () => {
    const p = await h.project();
    const ann = await member(h, p, 'Ann');
    const bob = await member(h, p, 'Bob');
    const denied = await create(p, 'user-email', { userId: bob.id, email: 'bob@example.com' }, ann.key);
    assert.equal(denied.status, 403, JSON.stringify(denied.body));
    const own = await created(p, 'user-email', { userId: ann.id, email: 'ann@example.com' }, ann.key);
    const byOwner = await created(p, 'user-sms', { userId: bob.id, phone: '+15550004444' });
    assert.equal(byOwner.userId, bob.id);

    // Ann cannot verify, resend, change or delete Bob's; she may read them (standard read permissions).
    const code = await latestCode(byOwner._id);
    assert.equal((await verify(p, 'user-sms', byOwner._id, code, ann.key)).status, 403);
    await h.advance(61 * SECOND);
    assert.equal((await h.call('POST', `/api/user-sms/${byOwner._id}/resend-verification-code`, { key: ann.key })).status, 403);
    assert.equal((await h.call('PUT', `/api/user-sms/${byOwner._id}`, { key: ann.key, body: { data: { phone: '+15550009999' } } })).status, 403);
    assert.equal((await h.call('DELETE', `/api/user-sms/${byOwner._id}`, { key: ann.key })).status, 403);
    assert.equal((await h.call('POST', `/api/user-sms/${byOwner._id}/get-item`, { key: ann.key })).status, 200);
    assert.equal((await codeMessages(byOwner._id)).length, 1);
    // A shared workspace destination (no user) is for owners and admins.
    assert.equal((await create(p, 'workspace-destination', { workspaceType: 'Slack', name: '#ops', channelId: 'C0SHARED' }, ann.key)).status, 403);
    assert.equal((await create(p, 'workspace-destination', { workspaceType: 'Slack', name: '#ops', channelId: 'C0SHARED' })).status, 200);

    // Her own: she verifies and deletes it.
    assert.equal((await verify(p, 'user-email', own._id, await latestCode(own._id), ann.key)).status, 200);
    assert.equal((await h.call('DELETE', `/api/user-email/${own._id}`, { key: ann.key })).status, 200);
    assert.equal((await getItem(p, 'user-email', own._id)).status, 404);
  });
});

describe('secrets', () => {
  test('a webhook\'s signing secret is answered once, on create, and never again', async () => {
    const p = await h.project();
    const c = await created(p, 'user-webhook', { userId: p.userId, url: 'http://127.0.0.1:9/x?token=abc', name: 'Pager' });
    assert.match(c.signingSecret, /^whsec_[A-Za-z0-9+/]{43}=$/);
    assert.equal(Buffer.from(c.signingSecret.slice('whsec_'.length), 'base64').length, 32);
    const item = (await getItem(p, 'user-webhook', c._id)).body;
    assert.equal(item.signingSecret, undefined);
    assert.equal(item.url, 'http://127.0.0.1:9/x?token=abc');
    assert.equal(item.name, 'Pager');
    const list = await h.call('POST', '/api/user-webhook/get-list', { key: p.apiKey, body: {} });
    assert.ok(!JSON.stringify(list.body).includes(c.signingSecret));
    expect400(await getItem(p, 'user-webhook', c._id, { signingSecret: true }), 'signingSecret');
    const row = await contactRow(c._id);
    assert.ok(!row.secret_encrypted.includes(c.signingSecret.slice(6)));
    assert.equal(h.notifications.box.open(row.secret_encrypted), c.signingSecret);
  });

  test('a Teams Workflows URL is stored sealed and never returned', async () => {
    const p = await h.project();
    const url = 'https://127.0.0.1:9/workflows/abc/triggers/manual/paths/invoke?api-version=1&sig=TOPSECRET';
    const c = await created(p, 'workspace-destination', { workspaceType: 'MicrosoftTeams', name: 'Ops room', webhookUrl: url, userId: p.userId });
    assert.equal(c.workspaceType, 'MicrosoftTeams');
    assert.equal(c.channelId, null);
    assert.ok(!JSON.stringify(c).includes('TOPSECRET'));
    const item = await getItem(p, 'workspace-destination', c._id);
    assert.ok(!JSON.stringify(item.body).includes('TOPSECRET'));
    const list = await h.call('GET', '/api/workspace-destination/get-list', { key: p.apiKey });
    assert.ok(!JSON.stringify(list.body).includes('TOPSECRET'));
    expect400(await getItem(p, 'workspace-destination', c._id, { webhookUrl: true }), 'webhookUrl');
    expect400(await h.call('POST', '/api/workspace-destination/get-list', { key: p.apiKey, body: { query: { webhookUrl: url } } }), 'webhookUrl');
    const row = await contactRow(c._id);
    assert.equal(row.kind, 'teams');
    assert.equal(row.address, 'Ops room');
    assert.equal(h.notifications.box.open(row.secret_encrypted), url);

    // Slack destinations show their channel; a filter on workspaceType uses OneUptime's value.
    await created(p, 'workspace-destination', { workspaceType: 'Slack', name: '#ops', channelId: 'C0123ABCD' });
    const slack = await h.call('POST', '/api/workspace-destination/get-list', { key: p.apiKey, body: { query: { workspaceType: 'Slack' } } });
    assert.equal(slack.body.count, 1);
    assert.equal(slack.body.data[0].channelId, 'C0123ABCD');
    assert.equal(slack.body.data[0].userId, null);

    // A new URL is sealed again and must be verified again.
    assert.equal((await verify(p, 'workspace-destination', c._id, await latestCode(c._id))).status, 200);
    const next = url.replace('TOPSECRET', 'NEWSECRET');
    assert.equal((await h.call('PUT', `/api/workspace-destination/${c._id}`, { key: p.apiKey, body: { data: { webhookUrl: next } } })).status, 200);
    assert.equal(h.notifications.box.open((await contactRow(c._id)).secret_encrypted), next);
    assert.equal((await getItem(p, 'workspace-destination', c._id)).body.isVerified, false);
  });

  test('provider settings never answer their secrets; the sender reads them', async () => {
    const p = await h.project();
    const smtp = await created(p, 'smtp-config', {
      hostname: 'smtp.example.com',
      username: 'vigil',
      password: 'smtp-pass-SECRET',
      fromEmail: 'pager@example.com',
      fromName: 'Pager',
    });
    assert.equal(smtp.hasPassword, true);
    assert.equal(smtp.port, 587);
    assert.equal(smtp.secure, false);
    assert.equal(smtp.password, undefined);
    for (const res of [
      await getItem(p, 'smtp-config', smtp._id),
      await h.call('POST', '/api/smtp-config/get-list', { key: p.apiKey, body: {} }),
      await h.call('GET', '/api/smtp-config/get-list', { key: p.apiKey }),
    ]) {
      assert.equal(res.status, 200);
      assert.ok(!JSON.stringify(res.body).includes('SECRET'));
    }
    expect400(await getItem(p, 'smtp-config', smtp._id, { password: true }), 'password');
    expect400(await h.call('POST', '/api/smtp-config/get-list', { key: p.apiKey, body: { query: { password: 'smtp-pass-SECRET' } } }), 'password');
    expect400(await h.call('POST', '/api/smtp-config/get-list', { key: p.apiKey, body: { sort: { password: 1 } } }), 'password');
    assert.equal((await create(p, 'smtp-config', { hostname: 'other.example.com', fromEmail: 'x@example.com' })).status, 409);

    const stored = (await sql<Row>`select settings, secret_encrypted from notification_provider where id = ${smtp._id}`.execute(h.database.db)).rows[0]!;
    assert.deepEqual(stored.settings, { hostname: 'smtp.example.com', port: 587, username: 'vigil', fromEmail: 'pager@example.com', fromName: 'Pager', secure: false });
    assert.ok(!stored.secret_encrypted.includes('SECRET'));
    assert.deepEqual(JSON.parse(h.notifications.box.open(stored.secret_encrypted)), { password: 'smtp-pass-SECRET' });
    const providers = await h.notifications.providersFor(p.projectId);
    assert.deepEqual(providers.smtp, {
      host: 'smtp.example.com', port: 587, secure: false, user: 'vigil', password: 'smtp-pass-SECRET', fromEmail: 'pager@example.com', fromName: 'Pager',
    });

    // Changing one setting keeps the password; null removes it.
    assert.equal((await h.call('PUT', `/api/smtp-config/${smtp._id}`, { key: p.apiKey, body: { data: { port: 2525 } } })).status, 200);
    assert.equal((await h.notifications.providersFor(p.projectId)).smtp?.password, 'smtp-pass-SECRET');
    assert.equal((await h.notifications.providersFor(p.projectId)).smtp?.port, 2525);
    assert.equal((await h.call('PUT', `/api/smtp-config/${smtp._id}`, { key: p.apiKey, body: { data: { password: null } } })).status, 200);
    assert.equal((await getItem(p, 'smtp-config', smtp._id)).body.hasPassword, false);
    expect400(await h.call('PUT', `/api/smtp-config/${smtp._id}`, { key: p.apiKey, body: { data: { port: 70000 } } }), 'data.port');
    expect400(await h.call('PUT', `/api/smtp-config/${smtp._id}`, { key: p.apiKey, body: { data: { hostname: 'bad host' } } }), 'data.hostname');

    // Twilio.
    expect400(await create(p, 'call-sms-config', { twilioAccountSID: 'XX123', twilioAuthToken: 't', twilioPrimaryPhoneNumber: '+15550001234' }), 'data.twilioAccountSID');
    expect400(await create(p, 'call-sms-config', { twilioAccountSID: 'AC0123456789abcdef', twilioAuthToken: 't', twilioPrimaryPhoneNumber: '555' }), 'data.twilioPrimaryPhoneNumber');
    expect400(await create(p, 'call-sms-config', { twilioAccountSID: 'AC0123456789abcdef', twilioPrimaryPhoneNumber: '+15550001234' }), 'data.twilioAuthToken');
    expect400(await create(p, 'call-sms-config', {
      twilioAccountSID: 'AC0123456789abcdef', twilioAuthToken: 't', twilioPrimaryPhoneNumber: '+15550001234', apiBaseUrl: 'not a url',
    }), 'data.apiBaseUrl');
    const twilio = await created(p, 'call-sms-config', {
      twilioAccountSID: 'AC0123456789abcdef', twilioAuthToken: 'twilio-token-SECRET', twilioPrimaryPhoneNumber: '+15550001234', apiBaseUrl: 'http://127.0.0.1:9',
    });
    assert.equal(twilio.hasAuthToken, true);
    assert.ok(!JSON.stringify(twilio).includes('SECRET'));
    assert.ok(!JSON.stringify((await getItem(p, 'call-sms-config', twilio._id)).body).includes('SECRET'));
    expect400(await getItem(p, 'call-sms-config', twilio._id, { twilioAuthToken: true }), 'twilioAuthToken');
    expect400(await h.call('PUT', `/api/call-sms-config/${twilio._id}`, { key: p.apiKey, body: { data: { twilioAuthToken: null } } }), 'data.twilioAuthToken');
    assert.deepEqual((await h.notifications.providersFor(p.projectId)).twilio, {
      accountSid: 'AC0123456789abcdef', authToken: 'twilio-token-SECRET', fromNumber: '+15550001234', apiBaseUrl: 'http://127.0.0.1:9',
    });

    // Slack.
    expect400(await create(p, 'slack-config', { signingSecret: 'x' }), 'data.botToken');
    const slack = await created(p, 'slack-config', { botToken: 'xoxb-SECRET', signingSecret: 'signing-SECRET' });
    assert.equal(slack.hasBotToken, true);
    assert.ok(!JSON.stringify(slack).includes('SECRET'));
    expect400(await getItem(p, 'slack-config', slack._id, { botToken: true }), 'botToken');
    expect400(await getItem(p, 'slack-config', slack._id, { signingSecret: true }), 'signingSecret');
    assert.deepEqual((await h.notifications.providersFor(p.projectId)).slack, { botToken: 'xoxb-SECRET', signingSecret: 'signing-SECRET', apiUrl: 'https://slack.com/api/' });

    // Only owners and admins write them; members may read them.
    const ann = await member(h, p, 'Ann');
    assert.equal((await h.call('PUT', `/api/smtp-config/${smtp._id}`, { key: ann.key, body: { data: { port: 25 } } })).status, 403);
    assert.equal((await h.call('DELETE', `/api/slack-config/${slack._id}`, { key: ann.key })).status, 403);
    assert.equal((await getItem(p, 'smtp-config', smtp._id)).body.port, 2525);
    const q = await h.call('POST', `/api/smtp-config/${smtp._id}/get-item`, { key: ann.key });
    assert.equal(q.status, 200);
    assert.equal((await h.call('DELETE', `/api/slack-config/${slack._id}`, { key: p.apiKey })).status, 200);
    assert.equal((await h.notifications.providersFor(p.projectId)).slack, null);
  });
});

test('the project setting disableOnCallNotificationFallback is changed by owners and admins only', async () => {
  const p = await h.project();
  const before = await h.call('GET', `/api/project/${p.projectId}/get-item`, { key: p.apiKey });
  assert.equal(before.body.disableOnCallNotificationFallback, false);
  const ann = await member(h, p, 'Ann');
  assert.equal((await h.call('PUT', `/api/project/${p.projectId}`, { key: ann.key, body: { data: { disableOnCallNotificationFallback: true } } })).status, 403);
  expect400(await h.call('PUT', `/api/project/${p.projectId}`, { key: p.apiKey, body: { data: { disableOnCallNotificationFallback: 'yes' } } }), 'disableOnCallNotificationFallback');
  assert.equal((await h.call('PUT', `/api/project/${p.projectId}`, { key: p.apiKey, body: { data: { disableOnCallNotificationFallback: true } } })).status, 200);
  assert.equal((await h.call('GET', `/api/project/${p.projectId}/get-item`, { key: p.apiKey })).body.disableOnCallNotificationFallback, true);
});

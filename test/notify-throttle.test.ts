// Throttles and duplicate checks (GoAlert's limits): a number gets at most 5 SMS and 3 calls in
// 15 minutes, and an identical message to one address within 2 minutes goes once. What is held
// back is recorded as ignored with its reason, never silently dropped; the limits count
// messages claimed together exactly as messages claimed one after the other.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startFakeTwilio, type FakeTwilio } from './fakes/fake-twilio.ts';
import { addContact, deliveries, requestMessage } from './support/contacts.ts';
import { startHarness, type Harness } from './support/harness.ts';
import { member, MINUTE } from './support/policies.ts';

const SID = 'AC' + 't'.repeat(32);
let h: Harness;
let twilio: FakeTwilio;

before(async () => {
  twilio = await startFakeTwilio({ accountSid: SID, authToken: 'throttle-token' });
  h = await startHarness({
    notifications: { providers: { twilio: { accountSid: SID, authToken: 'throttle-token', fromNumber: '+15550007777', apiBaseUrl: twilio.baseUrl } } },
  });
});

after(async () => {
  await h?.close();
  await twilio?.close();
});

let counter = 0;
async function person(kind: 'sms' | 'call') {
  counter += 1;
  const p = await h.project();
  const ann = await member(h, p, 'Ann');
  const number = `+1555400${String(counter).padStart(4, '0')}`;
  const contactId = await addContact(h, p.projectId, ann.id, kind, number);
  return { p, userId: ann.id, number, contactId };
}

const to = (n: string) => twilio.messages.filter((m) => m.to === n).length;
const calls = (n: string) => twilio.calls.filter((c) => c.to === n).length;

test('a sixth SMS to one number within 15 minutes is ignored as THROTTLED; after the window it goes', async () => {
  const s = await person('sms');
  for (let i = 1; i <= 6; i++) {
    await requestMessage(h, s.p.projectId, s.userId, 'sms', { title: `Page ${i}` });
    await h.advance(MINUTE);
  }
  assert.equal(to(s.number), 5);
  const rows = await deliveries(h, s.p.projectId);
  const sixth = rows.find((d) => d.title === 'Page 6')!;
  assert.equal(sixth.status, 'Ignored');
  assert.equal(sixth.ignored_reason, 'THROTTLED');
  assert.match(sixth.status_message, /already got 5 sms messages within 15 minutes/);
  await h.advance(15 * MINUTE);
  await requestMessage(h, s.p.projectId, s.userId, 'sms', { title: 'Page 7' });
  await h.runEngine();
  assert.equal(to(s.number), 6);
});

test('a fourth call within 15 minutes is throttled', async () => {
  const s = await person('call');
  for (let i = 1; i <= 4; i++) {
    await requestMessage(h, s.p.projectId, s.userId, 'call', { title: `Call ${i}` });
    await h.advance(MINUTE);
  }
  assert.equal(calls(s.number), 3);
  const fourth = (await deliveries(h, s.p.projectId)).find((d) => d.title === 'Call 4')!;
  assert.deepEqual([fourth.status, fourth.ignored_reason], ['Ignored', 'THROTTLED']);
});

test('an identical message within 2 minutes is a DUPLICATE; after 2 minutes it goes again', async () => {
  const s = await person('sms');
  await requestMessage(h, s.p.projectId, s.userId, 'sms', { title: 'Disk full', body: 'same' });
  await h.runEngine();
  await h.advance(MINUTE);
  await requestMessage(h, s.p.projectId, s.userId, 'sms', { title: 'Disk full', body: 'same' });
  await h.runEngine();
  assert.equal(to(s.number), 1);
  const second = (await deliveries(h, s.p.projectId))[1]!;
  assert.deepEqual([second.status, second.ignored_reason], ['Ignored', 'DUPLICATE']);
  assert.match(second.status_message, /identical sms message/);
  await h.advance(2 * MINUTE);
  await requestMessage(h, s.p.projectId, s.userId, 'sms', { title: 'Disk full', body: 'same' });
  await h.runEngine();
  assert.equal(to(s.number), 2);
});

for (const how of ['naming their contact method', 'expanded from the method alone'] as const) {
  test(`messages claimed together count against each other (${how}): identical ones go once, the sixth is throttled`, async () => {
    const s = await person('sms');
    const contact = how === 'naming their contact method' ? { contactMethodId: s.contactId } : {};
    // Written before the sender looks, so that one claim takes them all.
    await requestMessage(h, s.p.projectId, s.userId, 'sms', { title: 'Twin', body: 'same', ...contact });
    await requestMessage(h, s.p.projectId, s.userId, 'sms', { title: 'Twin', body: 'same', ...contact });
    for (let i = 1; i <= 5; i++) await requestMessage(h, s.p.projectId, s.userId, 'sms', { title: `Batch ${i}`, ...contact });
    await h.runEngine();
    assert.equal(to(s.number), 5);
    const rows = await deliveries(h, s.p.projectId);
    const ignored = rows.filter((d) => d.status === 'Ignored').map((d) => d.ignored_reason).sort();
    assert.deepEqual(ignored, ['DUPLICATE', 'THROTTLED']);
    assert.equal(rows.filter((d) => d.status === 'Sent').length, 5);
  });
}

test('verification codes are neither throttled nor deduplicated, and retries are not counted twice', async () => {
  const s = await person('sms');
  for (let i = 1; i <= 5; i++) await requestMessage(h, s.p.projectId, s.userId, 'sms', { title: `Busy ${i}` });
  await h.runEngine();
  await requestMessage(h, s.p.projectId, s.userId, 'sms', { title: 'Your Vigil verification code', body: 'code 111111', reason: 'verification' });
  await h.runEngine();
  assert.equal(to(s.number), 6);
  // A page that fails once and is retried is one message, not two.
  const t = await person('sms');
  twilio.failNext(1, { status: 503, code: 20503, message: 'Service Unavailable' });
  await requestMessage(h, t.p.projectId, t.userId, 'sms', { title: 'Retried' });
  await h.advance(MINUTE);
  const [retried] = await deliveries(h, t.p.projectId);
  assert.equal(retried!.status, 'Sent');
  assert.equal(retried!.attempt_list.length, 2);
  assert.equal(to(t.number), 1);
});

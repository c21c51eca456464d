import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { signingKey, signStandardWebhook } from './sign.ts';

test('a signature verifies with the official Standard Webhooks library', () => {
  const secret = `whsec_${randomBytes(32).toString('base64')}`;
  const body = JSON.stringify({ type: 'vigil.notification', data: { title: 'Disk full — «db-1»' } });
  const ts = Math.floor(Date.now() / 1000);
  const signature = signStandardWebhook(signingKey(secret)!, 'msg_1', ts, body);
  assert.match(signature, /^v1,[A-Za-z0-9+/]+=*$/);
  assert.doesNotThrow(() => new Webhook(secret).verify(body, { 'webhook-id': 'msg_1', 'webhook-timestamp': String(ts), 'webhook-signature': signature }));
  // The library's own signer agrees byte for byte.
  assert.equal(signature, new Webhook(secret).sign('msg_1', new Date(ts * 1000), body));
  // Another id, timestamp or body does not verify.
  assert.throws(() => new Webhook(secret).verify(`${body} `, { 'webhook-id': 'msg_1', 'webhook-timestamp': String(ts), 'webhook-signature': signature }));
  assert.throws(() => new Webhook(secret).verify(body, { 'webhook-id': 'msg_2', 'webhook-timestamp': String(ts), 'webhook-signature': signature }));
});

test('the key is the base64-decoded secret; unusable secrets give no key', () => {
  const raw = randomBytes(24);
  assert.deepEqual(signingKey(`whsec_${raw.toString('base64')}`), raw);
  assert.equal(signingKey('whsec_'), null);
  assert.equal(signingKey('whsec_not base64!'), null);
  assert.throws(() => signStandardWebhook(raw, 'a.b', 1, '{}'), /must not contain/);
});

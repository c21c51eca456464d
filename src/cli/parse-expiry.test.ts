import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseExpiry } from './parse-expiry.ts';

const now = new Date('2026-03-01T12:00:00.000Z');

test('durations count from now', () => {
  assert.equal(parseExpiry('90d', now), '2026-05-30T12:00:00.000Z');
  assert.equal(parseExpiry('12h', now), '2026-03-02T00:00:00.000Z');
  assert.equal(parseExpiry('30m', now), '2026-03-01T12:30:00.000Z');
  assert.equal(parseExpiry('2w', now), '2026-03-15T12:00:00.000Z');
});

test('an ISO date-time is kept, normalised to UTC', () => {
  assert.equal(parseExpiry('2027-01-31T00:00:00+01:00', now), '2027-01-30T23:00:00.000Z');
});

test('garbage and past dates are refused, naming the option', () => {
  assert.throws(() => parseExpiry('soon', now), /--expires: must be an ISO date-time/);
  assert.throws(() => parseExpiry('10y', now), /--expires/);
  assert.throws(() => parseExpiry('2020-01-01T00:00:00Z', now), /--expires: must be in the future/);
});

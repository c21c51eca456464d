import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { IANAZone } from 'luxon';
import { utc } from './fixtures.test-support.ts';
import { isKnownTimeZone, timeZone } from './time-zone.ts';

const HOUR = 3_600_000;
const localMs = (iso: string) => Date.parse(`${iso}Z`);

test('a reading in the spring-forward gap resolves to the end of the gap', () => {
  // Berlin, 2026-03-29: 02:00 CET → 03:00 CEST at 01:00Z.
  assert.deepEqual(new Date(timeZone('Europe/Berlin').fromLocal(localMs('2026-03-29T02:30'))), utc('2026-03-29T01:00Z'));
  assert.deepEqual(new Date(timeZone('Europe/Berlin').fromLocal(localMs('2026-03-29T02:00'))), utc('2026-03-29T01:00Z'));
  // New York, 2026-03-08: 02:00 EST → 03:00 EDT at 07:00Z.
  assert.deepEqual(new Date(timeZone('America/New_York').fromLocal(localMs('2026-03-08T02:30'))), utc('2026-03-08T07:00Z'));
  // Lord Howe moves by 30 minutes (2026-10-04 02:00 +10:30 → 02:30 +11:00, at 15:30Z the day before).
  assert.deepEqual(new Date(timeZone('Australia/Lord_Howe').fromLocal(localMs('2026-10-04T02:15'))), utc('2026-10-03T15:30Z'));
});

test('a reading that happens twice resolves to its first occurrence', () => {
  // Berlin, 2026-10-25: 03:00 CEST → 02:00 CET at 01:00Z; 02:30 happens at 00:30Z and 01:30Z.
  assert.deepEqual(new Date(timeZone('Europe/Berlin').fromLocal(localMs('2026-10-25T02:30'))), utc('2026-10-25T00:30Z'));
  // New York, 2026-11-01: 01:30 happens at 05:30Z (EDT) and 06:30Z (EST).
  assert.deepEqual(new Date(timeZone('America/New_York').fromLocal(localMs('2026-11-01T01:30'))), utc('2026-11-01T05:30Z'));
  // Just outside the repeated hour there is one answer.
  assert.deepEqual(new Date(timeZone('America/New_York').fromLocal(localMs('2026-11-01T02:00'))), utc('2026-11-01T07:00Z'));
});

test('ordinary readings round-trip, also in half-hour zones', () => {
  assert.deepEqual(new Date(timeZone('Asia/Kolkata').fromLocal(localMs('2026-06-01T09:00'))), utc('2026-06-01T03:30Z'));
  assert.deepEqual(new Date(timeZone('America/St_Johns').fromLocal(localMs('2026-01-10T09:00'))), utc('2026-01-10T12:30Z'));
  assert.deepEqual(new Date(timeZone('Australia/Adelaide').fromLocal(localMs('2026-01-10T09:00'))), utc('2026-01-09T22:30Z'));
});

test('offsets agree with luxon at arbitrary instants (cached per day, transitions exact)', () => {
  const names = ['Europe/Berlin', 'America/New_York', 'America/St_Johns', 'Australia/Lord_Howe', 'Asia/Kolkata', 'Pacific/Chatham'];
  fc.assert(
    fc.property(fc.constantFrom(...names), fc.integer({ min: Date.UTC(1990, 0, 1), max: Date.UTC(2040, 0, 1) }), (name, t) => {
      assert.equal(timeZone(name).offsetAt(t), IANAZone.create(name).offset(t) * 60_000);
      const z = timeZone(name);
      // Readings that exist map back to an instant showing them.
      assert.equal(z.toLocal(z.fromLocal(z.toLocal(t))), z.toLocal(t));
    }),
    { numRuns: Number(process.env.TZ_RUNS ?? 300) },
  );
  // Exactly at a transition, and one ms before it.
  const berlin = timeZone('Europe/Berlin');
  assert.equal(berlin.offsetAt(utc('2026-03-29T01:00Z').getTime()), 2 * HOUR);
  assert.equal(berlin.offsetAt(utc('2026-03-29T01:00Z').getTime() - 1), HOUR);
});

test('only IANA names are time zones', () => {
  assert.equal(isKnownTimeZone('Europe/Berlin'), true);
  assert.equal(isKnownTimeZone('UTC'), true);
  assert.equal(isKnownTimeZone('Mars/Olympus'), false);
  assert.equal(isKnownTimeZone('+05:00'), false);
  assert.equal(isKnownTimeZone(''), false);
  assert.throws(() => timeZone('Mars/Olympus'), /unknown IANA time zone "Mars\/Olympus"/);
});

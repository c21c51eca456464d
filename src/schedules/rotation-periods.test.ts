import assert from 'node:assert/strict';
import { test } from 'node:test';
import { computeShifts } from './compute-shifts.ts';
import { describe, layer, local, schedule, utc, wall } from './fixtures.test-support.ts';
import { rotationPeriods } from './rotation-periods.ts';
import { timeZone } from './time-zone.ts';

const HOUR = 3_600_000;

function boundaries(zone: string, intervalType: 'Hour' | 'Day' | 'Week' | 'Month' | 'Year', count: number, handOff: Date, ks: number[]) {
  const p = rotationPeriods({ intervalType, intervalCount: count }, handOff.getTime(), timeZone(zone));
  return ks.map((k) => local(zone, new Date(p.boundary(k))));
}

for (const [zone, spring, fall] of [
  ['Europe/Berlin', '2026-03-29', '2026-10-25'],
  ['America/New_York', '2026-03-08', '2026-11-01'],
] as const) {
  test(`a daily 09:00 hand-off stays at 09:00 local across both 2026 transitions (${zone})`, () => {
    for (const day of [spring, fall]) {
      const users = ['a', 'b', 'c'];
      const s = schedule(zone, [
        layer({ userIds: users, rotation: { intervalType: 'Day', intervalCount: 1 }, handOffTime: wall(zone, '2026-01-01T09:00') }),
      ]);
      const from = wall(zone, `${day}T00:00`);
      const shifts = computeShifts(s, { from: new Date(from.getTime() - 2 * 86_400_000), to: new Date(from.getTime() + 3 * 86_400_000) });
      const handOffs = shifts.slice(1).map((x) => local(zone, x.startsAt).slice(11, 16));
      assert.deepEqual(handOffs, ['09:00', '09:00', '09:00', '09:00', '09:00']);
      // The period that contains the transition is 23 hours (spring) or 25 hours (fall) long.
      const across = shifts.find((x) => x.startsAt < wall(zone, `${day}T05:00`) && x.endsAt > wall(zone, `${day}T05:00`))!;
      assert.equal((across.endsAt.getTime() - across.startsAt.getTime()) / HOUR, day === spring ? 23 : 25);
    }
  });

  test(`an hourly rotation counts real hours: 23 hand-offs on the spring day, 25 on the fall day (${zone})`, () => {
    const s = schedule(zone, [
      layer({ userIds: ['a', 'b', 'c'], rotation: { intervalType: 'Hour', intervalCount: 1 }, handOffTime: utc('2026-01-01T00:00Z') }),
    ]);
    for (const [day, next, hours] of [
      [spring, spring.replace(/\d\d$/, (d) => String(Number(d) + 1).padStart(2, '0')), 23],
      [fall, fall.replace(/\d\d$/, (d) => String(Number(d) + 1).padStart(2, '0')), 25],
    ] as const) {
      const shifts = computeShifts(s, { from: wall(zone, `${day}T00:00`), to: wall(zone, `${next}T00:00`) });
      assert.equal(shifts.length, hours);
      for (const x of shifts) assert.equal(x.endsAt.getTime() - x.startsAt.getTime(), HOUR);
    }
  });
}

test('a 24-hour (Hour × 24) rotation drifts against the wall clock across DST; a 1-day rotation does not', () => {
  const zone = 'Europe/Berlin';
  const handOff = wall(zone, '2026-03-27T09:00');
  assert.deepEqual(boundaries(zone, 'Hour', 24, handOff, [0, 1, 2, 3]), [
    '2026-03-27T09:00 +01:00',
    '2026-03-28T09:00 +01:00',
    '2026-03-29T10:00 +02:00',
    '2026-03-30T10:00 +02:00',
  ]);
  assert.deepEqual(boundaries(zone, 'Day', 1, handOff, [0, 1, 2, 3]), [
    '2026-03-27T09:00 +01:00',
    '2026-03-28T09:00 +01:00',
    '2026-03-29T09:00 +02:00',
    '2026-03-30T09:00 +02:00',
  ]);
});

test('a hand-off at a reading that does not exist happens when the gap ends; a repeated one at its first occurrence', () => {
  const zone = 'Europe/Berlin';
  const handOff = wall(zone, '2026-03-27T02:30');
  assert.deepEqual(boundaries(zone, 'Day', 1, handOff, [1, 2, 3]), [
    '2026-03-28T02:30 +01:00',
    '2026-03-29T03:00 +02:00', // 02:30 does not exist that day: the gap ends at 03:00 CEST
    '2026-03-30T02:30 +02:00',
  ]);
  const fall = rotationPeriods({ intervalType: 'Day', intervalCount: 1 }, wall(zone, '2026-10-24T02:30').getTime(), timeZone(zone));
  assert.deepEqual(new Date(fall.boundary(1)), utc('2026-10-25T00:30Z')); // 02:30 CEST, not 02:30 CET
  assert.deepEqual(boundaries('America/New_York', 'Week', 1, wall('America/New_York', '2026-10-25T01:30'), [1]), ['2026-11-01T01:30 -04:00']);
});

test('monthly hand-offs on the 31st use the last day of shorter months and return to the 31st', () => {
  const zone = 'Europe/Berlin';
  const handOff = wall(zone, '2026-01-31T09:00');
  assert.deepEqual(boundaries(zone, 'Month', 1, handOff, [-2, -1, 0, 1, 2, 3, 4, 13]), [
    '2025-11-30T09:00 +01:00',
    '2025-12-31T09:00 +01:00',
    '2026-01-31T09:00 +01:00',
    '2026-02-28T09:00 +01:00',
    '2026-03-31T09:00 +02:00',
    '2026-04-30T09:00 +02:00',
    '2026-05-31T09:00 +02:00',
    '2027-02-28T09:00 +01:00',
  ]);
  assert.deepEqual(boundaries(zone, 'Month', 3, handOff, [1, 2]), ['2026-04-30T09:00 +02:00', '2026-07-31T09:00 +02:00']);
  assert.deepEqual(boundaries(zone, 'Year', 1, wall(zone, '2028-02-29T09:00'), [-1, 1, 4]), [
    '2027-02-28T09:00 +01:00',
    '2029-02-28T09:00 +01:00',
    '2032-02-29T09:00 +01:00',
  ]);
});

test('the period containing an instant is found in both directions from the hand-off', () => {
  const zone = 'America/St_Johns';
  for (const type of ['Hour', 'Day', 'Week', 'Month', 'Year'] as const) {
    const p = rotationPeriods({ intervalType: type, intervalCount: 2 }, wall(zone, '2026-05-31T09:30').getTime(), timeZone(zone));
    for (const t of [utc('2019-01-01T00:00Z'), utc('2026-05-31T12:00Z'), utc('2026-05-31T11:59:59.999Z'), utc('2033-07-01T00:00Z')]) {
      const k = p.periodAt(t.getTime());
      assert.ok(p.boundary(k) <= t.getTime() && t.getTime() < p.boundary(k + 1), `${type} ${t.toISOString()}`);
    }
  }
});

test('a weekly rotation of three users hands off in order, also before the hand-off instant', () => {
  const zone = 'UTC';
  const s = schedule(zone, [layer({ userIds: ['ann', 'bob', 'cyd'], handOffTime: utc('2026-01-05T09:00Z') })]);
  assert.deepEqual(describe(zone, computeShifts(s, { from: utc('2025-12-29T09:00Z'), to: utc('2026-02-02T09:00Z') })), [
    'cyd@12-29T09:00→01-05T09:00',
    'ann@01-05T09:00→01-12T09:00',
    'bob@01-12T09:00→01-19T09:00',
    'cyd@01-19T09:00→01-26T09:00',
    'ann@01-26T09:00→02-02T09:00',
  ]);
});

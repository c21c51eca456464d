import assert from 'node:assert/strict';
import { test } from 'node:test';
import { computeShifts } from './compute-shifts.ts';
import { describe, layer, local, override, schedule, utc, wall } from './fixtures.test-support.ts';
import type { Layer } from './model.ts';
import { onCallAt } from './on-call-at.ts';
import { InvalidScheduleError } from './validate.ts';

const BERLIN = 'Europe/Berlin';
const daily = (startTime: string, endTime: string): Layer['restrictions'] => ({ type: 'Daily', daily: { startTime, endTime } });
/** One weekly window per working day (a single Monday→Friday window would run through the nights). */
const weekdays = (startTime: string, endTime: string): Layer['restrictions'] => ({
  type: 'Weekly',
  weekly: (['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday'] as const).map((d) => ({ startDay: d, endDay: d, startTime, endTime })),
});

test('a daily restriction 22:00–06:00 runs overnight, with the gaps reported', () => {
  const s = schedule(BERLIN, [
    layer({ userIds: ['a', 'b'], rotation: { intervalType: 'Day', intervalCount: 1 }, handOffTime: wall(BERLIN, '2026-06-01T22:00'), restrictions: daily('22:00', '06:00') }),
  ]);
  assert.deepEqual(describe(BERLIN, computeShifts(s, { from: wall(BERLIN, '2026-06-01T00:00'), to: wall(BERLIN, '2026-06-04T00:00') })), [
    'b@06-01T00:00→06-01T06:00',
    '-@06-01T06:00→06-01T22:00',
    'a@06-01T22:00→06-02T06:00',
    '-@06-02T06:00→06-02T22:00',
    'b@06-02T22:00→06-03T06:00',
    '-@06-03T06:00→06-03T22:00',
    'a@06-03T22:00→06-04T00:00',
  ]);
});

test('a daily restriction across the spring-forward night loses the missing hour', () => {
  const s = schedule(BERLIN, [layer({ userIds: ['a'], restrictions: daily('22:00', '06:00') })]);
  const [, night] = computeShifts(s, { from: wall(BERLIN, '2026-03-28T12:00'), to: wall(BERLIN, '2026-03-29T12:00') });
  assert.equal(night!.userId, 'a');
  assert.equal((night!.endsAt.getTime() - night!.startsAt.getTime()) / 3_600_000, 7);
});

test('a weekly restriction Friday 18:00 → Monday 09:00 spans the weekend', () => {
  const s = schedule('America/New_York', [
    layer({
      userIds: ['wk1', 'wk2'],
      handOffTime: wall('America/New_York', '2026-01-02T18:00'),
      restrictions: { type: 'Weekly', weekly: [{ startDay: 'Friday', endDay: 'Monday', startTime: '18:00', endTime: '09:00' }] },
    }),
  ]);
  const shifts = computeShifts(s, { from: wall('America/New_York', '2026-01-05T00:00'), to: wall('America/New_York', '2026-01-19T00:00') });
  assert.deepEqual(describe('America/New_York', shifts), [
    'wk1@01-05T00:00→01-05T09:00',
    '-@01-05T09:00→01-09T18:00',
    'wk2@01-09T18:00→01-12T09:00',
    '-@01-12T09:00→01-16T18:00',
    'wk1@01-16T18:00→01-19T00:00',
  ]);
});

test('two layers: the higher-priority one works business hours, the lower one fills the rest', () => {
  const s = schedule(BERLIN, [
    layer({
      id: 'night',
      order: 2,
      userIds: ['n1', 'n2'],
      rotation: { intervalType: 'Week', intervalCount: 1 },
      handOffTime: wall(BERLIN, '2026-03-02T09:00'),
    }),
    layer({
      id: 'day',
      order: 1,
      userIds: ['d1', 'd2'],
      rotation: { intervalType: 'Day', intervalCount: 1 },
      handOffTime: wall(BERLIN, '2026-03-02T09:00'),
      restrictions: weekdays('09:00', '17:00'),
    }),
  ]);
  const shifts = computeShifts(s, { from: wall(BERLIN, '2026-03-06T00:00'), to: wall(BERLIN, '2026-03-10T00:00') });
  assert.deepEqual(describe(BERLIN, shifts), [
    'n1@03-06T00:00→03-06T09:00',
    'd1@03-06T09:00→03-06T17:00',
    'n1@03-06T17:00→03-09T09:00',
    'd2@03-09T09:00→03-09T17:00',
    'n2@03-09T17:00→03-10T00:00',
  ]);
  assert.deepEqual(shifts[1]!.origin, { kind: 'layer', layerId: 'day' });
  assert.deepEqual(shifts[2]!.origin, { kind: 'layer', layerId: 'night' });
});

test('an override replaces a user in the middle of a shift', () => {
  const s = schedule(
    'UTC',
    [layer({ userIds: ['ann', 'bob'], handOffTime: utc('2026-01-05T09:00Z') })],
    [override({ id: 'sick', overrideUserId: 'ann', routeAlertsToUserId: 'zoe', startsAt: utc('2026-01-07T12:00Z'), endsAt: utc('2026-01-08T12:00Z') })],
  );
  const shifts = computeShifts(s, { from: utc('2026-01-05T09:00Z'), to: utc('2026-01-19T09:00Z') });
  assert.deepEqual(describe('UTC', shifts), [
    'ann@01-05T09:00→01-07T12:00',
    'zoe@01-07T12:00→01-08T12:00',
    'ann@01-08T12:00→01-12T09:00',
    'bob@01-12T09:00→01-19T09:00',
  ]);
  assert.deepEqual(shifts[1]!.origin, { kind: 'override', overrideId: 'sick', replacedUserId: 'ann', layerId: 'L1' });
});

test("a policy's own override beats a global one; other policies' overrides do not apply", () => {
  const s = schedule(
    'UTC',
    [layer({ userIds: ['ann'] })],
    [
      override({ id: 'global', overrideUserId: 'ann', routeAlertsToUserId: 'gus', startsAt: utc('2026-02-01T00:00Z'), endsAt: utc('2026-02-03T00:00Z') }),
      override({ id: 'p1', policyId: 'P1', overrideUserId: 'ann', routeAlertsToUserId: 'pia', startsAt: utc('2026-02-02T00:00Z'), endsAt: utc('2026-02-04T00:00Z') }),
      override({ id: 'p2', policyId: 'P2', overrideUserId: 'ann', routeAlertsToUserId: 'pat', startsAt: utc('2026-02-01T00:00Z'), endsAt: utc('2026-02-05T00:00Z') }),
    ],
  );
  const window = { from: utc('2026-02-01T00:00Z'), to: utc('2026-02-05T00:00Z') };
  assert.deepEqual(describe('UTC', computeShifts(s, window, { policyId: 'P1' })), [
    'gus@02-01T00:00→02-02T00:00',
    'pia@02-02T00:00→02-04T00:00',
    'ann@02-04T00:00→02-05T00:00',
  ]);
  assert.deepEqual(describe('UTC', computeShifts(s, window)), ['gus@02-01T00:00→02-03T00:00', 'ann@02-03T00:00→02-05T00:00']);
  assert.equal(onCallAt(s, utc('2026-02-02T06:00Z'), { policyId: 'P2' }).userId, 'pat');
});

test('a temporary schedule replaces every layer during its span; what it leaves uncovered is a gap', () => {
  const s = schedule('UTC', [layer({ userIds: ['ann'] }), layer({ id: 'L2', order: 2, userIds: ['bob'] })], [], {
    temporarySchedules: [
      {
        id: 'T1',
        startsAt: utc('2026-03-10T00:00Z'),
        endsAt: utc('2026-03-12T00:00Z'),
        shifts: [
          { userId: 'tim', startsAt: utc('2026-03-10T00:00Z'), endsAt: utc('2026-03-11T00:00Z') },
          { userId: 'ann', startsAt: utc('2026-03-11T08:00Z'), endsAt: utc('2026-03-12T00:00Z') },
        ],
      },
    ],
  });
  const shifts = computeShifts(s, { from: utc('2026-03-09T00:00Z'), to: utc('2026-03-13T00:00Z') });
  assert.deepEqual(describe('UTC', shifts), [
    'ann@03-09T00:00→03-10T00:00',
    'tim@03-10T00:00→03-11T00:00',
    '-@03-11T00:00→03-11T08:00',
    'ann@03-11T08:00→03-12T00:00',
    'ann@03-12T00:00→03-13T00:00',
  ]);
  assert.deepEqual(shifts[3]!.origin, { kind: 'temporary', temporaryScheduleId: 'T1' });
});

test('gaps are explicit: before a layer starts, for a layer with no users, and between restrictions', () => {
  const s = schedule(BERLIN, [
    layer({ userIds: ['a'], startsAt: wall(BERLIN, '2026-04-02T00:00'), restrictions: daily('09:00', '17:00') }),
    layer({ id: 'empty', order: 0, userIds: [] }),
  ]);
  assert.deepEqual(describe(BERLIN, computeShifts(s, { from: wall(BERLIN, '2026-04-01T00:00'), to: wall(BERLIN, '2026-04-03T00:00') })), [
    '-@04-01T00:00→04-02T09:00',
    'a@04-02T09:00→04-02T17:00',
    '-@04-02T17:00→04-03T00:00',
  ]);
  assert.deepEqual(computeShifts(s, { from: utc('2026-04-01T00:00Z'), to: utc('2026-04-01T00:00Z') }), []);
  const none = schedule('UTC', []);
  assert.deepEqual(computeShifts(none, { from: utc('2026-04-01T00:00Z'), to: utc('2026-04-02T00:00Z') }), [
    { userId: null, startsAt: utc('2026-04-01T00:00Z'), endsAt: utc('2026-04-02T00:00Z'), origin: { kind: 'gap' } },
  ]);
});

test('restricted rotation clock: periods without allowed time do not advance the rotation (OneUptime #2413)', () => {
  // Daily rotation handing off at 19:00, allowed Monday–Friday 09:00–19:00, three engineers.
  const base = {
    userIds: ['e1', 'e2', 'e3'],
    rotation: { intervalType: 'Day', intervalCount: 1 } as const,
    handOffTime: wall(BERLIN, '2026-05-07T19:00'), // Thursday
    restrictions: weekdays('09:00', '19:00'),
  };
  const window = { from: wall(BERLIN, '2026-05-08T00:00'), to: wall(BERLIN, '2026-05-13T00:00') };
  const who = (l: Layer) =>
    computeShifts(schedule(BERLIN, [l]), window)
      .filter((x) => x.userId !== null)
      .map((x) => `${x.userId}@${local(BERLIN, x.startsAt).slice(5, 10)}`);
  assert.deepEqual(who(layer({ ...base, rotationClock: 'restricted' })), ['e1@05-08', 'e2@05-11', 'e3@05-12']);
  // The calendar clock (default) lets the weekend periods consume e2 and e3.
  assert.deepEqual(who(layer(base)), ['e1@05-08', 'e1@05-11', 'e2@05-12']);
  // Before the hand-off the restricted clock counts backwards the same way.
  const earlier = computeShifts(schedule(BERLIN, [layer({ ...base, rotationClock: 'restricted' })]), {
    from: wall(BERLIN, '2026-05-04T00:00'),
    to: wall(BERLIN, '2026-05-08T00:00'),
  }).filter((x) => x.userId !== null);
  // Monday to Thursday before the Thursday 19:00 hand-off are periods -4..-1: e3, e1, e2, e3.
  assert.deepEqual(earlier.map((x) => x.userId), ['e3', 'e1', 'e2', 'e3']);
});

test('onCallAt answers who and until when, looking past the first day', () => {
  const s = schedule('UTC', [layer({ userIds: ['ann', 'bob'], handOffTime: utc('2026-01-05T09:00Z') })]);
  assert.deepEqual(onCallAt(s, utc('2026-01-06T00:00Z')), { userId: 'ann', until: utc('2026-01-12T09:00Z'), origin: { kind: 'layer', layerId: 'L1' } });
  const one = schedule('UTC', [layer({ userIds: ['ann'] })]);
  assert.deepEqual(onCallAt(one, utc('2026-01-06T00:00Z'), { horizonMs: 10 * 86_400_000 }).until, utc('2026-01-16T00:00Z'));
  assert.equal(onCallAt(schedule('UTC', []), utc('2026-01-06T00:00Z')).userId, null);
});

test('invalid schedules are refused with every problem named', () => {
  const bad = schedule('Mars/Olympus', [layer({ userIds: ['a'], rotation: { intervalType: 'Day', intervalCount: 0 } })]);
  assert.throws(
    () => computeShifts(bad, { from: utc('2026-01-01T00:00Z'), to: utc('2026-01-02T00:00Z') }),
    (e: unknown) =>
      e instanceof InvalidScheduleError &&
      e.statusCode === 400 &&
      e.problems.map((p) => p.field).join() === 'timezone,layers[0].rotation.intervalCount',
  );
  assert.throws(
    () => computeShifts(schedule('UTC', []), { from: utc('2026-01-02T00:00Z'), to: utc('2026-01-01T00:00Z') }),
    InvalidScheduleError,
  );
});

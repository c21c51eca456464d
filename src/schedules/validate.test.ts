import assert from 'node:assert/strict';
import { test } from 'node:test';
import { layer, override, schedule, utc } from './fixtures.test-support.ts';
import type { Layer, Schedule } from './model.ts';
import { validateLayer, validateOverride, validateSchedule } from './validate.ts';

const fields = (problems: readonly { field: string }[]) => problems.map((p) => p.field);

test('a valid schedule has no problems', () => {
  const s = schedule('Asia/Kolkata', [
    layer({ userIds: ['a', 'b'], restrictions: { type: 'Daily', daily: { startTime: '22:00', endTime: '06:00' } }, rotationClock: 'restricted' }),
  ]);
  assert.deepEqual(validateSchedule(s), []);
});

test('every layer problem is reported at once, naming the field', () => {
  const bad = {
    ...layer({ userIds: ['a', ''] }),
    order: Number.NaN,
    startsAt: new Date('nope'),
    rotation: { intervalType: 'Fortnight', intervalCount: 1.5 },
    restrictions: { type: 'Daily', daily: { startTime: '09:00', endTime: '09:00' } },
    rotationClock: 'sometimes',
  } as unknown as Layer;
  const problems = validateLayer(bad);
  assert.deepEqual(fields(problems), [
    'order',
    'startsAt',
    'rotation.intervalType',
    'rotation.intervalCount',
    'restrictions.daily.endTime',
    'userIds[1]',
    'rotationClock',
  ]);
  assert.match(problems.find((p) => p.field === 'rotation.intervalCount')!.message, /whole number from 1/);
  assert.deepEqual(fields(validateLayer(layer({ userIds: ['a'], rotation: { intervalType: 'Day', intervalCount: 0 } }))), ['rotation.intervalCount']);
});

test('weekly restriction windows: weekday names, "HH:mm" times, and not ending where they start', () => {
  const l = layer({
    userIds: ['a'],
    restrictions: {
      type: 'Weekly',
      weekly: [
        { startDay: 'Friday', endDay: 'Monday', startTime: '18:00', endTime: '09:00' },
        { startDay: 'Funday', endDay: 'Monday', startTime: '9:00', endTime: '24:00' },
        { startDay: 'Tuesday', endDay: 'Tuesday', startTime: '10:00', endTime: '10:00' },
      ],
    } as unknown as Layer['restrictions'],
  });
  const problems = validateLayer(l, 'layers[3]');
  assert.deepEqual(fields(problems), [
    'layers[3].restrictions.weekly[1].startDay',
    'layers[3].restrictions.weekly[1].startTime',
    'layers[3].restrictions.weekly[1].endTime',
    'layers[3].restrictions.weekly[2].endTime',
  ]);
  assert.match(problems[0]!.message, /Monday, Tuesday/);
});

test('schedule: time zone required and known, layer ids unique, overrides and temporary schedules checked', () => {
  const s: Schedule = {
    ...schedule('America/Springfield', [layer({ userIds: ['a'] }), layer({ userIds: ['b'] })], [
      override({ overrideUserId: 'a', routeAlertsToUserId: 'b', startsAt: utc('2026-01-02T00:00Z'), endsAt: utc('2026-01-02T00:00Z') }),
      override({ overrideUserId: 'a', routeAlertsToUserId: 'a', startsAt: utc('2026-01-02T00:00Z'), endsAt: utc('2026-01-03T00:00Z') }),
    ]),
    temporarySchedules: [
      { id: 'T1', startsAt: utc('2026-01-01T00:00Z'), endsAt: utc('2026-01-05T00:00Z'), shifts: [
        { userId: 'a', startsAt: utc('2026-01-01T00:00Z'), endsAt: utc('2026-01-03T00:00Z') },
        { userId: 'b', startsAt: utc('2026-01-02T00:00Z'), endsAt: utc('2026-01-06T00:00Z') },
      ] },
      { id: 'T2', startsAt: utc('2026-01-04T00:00Z'), endsAt: utc('2026-01-07T00:00Z'), shifts: [] },
    ],
  };
  assert.deepEqual(fields(validateSchedule(s)), [
    'timezone',
    'layers[1].id',
    'overrides[0].endsAt',
    'overrides[1].routeAlertsToUserId',
    'temporarySchedules[0].shifts[1]',
    'temporarySchedules[0].shifts[1]',
    'temporarySchedules[1]',
  ]);
  assert.deepEqual(fields(validateSchedule({ ...s, timezone: '', layers: [], overrides: [], temporarySchedules: [] })), ['timezone']);
  assert.deepEqual(
    fields(validateOverride(override({ overrideUserId: 'a', routeAlertsToUserId: 'b', startsAt: utc('2026-01-03T00:00Z'), endsAt: utc('2026-01-02T00:00Z') }))),
    ['endsAt'],
  );
});

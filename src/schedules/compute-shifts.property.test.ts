import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { computeShifts, sameOrigin } from './compute-shifts.ts';
import type { Layer, Override, Restrictions, Schedule, Shift, TemporarySchedule, Window } from './model.ts';
import { INTERVAL_TYPES, WEEKDAYS } from './model.ts';
import { DAY, HOUR, naiveOnCallAt, naiveOverrideAt } from './naive-on-call.test-support.ts';
import { onCallAt } from './on-call-at.ts';
import { validateSchedule } from './validate.ts';

const MINUTE = 60_000;
const ZONES = [
  'UTC',
  'Europe/Berlin',
  'America/New_York',
  'America/St_Johns',
  'Asia/Kolkata',
  'Australia/Adelaide',
  'Australia/Lord_Howe',
  'Pacific/Chatham',
  'America/Santiago',
] as const;
/** Instants near the 2026 transitions of those zones, so random windows cross them often. */
const NEAR = ['2026-02-27T12:00Z', '2026-04-29T12:00Z', '2026-03-08T07:00Z', '2026-03-29T01:00Z', '2026-04-04T16:00Z', '2026-10-03T16:00Z', '2026-10-25T01:00Z', '2026-11-01T06:00Z', '2026-06-15T00:00Z'].map(Date.parse);
const USERS = ['u0', 'u1', 'u2', 'u3', 'u4', 'u5'];
const RUNS = Number(process.env.SCHEDULE_PROPERTY_RUNS ?? 120);

const wallTime = fc
  .tuple(fc.integer({ min: 0, max: 23 }), fc.constantFrom(0, 0, 15, 30, 45, 7))
  .map(([h, m]) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`);

const restrictions: fc.Arbitrary<Restrictions> = fc.oneof(
  fc.constant<Restrictions>({ type: 'None' }),
  fc
    .tuple(wallTime, wallTime)
    .filter(([a, b]) => a !== b)
    .map(([startTime, endTime]): Restrictions => ({ type: 'Daily', daily: { startTime, endTime } })),
  fc
    .array(
      fc.record({ startDay: fc.constantFrom(...WEEKDAYS), endDay: fc.constantFrom(...WEEKDAYS), startTime: wallTime, endTime: wallTime }),
      { minLength: 1, maxLength: 3 },
    )
    .filter((ws) => ws.every((w) => w.startDay !== w.endDay || w.startTime !== w.endTime))
    .map((weekly): Restrictions => ({ type: 'Weekly', weekly })),
);

const minutesAround = (days: number) => fc.integer({ min: -days * 24 * 60, max: days * 24 * 60 }).map((m) => m * MINUTE);

interface Case {
  readonly schedule: Schedule;
  readonly window: Window;
  readonly policyId: string | undefined;
}

const aCase: fc.Arbitrary<Case> = fc
  .record({
    zone: fc.constantFrom(...ZONES),
    near: fc.constantFrom(...NEAR),
    shift: minutesAround(3),
    length: fc.oneof(fc.integer({ min: 1, max: 6 * 60 }), fc.integer({ min: 1, max: 10 * 24 * 60 })).map((m) => m * MINUTE),
    layers: fc.array(
      fc.record({
        order: fc.integer({ min: 0, max: 3 }),
        userIds: fc.array(fc.constantFrom(...USERS), { minLength: 1, maxLength: 5 }),
        intervalType: fc.constantFrom(...INTERVAL_TYPES),
        intervalCount: fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 4 })),
        // Relative to the window, or on a 29th–31st (month-end clamping).
        handOff: fc.oneof(
          { weight: 4, arbitrary: minutesAround(20).map((ms) => ({ relative: ms })) },
          { weight: 1, arbitrary: fc.constantFrom('2026-01-31T08:30Z', '2026-03-30T23:15Z', '2025-12-29T10:00Z', '2024-02-29T09:00Z').map((iso) => ({ absolute: Date.parse(iso) })) },
        ),
        startsAt: fc.oneof(fc.constant(-400 * DAY), minutesAround(6)),
        restrictions,
        restricted: fc.boolean(),
      }),
      { minLength: 1, maxLength: 4 },
    ),
    overrides: fc.array(
      fc.record({
        policyId: fc.constantFrom(null, null, 'P1', 'P2'),
        overrideUserId: fc.constantFrom('u0', 'u1', 'u1', 'u2', ...USERS),
        routeAlertsToUserId: fc.constantFrom('x1', 'x2', 'u0'),
        start: minutesAround(6),
        length: fc.integer({ min: 1, max: 4 * 24 * 60 }).map((m) => m * MINUTE),
      }),
      { maxLength: 6 },
    ),
    temporary: fc.option(
      fc.record({ start: minutesAround(5), length: fc.integer({ min: 60, max: 3 * 24 * 60 }).map((m) => m * MINUTE), who: fc.constantFrom(...USERS) }),
      { freq: 4 },
    ),
    policyId: fc.constantFrom(undefined, 'P1'),
  })
  .map((r): Case => {
    const from = r.near + r.shift;
    const layers: Layer[] = r.layers.map((l, i) => ({
      id: `L${i}`,
      name: `layer ${i}`,
      order: l.order,
      startsAt: new Date(from + l.startsAt),
      handOffTime: new Date('absolute' in l.handOff ? l.handOff.absolute : from + l.handOff.relative),
      rotation: { intervalType: l.intervalType, intervalCount: l.intervalType === 'Month' || l.intervalType === 'Year' ? Math.min(l.intervalCount, 2) : l.intervalCount },
      restrictions: l.restrictions,
      userIds: l.userIds,
      rotationClock: l.restricted ? 'restricted' : 'calendar',
    }));
    const overrides: Override[] = r.overrides
      .filter((o) => o.overrideUserId !== o.routeAlertsToUserId)
      .map((o, i) => ({
        id: `O${i}`,
        policyId: o.policyId,
        overrideUserId: o.overrideUserId,
        routeAlertsToUserId: o.routeAlertsToUserId,
        startsAt: new Date(from + o.start),
        endsAt: new Date(from + o.start + o.length),
      }));
    const temporarySchedules: TemporarySchedule[] = [];
    if (r.temporary !== null) {
      const s = from + r.temporary.start;
      const e = s + r.temporary.length;
      const mid = s + Math.floor(r.temporary.length / 3 / MINUTE) * MINUTE;
      temporarySchedules.push({ id: 'T0', startsAt: new Date(s), endsAt: new Date(e), shifts: [{ userId: r.temporary.who, startsAt: new Date(mid), endsAt: new Date(e) }] });
    }
    return {
      schedule: { id: 'S', timezone: r.zone, layers, overrides, temporarySchedules },
      window: { from: new Date(from), to: new Date(from + r.length) },
      policyId: r.policyId,
    };
  });

function shiftAt(shifts: readonly Shift[], t: number): Shift {
  let lo = 0;
  let hi = shifts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (shifts[mid]!.startsAt.getTime() <= t) lo = mid;
    else hi = mid - 1;
  }
  return shifts[lo]!;
}

function sourceOf(s: Shift): string | null {
  const o = s.origin;
  return o.kind === 'layer' ? o.layerId : o.kind === 'override' ? o.overrideId : o.kind === 'temporary' ? o.temporaryScheduleId : null;
}

/** Instants to check: the window's ends, both ends of every shift, a few in between. */
function samples(shifts: readonly Shift[], window: Window, extra: readonly number[]): number[] {
  const from = window.from.getTime();
  const to = window.to.getTime();
  const out = [from, to - 1, ...extra.map((f) => from + Math.floor(f * (to - from)))];
  for (const s of shifts.slice(0, 40)) out.push(s.startsAt.getTime(), s.endsAt.getTime() - 1);
  return out;
}

const params = (numRuns: number) => ({ numRuns, seed: process.env.SCHEDULE_PROPERTY_SEED === undefined ? undefined : Number(process.env.SCHEDULE_PROPERTY_SEED) });

test('generated schedules are valid', () => {
  fc.assert(fc.property(aCase, (c) => assert.deepEqual(validateSchedule(c.schedule), [])), params(RUNS));
});

test('shifts are ordered, contiguous, inside the window and cover it exactly; neighbours differ', () => {
  fc.assert(
    fc.property(aCase, (c) => {
      const shifts = computeShifts(c.schedule, c.window, { policyId: c.policyId });
      assert.ok(shifts.length > 0);
      assert.equal(shifts[0]!.startsAt.getTime(), c.window.from.getTime());
      assert.equal(shifts.at(-1)!.endsAt.getTime(), c.window.to.getTime());
      shifts.forEach((s, i) => {
        assert.ok(s.startsAt < s.endsAt, 'non-empty');
        assert.equal(s.userId === null, s.origin.kind === 'gap', 'gaps and only gaps have no user');
        const next = shifts[i + 1];
        if (next !== undefined) {
          assert.equal(s.endsAt.getTime(), next.startsAt.getTime(), 'contiguous, no overlap');
          assert.ok(s.userId !== next.userId || !sameOrigin(s.origin, next.origin), 'merged');
        }
      });
    }),
    params(RUNS),
  );
});

test('every instant has the top covering layer’s user (or its override’s, or the temporary schedule’s), else a gap', () => {
  fc.assert(
    fc.property(aCase, fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 6 }), (c, extra) => {
      const shifts = computeShifts(c.schedule, c.window, { policyId: c.policyId });
      for (const t of samples(shifts, c.window, extra)) {
        const got = shiftAt(shifts, t);
        const want = naiveOnCallAt(c.schedule, t, c.policyId);
        assert.deepEqual(
          { userId: got.userId, kind: got.origin.kind, source: sourceOf(got) },
          { userId: want.userId, kind: want.kind, source: want.sourceId },
          `at ${new Date(t).toISOString()} in ${c.schedule.timezone}`,
        );
      }
    }),
    params(RUNS),
  );
});

test('overrides win inside their span wherever their user would be on call', () => {
  fc.assert(
    fc.property(aCase, (c) => {
      const shifts = computeShifts(c.schedule, c.window, { policyId: c.policyId });
      const noOverrides = computeShifts({ ...c.schedule, overrides: [] }, c.window, { policyId: c.policyId });
      for (const o of c.schedule.overrides) {
        for (const t of [o.startsAt.getTime(), o.endsAt.getTime() - 1, (o.startsAt.getTime() + o.endsAt.getTime()) >> 1]) {
          if (t < c.window.from.getTime() || t >= c.window.to.getTime()) continue;
          const scheduled = shiftAt(noOverrides, t).userId;
          const got = shiftAt(shifts, t);
          const winner = scheduled === null ? undefined : naiveOverrideAt(c.schedule.overrides, scheduled, t, c.policyId);
          if (winner !== undefined) {
            assert.equal(got.userId, winner.routeAlertsToUserId);
            assert.deepEqual(got.origin, { kind: 'override', overrideId: winner.id, replacedUserId: scheduled, layerId: sourceOf(shiftAt(noOverrides, t)) === 'T0' ? null : sourceOf(shiftAt(noOverrides, t)) });
          } else {
            assert.equal(got.userId, scheduled);
          }
        }
      }
    }),
    params(RUNS),
  );
});

function mergeAtSeam(a: Shift[], b: Shift[]): Shift[] {
  const last = a.at(-1);
  const first = b[0];
  if (last !== undefined && first !== undefined && last.userId === first.userId && sameOrigin(last.origin, first.origin)) {
    return [...a.slice(0, -1), { ...last, endsAt: first.endsAt }, ...b.slice(1)];
  }
  return [...a, ...b];
}

test('computing a window in two pieces equals computing it whole (after merging at the seam)', () => {
  fc.assert(
    fc.property(aCase, fc.double({ min: 0, max: 1, noNaN: true }), (c, cut) => {
      const from = c.window.from.getTime();
      const to = c.window.to.getTime();
      const seam = new Date(from + Math.floor(cut * (to - from)));
      const opts = { policyId: c.policyId };
      const whole = computeShifts(c.schedule, c.window, opts);
      const pieces = mergeAtSeam(computeShifts(c.schedule, { from: c.window.from, to: seam }, opts), computeShifts(c.schedule, { from: seam, to: c.window.to }, opts));
      assert.deepEqual(pieces, whole);
    }),
    params(RUNS),
  );
});

test('onCallAt(t) agrees with computeShifts at t', () => {
  fc.assert(
    fc.property(aCase, fc.double({ min: 0, max: 1, noNaN: true }), (c, f) => {
      const from = c.window.from.getTime();
      const to = c.window.to.getTime();
      const shifts = computeShifts(c.schedule, c.window, { policyId: c.policyId });
      const t = from + Math.floor(f * (to - from));
      const shift = shiftAt(shifts, t);
      const now = onCallAt(c.schedule, new Date(t), { policyId: c.policyId, horizonMs: 40 * DAY });
      assert.equal(now.userId, shift.userId);
      assert.deepEqual(now.origin, shift.origin);
      if (shift.endsAt.getTime() < to) assert.equal(now.until.getTime(), shift.endsAt.getTime());
      else assert.ok(now.until.getTime() >= to);
    }),
    params(Math.ceil(RUNS / 2)),
  );
});

test('properties run near real transitions (sanity of the generator)', () => {
  // A window over Berlin's spring-forward night has a 23-hour local day inside it.
  const from = Date.parse('2026-03-28T23:00Z');
  assert.equal(new Date(from + 23 * HOUR).toISOString(), '2026-03-29T22:00:00.000Z');
});

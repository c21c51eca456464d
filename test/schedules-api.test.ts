// On-call schedules over the API: OneUptime's shapes round-trip exactly, bad input is a 400
// naming the field, the final shifts and who-is-on-call answers of a concrete schedule (a
// weekly rotation of three people with an override), and tenant isolation of the views.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { CreatedProject } from '../src/access/projects.ts';
import { startHarness, type Harness } from './support/harness.ts';
import { NO_RESTRICTION, compact, create, get, makeSchedule, member, rotation, tryCreate, type Row } from './support/schedules.ts';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(async () => {
  await h?.close();
});

const SCHEDULE = 'on-call-duty-policy-schedule';
const LAYER = 'on-call-duty-schedule-layer';
const LAYER_USER = 'on-call-duty-schedule-layer-user';
const OVERRIDE = 'on-call-duty-policy-user-override';
const TEMPORARY = 'on-call-duty-schedule-temporary';

/** Asserts a 400 whose message starts with `field:` (or matches the pattern). */
function expect400(res: { status: number; body: Row }, field: string | RegExp): void {
  assert.equal(res.status, 400, JSON.stringify(res.body));
  if (typeof field === 'string') assert.ok(res.body.error.startsWith(`${field}:`), `expected ${field}: …, got ${res.body.error}`);
  else assert.match(res.body.error, field);
}

const LAYER_BASE = { name: 'Weekdays', startsAt: '2026-01-05T08:00:00.000Z', handOffTime: '2026-01-05T08:00:00.000Z' };

describe('OneUptime shapes', () => {
  test('a schedule, layer, layer user, override and temporary schedule read back exactly as written', async () => {
    const p = await h.project();
    const alice = await member(h, p, 'Alice');
    const bob = await member(h, p, 'Bob');
    const schedule = await create(h, p, SCHEDULE, { name: 'Primary', description: 'Front line', timezone: 'europe/berlin' });
    assert.equal(schedule.timezone, 'Europe/Berlin', 'the zone is stored in its canonical spelling');
    for (const f of ['currentUserIdOnRoster', 'nextUserIdOnRoster', 'rosterStartAt', 'rosterHandoffAt', 'rosterNextStartAt', 'rosterNextHandoffAt']) {
      assert.ok(f in schedule, `${f} is answered`);
      assert.equal(schedule[f], null);
    }

    const rot = { _type: 'Recurring', value: { intervalType: 'Week', intervalCount: { _type: 'PositiveNumber', value: 2 } } };
    const restriction = {
      _type: 'RestrictionTimes',
      value: {
        restictionType: 'Weekly',
        dayRestrictionTimes: null,
        weeklyRestrictionTimes: [
          { startDay: 'Monday', endDay: 'Friday', startTime: '2026-01-05T08:00:00.000Z', endTime: { _type: 'DateTime', value: '2026-01-05T17:00:00.000Z' } },
        ],
      },
    };
    const layer = await create(h, p, LAYER, { onCallDutyPolicyScheduleId: schedule._id, ...LAYER_BASE, rotation: rot, restrictionTimes: restriction });
    const read = await get(h, p, `/api/${LAYER}/${layer._id}/get-item`);
    assert.equal(JSON.stringify(read.rotation), JSON.stringify(rot), 'rotation verbatim, key order included');
    assert.equal(JSON.stringify(read.restrictionTimes), JSON.stringify(restriction), 'restrictionTimes verbatim, misspelling included');
    assert.equal(read.order, 1, 'the first layer gets order 1');
    assert.equal(read.rotationClock, 'calendar');
    assert.equal(read.startsAt, LAYER_BASE.startsAt);
    assert.equal(read.onCallDutyPolicyScheduleId, schedule._id);

    const daily = { _type: 'RestrictionTimes', value: { restictionType: 'Daily', dayRestrictionTimes: { startTime: '22:00', endTime: '06:00' }, weeklyRestrictionTimes: [] } };
    const second = await create(h, p, LAYER, { onCallDutyPolicyScheduleId: schedule._id, ...LAYER_BASE, name: 'Nights', rotation: rotation('Day', 1), restrictionTimes: daily, rotationClock: 'restricted' });
    assert.equal(second.order, 2, 'a new layer goes after the last one');
    assert.deepEqual(second.restrictionTimes, daily);
    const updated = await h.call('PUT', `/api/${LAYER}/${second._id}`, { key: p.apiKey, body: { data: { rotation: rotation('Hour', 8), restrictionTimes: NO_RESTRICTION } } });
    assert.equal(updated.status, 200, JSON.stringify(updated.body));
    const after = await get(h, p, `/api/${LAYER}/${second._id}/get-item`);
    assert.deepEqual(after.rotation, rotation('Hour', 8));
    assert.deepEqual(after.restrictionTimes, NO_RESTRICTION);

    const lu1 = await create(h, p, LAYER_USER, { onCallDutyPolicyScheduleLayerId: layer._id, userId: alice });
    const lu2 = await create(h, p, LAYER_USER, { onCallDutyPolicyScheduleLayerId: layer._id, onCallDutyPolicyScheduleId: schedule._id, userId: bob });
    assert.deepEqual([lu1.order, lu2.order], [1, 2], 'users are appended to the rotation');
    assert.equal(lu1.onCallDutyPolicyScheduleId, schedule._id, "the schedule is taken from the layer");

    const override = await create(h, p, OVERRIDE, {
      overrideUserId: { _type: 'ObjectID', value: alice },
      routeAlertsToUserId: bob,
      startsAt: { _type: 'DateTime', value: '2026-01-06T08:00:00.000Z' },
      endsAt: '2026-01-07T08:00:00.000Z',
    });
    assert.deepEqual(
      { o: override.overrideUserId, r: override.routeAlertsToUserId, s: override.startsAt, e: override.endsAt, policy: override.onCallDutyPolicyId },
      { o: alice, r: bob, s: '2026-01-06T08:00:00.000Z', e: '2026-01-07T08:00:00.000Z', policy: null },
    );
    const policyOverride = await create(h, p, OVERRIDE, {
      overrideUserId: alice, routeAlertsToUserId: bob, startsAt: '2026-01-08T08:00:00.000Z', endsAt: '2026-01-09T08:00:00.000Z', onCallDutyPolicyId: (await create(h, p, 'on-call-duty-policy', { name: 'Primary' }))._id,
    });
    assert.match(policyOverride.onCallDutyPolicyId, /^[0-9a-f-]{36}$/);
    expect400(await tryCreate(h, p, OVERRIDE, {
      overrideUserId: alice, routeAlertsToUserId: bob, startsAt: '2026-01-08T08:00:00.000Z', endsAt: '2026-01-09T08:00:00.000Z', onCallDutyPolicyId: randomUUID(),
    }), 'data.onCallDutyPolicyId');

    const temp = await create(h, p, TEMPORARY, {
      scheduleId: schedule._id,
      name: 'Holiday cover',
      startsAt: '2026-01-10T00:00:00.000Z',
      endsAt: '2026-01-12T00:00:00.000Z',
      shifts: [{ userId: bob, startsAt: '2026-01-10T00:00:00.000Z', endsAt: '2026-01-11T00:00:00.000Z' }],
    });
    assert.deepEqual(temp.shifts, [{ userId: bob, startsAt: '2026-01-10T00:00:00.000Z', endsAt: '2026-01-11T00:00:00.000Z' }]);

    const list = await h.call('POST', `/api/${LAYER}/get-list`, { key: p.apiKey, body: { query: { onCallDutyPolicyScheduleId: schedule._id }, select: { name: true, order: true } } });
    assert.deepEqual(list.body.data.map((l: Row) => [l.name, l.order]), [['Weekdays', 1], ['Nights', 2]], 'layers list in priority order');
  });

  test('the roster cache and the time log cannot be written over the API', async () => {
    const p = await h.project();
    const res = await tryCreate(h, p, SCHEDULE, { name: 'X', timezone: 'UTC', currentUserIdOnRoster: p.userId });
    expect400(res, /^data\b.*currentUserIdOnRoster/);
    const id = (await create(h, p, SCHEDULE, { name: 'X', timezone: 'UTC' }))._id;
    const put = await h.call('PUT', `/api/${SCHEDULE}/${id}`, { key: p.apiKey, body: { data: { rosterHandoffAt: '2026-01-01T00:00:00Z' } } });
    expect400(put, /^data\b.*rosterHandoffAt/);
    const log = await h.call('POST', '/api/on-call-duty-policy-time-log', { key: p.apiKey, body: { data: {} } });
    assert.equal(log.status, 405);
  });

  test('deleting a schedule deletes its layers and their users', async () => {
    const p = await h.project();
    const { scheduleId, layerIds } = await makeSchedule(h, p, {
      timezone: 'UTC',
      layers: [{ startsAt: '2026-01-05T00:00:00Z', rotation: rotation('Day', 1), userIds: [p.userId] }],
    });
    assert.equal((await h.call('DELETE', `/api/${SCHEDULE}/${scheduleId}`, { key: p.apiKey })).status, 200);
    await get(h, p, `/api/${LAYER}/${layerIds[0]}/get-item`, 404);
    assert.equal((await h.call('POST', `/api/${LAYER_USER}/count`, { key: p.apiKey })).body.count, 0);
  });
});

describe('bad input is a 400 naming the field', () => {
  test('schedule time zones', async () => {
    const p = await h.project();
    expect400(await tryCreate(h, p, SCHEDULE, { name: 'X' }), 'data.timezone');
    expect400(await tryCreate(h, p, SCHEDULE, { name: 'X', timezone: 'Mars/Olympus_Mons' }), 'data.timezone');
    expect400(await tryCreate(h, p, SCHEDULE, { name: 'X', timezone: '+05:00' }), 'data.timezone');
    expect400(await tryCreate(h, p, SCHEDULE, { name: 'X', timezone: '' }), 'data.timezone');
    expect400(await tryCreate(h, p, SCHEDULE, { name: 'X', timezone: null }), 'data.timezone');
    const id = (await create(h, p, SCHEDULE, { name: 'X', timezone: 'UTC' }))._id;
    expect400(await h.call('PUT', `/api/${SCHEDULE}/${id}`, { key: p.apiKey, body: { data: { timezone: 'Local' } } }), 'data.timezone');
    assert.equal((await get(h, p, `/api/${SCHEDULE}/${id}/get-item`)).timezone, 'UTC', 'unchanged');
  });

  test('layer rotation and restriction JSON', async () => {
    const p = await h.project();
    const scheduleId = (await create(h, p, SCHEDULE, { name: 'X', timezone: 'America/New_York' }))._id;
    const layer = (extra: Row) => tryCreate(h, p, LAYER, { onCallDutyPolicyScheduleId: scheduleId, ...LAYER_BASE, rotation: rotation('Day', 1), restrictionTimes: NO_RESTRICTION, ...extra });
    const restr = (value: Row) => ({ restrictionTimes: { _type: 'RestrictionTimes', value } });
    const cases: [Row, string][] = [
      [{ rotation: rotation('Day', 0) }, 'data.rotation.value.intervalCount'],
      [{ rotation: rotation('Day', -1) }, 'data.rotation.value.intervalCount'],
      [{ rotation: rotation('Day', 1.5) }, 'data.rotation.value.intervalCount'],
      [{ rotation: { _type: 'Recurring', value: { intervalType: 'Day', intervalCount: 0 } } }, 'data.rotation.value.intervalCount'],
      [{ rotation: rotation('Fortnight', 1) }, 'data.rotation.value.intervalType'],
      [{ rotation: { _type: 'Recurrence', value: { intervalType: 'Day', intervalCount: 1 } } }, 'data.rotation._type'],
      [{ rotation: { _type: 'Recurring' } }, 'data.rotation.value'],
      [{ rotation: 'daily' }, 'data.rotation'],
      [{ rotation: [] }, 'data.rotation'],
      [{ rotation: null }, 'data.rotation'],
      [restr({ restictionType: 'Sometimes' }), 'data.restrictionTimes.value.restictionType'],
      [restr({ restictionType: 'Daily', dayRestrictionTimes: null }), 'data.restrictionTimes.value.dayRestrictionTimes'],
      [restr({ restictionType: 'Daily', dayRestrictionTimes: { startTime: '09:00', endTime: '09:00' } }), 'data.restrictionTimes.value.dayRestrictionTimes.endTime'],
      [
        restr({ restictionType: 'Daily', dayRestrictionTimes: { startTime: '2026-01-05T14:00:00Z', endTime: '09:00' } }),
        'data.restrictionTimes.value.dayRestrictionTimes.endTime',
      ],
      [restr({ restictionType: 'Daily', dayRestrictionTimes: { startTime: '25:00', endTime: '09:00' } }), 'data.restrictionTimes.value.dayRestrictionTimes.startTime'],
      [restr({ restictionType: 'Weekly', weeklyRestrictionTimes: [] }), 'data.restrictionTimes.value.weeklyRestrictionTimes'],
      [
        restr({ restictionType: 'Weekly', weeklyRestrictionTimes: [{ startDay: 'Monday', endDay: 'Monday', startTime: '10:00', endTime: '10:00' }] }),
        'data.restrictionTimes.value.weeklyRestrictionTimes[0].endTime',
      ],
      [
        restr({ restictionType: 'Weekly', weeklyRestrictionTimes: [{ startDay: 'Funday', endDay: 'Monday', startTime: '10:00', endTime: '11:00' }] }),
        'data.restrictionTimes.value.weeklyRestrictionTimes[0].startDay',
      ],
      [{ restrictionTimes: { restictionType: 'None' } }, 'data.restrictionTimes._type'],
      [{ startsAt: 'yesterday' }, 'data.startsAt'],
      [{ rotationClock: 'sundial' }, 'data.rotationClock'],
    ];
    for (const [extra, field] of cases) {
      const res = await layer(extra);
      assert.equal(res.status, 400, `${JSON.stringify(extra)}: ${JSON.stringify(res.body)}`);
      assert.ok(res.body.error.startsWith(field), `${JSON.stringify(extra)}: expected ${field}, got ${res.body.error}`);
    }
    assert.equal((await h.call('POST', `/api/${LAYER}/count`, { key: p.apiKey })).body.count, 0, 'nothing was created');

    const ok = await create(h, p, LAYER, { onCallDutyPolicyScheduleId: scheduleId, ...LAYER_BASE, rotation: rotation('Day', 1), restrictionTimes: NO_RESTRICTION });
    const put = (data: Row) => h.call('PUT', `/api/${LAYER}/${ok._id}`, { key: p.apiKey, body: { data } });
    expect400(await put({ rotation: rotation('Week', 0) }), 'data.rotation.value.intervalCount');
    expect400(await put(restr({ restictionType: 'Daily', dayRestrictionTimes: { startTime: '10:00', endTime: '10:00' } })), 'data.restrictionTimes.value.dayRestrictionTimes.endTime');
    expect400(await put({ order: null }), 'data.order');
    assert.deepEqual((await get(h, p, `/api/${LAYER}/${ok._id}/get-item`)).rotation, rotation('Day', 1), 'unchanged');
  });

  test('layer users must be project members, in the layer\'s schedule', async () => {
    const p = await h.project();
    const other = await h.project();
    const { layerIds } = await makeSchedule(h, p, { timezone: 'UTC', layers: [{ startsAt: '2026-01-05T00:00:00Z', rotation: rotation('Day', 1), userIds: [] }] });
    const elsewhere = (await create(h, p, SCHEDULE, { name: 'Other', timezone: 'UTC' }))._id;
    expect400(await tryCreate(h, p, LAYER_USER, { onCallDutyPolicyScheduleLayerId: layerIds[0], userId: other.userId }), 'data.userId');
    expect400(await tryCreate(h, p, LAYER_USER, { onCallDutyPolicyScheduleLayerId: layerIds[0], userId: randomUUID() }), 'data.userId');
    expect400(await tryCreate(h, p, LAYER_USER, { onCallDutyPolicyScheduleLayerId: layerIds[0], onCallDutyPolicyScheduleId: elsewhere, userId: p.userId }), 'data.onCallDutyPolicyScheduleId');
  });

  test('overrides: end before start, non-members, the same person twice', async () => {
    const p = await h.project();
    const other = await h.project();
    const bob = await member(h, p, 'Bob');
    const base = { overrideUserId: p.userId, routeAlertsToUserId: bob, startsAt: '2026-01-06T08:00:00Z', endsAt: '2026-01-07T08:00:00Z' };
    expect400(await tryCreate(h, p, OVERRIDE, { ...base, endsAt: '2026-01-06T07:00:00Z' }), 'data.endsAt');
    expect400(await tryCreate(h, p, OVERRIDE, { ...base, endsAt: base.startsAt }), 'data.endsAt');
    expect400(await tryCreate(h, p, OVERRIDE, { ...base, routeAlertsToUserId: other.userId }), 'data.routeAlertsToUserId');
    expect400(await tryCreate(h, p, OVERRIDE, { ...base, overrideUserId: randomUUID() }), 'data.overrideUserId');
    expect400(await tryCreate(h, p, OVERRIDE, { ...base, routeAlertsToUserId: p.userId }), 'data.routeAlertsToUserId');
    expect400(await tryCreate(h, p, OVERRIDE, { ...base, onCallDutyPolicyId: 'policy-1' }), 'data.onCallDutyPolicyId');
    const ok = await create(h, p, OVERRIDE, base);
    const put = await h.call('PUT', `/api/${OVERRIDE}/${ok._id}`, { key: p.apiKey, body: { data: { startsAt: '2026-01-08T00:00:00Z' } } });
    expect400(put, 'data.endsAt');
    assert.equal((await h.call('POST', `/api/${OVERRIDE}/count`, { key: p.apiKey })).body.count, 1);
  });

  test('temporary schedules: window, shifts inside it, no overlaps, members only', async () => {
    const p = await h.project();
    const scheduleId = (await create(h, p, SCHEDULE, { name: 'X', timezone: 'UTC' }))._id;
    const base = { scheduleId, startsAt: '2026-02-01T00:00:00Z', endsAt: '2026-02-03T00:00:00Z' };
    const shift = (startsAt: string, endsAt: string, userId = p.userId) => ({ userId, startsAt, endsAt });
    expect400(await tryCreate(h, p, TEMPORARY, { ...base, endsAt: '2026-01-31T00:00:00Z', shifts: [] }), 'data.endsAt');
    expect400(await tryCreate(h, p, TEMPORARY, { ...base, shifts: {} }), 'data.shifts');
    expect400(await tryCreate(h, p, TEMPORARY, { ...base, shifts: [shift('2026-01-31T00:00:00Z', '2026-02-01T12:00:00Z')] }), 'data.shifts[0]');
    expect400(await tryCreate(h, p, TEMPORARY, { ...base, shifts: [shift('2026-02-01T12:00:00Z', '2026-02-01T06:00:00Z')] }), 'data.shifts[0].endsAt');
    expect400(await tryCreate(h, p, TEMPORARY, { ...base, shifts: [shift('2026-02-01T00:00:00Z', '2026-02-01T12:00:00Z', randomUUID())] }), 'data.shifts[0].userId');
    expect400(await tryCreate(h, p, TEMPORARY, { ...base, shifts: [shift('2026-02-01T00:00:00Z', 'soon')] }), 'data.shifts[0].endsAt');
    expect400(
      await tryCreate(h, p, TEMPORARY, { ...base, shifts: [shift('2026-02-01T00:00:00Z', '2026-02-02T00:00:00Z'), shift('2026-02-01T12:00:00Z', '2026-02-02T12:00:00Z')] }),
      'data.shifts',
    );
    const ok = await create(h, p, TEMPORARY, { ...base, shifts: [shift('2026-02-01T00:00:00Z', '2026-02-02T00:00:00Z')] });
    expect400(await tryCreate(h, p, TEMPORARY, { ...base, startsAt: '2026-02-02T00:00:00Z', endsAt: '2026-02-04T00:00:00Z', shifts: [] }), 'data.startsAt');
    const shrink = await h.call('PUT', `/api/${TEMPORARY}/${ok._id}`, { key: p.apiKey, body: { data: { endsAt: '2026-02-01T12:00:00Z' } } });
    expect400(shrink, 'data.shifts[0]');
  });

  test('shift and on-call queries name the bad parameter', async () => {
    const p = await h.project();
    const scheduleId = (await create(h, p, SCHEDULE, { name: 'X', timezone: 'UTC' }))._id;
    const url = (q: string) => `/api/${SCHEDULE}/${scheduleId}/shifts?${q}`;
    expect400(await h.call('GET', url('from=tomorrow'), { key: p.apiKey }), 'from');
    expect400(await h.call('GET', url('from=2026-01-05T00:00:00Z&to=2026-13-40'), { key: p.apiKey }), 'to');
    expect400(await h.call('GET', url('from=2026-01-05T00:00:00Z&to=2026-01-04T00:00:00Z'), { key: p.apiKey }), 'to');
    expect400(await h.call('GET', url('from=2026-01-05T00:00:00Z&to=2026-01-05T00:00:00Z'), { key: p.apiKey }), 'to');
    expect400(await h.call('GET', url('from=2026-01-01T00:00:00Z&to=2027-01-03T00:00:00Z'), { key: p.apiKey }), 'to');
    expect400(await h.call('GET', url('policyId=nope'), { key: p.apiKey }), 'policyId');
    assert.equal((await h.call('GET', url('from=2026-01-01T00:00:00Z&to=2027-01-01T00:00:00Z'), { key: p.apiKey })).status, 200, 'a year is allowed');
    expect400(await h.call('GET', `/api/${SCHEDULE}/${scheduleId}/on-call?at=noon`, { key: p.apiKey }), 'at');
    expect400(await h.call('GET', `/api/user/${p.userId}/shifts?to=2020-01-01T00:00:00Z`, { key: p.apiKey }), 'to');
    expect400(await h.call('GET', `/api/${SCHEDULE}/not-a-uuid/shifts`, { key: p.apiKey }), 'id');
  });
});

describe('a weekly rotation of three people with an override', () => {
  // Europe/Berlin is UTC+1 in January: hand-off Mondays 09:00 local = 08:00Z.
  async function setUp() {
    const p = await h.project();
    const [ann, ben, cat, dan] = [await member(h, p, 'Ann'), await member(h, p, 'Ben'), await member(h, p, 'Cat'), await member(h, p, 'Dan')];
    const { scheduleId, layerIds } = await makeSchedule(h, p, {
      timezone: 'Europe/Berlin',
      layers: [{ startsAt: '2026-01-05T08:00:00.000Z', rotation: rotation('Week', 1), userIds: [ann!, ben!, cat!] }],
    });
    const override = await create(h, p, OVERRIDE, { overrideUserId: ben, routeAlertsToUserId: dan, startsAt: '2026-01-14T08:00:00.000Z', endsAt: '2026-01-15T08:00:00.000Z' });
    return { p, ann: ann!, ben: ben!, cat: cat!, dan: dan!, scheduleId, layerId: layerIds[0]!, overrideId: override._id as string };
  }

  test('final shifts, with their origins and the gap before the layer starts', async () => {
    const { p, ann, ben, cat, dan, scheduleId, layerId, overrideId } = await setUp();
    const body = await get(h, p, `/api/${SCHEDULE}/${scheduleId}/shifts?from=2026-01-05T00:00:00Z&to=2026-01-26T08:00:00Z`);
    assert.equal(body.timezone, 'Europe/Berlin');
    assert.equal(body.from, '2026-01-05T00:00:00.000Z');
    assert.deepEqual(compact(body.shifts), [
      [null, '2026-01-05T00:00:00.000Z', '2026-01-05T08:00:00.000Z', 'gap'],
      [ann, '2026-01-05T08:00:00.000Z', '2026-01-12T08:00:00.000Z', 'layer'],
      [ben, '2026-01-12T08:00:00.000Z', '2026-01-14T08:00:00.000Z', 'layer'],
      [dan, '2026-01-14T08:00:00.000Z', '2026-01-15T08:00:00.000Z', 'override'],
      [ben, '2026-01-15T08:00:00.000Z', '2026-01-19T08:00:00.000Z', 'layer'],
      [cat, '2026-01-19T08:00:00.000Z', '2026-01-26T08:00:00.000Z', 'layer'],
    ]);
    assert.deepEqual(body.shifts[1].origin, { kind: 'layer', layerId });
    assert.deepEqual(body.shifts[3].origin, { kind: 'override', overrideId, replacedUserId: ben, layerId });
    // A policy's own overrides apply only when that policy asks.
    const policyId = (await create(h, p, 'on-call-duty-policy', { name: 'Primary' }))._id as string;
    await create(h, p, OVERRIDE, { overrideUserId: cat, routeAlertsToUserId: ann, startsAt: '2026-01-20T08:00:00.000Z', endsAt: '2026-01-21T08:00:00.000Z', onCallDutyPolicyId: policyId });
    const plain = await get(h, p, `/api/${SCHEDULE}/${scheduleId}/shifts?from=2026-01-20T00:00:00Z&to=2026-01-22T00:00:00Z`);
    assert.deepEqual(plain.shifts.map((s: Row) => s.userId), [cat]);
    const forPolicy = await get(h, p, `/api/${SCHEDULE}/${scheduleId}/shifts?from=2026-01-20T00:00:00Z&to=2026-01-22T00:00:00Z&policyId=${policyId}`);
    assert.deepEqual(forPolicy.shifts.map((s: Row) => s.userId), [cat, ann, cat]);
  });

  test('who is on call, and until when', async () => {
    const { p, ann, ben, dan, scheduleId, overrideId } = await setUp();
    const at = (iso: string) => get(h, p, `/api/${SCHEDULE}/${scheduleId}/on-call?at=${iso}`);
    assert.deepEqual(await at('2026-01-05T07:59:59Z'), {
      scheduleId, timezone: 'Europe/Berlin', at: '2026-01-05T07:59:59.000Z', userId: null, until: '2026-01-05T08:00:00.000Z', origin: { kind: 'gap' },
    });
    const a = await at('2026-01-10T12:00:00Z');
    assert.deepEqual([a.userId, a.until], [ann, '2026-01-12T08:00:00.000Z']);
    const d = await at('2026-01-14T12:00:00Z');
    assert.deepEqual([d.userId, d.until, d.origin.kind, d.origin.overrideId], [dan, '2026-01-15T08:00:00.000Z', 'override', overrideId]);
    const b = await at('2026-01-15T08:00:00Z');
    assert.deepEqual([b.userId, b.until], [ben, '2026-01-19T08:00:00.000Z'], 'a hand-off instant belongs to the next shift');
    // Without `at`: the clock's now (2026-01-05T09:00Z).
    assert.equal((await get(h, p, `/api/${SCHEDULE}/${scheduleId}/on-call`)).userId, ann);
  });

  test('a user who leaves the project drops out of the rotation and their overrides are withdrawn', async () => {
    const { p, ann, ben, cat, scheduleId } = await setUp();
    const del = await h.call('DELETE', `/api/user/${ben}`, { key: p.apiKey });
    assert.equal(del.status, 200, JSON.stringify(del.body));
    const body = await get(h, p, `/api/${SCHEDULE}/${scheduleId}/shifts?from=2026-01-05T08:00:00Z&to=2026-01-26T08:00:00Z`);
    assert.deepEqual(compact(body.shifts), [
      [ann, '2026-01-05T08:00:00.000Z', '2026-01-12T08:00:00.000Z', 'layer'],
      [cat, '2026-01-12T08:00:00.000Z', '2026-01-19T08:00:00.000Z', 'layer'],
      [ann, '2026-01-19T08:00:00.000Z', '2026-01-26T08:00:00.000Z', 'layer'],
    ]);
    const overrides = await h.call('POST', `/api/${OVERRIDE}/count`, { key: p.apiKey, body: { query: {} } });
    assert.equal(overrides.body.count, 0);
  });

  test("a user's shifts across the project's schedules", async () => {
    const { p, ben, dan, scheduleId } = await setUp();
    const second = await makeSchedule(h, p, {
      name: 'Secondary',
      timezone: 'UTC',
      layers: [{ startsAt: '2026-01-13T00:00:00Z', rotation: rotation('Day', 1), userIds: [ben, dan] }],
    });
    const body = await get(h, p, `/api/user/${ben}/shifts?from=2026-01-12T00:00:00Z&to=2026-01-16T00:00:00Z`);
    assert.equal(body.userId, ben);
    // The override (global: every schedule of the project) gives Ben's time to Dan until Jan 15 08:00Z in both.
    assert.deepEqual(
      body.shifts.map((s: Row) => [s.scheduleName, s.startsAt, s.endsAt]),
      [
        ['Primary', '2026-01-12T08:00:00.000Z', '2026-01-14T08:00:00.000Z'],
        ['Secondary', '2026-01-13T00:00:00.000Z', '2026-01-14T00:00:00.000Z'],
        ['Primary', '2026-01-15T08:00:00.000Z', '2026-01-16T00:00:00.000Z'],
        ['Secondary', '2026-01-15T08:00:00.000Z', '2026-01-16T00:00:00.000Z'],
      ],
    );
    assert.ok(body.shifts.every((s: Row) => s.userId === ben));
    assert.deepEqual(new Set(body.shifts.map((s: Row) => s.scheduleId)), new Set([scheduleId, second.scheduleId]));
    // Dan's override of Ben shows as Dan's shift.
    const danShifts = await get(h, p, `/api/user/${dan}/shifts?from=2026-01-14T00:00:00Z&to=2026-01-15T00:00:00Z`);
    assert.deepEqual(
      danShifts.shifts.map((s: Row) => [s.scheduleName, s.startsAt, s.endsAt, s.origin.kind]),
      [
        ['Secondary', '2026-01-14T00:00:00.000Z', '2026-01-15T00:00:00.000Z', 'layer'],
        ['Primary', '2026-01-14T08:00:00.000Z', '2026-01-15T00:00:00.000Z', 'override'],
      ],
    );
  });

  test('a temporary schedule replaces the layers, leaving explicit gaps', async () => {
    const { p, cat, scheduleId } = await setUp();
    const temp = await create(h, p, TEMPORARY, {
      scheduleId,
      startsAt: '2026-01-06T00:00:00Z',
      endsAt: '2026-01-07T00:00:00Z',
      shifts: [{ userId: cat, startsAt: '2026-01-06T06:00:00Z', endsAt: '2026-01-06T18:00:00Z' }],
    });
    const body = await get(h, p, `/api/${SCHEDULE}/${scheduleId}/shifts?from=2026-01-06T00:00:00Z&to=2026-01-07T00:00:00Z`);
    assert.deepEqual(compact(body.shifts), [
      [null, '2026-01-06T00:00:00.000Z', '2026-01-06T06:00:00.000Z', 'gap'],
      [cat, '2026-01-06T06:00:00.000Z', '2026-01-06T18:00:00.000Z', 'temporary'],
      [null, '2026-01-06T18:00:00.000Z', '2026-01-07T00:00:00.000Z', 'gap'],
    ]);
    assert.deepEqual(body.shifts[1].origin, { kind: 'temporary', temporaryScheduleId: temp._id });
  });

  test('current-on-duty-escalation-policies lists the schedules the key\'s user is on call in', async () => {
    const p = await h.project();
    const bob = await member(h, p, 'Bob');
    const onCall = await makeSchedule(h, p, { name: 'Mine', timezone: 'UTC', layers: [{ startsAt: '2026-01-05T00:00:00Z', rotation: rotation('Day', 1), userIds: [p.userId, bob] }] });
    await makeSchedule(h, p, { name: 'Not mine', timezone: 'UTC', layers: [{ startsAt: '2026-01-05T00:00:00Z', rotation: rotation('Day', 1), userIds: [bob, p.userId] }] });
    const body = await get(h, p, '/api/on-call-duty-policy/current-on-duty-escalation-policies');
    assert.deepEqual(body.escalationRulesByUser, []);
    assert.deepEqual(body.escalationRulesByTeam, []);
    assert.deepEqual(body.escalationRulesBySchedule, []);
    assert.deepEqual(
      body.onCallSchedules.map((s: Row) => [s._id, s.name, s.onCallUntil, s.origin.kind]),
      [[onCall.scheduleId, 'Mine', '2026-01-06T00:00:00.000Z', 'layer']],
    );
  });
});

describe('the schedule views are tenant-scoped and need the API key and read permission', () => {
  test("another project's schedule or user is a 404; no key is a 401; no read permission is a 403", async () => {
    const a = await h.project();
    const b = await h.project();
    const { scheduleId } = await makeSchedule(h, b, { timezone: 'UTC', layers: [{ startsAt: '2026-01-05T00:00:00Z', rotation: rotation('Day', 1), userIds: [b.userId] }] });
    const urls = [`/api/${SCHEDULE}/${scheduleId}/shifts`, `/api/${SCHEDULE}/${scheduleId}/on-call`, `/api/user/${b.userId}/shifts`];
    for (const url of urls) {
      assert.equal((await h.call('GET', url, { key: b.apiKey })).status, 200, `B sees ${url}`);
      const res = await h.call('GET', url, { key: a.apiKey });
      assert.equal(res.status, 404, `${url}: ${JSON.stringify(res.body)}`);
      assert.equal((await h.call('GET', url.replace(scheduleId, scheduleId.toUpperCase()), { key: a.apiKey })).status, 404);
      assert.equal((await h.call('GET', url)).status, 401);
    }
    // B's shifts never show in A's views.
    const mine = await get(h, a, `/api/user/${a.userId}/shifts`);
    assert.deepEqual(mine.shifts, []);
    assert.deepEqual((await get(h, a, '/api/on-call-duty-policy/current-on-duty-escalation-policies')).onCallSchedules, []);

    const narrow = await create(h, b, 'api-key', { name: 'labels only', permissions: ['Read Label'] });
    for (const url of [...urls, '/api/on-call-duty-policy/current-on-duty-escalation-policies']) {
      const res = await h.call('GET', url, { key: narrow.apiKey });
      assert.equal(res.status, 403, `${url}: ${JSON.stringify(res.body)}`);
      assert.match(res.body.error, /Read On-Call Duty Policy Schedule/);
    }
    const reader = await create(h, b, 'api-key', { name: 'schedules', permissions: ['Read On-Call Duty Policy Schedule'] });
    assert.equal((await h.call('GET', urls[0]!, { key: reader.apiKey })).status, 200);
  });
});

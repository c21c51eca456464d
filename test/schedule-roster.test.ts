// The roster refresher: the cache on the schedule, the time log and the hand-off and
// upcoming-shift events, driven by the fake clock; idempotent; missed hand-offs are caught up.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { CreatedProject } from '../src/access/projects.ts';
import { refreshRosters } from '../src/on-call/refresh-rosters.ts';
import { startRosterRefresher } from '../src/on-call/roster-refresher.ts';
import { startHarness, type Harness } from './support/harness.ts';
import { create, get, makeSchedule, member, rotation, type Row } from './support/schedules.ts';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(async () => {
  await h?.close();
});

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const iso = (ms: number) => new Date(ms).toISOString();

/** UTC midnight at or before the clock's now. */
function midnight(): number {
  const now = h.clock.now().getTime();
  return now - (now % DAY);
}

async function refresh() {
  const result = await refreshRosters(h.database.db, h.clock);
  assert.deepEqual(result.failed, []);
  return result;
}

async function events(p: CreatedProject, scheduleId: string): Promise<Row[]> {
  const res = await h.call('POST', '/api/domain-event/get-list?limit=1000', { key: p.apiKey, body: { query: { subjectId: scheduleId }, sort: { seq: 1 } } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.data;
}

async function timeLog(p: CreatedProject, scheduleId: string): Promise<[string, string, string | null][]> {
  const res = await h.call('POST', '/api/on-call-duty-policy-time-log/get-list?limit=1000', {
    key: p.apiKey,
    body: { query: { onCallDutyPolicyScheduleId: scheduleId }, sort: { startsAt: 1 } },
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.data.map((r: Row) => [r.userId, r.startsAt, r.endsAt]);
}

function roster(s: Row) {
  return [s.currentUserIdOnRoster, s.rosterStartAt, s.rosterHandoffAt, s.nextUserIdOnRoster, s.rosterNextStartAt, s.rosterNextHandoffAt];
}

function changes(evs: Row[]) {
  return evs.filter((e) => e.eventType === 'schedule.oncall_person_changed').map((e) => [e.payload.fromUserId, e.payload.toUserId, e.payload.at]);
}

function notices(evs: Row[]) {
  return evs.filter((e) => e.eventType === 'schedule.oncall_starts_in_n_days').map((e) => [e.payload.userId, e.payload.startsAt]);
}

describe('roster refresh', () => {
  test('cache, time log and events across hand-offs, idempotent, catching up missed hand-offs', async () => {
    const p = await h.project();
    const [ann, ben, cat] = [await member(h, p, 'Ann'), await member(h, p, 'Ben'), await member(h, p, 'Cat')];
    const m = midnight();
    const { scheduleId } = await makeSchedule(h, p, { timezone: 'UTC', layers: [{ startsAt: iso(m), rotation: rotation('Day', 1), userIds: [ann!, ben!, cat!] }] });
    const url = `/api/on-call-duty-policy-schedule/${scheduleId}/get-item`;
    assert.deepEqual(roster(await get(h, p, url)), [null, null, null, null, null, null], 'empty before the first refresh');

    await refresh();
    assert.deepEqual(roster(await get(h, p, url)), [ann, iso(m), iso(m + DAY), ben, iso(m + DAY), iso(m + 2 * DAY)]);
    let evs = await events(p, scheduleId);
    assert.deepEqual(changes(evs), [[null, ann, iso(m)]]);
    assert.deepEqual(notices(evs), [[ben, iso(m + DAY)]]);
    assert.ok(evs.every((e) => e.subjectType === 'schedule' && e.payload.scheduleId === scheduleId && e.payload.scheduleName === 'Primary'));
    assert.deepEqual(await timeLog(p, scheduleId), [[ann, iso(m), null]]);

    // Twice at the same instant: nothing new anywhere.
    const again = await refresh();
    assert.equal(again.handoffs, 0);
    assert.equal(again.notices, 0);
    assert.equal((await events(p, scheduleId)).length, evs.length);
    assert.equal((await timeLog(p, scheduleId)).length, 1);

    // The hand-off to Ben, at its instant.
    h.clock.set(new Date(m + DAY));
    await refresh();
    assert.deepEqual(roster(await get(h, p, url)), [ben, iso(m + DAY), iso(m + 2 * DAY), cat, iso(m + 2 * DAY), iso(m + 3 * DAY)]);
    evs = await events(p, scheduleId);
    assert.deepEqual(changes(evs), [[null, ann, iso(m)], [ann, ben, iso(m + DAY)]]);
    assert.deepEqual(notices(evs), [[ben, iso(m + DAY)], [cat, iso(m + 2 * DAY)]]);
    assert.deepEqual(await timeLog(p, scheduleId), [[ann, iso(m), iso(m + DAY)], [ben, iso(m + DAY), null]]);
    const changed = evs.find((e) => e.eventType === 'schedule.oncall_person_changed' && e.payload.toUserId === ben)!;
    assert.equal(changed.payload.until, iso(m + 2 * DAY));

    // Two and a half days without a refresh: both missed hand-offs are logged on the next one.
    h.clock.set(new Date(m + 3.5 * DAY));
    const caughtUp = await refresh();
    assert.ok(caughtUp.handoffs >= 2);
    evs = await events(p, scheduleId);
    assert.deepEqual(changes(evs).slice(2), [[ben, cat, iso(m + 2 * DAY)], [cat, ann, iso(m + 3 * DAY)]]);
    assert.deepEqual(notices(evs).slice(2), [[ben, iso(m + 4 * DAY)]], 'past shifts are not announced; the next one is');
    assert.deepEqual(await timeLog(p, scheduleId), [
      [ann, iso(m), iso(m + DAY)],
      [ben, iso(m + DAY), iso(m + 2 * DAY)],
      [cat, iso(m + 2 * DAY), iso(m + 3 * DAY)],
      [ann, iso(m + 3 * DAY), null],
    ]);
    assert.deepEqual(roster(await get(h, p, url)).slice(0, 4), [ann, iso(m + 3 * DAY), iso(m + 4 * DAY), ben]);
  });

  test('an override hands off to its user and back; a gap hands off to nobody', async () => {
    const p = await h.project();
    const [ann, dan] = [await member(h, p, 'Ann'), await member(h, p, 'Dan')];
    const m = midnight();
    const now = h.clock.now().getTime();
    const nightsOff = {
      _type: 'RestrictionTimes',
      value: { restictionType: 'Daily', dayRestrictionTimes: { startTime: '00:00', endTime: '23:00' }, weeklyRestrictionTimes: [] },
    };
    const { scheduleId } = await makeSchedule(h, p, {
      timezone: 'UTC',
      layers: [{ startsAt: iso(m - 7 * DAY), rotation: rotation('Week', 1), restrictionTimes: nightsOff, userIds: [ann!] }],
    });
    await create(h, p, 'on-call-duty-policy-user-override', { overrideUserId: ann, routeAlertsToUserId: dan, startsAt: iso(now + HOUR), endsAt: iso(now + 2 * HOUR) });
    assert.ok(now % DAY < 20 * HOUR, 'the override lies inside the allowed hours of today');
    await refresh();
    const url = `/api/on-call-duty-policy-schedule/${scheduleId}/get-item`;
    const first = await get(h, p, url);
    assert.deepEqual([first.currentUserIdOnRoster, first.rosterStartAt, first.rosterHandoffAt, first.nextUserIdOnRoster], [ann, iso(m), iso(now + HOUR), dan]);
    h.clock.set(new Date(now + HOUR));
    await refresh();
    h.clock.set(new Date(now + 2 * HOUR));
    await refresh();
    h.clock.set(new Date(m + DAY + 23.5 * HOUR));
    await refresh();
    assert.deepEqual(changes(await events(p, scheduleId)), [
      [null, ann, iso(m)],
      [ann, dan, iso(now + HOUR)],
      [dan, ann, iso(now + 2 * HOUR)],
      // The restriction leaves a gap from 23:00 to midnight: nobody is on call.
      [ann, null, iso(m + 23 * HOUR)],
      [null, ann, iso(m + DAY)],
      [ann, null, iso(m + DAY + 23 * HOUR)],
    ]);
    assert.deepEqual(await timeLog(p, scheduleId), [
      [ann, iso(m), iso(now + HOUR)],
      [dan, iso(now + HOUR), iso(now + 2 * HOUR)],
      [ann, iso(now + 2 * HOUR), iso(m + 23 * HOUR)],
      [ann, iso(m + DAY), iso(m + DAY + 23 * HOUR)],
    ]);
    const cache = await get(h, p, url);
    assert.deepEqual([cache.currentUserIdOnRoster, cache.rosterHandoffAt, cache.nextUserIdOnRoster], [null, iso(m + 2 * DAY), ann]);
  });

  test('the runner refreshes at once and stops cleanly', async () => {
    const p = await h.project();
    const m = midnight();
    const { scheduleId } = await makeSchedule(h, p, { timezone: 'UTC', layers: [{ startsAt: iso(m), rotation: rotation('Day', 1), userIds: [p.userId] }] });
    const errors: unknown[] = [];
    let ran!: () => void;
    const once = new Promise<void>((resolve) => (ran = resolve));
    const runner = startRosterRefresher(h.database.db, h.clock, { error: (obj) => errors.push(obj) }, { maxSleepMs: 5, onRefresh: () => ran() });
    await once;
    await runner.stop();
    await runner.stop();
    assert.deepEqual(errors, []);
    assert.equal((await get(h, p, `/api/on-call-duty-policy-schedule/${scheduleId}/get-item`)).currentUserIdOnRoster, p.userId);
  });
});

// iCal subscription feeds: a token made over the API opens a feed of a schedule's or a user's
// shifts that a standard parser (ical.js) reads back; only the token's digest is stored;
// deleting the token revokes the feed.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import ICAL from 'ical.js';
import { sql } from 'kysely';
import type { CreatedProject } from '../src/access/projects.ts';
import { startHarness, type Harness } from './support/harness.ts';
import { create, makeSchedule, member, rotation } from './support/schedules.ts';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(async () => {
  await h?.close();
});

interface ParsedEvent {
  readonly uid: string;
  readonly summary: string;
  readonly start: string;
  readonly end: string;
  readonly scheduleId: string;
  readonly userId: string;
}

/** Fetches a feed and reads it with ical.js. */
async function readFeed(path: string): Promise<{ name: string; events: ParsedEvent[] }> {
  const res = await h.app.http.inject({ method: 'GET', url: path });
  assert.equal(res.statusCode, 200, res.body);
  assert.match(String(res.headers['content-type']), /^text\/calendar/);
  const cal = new ICAL.Component(ICAL.parse(res.body));
  const events = cal.getAllSubcomponents('vevent').map((c) => {
    const e = new ICAL.Event(c);
    return {
      uid: e.uid,
      summary: e.summary,
      start: e.startDate.toJSDate().toISOString(),
      end: e.endDate.toJSDate().toISOString(),
      scheduleId: String(c.getFirstPropertyValue('x-vigil-schedule-id')),
      userId: String(c.getFirstPropertyValue('x-vigil-user-id')),
    };
  });
  return { name: String(cal.getFirstPropertyValue('x-wr-calname')), events };
}

async function feedToken(p: CreatedProject, data: Record<string, unknown>): Promise<{ id: string; token: string; path: string }> {
  const body = await create(h, p, 'calendar-feed-token', data);
  assert.match(body.feedToken, /^vcal_[A-Za-z0-9_-]{43}$/);
  assert.equal(body.feedPath, `/api/calendar/${body.feedToken}.ics`);
  assert.equal(body.tokenPrefix, body.feedToken.slice(0, 11));
  return { id: body._id, token: body.feedToken, path: body.feedPath };
}

async function twoPersonSchedule(p: CreatedProject, name: string, userIds: string[], interval = 'Week') {
  return makeSchedule(h, p, { name, timezone: 'UTC', layers: [{ startsAt: '2026-01-05T08:00:00Z', rotation: rotation(interval, 1), userIds }] });
}

describe('iCal feeds', () => {
  test("a schedule's feed: one event per shift from 30 days back to 90 ahead, naming the person and the schedule", async () => {
    const p = await h.project();
    const ann = await member(h, p, 'Ann');
    const ben = await member(h, p, 'Ben');
    const { scheduleId } = await twoPersonSchedule(p, 'Primary', [ann, ben]);
    const feed = await feedToken(p, { onCallDutyPolicyScheduleId: scheduleId });
    const read = await readFeed(feed.path);

    assert.equal(read.name, 'On call: Primary');
    // Clock: 2026-01-05T09:00Z; the window ends 90 days later, 2026-04-05T09:00Z. Weekly hand-offs at Mondays 08:00Z.
    assert.equal(read.events.length, 13);
    assert.deepEqual(read.events[0], {
      uid: read.events[0]!.uid,
      summary: 'On call: Ann (Primary)',
      start: '2026-01-05T08:00:00.000Z',
      end: '2026-01-12T08:00:00.000Z',
      scheduleId,
      userId: ann,
    });
    assert.deepEqual(
      read.events.slice(1, 3).map((e) => [e.summary, e.start, e.end]),
      [
        ['On call: Ben (Primary)', '2026-01-12T08:00:00.000Z', '2026-01-19T08:00:00.000Z'],
        ['On call: Ann (Primary)', '2026-01-19T08:00:00.000Z', '2026-01-26T08:00:00.000Z'],
      ],
    );
    assert.equal(read.events.at(-1)!.end, '2026-04-05T09:00:00.000Z', 'the last shift is cut at the window');
    assert.equal(new Set(read.events.map((e) => e.uid)).size, 13, 'event ids are unique');
    assert.ok(read.events.every((e) => e.scheduleId === scheduleId && (e.userId === ann || e.userId === ben)));

    // UIDs are stable: a later fetch keeps the same ids for the same shifts.
    h.clock.advance(60_000);
    const again = await readFeed(feed.path);
    assert.equal(again.events[0]!.uid, read.events[0]!.uid);
  });

  test("a user's feed: their shifts across the project's schedules", async () => {
    const p = await h.project();
    const ann = await member(h, p, 'Ann');
    const ben = await member(h, p, 'Ben');
    const primary = await twoPersonSchedule(p, 'Primary', [ann, ben]);
    const secondary = await twoPersonSchedule(p, 'Secondary', [ben, ann]);
    const feed = await feedToken(p, { userId: ben, name: "Ben's shifts" });
    const read = await readFeed(feed.path);
    assert.equal(read.name, "Ben's shifts");
    assert.ok(read.events.length >= 13);
    assert.ok(read.events.every((e) => e.userId === ben && e.summary.startsWith('On call: Ben (')));
    assert.deepEqual(
      read.events.slice(0, 2).map((e) => [e.summary, e.scheduleId, e.start]),
      [
        ['On call: Ben (Secondary)', secondary.scheduleId, '2026-01-05T08:00:00.000Z'],
        ['On call: Ben (Primary)', primary.scheduleId, '2026-01-12T08:00:00.000Z'],
      ],
    );
  });

  test('only a digest is stored; deleting the token revokes the feed; unknown tokens are 404', async () => {
    const p = await h.project();
    const { scheduleId } = await twoPersonSchedule(p, 'Primary', [p.userId]);
    const feed = await feedToken(p, { onCallDutyPolicyScheduleId: scheduleId });
    const rows = await sql<Record<string, unknown>>`select * from calendar_feed_token where id = ${feed.id}`.execute(h.database.db);
    const stored = JSON.stringify(rows.rows);
    assert.ok(!stored.includes(feed.token), 'the token itself is not stored');
    assert.ok(!stored.includes(feed.token.slice(12)), 'nor its secret part');

    const item = await h.call('GET', `/api/calendar-feed-token/${feed.id}/get-item`, { key: p.apiKey });
    assert.equal(item.status, 200);
    assert.equal(item.body.feedToken, undefined, 'the token is shown only on create');
    assert.ok(!JSON.stringify(item.body).includes(feed.token));

    assert.equal((await h.app.http.inject({ method: 'GET', url: feed.path })).statusCode, 200);
    assert.equal((await h.call('DELETE', `/api/calendar-feed-token/${feed.id}`, { key: p.apiKey })).status, 200);
    const revoked = await h.app.http.inject({ method: 'GET', url: feed.path });
    assert.equal(revoked.statusCode, 404);
    assert.ok(!revoked.body.includes(feed.token), 'the answer does not echo the token');

    const other = 'vcal_' + 'A'.repeat(43);
    for (const url of [`/api/calendar/${other}.ics`, '/api/calendar/nonsense.ics', `/api/calendar/${feed.token}`, `/api/calendar/${feed.token}.ics/more`]) {
      assert.equal((await h.app.http.inject({ method: 'GET', url })).statusCode, 404, url);
    }
  });

  test('a token names exactly one of a schedule and a user, both in the project', async () => {
    const p = await h.project();
    const other = await h.project();
    const { scheduleId } = await twoPersonSchedule(p, 'Primary', [p.userId]);
    for (const data of [{}, { onCallDutyPolicyScheduleId: scheduleId, userId: p.userId }]) {
      const res = await h.call('POST', '/api/calendar-feed-token', { key: p.apiKey, body: { data } });
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.match(res.body.error, /^data\.onCallDutyPolicyScheduleId: give exactly one/);
    }
    const res = await h.call('POST', '/api/calendar-feed-token', { key: p.apiKey, body: { data: { userId: other.userId } } });
    assert.equal(res.status, 400);
    assert.match(res.body.error, /^data\.userId/);
  });

  test("a user's feed closes when they leave the project", async () => {
    const p = await h.project();
    const ann = await member(h, p, 'Ann');
    await twoPersonSchedule(p, 'Primary', [ann]);
    const feed = await feedToken(p, { userId: ann });
    await readFeed(feed.path);
    assert.equal((await h.call('DELETE', `/api/user/${ann}`, { key: p.apiKey })).status, 200);
    assert.equal((await h.app.http.inject({ method: 'GET', url: feed.path })).statusCode, 404);
  });
});

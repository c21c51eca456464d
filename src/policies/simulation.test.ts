// The pure simulation walk: rule timing, repeats, methods, skips, re-checks and the horizon,
// driven by a resolver that answers from a table instead of the database.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PERSONAL_NOTE, simulateEscalation, type SimulatedRule, type SimulationInput } from './simulation.ts';
import type { RuleTarget } from './targets.ts';

const MINUTE = 60_000;
const T0 = Date.parse('2026-03-02T10:00:00.000Z');
const iso = (minutes: number) => new Date(T0 + minutes * MINUTE).toISOString();

function rule(order: number, escalateAfterInMinutes: number, extra: Partial<SimulatedRule> = {}): SimulatedRule {
  return { id: `rule-${order}`, name: `Rule ${order}`, order, escalateAfterInMinutes, notificationMethods: null, ...extra };
}

function input(rules: SimulatedRule[], extra: Partial<SimulationInput> = {}): SimulationInput {
  return {
    from: new Date(T0),
    until: new Date(T0 + 1440 * MINUTE),
    rules,
    repeats: 0,
    recheck: { intervalMs: MINUTE, maxAttempts: 60 },
    maxRuleRuns: 500,
    ...extra,
  };
}

const person = (userId: string, extra: Partial<Extract<RuleTarget, { userId: string }>> = {}): RuleTarget => ({
  kind: 'notify',
  userId,
  teamId: null,
  scheduleId: null,
  overriddenUserId: null,
  ...extra,
});

/** A resolver that records its calls and answers `fn(ruleId, minutesFromT0)`. */
function resolver(fn: (ruleId: string, minute: number) => RuleTarget[]) {
  const calls: [string, number][] = [];
  const resolve = async (r: SimulatedRule, at: Date) => {
    const minute = (at.getTime() - T0) / MINUTE;
    calls.push([r.id, minute]);
    return fn(r.id, minute);
  };
  return { calls, resolve };
}

test('rules run in order, each after the previous one\'s wait; each is resolved at its own instant', async () => {
  const { calls, resolve } = resolver((id, m) => [person(id === 'rule-1' ? 'ann' : m < 10 ? 'bob' : 'cat')]);
  const res = await simulateEscalation(input([rule(1, 5), rule(2, 10), rule(7, 15)]), resolve);
  assert.deepEqual(calls, [['rule-1', 0], ['rule-2', 5], ['rule-7', 15]]);
  assert.deepEqual(res.entries.map((e) => [e.kind, e.ruleOrder, e.at, e.kind === 'notify' ? e.userId : null]), [
    ['notify', 1, iso(0), 'ann'],
    ['notify', 2, iso(5), 'bob'],
    ['notify', 7, iso(15), 'cat'],
  ]);
  assert.equal(res.completesAt, iso(30));
  assert.equal(res.passes, 1);
  assert.equal(res.truncated, false);
  assert.deepEqual(res.ruleRuns, [
    { ruleId: 'rule-1', repeat: 1, at: iso(0) },
    { ruleId: 'rule-2', repeat: 1, at: iso(5) },
    { ruleId: 'rule-7', repeat: 1, at: iso(15) },
  ]);
});

test('repeats walk the rules again from the first; the pass number counts from 1', async () => {
  const { resolve } = resolver(() => [person('ann')]);
  const res = await simulateEscalation(input([rule(1, 5), rule(2, 3)], { repeats: 2 }), resolve);
  assert.deepEqual(res.entries.map((e) => [e.repeat, e.ruleOrder, e.at]), [
    [1, 1, iso(0)], [1, 2, iso(5)],
    [2, 1, iso(8)], [2, 2, iso(13)],
    [3, 1, iso(16)], [3, 2, iso(21)],
  ]);
  assert.equal(res.passes, 3);
  assert.equal(res.completesAt, iso(24));
});

test('a channel order gives each method its own time; without one the personal rules decide, with a note', async () => {
  const { resolve } = resolver((id) => [person(id === 'rule-1' ? 'ann' : 'bob')]);
  const methods = [{ method: 'sms', afterMinutes: 0 }, { method: 'call', afterMinutes: 2 }] as const;
  const res = await simulateEscalation(input([rule(1, 5, { notificationMethods: methods }), rule(2, 5)]), resolve);
  const [first, second] = res.entries;
  assert.deepEqual(first, {
    kind: 'notify', at: iso(0), ruleOrder: 1, ruleId: 'rule-1', ruleName: 'Rule 1', repeat: 1, userId: 'ann', via: { kind: 'user' },
    methods: [{ method: 'sms', at: iso(0) }, { method: 'call', at: iso(2) }],
  });
  assert.deepEqual(second, {
    kind: 'notify', at: iso(5), ruleOrder: 2, ruleId: 'rule-2', ruleName: 'Rule 2', repeat: 1, userId: 'bob', via: { kind: 'user' },
    methods: [{ method: 'personal', at: iso(5) }], note: PERSONAL_NOTE,
  });
});

test('teams, schedules and overrides show in `via`; duplicates, empty teams and gaps are skip entries', async () => {
  const { resolve } = resolver(() => [
    person('ann', { teamId: 'ops' }),
    { kind: 'duplicate', userId: 'ann', teamId: null, scheduleId: 'primary', overriddenUserId: null },
    { kind: 'empty-team', teamId: 'empty' },
    person('dan', { scheduleId: 'secondary', overriddenUserId: 'bob' }),
    { kind: 'schedule-gap', scheduleId: 'nights' },
    { kind: 'not-member', userId: 'gone', teamId: null, scheduleId: null, overriddenUserId: null },
  ]);
  const res = await simulateEscalation(input([rule(1, 5)], { scheduleLabel: (id) => `schedule "${id.toUpperCase()}"` }), resolve);
  const base = { at: iso(0), ruleOrder: 1, ruleId: 'rule-1', ruleName: 'Rule 1', repeat: 1 };
  assert.deepEqual(res.entries.map((e) => (e.kind === 'notify' ? { ...e, methods: undefined, note: undefined } : e)), [
    { kind: 'notify', ...base, userId: 'ann', via: { kind: 'team', teamId: 'ops' }, methods: undefined, note: undefined },
    { kind: 'skip', ...base, reason: 'duplicate', skipped: 'already paged by an earlier target of this rule', userId: 'ann', via: { kind: 'schedule', scheduleId: 'primary' } },
    { kind: 'skip', ...base, reason: 'empty-team', skipped: 'this team has no members', teamId: 'empty' },
    { kind: 'notify', ...base, userId: 'dan', via: { kind: 'schedule', scheduleId: 'secondary', overriddenUserId: 'bob' }, methods: undefined, note: undefined },
    { kind: 'skip', ...base, reason: 'schedule-gap', skipped: 'nobody on call in schedule "NIGHTS"', scheduleId: 'nights' },
    { kind: 'skip', ...base, reason: 'not-member', skipped: 'this user is not a member of the project', userId: 'gone', via: { kind: 'user' } },
  ]);
});

test('a rule that reaches nobody through a schedule gap is re-checked every interval; the first hit pages, marked with the attempt', async () => {
  const { calls, resolve } = resolver((id, m) => {
    if (id === 'rule-2') return [person('eve')];
    return m >= 3 ? [person('ann', { scheduleId: 's' })] : [{ kind: 'schedule-gap', scheduleId: 's' }];
  });
  const res = await simulateEscalation(input([rule(1, 10), rule(2, 5)]), resolve);
  assert.deepEqual(calls, [['rule-1', 0], ['rule-1', 1], ['rule-1', 2], ['rule-1', 3], ['rule-2', 10]]);
  assert.deepEqual(res.entries.map((e) => [e.kind, e.at, e.recheck, e.kind === 'skip' ? e.reason : e.userId]), [
    ['skip', iso(0), undefined, 'schedule-gap'],
    ['skip', iso(0), undefined, 'no-one-reached'],
    ['notify', iso(3), 3, 'ann'],
    ['notify', iso(10), undefined, 'eve'],
  ]);
  const reached = res.entries[1]!;
  assert.equal(reached.kind === 'skip' && reached.skipped,
    `no one reached by this rule yet: nobody on call in its schedule; re-checked every minute until the next step at ${iso(10)}`);
});

test('re-checks stop before the next step is due (and after the most attempts), ending with a skip entry', async () => {
  const gap = resolver(() => [{ kind: 'schedule-gap', scheduleId: 's' }]);
  const res = await simulateEscalation(input([rule(1, 3)]), gap.resolve);
  assert.deepEqual(gap.calls, [['rule-1', 0], ['rule-1', 1], ['rule-1', 2]]);
  assert.deepEqual(res.entries.map((e) => [e.at, e.recheck, e.kind === 'skip' ? e.skipped : '']), [
    [iso(0), undefined, 'nobody on call in schedule s'],
    [iso(0), undefined, `no one reached by this rule yet: nobody on call in its schedule; re-checked every minute until the next step at ${iso(3)}`],
    [iso(2), 2, 'no one reached by this rule: nobody was on call in its schedule at any of 2 re-check(s) before the next step'],
  ]);

  const capped = resolver(() => [{ kind: 'schedule-gap', scheduleId: 's' }]);
  await simulateEscalation(input([rule(1, 30)], { recheck: { intervalMs: MINUTE, maxAttempts: 4 } }), capped.resolve);
  assert.deepEqual(capped.calls.map(([, m]) => m), [0, 1, 2, 3, 4]);

  // A wait of one interval or less leaves no room for a re-check; a rule without a schedule gap is never re-checked.
  const short = resolver(() => [{ kind: 'schedule-gap', scheduleId: 's' }]);
  const shortRes = await simulateEscalation(input([rule(1, 1)]), short.resolve);
  assert.equal(short.calls.length, 1);
  assert.equal(shortRes.entries.at(-1)!.kind === 'skip' && (shortRes.entries.at(-1) as { skipped: string }).skipped,
    'no one reached by this rule: nobody on call in its schedule');
  const empty = resolver(() => [{ kind: 'empty-team', teamId: 't' }]);
  const emptyRes = await simulateEscalation(input([rule(1, 30)]), empty.resolve);
  assert.equal(empty.calls.length, 1);
  assert.equal((emptyRes.entries.at(-1) as { skipped: string }).skipped, 'no one reached by this rule: it has no users to page');
});

test('the horizon cuts the walk (inclusive), the run limit too; completesAt still covers the whole run', async () => {
  const { calls, resolve } = resolver(() => [person('ann')]);
  const res = await simulateEscalation(input([rule(1, 10), rule(2, 10)], { repeats: 5, until: new Date(T0 + 30 * MINUTE) }), resolve);
  assert.deepEqual(calls.map(([, m]) => m), [0, 10, 20, 30]);
  assert.equal(res.truncated, true);
  assert.equal(res.completesAt, iso(120));
  assert.equal(res.passes, 6);

  const limited = resolver(() => [person('ann')]);
  const lim = await simulateEscalation(input([rule(1, 0)], { repeats: 100, maxRuleRuns: 7 }), limited.resolve);
  assert.equal(lim.ruleRuns.length, 7);
  assert.equal(lim.truncated, true);
  assert.deepEqual(lim.entries.map((e) => [e.repeat, e.at]), [1, 2, 3, 4, 5, 6, 7].map((n) => [n, iso(0)]));
});

test('no rules: nothing to walk, the run would end at once', async () => {
  const { calls, resolve } = resolver(() => [person('ann')]);
  const res = await simulateEscalation(input([], { repeats: 3 }), resolve);
  assert.deepEqual([res.entries, res.passes, res.completesAt, res.truncated, calls], [[], 0, iso(0), false, []]);
});

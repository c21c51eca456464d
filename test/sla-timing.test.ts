import assert from 'node:assert/strict';
import { test } from 'node:test';
import { levelSchedule, nextLevel } from '../src/sla/level-timing.ts';
import { methodOf } from '../src/sla/media.ts';
import { normalizePolicy, recipientApplies, type LevelSettings, type ThresholdSettings } from '../src/sla/policy.ts';

const at = new Date('2026-01-05T09:00:00.000Z');
const S = 1000;

function lvl(timeAfter?: number): LevelSettings {
  return { Action: 'NOTIFY', Recipients: [], ...(timeAfter === undefined ? {} : { TimeAfter: timeAfter }) };
}

function offsets(settings: ThresholdSettings): Array<[string, number]> {
  return levelSchedule(settings, at).map((d) => [d.level, (d.at.getTime() - at.getTime()) / S]);
}

test('L0 fires at the breach; each later level its TimeAfter after the previous one; L0\'s TimeAfter is ignored', () => {
  assert.deepEqual(offsets({ L0: lvl(999), L1: lvl(300), L2: lvl(60), L3: lvl(0) }), [['L0', 0], ['L1', 300], ['L2', 360], ['L3', 360]]);
});

test('a missing level is skipped: TimeAfter counts from the previous level present, or from the breach', () => {
  assert.deepEqual(offsets({ L0: lvl(), L2: lvl(120) }), [['L0', 0], ['L2', 120]]);
  assert.deepEqual(offsets({ L1: lvl(300) }), [['L1', 300]]);
  assert.deepEqual(offsets({ L1: lvl(300), L3: lvl(100) }), [['L1', 300], ['L3', 400]]);
  assert.deepEqual(offsets({}), []);
});

test('the next level counts from when the previous one was due, not when it ran', () => {
  const due = new Date(at.getTime() + 300 * S);
  assert.equal(nextLevel({ L0: lvl(), L1: lvl(60) }, 'L0', due)?.at.getTime(), due.getTime() + 60 * S);
  assert.equal(nextLevel({ L0: lvl(), L1: lvl(60) }, 'L1', due), null);
});

test('media map case-insensitively to outbox methods; unknown media map to nothing', () => {
  assert.equal(methodOf('MATRIX_APP_NOTIFICATION'), 'in-app');
  assert.equal(methodOf('e-mail'), 'email');
  assert.equal(methodOf('Email'), 'email');
  assert.equal(methodOf('VOICE'), 'call');
  assert.equal(methodOf('microsoft_teams'), 'teams');
  assert.equal(methodOf('FAX'), null);
});

test('NotifyForIncidents: empty or "*" is every type; otherwise only the listed types (an untyped incident matches none)', () => {
  const r = { Entity: '$assignee', EntityMedium: 'SMS' };
  assert.equal(recipientApplies(r, null), true);
  assert.equal(recipientApplies({ ...r, NotifyForIncidents: ['*'] }, 'leak'), true);
  assert.equal(recipientApplies({ ...r, NotifyForIncidents: ['leak'] }, 'leak'), true);
  assert.equal(recipientApplies({ ...r, NotifyForIncidents: ['leak'] }, 'spill'), false);
  assert.equal(recipientApplies({ ...r, NotifyForIncidents: ['leak'] }, null), false);
});

test('normalizePolicy collects every problem, each with its field path, in one 400', () => {
  try {
    normalizePolicy(
      {
        Name: '',
        PolicyId: 'p',
        IncidentTypes: ['*'],
        TargetDurations: { H: { StartThreshold: -5, Later: 1 } },
        EscalationSettings: { UnassignedSettings: { L0: { Action: 'NOTIFY', Recipients: [{ Entity: '$assignee' }] } } },
      },
      { newId: () => '0'.repeat(32) },
    );
    assert.fail('expected a 400');
  } catch (e) {
    const err = e as { statusCode: number; message: string };
    assert.equal(err.statusCode, 400);
    assert.deepEqual(err.message.split('; '), [
      'Name: must be a non-empty string',
      'TargetDurations.H.Later: unknown field (expected one of StartThreshold, DueTime)',
      'TargetDurations.H.StartThreshold: must be a whole number of seconds from 0 to 315360000',
      'EscalationSettings.UnassignedSettings.L0.Recipients[0].EntityMedium: is required',
    ]);
  }
});

test('normalizePolicy keeps the document as given and returns the user and team ids to check', () => {
  const user = '0198f0a2-1111-7000-8000-000000000001';
  const raw = {
    PolicyId: 'x',
    Name: 'n',
    IncidentTypes: ['leak'],
    TargetDurations: {},
    EscalationSettings: { StartThresholdSettings: { L1: { Action: 'NOTIFY', Recipients: [{ Entity: user.toUpperCase(), EntityMedium: 'sms' }], TimeAfter: 5 } } },
  };
  const n = normalizePolicy(raw, { newId: () => 'AB'.repeat(16) });
  assert.equal(n.id, 'ab'.repeat(16));
  assert.deepEqual(Object.keys(n.document), ['ID', 'PolicyId', 'Name', 'IncidentTypes', 'TargetDurations', 'EscalationSettings', 'ATTR']);
  assert.equal(n.document.ATTR, `attr#escalationpolicy#${'AB'.repeat(16)}#x`);
  assert.deepEqual(n.entities, [{ path: 'EscalationSettings.StartThresholdSettings.L1.Recipients[0].Entity', id: user }]);
});

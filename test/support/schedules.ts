// Helpers for tests of on-call schedules, over the public API.
import assert from 'node:assert/strict';
import type { CreatedProject } from '../../src/access/projects.ts';
import type { CallResult, Harness } from './harness.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Row = Record<string, any>;

let seq = 0;

/** OneUptime's rotation JSON. */
export function rotation(intervalType: string, count: number): Row {
  return { _type: 'Recurring', value: { intervalType, intervalCount: { _type: 'PositiveNumber', value: count } } };
}

/** OneUptime's restriction JSON with no restriction. */
export const NO_RESTRICTION: Row = {
  _type: 'RestrictionTimes',
  value: { restictionType: 'None', dayRestrictionTimes: null, weeklyRestrictionTimes: [] },
};

/** Creates a row over the API with the project owner's key and asserts it worked. */
export async function create(h: Harness, p: CreatedProject, resource: string, data: Row): Promise<Row> {
  const res = await h.call('POST', `/api/${resource}`, { key: p.apiKey, body: { data } });
  assert.equal(res.status, 200, `create ${resource}: ${JSON.stringify(res.body)}`);
  return res.body;
}

/** Sends a create and returns the raw answer (for bad-input tests). */
export function tryCreate(h: Harness, p: CreatedProject, resource: string, data: Row): Promise<CallResult> {
  return h.call('POST', `/api/${resource}`, { key: p.apiKey, body: { data } });
}

/** A new member of the project; returns their user id. */
export async function member(h: Harness, p: CreatedProject, name: string): Promise<string> {
  seq += 1;
  const body = await create(h, p, 'user', { email: `sched-${process.pid}-${seq}-${name.toLowerCase()}@example.com`, name, role: 'Project Member' });
  return body._id;
}

export interface LayerSpec {
  readonly name?: string;
  readonly order?: number;
  readonly startsAt: string;
  readonly handOffTime?: string;
  readonly rotation: Row;
  readonly restrictionTimes?: Row;
  readonly userIds: readonly string[];
}

/** A schedule with its layers and their users, made over the API; returns the schedule id and layer ids. */
export async function makeSchedule(
  h: Harness,
  p: CreatedProject,
  spec: { name?: string; timezone: string; layers: readonly LayerSpec[] },
): Promise<{ scheduleId: string; layerIds: string[] }> {
  const schedule = await create(h, p, 'on-call-duty-policy-schedule', { name: spec.name ?? 'Primary', timezone: spec.timezone });
  const layerIds: string[] = [];
  for (const [i, l] of spec.layers.entries()) {
    const layer = await create(h, p, 'on-call-duty-schedule-layer', {
      onCallDutyPolicyScheduleId: schedule._id,
      name: l.name ?? `Layer ${i + 1}`,
      ...(l.order !== undefined ? { order: l.order } : {}),
      startsAt: l.startsAt,
      handOffTime: l.handOffTime ?? l.startsAt,
      rotation: l.rotation,
      restrictionTimes: l.restrictionTimes ?? NO_RESTRICTION,
    });
    for (const userId of l.userIds) {
      await create(h, p, 'on-call-duty-schedule-layer-user', { onCallDutyPolicyScheduleLayerId: layer._id, userId });
    }
    layerIds.push(layer._id);
  }
  return { scheduleId: schedule._id, layerIds };
}

/** GET with the project owner's key; asserts the status. */
export async function get(h: Harness, p: CreatedProject, url: string, status = 200): Promise<Row> {
  const res = await h.call('GET', url, { key: p.apiKey });
  assert.equal(res.status, status, `GET ${url}: ${JSON.stringify(res.body)}`);
  return res.body;
}

/** Shifts as compact tuples for assertions: [userId, startsAt, endsAt, origin kind]. */
export function compact(shifts: readonly Row[]): [string | null, string, string, string][] {
  return shifts.map((s) => [s.userId, s.startsAt, s.endsAt, s.origin.kind]);
}

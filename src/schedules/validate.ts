import { AppError } from '../errors.ts';
import { INTERVAL_TYPES, WEEKDAYS, type Layer, type Override, type Schedule, type TemporarySchedule } from './model.ts';
import { isKnownTimeZone } from './time-zone.ts';
import { isWallTime } from './wall-clock.ts';

/** One thing wrong with the input: the field (a path such as `layers[1].rotation.intervalCount`) and what is wrong. */
export interface ScheduleProblem {
  readonly field: string;
  readonly message: string;
}

/** Bad schedule input (400): every problem found at once; the message lists them as `field: message`. */
export class InvalidScheduleError extends AppError {
  constructor(readonly problems: readonly ScheduleProblem[]) {
    super(400, problems.map((p) => `${p.field}: ${p.message}`).join('; '));
    this.name = 'InvalidScheduleError';
  }
}

/** The largest `intervalCount` accepted (about a thousand years of yearly rotation). */
export const MAX_INTERVAL_COUNT = 1000;

/** Pairs [i, j]: span i starts before span j (which started earlier) has ended. */
function overlapping(spans: readonly { start: Date; end: Date; i: number }[]): [number, number][] {
  const sorted = [...spans].sort((a, b) => a.start.getTime() - b.start.getTime());
  const out: [number, number][] = [];
  let longest: (typeof sorted)[number] | undefined;
  for (const s of sorted) {
    if (longest !== undefined && s.start < longest.end) out.push([s.i, longest.i]);
    if (longest === undefined || s.end > longest.end) longest = s;
  }
  return out;
}

const isInstant = (d: unknown): d is Date => d instanceof Date && !Number.isNaN(d.getTime());
const isId = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
const join = (prefix: string, field: string) => (prefix === '' ? field : `${prefix}.${field}`);

function checkInstant(problems: ScheduleProblem[], field: string, value: unknown): boolean {
  if (isInstant(value)) return true;
  problems.push({ field, message: 'must be a valid date-time' });
  return false;
}

function checkSpan(problems: ScheduleProblem[], prefix: string, startsAt: unknown, endsAt: unknown): void {
  const ok = checkInstant(problems, join(prefix, 'startsAt'), startsAt);
  if (checkInstant(problems, join(prefix, 'endsAt'), endsAt) && ok && (endsAt as Date) <= (startsAt as Date)) {
    problems.push({ field: join(prefix, 'endsAt'), message: 'must be after startsAt' });
  }
}

function checkWallTime(problems: ScheduleProblem[], field: string, value: unknown): boolean {
  if (isWallTime(value)) return true;
  problems.push({ field, message: `must be a wall-clock time "HH:mm" (00:00–23:59), got ${JSON.stringify(value)}` });
  return false;
}

function checkWeekday(problems: ScheduleProblem[], field: string, value: unknown): boolean {
  if ((WEEKDAYS as readonly unknown[]).includes(value)) return true;
  problems.push({ field, message: `must be one of ${WEEKDAYS.join(', ')}, got ${JSON.stringify(value)}` });
  return false;
}

/**
 * Every problem with one layer (never throws); field names are relative to the layer and
 * prefixed with `prefix` when given (e.g. `layers[0]`). Checks: id, order, startsAt,
 * handOffTime, rotation (type, whole count 1..MAX_INTERVAL_COUNT), restrictions (type; Daily
 * and Weekly wall times "HH:mm", weekdays, start ≠ end), userIds, rotationClock.
 */
export function validateLayer(layer: Layer, prefix = ''): ScheduleProblem[] {
  const problems: ScheduleProblem[] = [];
  const at = (f: string) => join(prefix, f);
  if (!isId(layer.id)) problems.push({ field: at('id'), message: 'must be a non-empty string' });
  if (typeof layer.order !== 'number' || !Number.isFinite(layer.order)) {
    problems.push({ field: at('order'), message: 'must be a finite number' });
  }
  checkInstant(problems, at('startsAt'), layer.startsAt);
  checkInstant(problems, at('handOffTime'), layer.handOffTime);

  const rotation = layer.rotation as Layer['rotation'] | undefined;
  if (!(INTERVAL_TYPES as readonly unknown[]).includes(rotation?.intervalType)) {
    problems.push({ field: at('rotation.intervalType'), message: `must be one of ${INTERVAL_TYPES.join(', ')}` });
  }
  const count = rotation?.intervalCount;
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > MAX_INTERVAL_COUNT) {
    problems.push({
      field: at('rotation.intervalCount'),
      message: `must be a whole number from 1 to ${MAX_INTERVAL_COUNT}, got ${JSON.stringify(count)}`,
    });
  }

  const r = layer.restrictions as Layer['restrictions'] | undefined;
  if (r?.type === 'Daily') {
    const d = r.daily as typeof r.daily | undefined;
    const okStart = checkWallTime(problems, at('restrictions.daily.startTime'), d?.startTime);
    const okEnd = checkWallTime(problems, at('restrictions.daily.endTime'), d?.endTime);
    if (okStart && okEnd && d!.startTime === d!.endTime) {
      problems.push({ field: at('restrictions.daily.endTime'), message: 'must differ from startTime (use no restriction for all day)' });
    }
  } else if (r?.type === 'Weekly') {
    if (!Array.isArray(r.weekly) || r.weekly.length === 0) {
      problems.push({ field: at('restrictions.weekly'), message: 'must list at least one weekly window' });
    } else {
      r.weekly.forEach((w, i) => {
        const p = `restrictions.weekly[${i}]`;
        const ok = [
          checkWeekday(problems, at(`${p}.startDay`), w.startDay),
          checkWeekday(problems, at(`${p}.endDay`), w.endDay),
          checkWallTime(problems, at(`${p}.startTime`), w.startTime),
          checkWallTime(problems, at(`${p}.endTime`), w.endTime),
        ].every(Boolean);
        if (ok && w.startDay === w.endDay && w.startTime === w.endTime) {
          problems.push({ field: at(`${p}.endTime`), message: 'the window must not end where it starts (same day and time)' });
        }
      });
    }
  } else if (r?.type !== 'None') {
    problems.push({ field: at('restrictions.type'), message: 'must be one of None, Daily, Weekly' });
  }

  if (!Array.isArray(layer.userIds)) {
    problems.push({ field: at('userIds'), message: 'must be a list of user ids' });
  } else {
    layer.userIds.forEach((u, i) => {
      if (!isId(u)) problems.push({ field: at(`userIds[${i}]`), message: 'must be a non-empty string' });
    });
  }
  if (layer.rotationClock !== undefined && layer.rotationClock !== 'calendar' && layer.rotationClock !== 'restricted') {
    problems.push({ field: at('rotationClock'), message: 'must be calendar or restricted' });
  }
  return problems;
}

/** Every problem with one override (never throws): ids, users (must differ), startsAt < endsAt. */
export function validateOverride(override: Override, prefix = ''): ScheduleProblem[] {
  const problems: ScheduleProblem[] = [];
  const at = (f: string) => join(prefix, f);
  if (!isId(override.id)) problems.push({ field: at('id'), message: 'must be a non-empty string' });
  if (override.policyId !== null && !isId(override.policyId)) {
    problems.push({ field: at('policyId'), message: 'must be null (all policies) or a policy id' });
  }
  if (!isId(override.overrideUserId)) problems.push({ field: at('overrideUserId'), message: 'must be a user id' });
  if (!isId(override.routeAlertsToUserId)) {
    problems.push({ field: at('routeAlertsToUserId'), message: 'must be a user id' });
  } else if (override.routeAlertsToUserId === override.overrideUserId) {
    problems.push({ field: at('routeAlertsToUserId'), message: 'must differ from overrideUserId' });
  }
  checkSpan(problems, prefix, override.startsAt, override.endsAt);
  return problems;
}

/** Every problem with one temporary schedule (never throws): its span, and shifts inside it that do not overlap. */
export function validateTemporarySchedule(temporary: TemporarySchedule, prefix = ''): ScheduleProblem[] {
  const problems: ScheduleProblem[] = [];
  const at = (f: string) => join(prefix, f);
  if (!isId(temporary.id)) problems.push({ field: at('id'), message: 'must be a non-empty string' });
  checkSpan(problems, prefix, temporary.startsAt, temporary.endsAt);
  const spanOk = problems.length === 0;
  const shifts = Array.isArray(temporary.shifts) ? temporary.shifts : [];
  if (!Array.isArray(temporary.shifts)) problems.push({ field: at('shifts'), message: 'must be a list of shifts' });
  shifts.forEach((s, i) => {
    const p = at(`shifts[${i}]`);
    if (!isId(s.userId)) problems.push({ field: `${p}.userId`, message: 'must be a user id' });
    const before = problems.length;
    checkSpan(problems, p, s.startsAt, s.endsAt);
    if (problems.length === before && spanOk && (s.startsAt < temporary.startsAt || s.endsAt > temporary.endsAt)) {
      problems.push({ field: p, message: 'must lie within the temporary schedule (startsAt to endsAt)' });
    }
  });
  const valid = shifts
    .map((s, i) => ({ s, i }))
    .filter(({ s }) => isInstant(s.startsAt) && isInstant(s.endsAt))
    .sort((a, b) => a.s.startsAt.getTime() - b.s.startsAt.getTime());
  for (const [i, j] of overlapping(valid.map(({ s, i }) => ({ start: s.startsAt, end: s.endsAt, i })))) {
    problems.push({ field: at(`shifts[${i}]`), message: `overlaps shifts[${j}]` });
  }
  return problems;
}

/**
 * Every problem with a schedule, collected at once (never throws; empty when valid): a known
 * IANA `timezone` (required, no server-local fallback), each layer (`validateLayer`), unique
 * layer ids, each override (`validateOverride`), each temporary schedule
 * (`validateTemporarySchedule`) and no two temporary schedules overlapping.
 */
export function validateSchedule(schedule: Schedule): ScheduleProblem[] {
  const problems: ScheduleProblem[] = [];
  if (typeof schedule.timezone !== 'string' || schedule.timezone === '') {
    problems.push({ field: 'timezone', message: 'is required (an IANA time zone such as Europe/Berlin)' });
  } else if (!isKnownTimeZone(schedule.timezone)) {
    problems.push({ field: 'timezone', message: `unknown IANA time zone ${JSON.stringify(schedule.timezone)}` });
  }
  const seen = new Map<string, number>();
  schedule.layers.forEach((layer, i) => {
    problems.push(...validateLayer(layer, `layers[${i}]`));
    const first = seen.get(layer.id);
    if (first !== undefined) problems.push({ field: `layers[${i}].id`, message: `duplicates layers[${first}].id` });
    else seen.set(layer.id, i);
  });
  schedule.overrides.forEach((o, i) => problems.push(...validateOverride(o, `overrides[${i}]`)));
  const temporary = schedule.temporarySchedules ?? [];
  temporary.forEach((t, i) => problems.push(...validateTemporarySchedule(t, `temporarySchedules[${i}]`)));
  const spans = temporary
    .map((t, i) => ({ start: t.startsAt, end: t.endsAt, i }))
    .filter(({ start, end }) => isInstant(start) && isInstant(end));
  for (const [i, j] of overlapping(spans)) {
    problems.push({ field: `temporarySchedules[${i}]`, message: `overlaps temporarySchedules[${j}]` });
  }
  return problems;
}

/** Throws `InvalidScheduleError` (400) listing every problem unless `schedule` is valid. */
export function assertValidSchedule(schedule: Schedule): void {
  const problems = validateSchedule(schedule);
  if (problems.length > 0) throw new InvalidScheduleError(problems);
}

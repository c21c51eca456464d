import { invalidField } from '../../../errors.ts';
import {
  INTERVAL_TYPES,
  WEEKDAYS,
  type IntervalType,
  type Restrictions,
  type Rotation,
  type WallTime,
  type Weekday,
  type WeeklyRestriction,
} from '../../../schedules/model.ts';
import { MAX_INTERVAL_COUNT } from '../../../schedules/validate.ts';

/**
 * The OneUptime JSON of a schedule layer, read into the model's types. The JSON itself is
 * stored and answered exactly as written; these functions validate it on write (every
 * problem a 400 naming the place, e.g. `data.rotation.value.intervalCount`) and convert it
 * when a schedule is loaded.
 *
 * rotation: `{"_type":"Recurring","value":{"intervalType":"Day","intervalCount":{"_type":"PositiveNumber","value":1}}}`
 * restrictionTimes: `{"_type":"RestrictionTimes","value":{"restictionType":"None|Daily|Weekly",
 *   "dayRestrictionTimes":{"startTime","endTime"}|null,"weeklyRestrictionTimes":[{startDay,endDay,startTime,endTime}]}}`
 */

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function typed(raw: unknown, type: string, where: string): Json {
  if (!isObject(raw)) throw invalidField(where, `must be a JSON object {"_type":"${type}","value":{...}}`);
  if (raw._type !== type) throw invalidField(`${where}._type`, `must be "${type}"`);
  if (!isObject(raw.value)) throw invalidField(`${where}.value`, 'must be a JSON object');
  return raw.value;
}

/** Reads a `Recurring` rotation; the count may be a number or `{"_type":"PositiveNumber","value":n}`. */
export function parseRotation(raw: unknown, where: string): Rotation {
  const value = typed(raw, 'Recurring', where);
  const type = value.intervalType;
  if (typeof type !== 'string' || !(INTERVAL_TYPES as readonly string[]).includes(type)) {
    throw invalidField(`${where}.value.intervalType`, `must be one of: ${INTERVAL_TYPES.join(', ')}`);
  }
  let count = value.intervalCount;
  if (isObject(count)) {
    if (count._type !== 'PositiveNumber') throw invalidField(`${where}.value.intervalCount._type`, 'must be "PositiveNumber"');
    count = count.value;
  }
  if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 1 || count > MAX_INTERVAL_COUNT) {
    throw invalidField(`${where}.value.intervalCount`, `must be a whole number from 1 to ${MAX_INTERVAL_COUNT}`);
  }
  return { intervalType: type as IntervalType, intervalCount: count };
}

const HH_MM = /^([01]\d|2[0-3]):([0-5]\d)(:([0-5]\d)(\.\d+)?)?$/;

/**
 * Reads a wall-clock time: `"HH:mm"` (or `"HH:mm:ss"`), or, as OneUptime sends them, an
 * ISO date-time (plain or `{"_type":"DateTime","value":...}`) of which only the time of day
 * in `timeZone` counts. Returns `"HH:mm"`.
 */
export function parseWallTime(raw: unknown, timeZone: string, where: string): WallTime {
  let v = raw;
  if (isObject(v) && v._type === 'DateTime') v = v.value;
  if (typeof v !== 'string') throw invalidField(where, 'must be a time of day "HH:mm" or an ISO 8601 date-time');
  const m = HH_MM.exec(v);
  if (m) return `${m[1]}:${m[2]}`;
  if (!v.includes('T')) throw invalidField(where, 'must be a time of day "HH:mm" or an ISO 8601 date-time');
  const d = new Date(v);
  if (Number.isNaN(d.getTime())) throw invalidField(where, 'must be a time of day "HH:mm" or an ISO 8601 date-time');
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(d);
  const hh = parts.find((p) => p.type === 'hour')?.value ?? '00';
  const mm = parts.find((p) => p.type === 'minute')?.value ?? '00';
  return `${hh}:${mm}`;
}

function weekday(raw: unknown, where: string): Weekday {
  if (typeof raw !== 'string' || !(WEEKDAYS as readonly string[]).includes(raw)) {
    throw invalidField(where, `must be one of: ${WEEKDAYS.join(', ')}`);
  }
  return raw as Weekday;
}

/** Reads `RestrictionTimes`; wall-clock times are read in `timeZone` (the schedule's). A window that starts where it ends is refused. */
export function parseRestrictions(raw: unknown, timeZone: string, where: string): Restrictions {
  const value = typed(raw, 'RestrictionTimes', where);
  const type = value.restictionType ?? value.restrictionType;
  if (type === 'None') return { type: 'None' };
  if (type === 'Daily') {
    const at = `${where}.value.dayRestrictionTimes`;
    const day = value.dayRestrictionTimes;
    if (!isObject(day)) throw invalidField(at, 'must be {"startTime":...,"endTime":...} when restictionType is Daily');
    const startTime = parseWallTime(day.startTime, timeZone, `${at}.startTime`);
    const endTime = parseWallTime(day.endTime, timeZone, `${at}.endTime`);
    if (startTime === endTime) throw invalidField(`${at}.endTime`, `must differ from startTime (both ${startTime})`);
    return { type: 'Daily', daily: { startTime, endTime } };
  }
  if (type === 'Weekly') {
    const at = `${where}.value.weeklyRestrictionTimes`;
    const list = value.weeklyRestrictionTimes;
    if (!Array.isArray(list) || list.length === 0) throw invalidField(at, 'must be a non-empty array when restictionType is Weekly');
    const weekly: WeeklyRestriction[] = list.map((item, i) => {
      const w = `${at}[${i}]`;
      if (!isObject(item)) throw invalidField(w, 'must be {"startDay","endDay","startTime","endTime"}');
      const r: WeeklyRestriction = {
        startDay: weekday(item.startDay, `${w}.startDay`),
        endDay: weekday(item.endDay, `${w}.endDay`),
        startTime: parseWallTime(item.startTime, timeZone, `${w}.startTime`),
        endTime: parseWallTime(item.endTime, timeZone, `${w}.endTime`),
      };
      if (r.startDay === r.endDay && r.startTime === r.endTime) {
        throw invalidField(`${w}.endTime`, `must differ from startTime on the same day (both ${r.startDay} ${r.startTime})`);
      }
      return r;
    });
    return { type: 'Weekly', weekly };
  }
  throw invalidField(`${where}.value.restictionType`, 'must be one of: None, Daily, Weekly');
}

/** The JSON of a stored `json` column as an object (drivers hand back parsed JSON; strings are parsed). */
export function storedJson(value: unknown): unknown {
  return typeof value === 'string' ? JSON.parse(value) : value;
}

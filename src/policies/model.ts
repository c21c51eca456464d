import vm from 'node:vm';
import { invalidField } from '../errors.ts';
import type { SubjectType } from '../incidents/subjects.ts';
import { METHODS, type Method } from '../notifications/model.ts';

/** Status of a run of an on-call duty policy (OneUptime's `OnCallDutyPolicyStatus` strings). */
export const EXECUTION_STATUSES = [
  'Scheduled',
  'Started',
  'Executing',
  'Execution Completed',
  'Execution Completed - No One Notified',
  'Error',
] as const;
export type ExecutionStatus = (typeof EXECUTION_STATUSES)[number];

/** Statuses of a run that is still going: its jobs may still page someone. */
export const RUNNING_STATUSES: readonly ExecutionStatus[] = ['Scheduled', 'Started', 'Executing'];

/** Spellings OneUptime clients send (the seed example uses the enum keys), mapped to the stored value. */
export const EXECUTION_STATUS_ALIASES: Readonly<Record<string, ExecutionStatus>> = {
  Completed: 'Execution Completed',
  ExecutionCompleted: 'Execution Completed',
  'Execution Completed - No one Notified': 'Execution Completed - No One Notified',
  ExecutionCompletedNoOneNotified: 'Execution Completed - No One Notified',
};

/** Status of one timeline row (OneUptime's `OnCallDutyExecutionLogTimelineStatus`). */
export const TIMELINE_STATUSES = ['Skipped', 'Started', 'Executing', 'Successfully Acknowledged', 'Notification Sent', 'Error'] as const;
export type TimelineStatus = (typeof TIMELINE_STATUSES)[number];
export const TIMELINE_STATUS_ALIASES: Readonly<Record<string, TimelineStatus>> = {
  SuccessfullyAcknowledged: 'Successfully Acknowledged',
  NotificationSent: 'Notification Sent',
};

/** Status of a user notification log row (OneUptime's `UserNotificationExecutionStatus`). */
export const USER_LOG_STATUSES = ['Scheduled', 'Started', 'Executing', 'Completed', 'Error'] as const;
export type UserLogStatus = (typeof USER_LOG_STATUSES)[number];

/** What started a run (OneUptime's `UserNotificationEventType`). */
export const EVENT_TYPES = ['Incident Created', 'Alert Created', 'Alert Episode Created', 'Incident Episode Created'] as const;
export type EventType = (typeof EVENT_TYPES)[number];
export const EVENT_TYPE_ALIASES: Readonly<Record<string, EventType>> = {
  IncidentCreated: 'Incident Created',
  AlertCreated: 'Alert Created',
  AlertEpisodeCreated: 'Alert Episode Created',
  IncidentEpisodeCreated: 'Incident Episode Created',
};

/** The event type of a run started for a subject of each type. */
export const EVENT_TYPE_OF: Readonly<Record<SubjectType, EventType>> = {
  incident: 'Incident Created',
  alert: 'Alert Created',
  'alert-episode': 'Alert Episode Created',
  'incident-episode': 'Incident Episode Created',
};

export const SUBJECT_TYPES: readonly SubjectType[] = ['incident', 'alert', 'alert-episode', 'incident-episode'];

/** The execution log column that names a run's subject, per subject type. */
export const TRIGGER_COLUMN: Readonly<Record<SubjectType, string>> = {
  incident: 'triggered_by_incident_id',
  alert: 'triggered_by_alert_id',
  'alert-episode': 'triggered_by_alert_episode_id',
  'incident-episode': 'triggered_by_incident_episode_id',
};

/** The column that names a subject in rows linked to one of the four (attachments), per subject type. */
export const SUBJECT_COLUMN: Readonly<Record<SubjectType, string>> = {
  incident: 'incident_id',
  alert: 'alert_id',
  'alert-episode': 'alert_episode_id',
  'incident-episode': 'incident_episode_id',
};

/** The API field that names a run's subject, per subject type. */
export const TRIGGER_FIELD: Readonly<Record<SubjectType, string>> = {
  incident: 'triggeredByIncidentId',
  alert: 'triggeredByAlertId',
  'alert-episode': 'triggeredByAlertEpisodeId',
  'incident-episode': 'triggeredByIncidentEpisodeId',
};

/** An incident, alert or episode a policy runs for. */
export interface SubjectRef {
  readonly type: SubjectType;
  readonly id: string;
}

/** The channels a rule's channel order may name: the notification layer's methods. */
export const NOTIFICATION_METHODS = METHODS;
export type NotificationMethod = Method;

/** One step of a rule's channel order: notify over `method`, `afterMinutes` after the rule runs. */
export interface MethodStep {
  readonly method: NotificationMethod;
  readonly afterMinutes: number;
}

/** Longest delay a channel order may give a method (a day). */
export const MAX_METHOD_DELAY_MINUTES = 1440;

/**
 * Validates a rule's channel order (`notificationMethods`) and returns a cleaned copy, sorted
 * by delay (ties keep their order). Null or an empty array means "no channel order". Every
 * problem is a 400 naming the place, e.g. `data.notificationMethods[1].method`.
 */
export function normalizeNotificationMethods(raw: unknown, where = 'data.notificationMethods'): MethodStep[] | null {
  if (raw === null || raw === undefined) return null;
  if (!Array.isArray(raw)) throw invalidField(where, 'must be an array of {"method": ..., "afterMinutes": ...}');
  if (raw.length > NOTIFICATION_METHODS.length) throw invalidField(where, `must have at most ${NOTIFICATION_METHODS.length} entries`);
  const seen = new Set<string>();
  const steps: MethodStep[] = [];
  raw.forEach((item: unknown, i) => {
    const at = `${where}[${i}]`;
    if (typeof item !== 'object' || item === null || Array.isArray(item)) throw invalidField(at, 'must be an object {"method": ..., "afterMinutes": ...}');
    const { method, afterMinutes, ...rest } = item as Record<string, unknown>;
    const unknown = Object.keys(rest)[0];
    if (unknown !== undefined) throw invalidField(`${at}.${unknown}`, 'unknown field; an entry has only method and afterMinutes');
    if (typeof method !== 'string' || !(NOTIFICATION_METHODS as readonly string[]).includes(method)) {
      throw invalidField(`${at}.method`, `must be one of: ${NOTIFICATION_METHODS.join(', ')}`);
    }
    if (seen.has(method)) throw invalidField(`${at}.method`, `${method} is listed twice; name each method once`);
    seen.add(method);
    const delay = afterMinutes === undefined ? 0 : afterMinutes;
    if (typeof delay !== 'number' || !Number.isSafeInteger(delay) || delay < 0 || delay > MAX_METHOD_DELAY_MINUTES) {
      throw invalidField(`${at}.afterMinutes`, `must be a whole number of minutes from 0 to ${MAX_METHOD_DELAY_MINUTES}`);
    }
    steps.push({ method: method as NotificationMethod, afterMinutes: delay });
  });
  if (steps.length === 0) return null;
  return steps.map((s, i) => ({ s, i })).sort((a, b) => a.s.afterMinutes - b.s.afterMinutes || a.i - b.i).map((x) => x.s);
}

/** Longest routing pattern accepted. */
export const MAX_PATTERN_LENGTH = 500;

/**
 * Checks a routing rule's pattern: a JavaScript regular expression, matched case-insensitively
 * (OneUptime's on-call rules do the same). Null or empty means "any". 400 naming `where`.
 */
export function normalizePattern(raw: unknown, where: string): string | null {
  if (raw === null || raw === undefined || raw === '') return null;
  if (typeof raw !== 'string') throw invalidField(where, 'must be a regular expression (string)');
  if (raw.length > MAX_PATTERN_LENGTH) throw invalidField(where, `must be at most ${MAX_PATTERN_LENGTH} characters`);
  try {
    new RegExp(raw, 'i');
  } catch (err) {
    throw invalidField(where, `is not a valid regular expression: ${(err as Error).message}`);
  }
  return raw;
}

/**
 * How long one routing pattern may take on one text: a first try, then (in case the process was
 * merely paused) one longer try. A pattern that used up the longer try once gets only the first
 * from then on, so a catastrophic expression costs little however often it is evaluated.
 */
export const PATTERN_TIMEOUTS_MS = [100, 1000] as const;

const patternSandbox = vm.createContext({});
const patternTest = new vm.Script('pattern.test(text)');
const slowPatterns = new Set<string>();

/**
 * Whether `value` matches a stored (already validated) pattern, case-insensitively; a null
 * pattern matches anything. A pattern that backtracks for too long (a catastrophic expression
 * such as `(a+)+$`) is interrupted and counts as not matching, so one project's rule can never
 * stall the engine. Never throws.
 */
export function matchesPattern(pattern: string | null, value: string | null): boolean {
  if (pattern === null) return true;
  if (value === null) return false;
  const timeouts = slowPatterns.has(pattern) ? PATTERN_TIMEOUTS_MS.slice(0, 1) : PATTERN_TIMEOUTS_MS;
  for (const timeout of timeouts) {
    patternSandbox.pattern = new RegExp(pattern, 'i');
    patternSandbox.text = value;
    try {
      return patternTest.runInContext(patternSandbox, { timeout }) === true;
    } catch {
      // Timed out: try again with the longer limit, if any.
    }
  }
  slowPatterns.add(pattern);
  return false;
}

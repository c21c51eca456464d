import { sql, type RawBuilder } from 'kysely';
import { newId } from '../storage/ids.ts';
import { TRIGGER_COLUMN, type EventType, type MethodStep, type SubjectRef } from './model.ts';
import { subjectLabel, type SubjectInfo } from './subjects.ts';
import type { PersonTarget, RuleInfo, RuleTarget } from './targets.ts';

const MINUTE = 60_000;

/** Everything a rule's rows are stamped with: the run, its subject, the rule and the pass. */
export interface RuleRun {
  readonly projectId: string;
  readonly executionId: string;
  readonly policyId: string;
  readonly policyName: string;
  readonly eventType: EventType;
  readonly subject: SubjectRef | null;
  /** The subject as loaded when the rule ran (null for a run by hand without one, or once deleted). */
  readonly subjectInfo: SubjectInfo | null;
  readonly triggeredByUserId: string | null;
  readonly rule: RuleInfo;
  readonly repeat: number;
}

/** The timeline message of a target, per kind (OneUptime's wording where it has one). */
const SKIP_MESSAGE = {
  duplicate: 'Skipped because notification sent to this user already.',
  'not-member': 'Skipped because this user is not a member of the project.',
  'schedule-gap': 'Skipped because no active users are found in this schedule.',
  'empty-team': 'Skipped because this team has no members.',
} as const;

/** What a rule's targets came to, as writes still to be run (see {@link planTargets}). */
export interface PlannedTargets {
  readonly notified: number;
  /** Whether a schedule had nobody on call. */
  readonly scheduleGap: boolean;
  /** The rows to write, in order; run them together with `writeTogether`. */
  readonly writes: RawBuilder<unknown>[];
}

/**
 * What a rule's targets come to: for each user to notify a timeline row, a user notification
 * log row and the outbox requests (one per method of the rule's channel order, or one with
 * method null for the user's personal rules); for each skip a `Skipped` timeline row. Outbox
 * rows carry a unique idempotency key, so writing the same rule twice requests once. Answers
 * the writes without running them, so the caller sends them with its own in one round trip.
 */
export function planTargets(run: RuleRun, targets: readonly RuleTarget[], now: Date, note = ''): PlannedTargets {
  let notified = 0;
  let scheduleGap = false;
  const writes: RawBuilder<unknown>[] = [];
  for (const t of targets) {
    if (t.kind === 'notify') {
      writes.push(...notifyUser(run, t, now, note));
      notified += 1;
      continue;
    }
    if (t.kind === 'schedule-gap') scheduleGap = true;
    writes.push(insertTimeline(run, now, {
      status: 'Skipped',
      message: SKIP_MESSAGE[t.kind] + note,
      userId: 'userId' in t ? t.userId : null,
      teamId: 'teamId' in t ? t.teamId : null,
      scheduleId: 'scheduleId' in t ? t.scheduleId : null,
      overriddenUserId: 'overriddenUserId' in t ? t.overriddenUserId : null,
    }).write);
  }
  return { notified, scheduleGap, writes };
}

/** A `Skipped` timeline row about the rule as a whole (nobody reached), as a write still to be run. */
export function ruleSkip(run: RuleRun, now: Date, message: string): RawBuilder<unknown> {
  return insertTimeline(run, now, { status: 'Skipped', message, userId: null, teamId: null, scheduleId: null, overriddenUserId: null }).write;
}

type NotifyTarget = PersonTarget;

function notifyUser(run: RuleRun, t: NotifyTarget, now: Date, note: string): RawBuilder<unknown>[] {
  const methods = run.rule.notificationMethods;
  const message = `Sending notification to user${methods ? `: ${describeMethods(methods)}` : ' through their personal notification rules'}.${note}`;
  const timeline = insertTimeline(run, now, {
    status: 'Executing',
    message,
    userId: t.userId,
    teamId: t.teamId,
    scheduleId: t.scheduleId,
    overriddenUserId: t.overriddenUserId,
  });
  const timelineId = timeline.id;
  const userLogId = newId();
  const writes: RawBuilder<unknown>[] = [timeline.write];
  writes.push(sql`insert into user_notification_log (id, project_id, user_id, execution_id, timeline_id, policy_id, rule_id, schedule_id, team_id,
      ${subjectColumns()}, user_notification_event_type, overrided_by_user_id, status, status_message, created_at, updated_at)
    values (${userLogId}, ${run.projectId}, ${t.userId}, ${run.executionId}, ${timelineId}, ${run.policyId}, ${run.rule.id}, ${t.scheduleId},
      ${t.teamId}, ${subjectValues(run.subject)}, ${run.eventType}, ${t.overriddenUserId}, 'Executing', ${message}, ${now}, ${now})`);

  const text = outboxText(run, t);
  for (const step of methods ?? [null]) {
    const key = `oncall:${run.executionId}:${run.repeat}:${run.rule.order}:${t.userId}:${step?.method ?? 'personal'}`;
    const payload = {
      timelineId,
      userNotificationEventType: run.eventType,
      subjectType: run.subject?.type ?? null,
      subjectId: run.subject?.id ?? null,
      severity: run.subjectInfo?.severityName ?? null,
      policyName: run.policyName,
      ruleName: run.rule.name,
      ruleOrder: run.rule.order,
      repeat: run.repeat,
      overriddenUserId: t.overriddenUserId,
    };
    writes.push(sql`insert into notification_outbox (id, project_id, idempotency_key, user_id, method, reason, title, body, status, send_after,
        incident_id, alert_id, alert_episode_id, incident_episode_id, on_call_duty_policy_id, on_call_duty_policy_escalation_rule_id,
        on_call_duty_policy_schedule_id, on_call_duty_policy_execution_log_id, user_notification_log_id, team_id, payload, created_at, updated_at)
      values (${newId()}, ${run.projectId}, ${key}, ${t.userId}, ${step?.method ?? null}, 'on-call-policy', ${text.title}, ${text.body}, 'Pending',
        ${new Date(now.getTime() + (step?.afterMinutes ?? 0) * MINUTE)}, ${subjectValues(run.subject)}, ${run.policyId}, ${run.rule.id},
        ${t.scheduleId}, ${run.executionId}, ${userLogId}, ${t.teamId}, ${JSON.stringify(payload)}, ${now}, ${now})
      on conflict (idempotency_key) do nothing`);
  }
  return writes;
}

function describeMethods(methods: readonly MethodStep[]): string {
  return methods.map((m) => (m.afterMinutes === 0 ? `${m.method} now` : `${m.method} after ${m.afterMinutes} min`)).join(', ');
}

/** The title and body of a page: the subject's title and severity, the policy and rule, and why this user. */
function outboxText(run: RuleRun, t: NotifyTarget): { title: string; body: string } {
  const s = run.subjectInfo;
  const what = run.subject ? subjectLabel(run.subject.type) : null;
  const title = s && what
    ? `${s.severityName ? `[${s.severityName}] ` : ''}${what}: ${s.title}`
    : `On-call policy "${run.policyName}" needs you`;
  const lines: string[] = [];
  if (s && what) {
    lines.push(`${what} "${s.title}" was created${s.severityName ? ` (severity ${s.severityName})` : ''}.`);
    if (s.description) lines.push(s.description.length > 500 ? `${s.description.slice(0, 500)}…` : s.description);
  } else {
    lines.push(`On-call policy "${run.policyName}" was run by hand${run.triggeredByUserId ? ` by user ${run.triggeredByUserId}` : ''}.`);
  }
  lines.push(`On-call policy "${run.policyName}", escalation rule ${run.rule.order} "${run.rule.name}"${run.repeat > 1 ? ` (repeat ${run.repeat})` : ''}.`);
  const why: string[] = [];
  if (t.scheduleId) why.push(`you are on call in schedule ${t.scheduleId}`);
  if (t.teamId) why.push(`you are a member of team ${t.teamId}`);
  if (t.overriddenUserId) why.push(`you are standing in for user ${t.overriddenUserId}`);
  if (why.length > 0) lines.push(`You are paged because ${why.join(' and ')}.`);
  if (run.subject) lines.push('Acknowledge it to stop the escalation.');
  return { title: title.slice(0, 1024), body: lines.join('\n') };
}

interface TimelineInput {
  readonly status: 'Skipped' | 'Executing';
  readonly message: string;
  readonly userId: string | null;
  readonly teamId: string | null;
  readonly scheduleId: string | null;
  readonly overriddenUserId: string | null;
}

function insertTimeline(run: RuleRun, now: Date, t: TimelineInput): { id: string; write: RawBuilder<unknown> } {
  const id = newId();
  const write = sql`insert into on_call_policy_execution_timeline (id, project_id, execution_id, policy_id, rule_id, ${subjectColumns()},
      user_notification_event_type, repeat_count, rule_order, alert_sent_to_user_id, user_belongs_to_team_id, on_call_duty_schedule_id,
      overrided_by_user_id, status, status_message, created_at, updated_at)
    values (${id}, ${run.projectId}, ${run.executionId}, ${run.policyId}, ${run.rule.id}, ${subjectValues(run.subject)}, ${run.eventType},
      ${run.repeat}, ${run.rule.order}, ${t.userId}, ${t.teamId}, ${t.scheduleId}, ${t.overriddenUserId}, ${t.status}, ${t.message},
      ${now}, ${now})`;
  return { id, write };
}

const SUBJECT_COLUMN_ORDER = ['incident', 'alert', 'alert-episode', 'incident-episode'] as const;

/** The four `triggered_by_*` columns, in a fixed order. */
function subjectColumns() {
  return sql.join(SUBJECT_COLUMN_ORDER.map((t) => sql.ref(TRIGGER_COLUMN[t])));
}

/** The subject's id in its column and null in the others, in {@link subjectColumns} order. */
export function subjectValues(subject: SubjectRef | null) {
  return sql.join(SUBJECT_COLUMN_ORDER.map((t) => (subject?.type === t ? subject.id : null)));
}

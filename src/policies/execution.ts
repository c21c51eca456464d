import { sql } from 'kysely';
import { cancelJobGroup, enqueueJob, jobInsert } from '../engine/job-queue.ts';
import { systemChangeActor } from '../incidents/change-context.ts';
import { journal } from '../incidents/journal.ts';
import type { Db } from '../storage/database.ts';
import { newId } from '../storage/ids.ts';
import { writeTogether } from '../storage/write-together.ts';
import {
  EVENT_TYPE_OF,
  RUNNING_STATUSES,
  SUBJECT_TYPES,
  TRIGGER_COLUMN,
  type EventType,
  type ExecutionStatus,
  type SubjectRef,
} from './model.ts';
import { planTargets, ruleSkip, subjectValues, type RuleRun } from './notify.ts';
import { loadSubject, subjectLabel, type SubjectInfo } from './subjects.ts';
import { loadRule, nextRule, resolveRuleTargets, type RuleInfo } from './targets.ts';

const MINUTE = 60_000;

/** Job kinds of the runs. */
export const EXECUTE_RULE_JOB = 'on-call.execute-rule';
export const RECHECK_RULE_JOB = 'on-call.recheck-rule';

/** A rule that reached nobody because a schedule had nobody on call is re-checked this often... */
export const RECHECK_INTERVAL_MS = MINUTE;
/** ...while the next step is not yet due, at most this many times. */
export const MAX_RECHECKS = 60;

/** The group of a run's jobs: cancelled together when the run stops. */
export function executionGroup(executionId: string): string {
  return `execution:${executionId}`;
}

interface ExecutionRow {
  id: string;
  project_id: string;
  policy_id: string;
  triggered_by_incident_id: string | null;
  triggered_by_alert_id: string | null;
  triggered_by_alert_episode_id: string | null;
  triggered_by_incident_episode_id: string | null;
  status: ExecutionStatus;
  status_message: string;
  keep_status_message: boolean;
  user_notification_event_type: EventType;
  last_executed_escalation_rule_order: number | null;
  last_escalation_rule_executed_at: Date | null;
  execute_next_escalation_rule_in_minutes: number | null;
  on_call_policy_execution_repeat_count: number;
  users_notified: number;
  triggered_by_user_id: string | null;
}

/** What a run needs of its policy. */
export interface PolicyRow {
  name: string;
  repeat_policy_if_no_one_acknowledges: boolean;
  repeat_policy_if_no_one_acknowledges_no_of_times: number;
}

function subjectOf(e: ExecutionRow): SubjectRef | null {
  for (const type of SUBJECT_TYPES) {
    const id = e[TRIGGER_COLUMN[type] as keyof ExecutionRow] as string | null;
    if (id) return { type, id };
  }
  return null;
}

/** Locks a run's row (other steps of the same run wait). */
async function lockExecution(tx: Db, executionId: string): Promise<ExecutionRow | undefined> {
  const res = await sql<ExecutionRow>`select * from on_call_policy_execution where id = ${executionId} for update`.execute(tx);
  return res.rows[0];
}

/** The `on_call_policy` columns of a {@link PolicyRow}. */
export const POLICY_COLUMNS = sql`name, repeat_policy_if_no_one_acknowledges, repeat_policy_if_no_one_acknowledges_no_of_times`;

async function loadPolicy(tx: Db, projectId: string, policyId: string): Promise<PolicyRow | undefined> {
  const res = await sql<PolicyRow>`select ${POLICY_COLUMNS} from on_call_policy where id = ${policyId} and project_id = ${projectId}`.execute(tx);
  return res.rows[0];
}

/** Adds a line to the subject's activity feed (no domain event). */
async function feed(tx: Db, projectId: string, subject: SubjectRef | null, kind: string, message: string, now: Date, data: Record<string, unknown>): Promise<void> {
  if (!subject) return;
  await journal({ tx, projectId, actor: systemChangeActor, now }, { subjectType: subject.type, subjectId: subject.id, kind, message, data, event: false });
}

export interface StartInput {
  readonly projectId: string;
  readonly policyId: string;
  /** What the run is for; null for a run by hand without a subject. */
  readonly subject: SubjectRef | null;
  /** Defaults to the subject's type (`Incident Created` without a subject). */
  readonly eventType?: EventType;
  readonly triggeredByUserId?: string | null;
  readonly createdByUserId?: string | null;
  /** Runs with the same key start once (`auto:<policy>:<subject>`); null: always a new run. */
  readonly startKey: string | null;
  /** A status message given on create, kept until the run ends. */
  readonly statusMessage?: string | null;
  /** Why it runs, for the subject's feed, e.g. "attached to it" or "routing rule <id>". */
  readonly reason?: string;
  /** The policy as just read in this transaction, if the caller has it (saves reading it again). */
  readonly policy?: PolicyRow;
  /** The subject as just read in this transaction, if the caller has it (saves reading it again). */
  readonly subjectInfo?: SubjectInfo;
}

/**
 * Starts a run of a policy in the caller's transaction and runs its first rule at once (a
 * policy without rules ends as `Error`). A start key already used returns that run and does
 * nothing else, so a consumer that sees its event twice starts one run.
 */
export async function startExecution(tx: Db, input: StartInput, now: Date): Promise<{ id: string; started: boolean }> {
  const policy = input.policy ?? (await loadPolicy(tx, input.projectId, input.policyId));
  if (!policy) throw new Error(`on-call policy ${input.policyId} not found in project ${input.projectId}`);
  const eventType = input.eventType ?? (input.subject ? EVENT_TYPE_OF[input.subject.type] : 'Incident Created');
  const keep = typeof input.statusMessage === 'string' && input.statusMessage.trim() !== '';
  const id = newId();
  // The new row is this transaction's alone until it commits: no lock to take, nothing to read back.
  const inserted = await sql<ExecutionRow>`insert into on_call_policy_execution (id, project_id, policy_id,
      triggered_by_incident_id, triggered_by_alert_id, triggered_by_alert_episode_id, triggered_by_incident_episode_id,
      status, status_message, keep_status_message, user_notification_event_type, on_call_policy_execution_repeat_count,
      triggered_by_user_id, start_key, created_at, updated_at, created_by_user_id)
    values (${id}, ${input.projectId}, ${input.policyId}, ${subjectValues(input.subject)}, 'Scheduled',
      ${keep ? input.statusMessage! : 'Scheduled.'}, ${keep}, ${eventType}, 1, ${input.triggeredByUserId ?? null}, ${input.startKey},
      ${now}, ${now}, ${input.createdByUserId ?? null})
    on conflict (start_key) do nothing returning *`.execute(tx);
  const exec = inserted.rows[0];
  if (!exec) {
    const existing = await sql<{ id: string }>`select id from on_call_policy_execution where start_key = ${input.startKey}`.execute(tx);
    return { id: existing.rows[0]!.id, started: false };
  }
  await feed(tx, input.projectId, input.subject, 'on_call_policy_started',
    `On-call policy "${policy.name}" started executing${input.reason ? ` (${input.reason})` : ''}: the users on call in it will now be notified.`,
    now, { onCallDutyPolicyId: input.policyId, onCallDutyPolicyExecutionLogId: id });

  const first = await nextRule(tx, input.projectId, input.policyId, null);
  if (!first) {
    const message = `No escalation rules in on-call policy "${policy.name}": add escalation rules to it. No one was notified.`;
    await setStatus(tx, exec, 'Error', message, now, true);
    await feed(tx, input.projectId, input.subject, 'on_call_policy_error', `On-call policy "${policy.name}": ${message}`, now, { onCallDutyPolicyExecutionLogId: id });
    return { id, started: true };
  }
  const subjectInfo = input.subject ? (input.subjectInfo ?? (await loadSubject(tx, input.projectId, input.subject)) ?? null) : null;
  await runRule(tx, exec, policy, first, 1, subjectInfo, now);
  return { id, started: true };
}

async function setStatus(tx: Db, exec: ExecutionRow, status: ExecutionStatus, message: string, now: Date, final: boolean): Promise<void> {
  const keep = exec.keep_status_message && !final;
  await sql`update on_call_policy_execution set status = ${status}, status_message = ${keep ? exec.status_message : message},
      updated_at = ${now} where id = ${exec.id}`.execute(tx);
}

function ruleRun(exec: ExecutionRow, policy: PolicyRow, rule: RuleInfo, repeat: number, subjectInfo: SubjectInfo | null): RuleRun {
  return {
    projectId: exec.project_id,
    executionId: exec.id,
    policyId: exec.policy_id,
    policyName: policy.name,
    eventType: exec.user_notification_event_type,
    subject: subjectOf(exec),
    subjectInfo,
    triggeredByUserId: exec.triggered_by_user_id,
    rule,
    repeat,
  };
}

/**
 * Runs one rule now: pages its targets, records the rule as the last one run, and schedules
 * the next step `escalateAfterInMinutes` later. When nobody was reached because a schedule
 * had nobody on call, the rule is re-checked every minute until the next step is due.
 */
async function runRule(tx: Db, exec: ExecutionRow, policy: PolicyRow, rule: RuleInfo, repeat: number, subjectInfo: SubjectInfo | null, now: Date): Promise<void> {
  const run = ruleRun(exec, policy, rule, repeat, subjectInfo);
  const targets = await resolveRuleTargets(tx, { projectId: exec.project_id, policyId: exec.policy_id, ruleId: rule.id, at: now });
  const { notified, scheduleGap, writes } = planTargets(run, targets, now);
  const nextAt = new Date(now.getTime() + rule.escalateAfterInMinutes * MINUTE);
  const recheckAt = new Date(now.getTime() + RECHECK_INTERVAL_MS);
  const recheck = notified === 0 && scheduleGap && recheckAt < nextAt;
  if (notified === 0) {
    writes.push(ruleSkip(run, now, recheck
      ? `No one reached by this rule yet: no one is on call in its schedule. Re-checking every minute until the next step at ${nextAt.toISOString()}.`
      : scheduleGap
        ? 'Skipped because no one was reached by this rule: no one is on call in its schedule.'
        : 'Skipped because no users in this rule.'));
  }
  const message = `Escalation rule ${rule.order} "${rule.name}" executed${repeat > 1 ? ` (repeat ${repeat})` : ''}: ${notified} user(s) notified. Next step at ${nextAt.toISOString()}.`;
  writes.push(sql`update on_call_policy_execution set status = 'Executing',
      status_message = ${exec.keep_status_message ? exec.status_message : message},
      last_executed_escalation_rule_order = ${rule.order}, last_escalation_rule_executed_at = ${now},
      last_executed_escalation_rule_id = ${rule.id}, execute_next_escalation_rule_in_minutes = ${rule.escalateAfterInMinutes},
      on_call_policy_execution_repeat_count = ${repeat}, users_notified = users_notified + ${notified}, updated_at = ${now}
    where id = ${exec.id}`);
  const group = executionGroup(exec.id);
  writes.push(jobInsert({
    projectId: exec.project_id,
    kind: EXECUTE_RULE_JOB,
    runAt: nextAt,
    payload: { executionId: exec.id, repeat, afterOrder: rule.order },
    key: `oncall:${exec.id}:step:${repeat}:${rule.order}`,
    group,
  }, now));
  if (recheck) {
    writes.push(jobInsert({
      projectId: exec.project_id,
      kind: RECHECK_RULE_JOB,
      runAt: recheckAt,
      payload: { executionId: exec.id, repeat, ruleOrder: rule.order, ruleId: rule.id, attempt: 1 },
      key: `oncall:${exec.id}:recheck:${repeat}:${rule.order}:1`,
      group,
    }, now));
  }
  // Every row of the rule in one round trip.
  await writeTogether(tx, writes);
}

/** Payload of an `on-call.execute-rule` job: the step after rule `afterOrder` of pass `repeat`. */
export interface StepPayload {
  readonly executionId: string;
  readonly repeat: number;
  readonly afterOrder: number;
}

/**
 * The next step of a run: the rule with the next existing order; after the last rule, the
 * first rule again while repeats remain; then the end (`Execution Completed`, or `Execution
 * Completed - No One Notified` when nobody was ever reached). A step whose run has moved on,
 * stopped, or whose subject is no longer open does nothing more than record that.
 */
export async function advanceExecution(tx: Db, p: StepPayload, now: Date): Promise<void> {
  const exec = await lockExecution(tx, p.executionId);
  if (!exec || !RUNNING_STATUSES.includes(exec.status)) return;
  if (exec.on_call_policy_execution_repeat_count !== p.repeat || exec.last_executed_escalation_rule_order !== p.afterOrder) return;
  const subjectInfo = await openSubjectOrStop(tx, exec, now);
  if (subjectInfo === false) return;
  const policy = await loadPolicy(tx, exec.project_id, exec.policy_id);
  if (!policy) return;
  const rule = await nextRule(tx, exec.project_id, exec.policy_id, p.afterOrder);
  if (rule) return runRule(tx, exec, policy, rule, p.repeat, subjectInfo, now);
  if (policy.repeat_policy_if_no_one_acknowledges && p.repeat <= policy.repeat_policy_if_no_one_acknowledges_no_of_times) {
    const first = await nextRule(tx, exec.project_id, exec.policy_id, null);
    if (first) return runRule(tx, exec, policy, first, p.repeat + 1, subjectInfo, now);
  }
  await finishExecution(tx, exec, policy, now);
}

/** Payload of an `on-call.recheck-rule` job: look again at a rule that reached nobody. */
export interface RecheckPayload {
  readonly executionId: string;
  readonly repeat: number;
  readonly ruleOrder: number;
  readonly ruleId: string;
  readonly attempt: number;
}

/**
 * Re-checks a rule that reached nobody because a schedule had nobody on call. If someone is on
 * call now they are paged (the next step keeps its time); otherwise another re-check follows a
 * minute later while the next step is not due, and the last one records that nobody was reached.
 */
export async function recheckRule(tx: Db, p: RecheckPayload, now: Date): Promise<void> {
  const exec = await lockExecution(tx, p.executionId);
  if (!exec || !RUNNING_STATUSES.includes(exec.status)) return;
  if (exec.on_call_policy_execution_repeat_count !== p.repeat || exec.last_executed_escalation_rule_order !== p.ruleOrder) return;
  const subjectInfo = await openSubjectOrStop(tx, exec, now);
  if (subjectInfo === false) return;
  const policy = await loadPolicy(tx, exec.project_id, exec.policy_id);
  const rule = await loadRule(tx, exec.project_id, p.ruleId);
  if (!policy || !rule) return;
  const run = ruleRun(exec, policy, rule, p.repeat, subjectInfo);
  const dueAt = new Date(exec.last_escalation_rule_executed_at!.getTime() + (exec.execute_next_escalation_rule_in_minutes ?? 0) * MINUTE);
  const targets = await resolveRuleTargets(tx, { projectId: exec.project_id, policyId: exec.policy_id, ruleId: rule.id, at: now });
  if (targets.some((t) => t.kind === 'notify')) {
    const { notified, writes } = planTargets(run, targets, now, ` (re-check ${p.attempt})`);
    writes.push(sql`update on_call_policy_execution set users_notified = users_notified + ${notified}, updated_at = ${now},
        status_message = case when keep_status_message then status_message
          else ${`Escalation rule ${rule.order} "${rule.name}" re-checked: ${notified} user(s) notified. Next step at ${dueAt.toISOString()}.`} end
      where id = ${exec.id}`);
    await writeTogether(tx, writes);
    return;
  }
  const nextAt = new Date(now.getTime() + RECHECK_INTERVAL_MS);
  if (nextAt < dueAt && p.attempt < MAX_RECHECKS) {
    await enqueueJob(tx, {
      projectId: exec.project_id,
      kind: RECHECK_RULE_JOB,
      runAt: nextAt,
      payload: { ...p, attempt: p.attempt + 1 },
      key: `oncall:${exec.id}:recheck:${p.repeat}:${p.ruleOrder}:${p.attempt + 1}`,
      group: executionGroup(exec.id),
    }, now);
    return;
  }
  await ruleSkip(run, now,
    `Skipped because no one was reached by this rule: no one was on call in its schedule at any of ${p.attempt} re-check(s) before the next step.`).execute(tx);
}

/**
 * The run's subject if it is still open (Created), else stops the run as its subject's state
 * says (acknowledged, resolved, deleted) and answers false. A run without a subject continues.
 */
async function openSubjectOrStop(tx: Db, exec: ExecutionRow, now: Date): Promise<SubjectInfo | null | false> {
  const subject = subjectOf(exec);
  if (!subject) return null;
  const info = await loadSubject(tx, exec.project_id, subject);
  if (!info) {
    await stopExecution(tx, exec, { reason: 'deleted', subject, userId: null, at: now }, now);
    return false;
  }
  if (info.state === 'Created') return info;
  await stopExecution(tx, exec, {
    reason: info.state === 'Resolved' ? 'resolved' : 'acknowledged',
    subject,
    userId: info.acknowledgedByUserId,
    at: info.acknowledgedAt ?? now,
  }, now);
  return false;
}

async function finishExecution(tx: Db, exec: ExecutionRow, policy: PolicyRow, now: Date): Promise<void> {
  const anyone = exec.users_notified > 0;
  const status: ExecutionStatus = anyone ? 'Execution Completed' : 'Execution Completed - No One Notified';
  const passes = exec.on_call_policy_execution_repeat_count;
  const message = anyone
    ? `Execution completed: every escalation rule ran${passes > 1 ? ` ${passes} times` : ''} and no one acknowledged.`
    : `Execution completed: every escalation rule ran${passes > 1 ? ` ${passes} times` : ''} but no one was on call or targeted, so no one was notified.`;
  await cancelJobGroup(tx, executionGroup(exec.id), now);
  await setStatus(tx, exec, status, message, now, true);
  await sql`update user_notification_log set status = 'Completed', status_message = 'Completed: the on-call policy run ended without an acknowledgement.',
      updated_at = ${now} where execution_id = ${exec.id} and status in ('Scheduled', 'Started', 'Executing')`.execute(tx);
  await feed(tx, exec.project_id, subjectOf(exec), 'on_call_policy_completed', `On-call policy "${policy.name}": ${message}`, now, {
    onCallDutyPolicyExecutionLogId: exec.id,
    status,
  });
}

/** Why a run stops early. `subject` is what was acknowledged (the run's subject, its episode, or a member). */
export interface StopCause {
  readonly reason: 'acknowledged' | 'resolved' | 'deleted';
  readonly subject: SubjectRef;
  readonly userId: string | null;
  readonly at: Date;
  /** The channel it came through (api, sms, slack, email, ...), when known. */
  readonly via?: string | null;
}

/**
 * Stops a running run: cancels its jobs, marks its timeline and user logs acknowledged, cancels
 * its outbox requests not yet due (later methods of a channel order), and completes it with who
 * acknowledged and when (and the team, when that user was paged as a member of one).
 */
async function stopExecution(tx: Db, exec: ExecutionRow, cause: StopCause, now: Date): Promise<void> {
  const own = subjectOf(exec);
  const what = describeCause(own, cause);
  const message = `Execution completed because ${what}.`;
  await cancelJobGroup(tx, executionGroup(exec.id), now);
  const acknowledged = cause.reason !== 'deleted';
  if (acknowledged) {
    await sql`update on_call_policy_execution_timeline set status = 'Successfully Acknowledged', is_acknowledged = true,
        acknowledged_at = ${cause.at}, status_message = ${`Acknowledged: ${what}.`}, updated_at = ${now}
      where execution_id = ${exec.id} and status in ('Started', 'Executing', 'Notification Sent')`.execute(tx);
  }
  await sql`update user_notification_log set status = 'Completed', status_message = ${`Completed: ${what}.`},
      is_acknowledged = ${acknowledged}, acknowledged_at = ${acknowledged ? cause.at : null}, updated_at = ${now}
    where execution_id = ${exec.id} and status in ('Scheduled', 'Started', 'Executing')`.execute(tx);
  // Every request not yet handed to a provider: later methods of a channel order, personal-rule
  // delays, retries waiting on a provider, and requests due but not yet claimed.
  await sql`with cancelled as (
      update notification_outbox set status = 'Cancelled', status_message = ${`Cancelled: ${what}.`}, updated_at = ${now}
      where on_call_duty_policy_execution_log_id = ${exec.id} and status = 'Pending'
      returning id)
    update notification_delivery set status = 'Cancelled', status_message = ${`Cancelled: ${what}.`}, updated_at = ${now}
    where outbox_id in (select id from cancelled)`.execute(tx);
  let teamId: string | null = null;
  if (acknowledged && cause.userId) {
    const team = await sql<{ team_id: string }>`select user_belongs_to_team_id as team_id from on_call_policy_execution_timeline
      where execution_id = ${exec.id} and alert_sent_to_user_id = ${cause.userId} and user_belongs_to_team_id is not null
      order by created_at, id limit 1`.execute(tx);
    teamId = team.rows[0]?.team_id ?? null;
  }
  await sql`update on_call_policy_execution set status = 'Execution Completed', status_message = ${message},
      acknowledged_by_user_id = ${acknowledged ? cause.userId : null}, acknowledged_at = ${acknowledged ? cause.at : null},
      acknowledged_by_team_id = ${teamId}, updated_at = ${now}
    where id = ${exec.id}`.execute(tx);
  if (cause.reason !== 'deleted' || (own && (own.type !== cause.subject.type || own.id !== cause.subject.id))) {
    const policy = await loadPolicy(tx, exec.project_id, exec.policy_id);
    await feed(tx, exec.project_id, own, 'on_call_policy_completed', `On-call policy "${policy?.name ?? exec.policy_id}": ${message}`, now, {
      onCallDutyPolicyExecutionLogId: exec.id,
      status: 'Execution Completed',
    });
  }
}

/** The channels a page can be acknowledged through, named in the run's message (`... by user X via sms`). */
const NOTIFICATION_CHANNELS = new Set(['sms', 'call', 'email', 'slack', 'teams', 'webhook', 'in-app']);

function describeCause(own: SubjectRef | null, cause: StopCause): string {
  const channel = cause.via && NOTIFICATION_CHANNELS.has(cause.via) ? ` via ${cause.via}` : '';
  const by = cause.userId ? ` by user ${cause.userId}${channel}` : channel;
  const same = own !== null && own.type === cause.subject.type && own.id === cause.subject.id;
  const name = subjectLabel(cause.subject.type).toLowerCase();
  const which = same ? `the ${name}` : `${name} ${cause.subject.id}`;
  return `${which} was ${cause.reason}${cause.reason === 'deleted' ? '' : by}`;
}

/**
 * Stops every running run of the given subjects (each as `cause` says). Returns how many
 * stopped. Runs in the caller's transaction; locks each run's row.
 */
export async function stopExecutionsOf(tx: Db, projectId: string, subjects: readonly SubjectRef[], cause: StopCause, now: Date): Promise<number> {
  let stopped = 0;
  for (const s of subjects) {
    const res = await sql<{ id: string }>`select id from on_call_policy_execution
      where project_id = ${projectId} and ${sql.ref(TRIGGER_COLUMN[s.type])} = ${s.id} and status = any(${[...RUNNING_STATUSES]}::text[])
      order by created_at, id`.execute(tx);
    for (const { id } of res.rows) {
      const exec = await lockExecution(tx, id);
      if (!exec || !RUNNING_STATUSES.includes(exec.status)) continue;
      await stopExecution(tx, exec, cause, now);
      stopped += 1;
    }
  }
  return stopped;
}

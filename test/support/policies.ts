// Helpers for tests of on-call duty policies and their runs, over the public API (SQL only
// for the notification outbox, which has no resource).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { CreatedProject } from '../../src/access/projects.ts';
import type { CallResult, Harness } from './harness.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Row = Record<string, any>;

export const MINUTE = 60_000;

/** Creates a row with the owner's key (and `miscDataProps` when given); asserts 200. */
export async function create(h: Harness, p: CreatedProject, resource: string, data: Row, miscDataProps?: Row): Promise<Row> {
  const res = await h.call('POST', `/api/${resource}`, { key: p.apiKey, body: { data, ...(miscDataProps ? { miscDataProps } : {}) } });
  assert.equal(res.status, 200, `create ${resource}: ${JSON.stringify(res.body)}`);
  return res.body;
}

/** Sends a create and returns the raw answer. */
export function tryCreate(h: Harness, p: CreatedProject, resource: string, data: unknown, miscDataProps?: unknown, key = p.apiKey): Promise<CallResult> {
  return h.call('POST', `/api/${resource}`, { key, body: { data, ...(miscDataProps !== undefined ? { miscDataProps } : {}) } });
}

/** Asserts a 400 whose message names `field`. */
export function expect400(res: CallResult, field: string): void {
  assert.equal(res.status, 400, JSON.stringify(res.body));
  assert.ok(typeof res.body.error === 'string' && res.body.error.includes(field), `error should name ${field}: ${JSON.stringify(res.body)}`);
}

/** A new member of the project with their own key (acting for them). */
export async function member(h: Harness, p: CreatedProject, name: string): Promise<{ id: string; key: string }> {
  const user = await create(h, p, 'user', { email: `${name.toLowerCase()}-${randomUUID()}@example.com`, name, role: 'Project Member' });
  const key = await create(h, p, 'api-key', { name: `${name}'s key`, role: 'Project Member', userId: user._id });
  return { id: user._id, key: key.apiKey };
}

export async function team(h: Harness, p: CreatedProject, name: string, userIds: readonly string[]): Promise<string> {
  const t = await create(h, p, 'team', { name: `${name} ${randomUUID().slice(0, 6)}` });
  for (const userId of userIds) await create(h, p, 'team-member', { teamId: t._id, userId });
  return t._id;
}

export async function policy(h: Harness, p: CreatedProject, data: Row = {}): Promise<string> {
  return (await create(h, p, 'on-call-duty-policy', { name: 'Primary', ...data }))._id;
}

export interface RuleSpec {
  readonly order?: number;
  readonly escalateAfterInMinutes?: number;
  readonly users?: readonly string[];
  readonly teams?: readonly string[];
  readonly onCallSchedules?: readonly string[];
  readonly notificationMethods?: readonly Row[];
  readonly name?: string;
}

export async function rule(h: Harness, p: CreatedProject, policyId: string, spec: RuleSpec): Promise<string> {
  const data: Row = { onCallDutyPolicyId: policyId, name: spec.name ?? `Rule ${spec.order ?? ''}`.trim() };
  if (spec.order !== undefined) data.order = spec.order;
  if (spec.escalateAfterInMinutes !== undefined) data.escalateAfterInMinutes = spec.escalateAfterInMinutes;
  if (spec.notificationMethods) data.notificationMethods = spec.notificationMethods;
  const misc = { users: spec.users ?? [], teams: spec.teams ?? [], onCallSchedules: spec.onCallSchedules ?? [] };
  return (await create(h, p, 'on-call-duty-policy-escalation-rule', data, misc))._id;
}

/** Routes every new subject of `subjectType` to the policies. */
export async function routeAll(h: Harness, p: CreatedProject, subjectType: string, policyIds: readonly string[], extra: Row = {}): Promise<string> {
  return (await create(h, p, 'on-call-duty-policy-routing-rule', { name: `All ${subjectType}s`, subjectType, onCallDutyPolicyIds: policyIds, ...extra }))._id;
}

export async function severityId(h: Harness, p: CreatedProject, type: 'incident' | 'alert', name: string): Promise<string> {
  const res = await h.call('POST', `/api/${type}-severity/get-list`, { key: p.apiKey, body: { query: { name } } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.data[0]._id;
}

/** Every row of a resource in the project matching `query`, oldest first, with every field. */
export async function list(h: Harness, p: CreatedProject, resource: string, query: Row = {}, select?: Row): Promise<Row[]> {
  const res = await h.call('POST', `/api/${resource}/get-list?limit=1000`, {
    key: p.apiKey,
    body: { query, sort: { createdAt: 1 }, ...(select ? { select } : {}) },
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.data;
}

export const EXECUTION_FIELDS = [
  'onCallDutyPolicyId', 'triggeredByIncidentId', 'triggeredByAlertId', 'triggeredByAlertEpisodeId', 'triggeredByIncidentEpisodeId',
  'status', 'statusMessage', 'userNotificationEventType', 'acknowledgedByUserId', 'acknowledgedAt', 'acknowledgedByTeamId',
  'lastExecutedEscalationRuleOrder', 'lastEscalationRuleExecutedAt', 'lastExecutedEscalationRuleId', 'executeNextEscalationRuleInMinutes',
  'onCallPolicyExecutionRepeatCount', 'triggeredByUserId', 'createdByUserId', 'projectId', 'createdAt',
];

/** The runs of the project, oldest first, with every seed-000 field. */
export async function executions(h: Harness, p: CreatedProject, query: Row = {}): Promise<Row[]> {
  return list(h, p, 'on-call-duty-policy-execution-log', query, Object.fromEntries(EXECUTION_FIELDS.map((f) => [f, true])));
}

/** A run's timeline, oldest first, reduced to what tests compare. */
export async function timeline(h: Harness, p: CreatedProject, executionId: string): Promise<Row[]> {
  const rows = await list(h, p, 'on-call-duty-policy-execution-log-timeline', { onCallDutyPolicyExecutionLogId: executionId });
  return rows.map((r) => ({
    order: r.escalationRuleOrder,
    repeat: r.onCallPolicyExecutionRepeatCount,
    user: r.alertSentToUserId,
    team: r.userBelongsToTeamId,
    schedule: r.onCallDutyScheduleId,
    overrided: r.overridedByUserId,
    status: r.status,
    message: r.statusMessage,
    ack: r.isAcknowledged,
    at: r.createdAt,
  }));
}

export async function userLogs(h: Harness, p: CreatedProject, executionId: string): Promise<Row[]> {
  return list(h, p, 'user-notification-log', { onCallDutyPolicyExecutionLogId: executionId });
}

export interface OutboxRow {
  key: string;
  user: string;
  method: string | null;
  status: string;
  sendAfter: string;
  title: string;
  body: string;
  incident: string | null;
  alert: string | null;
  alertEpisode: string | null;
  incidentEpisode: string | null;
  policy: string | null;
  rule: string | null;
  schedule: string | null;
  team: string | null;
  execution: string | null;
  userLog: string | null;
  reason: string;
  payload: Row;
}

/** The outbox rows of the project, oldest first (SQL: the outbox has no resource). */
export async function outbox(h: Harness, p: CreatedProject): Promise<OutboxRow[]> {
  const res = await sql<Row>`select * from notification_outbox where project_id = ${p.projectId} order by created_at, send_after, idempotency_key`.execute(h.database.db);
  return res.rows.map((r) => ({
    key: r.idempotency_key,
    user: r.user_id,
    method: r.method,
    status: r.status,
    sendAfter: new Date(r.send_after).toISOString(),
    title: r.title,
    body: r.body,
    incident: r.incident_id,
    alert: r.alert_id,
    alertEpisode: r.alert_episode_id,
    incidentEpisode: r.incident_episode_id,
    policy: r.on_call_duty_policy_id,
    rule: r.on_call_duty_policy_escalation_rule_id,
    schedule: r.on_call_duty_policy_schedule_id,
    team: r.team_id,
    execution: r.on_call_duty_policy_execution_log_id,
    userLog: r.user_notification_log_id,
    reason: r.reason,
    payload: r.payload,
  }));
}

/** Pending jobs of a run. */
export async function pendingJobs(h: Harness, executionId: string): Promise<{ kind: string; runAt: string }[]> {
  const res = await sql<{ kind: string; run_at: Date }>`select kind, run_at from job where group_key = ${`execution:${executionId}`} and state = 'pending'
    order by run_at, kind`.execute(h.database.db);
  return res.rows.map((r) => ({ kind: r.kind, runAt: new Date(r.run_at).toISOString() }));
}

export async function jobStates(h: Harness, executionId: string): Promise<string[]> {
  const res = await sql<{ state: string }>`select state from job where group_key = ${`execution:${executionId}`} order by created_at, idempotency_key`.execute(h.database.db);
  return res.rows.map((r) => r.state);
}

/** An incident or alert over the API. */
export async function raise(h: Harness, p: CreatedProject, type: 'incident' | 'alert', data: Row = {}): Promise<string> {
  return (await create(h, p, type, { title: 'Database down', ...data }))._id;
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * A row of a read-only log resource of the project: runs a one-rule policy (paging the owner)
 * by hand and answers the newest row of `resource` it wrote.
 */
export async function runLogRow(h: Harness, p: CreatedProject, resource: string): Promise<string> {
  const policyId = await policy(h, p);
  await rule(h, p, policyId, { users: [p.userId] });
  await create(h, p, 'on-call-duty-policy-execution-log', { onCallDutyPolicyId: policyId });
  const res = await h.call('POST', `/api/${resource}/get-list`, { key: p.apiKey, body: { sort: { createdAt: -1 } } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.data[0]._id;
}

/** A policy attached to a new incident of the project; answers the attachment's id. */
export async function attachmentRow(h: Harness, p: CreatedProject): Promise<string> {
  const incidentId = await raise(h, p, 'incident');
  return (await create(h, p, 'on-call-duty-policy-attachment', { onCallDutyPolicyId: await policy(h, p), incidentId }))._id;
}

import type { Method } from '../model.ts';

/** A `notification_outbox` row as the sender reads it. */
export interface OutboxRow {
  id: string;
  project_id: string;
  idempotency_key: string;
  user_id: string | null;
  method: Method | null;
  reason: string;
  title: string;
  body: string;
  status: string;
  send_after: Date;
  incident_id: string | null;
  alert_id: string | null;
  alert_episode_id: string | null;
  incident_episode_id: string | null;
  on_call_duty_policy_id: string | null;
  on_call_duty_policy_escalation_rule_id: string | null;
  on_call_duty_policy_schedule_id: string | null;
  on_call_duty_policy_execution_log_id: string | null;
  user_notification_log_id: string | null;
  team_id: string | null;
  escalation_policy_id: string | null;
  payload: Record<string, unknown> | null;
  contact_method_id: string | null;
  parent_id: string | null;
  user_notification_rule_id: string | null;
  attempts: number;
  created_at: Date;
}

/** The columns the sender selects (`returning` / `select` lists). */
export const OUTBOX_COLUMNS = `id, project_id, idempotency_key, user_id, method, reason, title, body, status, send_after,
  incident_id, alert_id, alert_episode_id, incident_episode_id, on_call_duty_policy_id, on_call_duty_policy_escalation_rule_id,
  on_call_duty_policy_schedule_id, on_call_duty_policy_execution_log_id, user_notification_log_id, team_id, escalation_policy_id,
  payload, contact_method_id, parent_id, user_notification_rule_id, attempts, created_at`;

/** The subject of a row, if any (the first id set). */
export function subjectOf(row: OutboxRow): { type: 'incident' | 'alert' | 'alert-episode' | 'incident-episode'; id: string } | null {
  if (row.incident_episode_id) return { type: 'incident-episode', id: row.incident_episode_id };
  if (row.alert_episode_id) return { type: 'alert-episode', id: row.alert_episode_id };
  if (row.incident_id) return { type: 'incident', id: row.incident_id };
  if (row.alert_id) return { type: 'alert', id: row.alert_id };
  return null;
}

/** The correlation columns a child row and a delivery copy from their outbox row, in this order. */
export const CORRELATION_COLUMNS = [
  'incident_id',
  'alert_id',
  'alert_episode_id',
  'incident_episode_id',
  'on_call_duty_policy_id',
  'on_call_duty_policy_escalation_rule_id',
  'on_call_duty_policy_schedule_id',
  'on_call_duty_policy_execution_log_id',
  'user_notification_log_id',
  'team_id',
  'escalation_policy_id',
] as const;

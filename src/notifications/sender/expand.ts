import { sql } from 'kysely';
import type { Db } from '../../storage/database.ts';
import { newId } from '../../storage/ids.ts';
import type { ContactKind, Method } from '../model.ts';
import { CORRELATION_COLUMNS, OUTBOX_COLUMNS, subjectOf, type OutboxRow } from './outbox-row.ts';

const MINUTE = 60_000;

/** A request a row expands into: a method, maybe a contact method, a delay after the parent's due time. */
export interface ChildSpec {
  readonly keySuffix: string;
  readonly method: Method;
  readonly contactMethodId: string | null;
  readonly ruleId: string | null;
  readonly afterMinutes: number;
}

/** The rule type that matches a run's event type (OneUptime's names). */
const RULE_TYPE_OF_EVENT: Readonly<Record<string, string>> = {
  'Incident Created': 'When incident on-call policy is executed',
  'Alert Created': 'When alert on-call policy is executed',
  'Alert Episode Created': 'When alert episode on-call policy is executed',
  'Incident Episode Created': 'When incident episode on-call policy is executed',
};

/** The method each contact-method column of a rule stands for. */
const RULE_CONTACT_COLUMNS: ReadonlyArray<readonly [string, Method]> = [
  ['user_email_id', 'email'],
  ['user_sms_id', 'sms'],
  ['user_call_id', 'call'],
  ['user_push_id', 'push'],
  ['user_webhook_id', 'webhook'],
];

interface RuleRow {
  id: string;
  notify_after_minutes: number;
  incident_severity_id: string | null;
  alert_severity_id: string | null;
  user_email_id: string | null;
  user_sms_id: string | null;
  user_call_id: string | null;
  user_push_id: string | null;
  user_webhook_id: string | null;
  workspace_destination_id: string | null;
  workspace_kind: string | null;
  is_opt_out: boolean;
}

/**
 * What a row without a method (the user's personal rules decide) expands into: one request per
 * matching rule, each at its own delay; with no matching rule, email at once unless the
 * project turned that fallback off (then nothing, and the caller records why). A matching
 * opt-out rule answers `opted-out`.
 */
export async function personalRuleChildren(tx: Db, row: OutboxRow): Promise<ChildSpec[] | 'opted-out'> {
  if (!row.user_id) return [];
  const eventType = typeof row.payload?.userNotificationEventType === 'string' ? row.payload.userNotificationEventType : null;
  const ruleType = (eventType && RULE_TYPE_OF_EVENT[eventType]) ?? 'When incident on-call policy is executed';
  const subject = subjectOf(row);
  let severityId: string | null = null;
  if (subject && (subject.type === 'incident' || subject.type === 'alert')) {
    const r = await sql<{ severity_id: string | null }>`select severity_id from ${sql.table(subject.type)} where id = ${subject.id}`.execute(tx);
    severityId = r.rows[0]?.severity_id ?? null;
  }
  const rules = await sql<RuleRow>`select r.id, r.notify_after_minutes, r.incident_severity_id, r.alert_severity_id, r.user_email_id,
      r.user_sms_id, r.user_call_id, r.user_push_id, r.user_webhook_id, r.workspace_destination_id, w.kind as workspace_kind, r.is_opt_out
    from user_notification_rule r left join contact_method w on w.id = r.workspace_destination_id
    where r.project_id = ${row.project_id} and r.user_id = ${row.user_id} and r.rule_type = ${ruleType}
    order by r.notify_after_minutes, r.created_at, r.id`.execute(tx);
  const children: ChildSpec[] = [];
  const matching = rules.rows.filter((r) => {
    const wanted = subject?.type === 'alert' || subject?.type === 'alert-episode' ? r.alert_severity_id : r.incident_severity_id;
    return !wanted || wanted === severityId;
  });
  // An opt-out rule for this event means: nothing, and no fallback either.
  if (matching.some((r) => r.is_opt_out)) return 'opted-out';
  for (const r of matching) {
    for (const [column, method] of RULE_CONTACT_COLUMNS) {
      const contactId = r[column as keyof RuleRow] as string | null;
      if (contactId) children.push({ keySuffix: `rule:${r.id}:${method}`, method, contactMethodId: contactId, ruleId: r.id, afterMinutes: r.notify_after_minutes });
    }
    if (r.workspace_destination_id && (r.workspace_kind === 'slack' || r.workspace_kind === 'teams')) {
      children.push({ keySuffix: `rule:${r.id}:${r.workspace_kind}`, method: r.workspace_kind, contactMethodId: r.workspace_destination_id, ruleId: r.id, afterMinutes: r.notify_after_minutes });
    }
  }
  if (children.length > 0) return children;
  const p = await sql<{ off: boolean }>`select disable_on_call_notification_fallback as off from project where id = ${row.project_id}`.execute(tx);
  return p.rows[0]?.off === true ? [] : [{ keySuffix: 'fallback:email', method: 'email', contactMethodId: null, ruleId: null, afterMinutes: 0 }];
}

/**
 * The contact methods a row that names a method but no contact goes to: every one of the
 * user's methods of that kind (unverified and switched-off ones too, so their skip is
 * recorded); for Slack and Teams, the project's shared destinations when the user has none.
 */
export async function contactChildren(tx: Db, row: OutboxRow, method: Method, kind: ContactKind): Promise<ChildSpec[]> {
  const own = row.user_id
    ? await sql<{ id: string }>`select id from contact_method where project_id = ${row.project_id} and user_id = ${row.user_id} and kind = ${kind}
        order by created_at, id`.execute(tx)
    : { rows: [] };
  let ids = own.rows.map((r) => r.id);
  if (ids.length === 0 && (kind === 'slack' || kind === 'teams')) {
    const shared = await sql<{ id: string }>`select id from contact_method where project_id = ${row.project_id} and user_id is null and kind = ${kind}
      order by created_at, id`.execute(tx);
    ids = shared.rows.map((r) => r.id);
  }
  return ids.map((id) => ({ keySuffix: `contact:${id}`, method, contactMethodId: id, ruleId: null, afterMinutes: 0 }));
}

/**
 * Writes the children of a row (each keyed after its parent, so expanding twice writes once)
 * and marks the parent `Expanded`. A child is due at the parent's due time plus its delay.
 * Answers the children written (none for a key already written).
 */
export async function writeChildren(tx: Db, row: OutboxRow, children: readonly ChildSpec[], now: Date): Promise<OutboxRow[]> {
  const written: OutboxRow[] = [];
  for (const c of children) {
    const cols = sql.join(CORRELATION_COLUMNS.map((k) => sql.ref(k)));
    const vals = sql.join(CORRELATION_COLUMNS.map((k) => sql`${row[k]}`));
    const r = await sql<OutboxRow>`insert into notification_outbox (id, project_id, idempotency_key, user_id, method, reason, title, body, status, send_after,
        ${cols}, payload, contact_method_id, parent_id, user_notification_rule_id, created_at, updated_at)
      values (${newId()}, ${row.project_id}, ${`${row.idempotency_key}:${c.keySuffix}`}, ${row.user_id}, ${c.method}, ${row.reason},
        ${row.title}, ${row.body}, 'Pending', ${new Date(row.send_after.getTime() + c.afterMinutes * MINUTE)}, ${vals},
        ${JSON.stringify(row.payload ?? {})}, ${c.contactMethodId}, ${row.id}, ${c.ruleId}, ${now}, ${now})
      on conflict (idempotency_key) do nothing
      returning ${sql.raw(OUTBOX_COLUMNS)}`.execute(tx);
    written.push(...r.rows);
  }
  const what = children.map((c) => `${c.method}${c.afterMinutes ? ` after ${c.afterMinutes} min` : ''}`).join(', ');
  await sql`update notification_outbox set status = 'Expanded', status_message = ${`Expanded into ${children.length} request(s): ${what}.`},
      updated_at = ${now} where id = ${row.id}`.execute(tx);
  return written;
}

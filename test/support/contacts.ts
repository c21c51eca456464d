import { sql } from 'kysely';
import type { ContactKind } from '../../src/notifications/model.ts';
import { newId } from '../../src/storage/ids.ts';
import type { Harness } from './harness.ts';

/**
 * Adds a contact method straight into the database (verified unless told otherwise), for
 * tests of channels that need one without going through the verification flow. `secret` is
 * sealed as the app would (a webhook's `whsec_...`, a Teams Workflows URL).
 */
export async function addContact(
  h: Harness,
  projectId: string,
  userId: string | null,
  kind: ContactKind,
  address: string,
  opts: { verified?: boolean; secret?: string; name?: string } = {},
): Promise<string> {
  const id = newId();
  const now = h.clock.now();
  await sql`insert into contact_method (id, project_id, user_id, kind, address, name, is_verified, secret_encrypted, created_at, updated_at)
    values (${id}, ${projectId}, ${userId}, ${kind}, ${address}, ${opts.name ?? null}, ${opts.verified ?? true},
      ${opts.secret ? h.notifications.box.seal(opts.secret) : null}, ${now}, ${now})`.execute(h.database.db);
  return id;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type DeliveryRow = Record<string, any>;

/** The project's delivery rows, oldest first, with their attempts (status, provider id, error). */
export async function deliveries(h: Harness, projectId: string): Promise<DeliveryRow[]> {
  const r = await sql<DeliveryRow>`select d.*, coalesce((select json_agg(json_build_object('attemptNo', a.attempt_no, 'status', a.status,
        'providerMessageId', a.provider_message_id, 'error', a.error) order by a.attempt_no) from notification_attempt a where a.delivery_id = d.id), '[]') as attempt_list
    from notification_delivery d where d.project_id = ${projectId} order by d.created_at, d.id`.execute(h.database.db);
  return r.rows;
}

/** Writes one outbox request for a user, due now (what a policy step or an SLA level writes). */
export async function requestMessage(
  h: Harness,
  projectId: string,
  userId: string | null,
  method: string | null,
  opts: { key?: string; title?: string; body?: string; incidentId?: string; alertId?: string; payload?: Record<string, unknown>; reason?: string; contactMethodId?: string } = {},
): Promise<string> {
  const id = newId();
  const now = h.clock.now();
  await sql`insert into notification_outbox (id, project_id, idempotency_key, user_id, method, reason, title, body, status, send_after,
      incident_id, alert_id, payload, contact_method_id, created_at, updated_at)
    values (${id}, ${projectId}, ${opts.key ?? `test:${id}`}, ${userId}, ${method}, ${opts.reason ?? 'on-call-policy'}, ${opts.title ?? 'Disk full on db-1'},
      ${opts.body ?? 'The disk of db-1 is full.'}, 'Pending', ${now}, ${opts.incidentId ?? null}, ${opts.alertId ?? null},
      ${JSON.stringify(opts.payload ?? {})}, ${opts.contactMethodId ?? null}, ${now}, ${now})`.execute(h.database.db);
  return id;
}

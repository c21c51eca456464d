import { sql } from 'kysely';
import type { Db } from '../../storage/database.ts';
import type { MessageContact, OutgoingMessage } from '../channels/channel.ts';
import type { ContactKind, Method } from '../model.ts';
import type { SecretBox } from '../secrets.ts';
import { subjectOf, type OutboxRow } from './outbox-row.ts';

/** A contact method row as the sender reads it. */
export interface ContactRow {
  id: string;
  user_id: string | null;
  kind: ContactKind;
  address: string;
  is_verified: boolean;
  is_disabled: boolean;
  disabled_reason: string | null;
  secret_encrypted: string | null;
}

export async function loadContact(tx: Db, projectId: string, id: string): Promise<ContactRow | undefined> {
  const r = await sql<ContactRow>`select id, user_id, kind, address, is_verified, is_disabled, disabled_reason, secret_encrypted
    from contact_method where id = ${id} and project_id = ${projectId}`.execute(tx);
  return r.rows[0];
}

/** A contact method of the project and the user a message is for, in one round trip. */
export async function loadContactAndUser(
  tx: Db,
  projectId: string,
  contactId: string,
  userId: string | null,
): Promise<{ contact: ContactRow | null; user: { name: string | null; email: string | null } }> {
  const r = await sql<ContactRow & { found: boolean; user_name: string | null; user_email: string | null }>`select c.id is not null as found, c.id, c.user_id,
      c.kind, c.address, c.is_verified, c.is_disabled, c.disabled_reason, c.secret_encrypted, u.name as user_name, u.email as user_email
    from (values (1)) v left join contact_method c on c.id = ${contactId} and c.project_id = ${projectId}
      left join app_user u on u.id = ${userId}`.execute(tx);
  const row = r.rows[0]!;
  return { contact: row.found ? row : null, user: { name: row.user_name, email: row.user_email } };
}

export async function loadUser(tx: Db, userId: string | null): Promise<{ name: string | null; email: string | null }> {
  if (!userId) return { name: null, email: null };
  const r = await sql<{ name: string; email: string }>`select name, email from app_user where id = ${userId}`.execute(tx);
  return { name: r.rows[0]?.name ?? null, email: r.rows[0]?.email ?? null };
}

/** The message a channel is handed for an outbox row, its contact (if any) and its delivery. */
export function buildMessage(
  row: OutboxRow,
  method: Method,
  contact: ContactRow | null,
  user: { name: string | null; email: string | null },
  delivery: { id: string; attempt: number; replyCode: number | null },
  box: SecretBox,
): OutgoingMessage {
  const mc: MessageContact | null = contact
    ? { id: contact.id, kind: contact.kind, address: contact.address, secret: contact.secret_encrypted ? box.open(contact.secret_encrypted) : null }
    : null;
  const payload = row.payload ?? {};
  return {
    deliveryId: delivery.id,
    projectId: row.project_id,
    userId: row.user_id,
    userName: user.name,
    userEmail: user.email,
    method,
    contact: mc,
    title: row.title,
    body: row.body,
    subject: subjectOf(row),
    severity: typeof payload.severity === 'string' ? payload.severity : null,
    reason: row.reason,
    replyCode: delivery.replyCode,
    attempt: delivery.attempt,
    payload,
  };
}

/** Where a message goes, for the logs and throttles: the contact's address, or the user's account email. */
export function recipientOf(method: Method, contact: ContactRow | null, user: { email: string | null }, userId: string | null): string | null {
  if (contact) return contact.kind === 'teams' ? `teams:${contact.id}` : contact.address;
  if (method === 'email') return user.email;
  if (method === 'in-app' || method === 'push') return userId ? `user:${userId}` : null;
  return null;
}

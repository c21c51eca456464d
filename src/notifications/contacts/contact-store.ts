import { sql } from 'kysely';
import { conflict, notFound } from '../../errors.ts';
import type { Db } from '../../storage/database.ts';
import type { ContactKind } from '../model.ts';

/** A contact method row as its resources' hooks need it. */
export interface StoredContact {
  readonly id: string;
  readonly project_id: string;
  readonly user_id: string | null;
  readonly kind: ContactKind;
  readonly address: string;
  readonly name: string | null;
  readonly is_verified: boolean;
  readonly verification_code_hash: string | null;
  readonly verification_code_expires_at: Date | null;
  readonly verification_attempts: number;
  readonly verification_code_sent_at: Date | null;
}

/** Locks and answers contact method `id` of the project if it is of one of `kinds`; 404 naming `title` otherwise. */
export async function lockContact(tx: Db, projectId: string, id: string, kinds: readonly ContactKind[], title: string): Promise<StoredContact> {
  const r = await sql<StoredContact>`select id, project_id, user_id, kind, address, name, is_verified, verification_code_hash,
      verification_code_expires_at, verification_attempts, verification_code_sent_at
    from contact_method where id = ${id} and project_id = ${projectId} and kind = any(${[...kinds]}::text[]) for update`.execute(tx);
  const row = r.rows[0];
  if (!row) throw notFound(`No ${title} with _id ${id} in this project`);
  return row;
}

/** 409 when the user (or, for `userId` null, the project) already has this address for this kind. */
export async function assertNewAddress(
  tx: Db,
  q: { projectId: string; userId: string | null; kind: ContactKind; address: string; exceptId: string | null; title: string },
): Promise<void> {
  const r = await sql`select 1 from contact_method where project_id = ${q.projectId} and kind = ${q.kind} and address = ${q.address}
      and user_id is not distinct from ${q.userId} and id is distinct from ${q.exceptId}`.execute(tx);
  if (r.rows.length > 0) throw conflict(`This ${q.title} already exists for this user: ${q.address}`);
}

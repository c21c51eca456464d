import { newId } from '../storage/ids.ts';
import { sql } from 'kysely';
import type { Db } from '../storage/database.ts';
import type { Actor } from './actor.ts';
import { generateApiKeySecret, hashApiKey } from './api-key-secret.ts';
import { effectivePermissions, type Role } from './roles.ts';

export interface NewApiKey {
  readonly projectId: string;
  readonly name: string;
  readonly description?: string | null;
  readonly role: Role | null;
  readonly permissions: readonly string[];
  readonly expiresAt: Date | null;
  readonly userId: string | null;
  readonly createdByUserId: string | null;
  readonly now: Date;
}

/** Stores a new key (its digest only) and returns its id and the secret, which is never stored. */
export async function insertApiKey(db: Db, k: NewApiKey): Promise<{ id: string; secret: string }> {
  const id = newId();
  const key = generateApiKeySecret();
  await sql`insert into api_key (id, project_id, name, description, key_prefix, key_hash, role, permissions,
      expires_at, user_id, created_at, updated_at, created_by_user_id)
    values (${id}, ${k.projectId}, ${k.name}, ${k.description ?? null}, ${key.prefix}, ${key.hash}, ${k.role},
      ${[...k.permissions]}, ${k.expiresAt}, ${k.userId}, ${k.now}, ${k.now}, ${k.createdByUserId})`.execute(db);
  return { id, secret: key.secret };
}

interface KeyRow {
  id: string;
  project_id: string;
  role: Role | null;
  permissions: string[];
  expires_at: Date | null;
  user_id: string | null;
}

/**
 * The actor a presented key stands for, or `null` when no live key matches
 * (unknown, deleted or expired). One indexed read.
 */
export async function authenticateApiKey(db: Db, secret: string, now: Date): Promise<Actor | null> {
  const res = await sql<KeyRow>`select id, project_id, role, permissions, expires_at, user_id
    from api_key where key_hash = ${hashApiKey(secret)}`.execute(db);
  const row = res.rows[0];
  if (!row || (row.expires_at && row.expires_at.getTime() <= now.getTime())) return null;
  return {
    kind: 'apiKey',
    projectId: row.project_id,
    apiKeyId: row.id,
    userId: row.user_id,
    role: row.role,
    permissions: effectivePermissions(row.role, row.permissions),
  };
}

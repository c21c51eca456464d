import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import type { Db } from './database.ts';

const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));
/** An arbitrary constant that names Vigil's migration lock among advisory locks. */
const MIGRATION_LOCK_ID = 7_842_115_001;

interface Migration {
  readonly id: string;
  readonly sql: string;
}

/** The migrations shipped with this version, in the order they apply (by file name). */
export function bundledMigrations(): Migration[] {
  return readdirSync(MIGRATIONS_DIR)
    .filter((f) => /^\d{3}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((f) => ({ id: f.replace(/\.sql$/, ''), sql: readFileSync(MIGRATIONS_DIR + f, 'utf8') }));
}

/**
 * Applies every migration not yet applied, in one transaction under an advisory lock,
 * so several processes starting at once on one PostgreSQL migrate exactly once.
 * Returns the ids it applied.
 */
export async function migrate(db: Db): Promise<string[]> {
  return db.transaction().execute(async (tx) => {
    await sql`select pg_advisory_xact_lock(${MIGRATION_LOCK_ID})`.execute(tx);
    await sql`create table if not exists vigil_migration (
      id text primary key,
      applied_at timestamptz not null default now()
    )`.execute(tx);
    const done = new Set((await appliedIds(tx)));
    const applied: string[] = [];
    for (const m of bundledMigrations()) {
      if (done.has(m.id)) continue;
      await sql.raw(m.sql).execute(tx);
      await sql`insert into vigil_migration (id) values (${m.id})`.execute(tx);
      applied.push(m.id);
    }
    return applied;
  });
}

/** Ids of the bundled migrations that the database has not applied yet. */
export async function pendingMigrations(db: Db): Promise<string[]> {
  const exists = await sql<{ t: string | null }>`select to_regclass('vigil_migration')::text as t`.execute(db);
  const done = exists.rows[0]?.t ? new Set(await appliedIds(db)) : new Set<string>();
  return bundledMigrations()
    .map((m) => m.id)
    .filter((id) => !done.has(id));
}

async function appliedIds(db: Db): Promise<string[]> {
  const r = await sql<{ id: string }>`select id from vigil_migration`.execute(db);
  return r.rows.map((row) => row.id);
}

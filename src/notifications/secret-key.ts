import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import type { Db } from '../storage/database.ts';

/** Where the key came from, for a start-up log line (never the key). */
export type SecretKeySource = 'environment' | 'data directory' | 'database';

/**
 * The key stored secrets are encrypted under: `VIGIL_SECRET_KEY` when set; otherwise one
 * generated once and kept in the data directory (`secret.key`, readable by its owner only) on
 * the embedded database, or in the database's `vigil_setting` table on PostgreSQL, so that
 * every process sharing it agrees (set VIGIL_SECRET_KEY in production to keep key and data apart).
 */
export async function loadSecretKey(opts: { configured: string | undefined; dataDir: string | null; db: Db }): Promise<{ key: string; source: SecretKeySource }> {
  if (opts.configured) return { key: opts.configured, source: 'environment' };
  if (opts.dataDir) {
    const file = path.join(opts.dataDir, 'secret.key');
    if (!existsSync(file)) {
      mkdirSync(opts.dataDir, { recursive: true });
      writeFileSync(file, randomBytes(32).toString('base64url'), { mode: 0o600, flag: 'wx' });
    }
    chmodSync(file, 0o600);
    return { key: readFileSync(file, 'utf8').trim(), source: 'data directory' };
  }
  await sql`insert into vigil_setting (name, value) values ('secret_key', ${randomBytes(32).toString('base64url')})
    on conflict (name) do nothing`.execute(opts.db);
  const r = await sql<{ value: string }>`select value from vigil_setting where name = 'secret_key'`.execute(opts.db);
  return { key: r.rows[0]!.value, source: 'database' };
}

import path from 'node:path';
import { openDatabase, type Database } from '../storage/database.ts';
import { acquireDataDirLock, type DataDirLock } from '../storage/data-dir-lock.ts';
import type { Config } from './config.ts';

export interface OpenedStorage {
  readonly database: Database;
  /** Held on the embedded database only. */
  readonly lock: DataDirLock | null;
  /** Where the data lives, for messages (never includes a password). */
  readonly description: string;
  close(): Promise<void>;
}

/**
 * Opens the configured database: PostgreSQL when `DATABASE_URL` is set, otherwise
 * PGlite in `VIGIL_DATA_DIR`, under the data directory's exclusive lock.
 * Throws `DataDirLockedError` when another process holds that directory.
 */
export async function openConfiguredStorage(config: Config): Promise<OpenedStorage> {
  if (config.databaseUrl) {
    const database = await openDatabase({ kind: 'postgres', url: config.databaseUrl });
    const url = new URL(config.databaseUrl);
    url.password = '';
    return { database, lock: null, description: `PostgreSQL at ${url.host}${url.pathname}`, close: () => database.close() };
  }
  const lock = acquireDataDirLock(config.dataDir);
  try {
    const database = await openDatabase({ kind: 'pglite', dataDir: path.join(config.dataDir, 'pgdata') });
    return {
      database,
      lock,
      description: `embedded PostgreSQL (PGlite) in ${config.dataDir}`,
      async close() {
        await database.close();
        lock.release();
      },
    };
  } catch (err) {
    lock.release();
    throw err;
  }
}

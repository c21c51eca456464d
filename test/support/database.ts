import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDatabase, type Database } from '../../src/storage/database.ts';
import { migrate } from '../../src/storage/migrate.ts';

/**
 * A migrated database for this test process: in-memory PGlite by default, or a fresh
 * schema on the PostgreSQL server named by TEST_DATABASE_URL (dropped on close), so
 * runs never see each other's data.
 */
export async function openTestDatabase(): Promise<Database & { schema?: string }> {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) {
    const database = await openDatabase({ kind: 'pglite' });
    await migrate(database.db);
    return database;
  }
  const schema = `vigil_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  await withClient(url, (c) => c.query(`create schema ${schema}`));
  const database = await openDatabase({ kind: 'postgres', url, schema, poolSize: 5 });
  await migrate(database.db);
  return {
    ...database,
    schema,
    async close() {
      await database.close();
      await withClient(url, (c) => c.query(`drop schema if exists ${schema} cascade`));
    },
  };
}

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

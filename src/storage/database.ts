import { PGlite } from '@electric-sql/pglite';
import { createPgConfig } from '@electric-sql/pglite/node-postgres';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';

/**
 * The database handle used everywhere. Vigil speaks one SQL dialect (PostgreSQL) and
 * builds queries from resource definitions at run time, so rows are untyped here;
 * each module narrows what it reads.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Db = Kysely<any>;

export type Engine = 'pglite' | 'postgres';

export interface Database {
  readonly db: Db;
  readonly engine: Engine;
  /** Closes the pool and, on PGlite, the embedded database. Safe to call twice. */
  close(): Promise<void>;
}

export type DatabaseTarget =
  | { readonly kind: 'postgres'; readonly url: string; readonly schema?: string; readonly poolSize?: number }
  | { readonly kind: 'pglite'; readonly dataDir?: string };

/**
 * Opens a database: PostgreSQL over `pg.Pool`, or embedded PGlite through its
 * node-postgres adapter with a pool of one (PGlite has one connection; a larger pool
 * corrupts its protocol stream). The same kysely dialect serves both.
 */
export async function openDatabase(target: DatabaseTarget): Promise<Database> {
  if (target.kind === 'postgres') {
    const pool = new pg.Pool({
      connectionString: target.url,
      max: target.poolSize ?? 10,
      ...(target.schema ? { options: `-c search_path=${target.schema}` } : {}),
    });
    // A dropped idle connection must not crash the process; pg reports it here.
    pool.on('error', () => {});
    const db = new Kysely({ dialect: new PostgresDialect({ pool }) });
    return { db, engine: 'postgres', close: once(() => db.destroy()) };
  }
  const lite = await PGlite.create(target.dataDir ?? 'memory://');
  const pool = new pg.Pool({ ...createPgConfig(lite), max: 1 } as pg.PoolConfig);
  const db = new Kysely({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    engine: 'pglite',
    close: once(async () => {
      await db.destroy();
      await lite.close();
    }),
  };
}

// bigint columns (sequence numbers) are read as numbers: they stay far below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

function once(fn: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => (done ??= fn());
}

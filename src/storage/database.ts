import { PGlite } from '@electric-sql/pglite';
import { createPgConfig } from '@electric-sql/pglite/node-postgres';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { listenPglite, listenPostgres, type Listen } from './listen.ts';

export type { Listen } from './listen.ts';

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
  /**
   * Subscribes to `NOTIFY` on a channel (the job engine's wake-ups); see `Listen`. On
   * PostgreSQL a dedicated connection that is re-established when it drops; on PGlite the
   * instance's own notifications. `close()` ends every subscription still open.
   */
  readonly listen?: Listen;
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
    const listening = tracked(listenPostgres(target.url));
    return {
      db,
      engine: 'postgres',
      listen: listening.listen,
      close: once(async () => {
        await listening.closeAll();
        await db.destroy();
      }),
    };
  }
  const lite = await PGlite.create(target.dataDir ?? 'memory://');
  const pool = new pg.Pool({ ...createPgConfig(lite), max: 1 } as pg.PoolConfig);
  const db = new Kysely({ dialect: new PostgresDialect({ pool }) });
  const listening = tracked(listenPglite(lite, db));
  return {
    db,
    engine: 'pglite',
    listen: listening.listen,
    close: once(async () => {
      await listening.closeAll();
      await db.destroy();
      await lite.close();
    }),
  };
}

// bigint columns (sequence numbers) are read as numbers: they stay far below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

/** Keeps the subscriptions still open, to end them when the database closes. */
function tracked(listen: Listen): { listen: Listen; closeAll(): Promise<void> } {
  const open = new Set<() => Promise<void>>();
  return {
    async listen(channel, onNotify, onError) {
      const off = await listen(channel, onNotify, onError);
      const stop = once(async () => {
        open.delete(stop);
        await off();
      });
      open.add(stop);
      return stop;
    },
    async closeAll() {
      await Promise.all([...open].map((stop) => stop().catch(() => {})));
    },
  };
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => (done ??= fn());
}

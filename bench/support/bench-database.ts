/**
 * The database of one engine's run: embedded PGlite in memory, or the PostgreSQL server
 * at the bench's URL in a fresh schema `vigil_bench_<pid>_<random>` that is dropped
 * again by the run's cleanups (also on Ctrl-C). Migrated, with one project and its
 * owner API key. Imported by the engine's run only, so that the orchestrator stays light.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createProject, type CreatedProject } from '../../src/access/projects.ts';
import { systemClock } from '../../src/storage/clock.ts';
import { openDatabase, type Database, type Db } from '../../src/storage/database.ts';
import { migrate } from '../../src/storage/migrate.ts';
import type { Cleanups } from './cleanups.ts';
import type { EngineName } from './engines.ts';
import { log } from './log.ts';

export interface BenchDatabaseOptions {
  /** The PostgreSQL server's URL (BENCH_DATABASE_URL). */
  readonly url: string;
  /** PostgreSQL connections in the pool. */
  readonly poolSize: number;
  /** Whether the progress line names the pool size. */
  readonly logPool?: boolean;
  readonly cleanups: Cleanups;
}

export interface BenchDatabase {
  readonly db: Db;
  /** The bench's project, with its owner's API key. */
  readonly project: CreatedProject;
}

export async function openBenchDatabase(engine: EngineName, options: BenchDatabaseOptions): Promise<BenchDatabase> {
  const { url, poolSize, cleanups } = options;
  let database: Database;
  if (engine === 'pglite') {
    database = await openDatabase({ kind: 'pglite' });
  } else {
    const schema = `vigil_bench_${process.pid}_${randomBytes(4).toString('hex')}`;
    await adminQuery(url, `create schema ${schema}`);
    cleanups.add(() => adminQuery(url, `drop schema if exists ${schema} cascade`));
    database = await openDatabase({ kind: 'postgres', url, schema, poolSize });
    log(`postgres: schema ${schema}${options.logPool ? `, pool ${poolSize}` : ''}`);
  }
  cleanups.add(() => database.close());
  const db = database.db;
  await migrate(db);
  const project = await createProject(db, systemClock, { name: 'Bench', ownerEmail: 'bench-owner@example.com' });
  return { db, project };
}

/** One statement on a connection of its own, outside the bench's schema. */
async function adminQuery(url: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

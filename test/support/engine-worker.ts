/**
 * A worker process for the multi-process engine tests: one engine on the system clock
 * over the PostgreSQL schema it is given, running one job kind whose handler writes an
 * outbox row keyed by the job's key and a row in `engine_run` (no unique key, so a job
 * run twice would show twice). Prints `READY` once started; on SIGTERM stops the engine
 * and prints `RESULT {"invoked":n}` (handler calls, committed or not).
 *
 * Environment: WORKER_DATABASE_URL, WORKER_SCHEMA, WORKER_ID, WORKER_KIND, WORKER_SLEEP_MS.
 */
import { sql } from 'kysely';
import { createEngine } from '../../src/engine/create-engine.ts';
import { systemClock } from '../../src/storage/clock.ts';
import { openDatabase } from '../../src/storage/database.ts';
import { insertOutbox } from './engine.ts';

const env = (name: string): string => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};

const workerId = env('WORKER_ID');
const kind = env('WORKER_KIND');
const sleepSeconds = Number(process.env.WORKER_SLEEP_MS ?? '0') / 1000;
const database = await openDatabase({ kind: 'postgres', url: env('WORKER_DATABASE_URL'), schema: env('WORKER_SCHEMA'), poolSize: 2 });
let invoked = 0;
const engine = createEngine({
  db: database.db,
  clock: systemClock,
  workerId,
  maxSleepMs: 1_000,
  listen: database.listen!,
  handlers: {
    events: [],
    jobs: {
      [kind]: async (ctx) => {
        invoked += 1;
        if (sleepSeconds > 0) await sql`select pg_sleep(${sleepSeconds})`.execute(ctx.tx);
        const { projectId, userId } = ctx.job.payload as { projectId: string; userId: string };
        await insertOutbox(ctx.tx, projectId, userId, ctx.job.key, ctx.now);
        await sql`insert into engine_run (job_key, worker, attempts) values (${ctx.job.key}, ${workerId}, ${ctx.job.attempts})`.execute(ctx.tx);
      },
    },
  },
});
await engine.start();
process.stdout.write('READY\n');

process.once('SIGTERM', () => {
  void (async () => {
    await engine.stop();
    await database.close();
    process.stdout.write(`RESULT ${JSON.stringify({ invoked })}\n`);
    process.exit(0);
  })();
});

import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import type { Db } from '../storage/database.ts';
import { pendingMigrations } from '../storage/migrate.ts';

/** `/healthz`: the process answers. `/readyz`: the database answers and its schema is current. */
export function registerHealthRoutes(app: FastifyInstance, deps: { db: Db; isShuttingDown: () => boolean }): void {
  const config = { rateLimit: false } as const;
  app.get('/healthz', { config, schema: { tags: ['Health'], summary: 'Liveness' } }, async () => ({ status: 'ok' }));

  app.get('/readyz', { config, schema: { tags: ['Health'], summary: 'Readiness' } }, async (req, reply) => {
    if (deps.isShuttingDown()) return reply.status(503).send({ status: 'shutting down' });
    try {
      await sql`select 1`.execute(deps.db);
      const pending = await pendingMigrations(deps.db);
      if (pending.length > 0) return reply.status(503).send({ status: 'migrations pending', pending });
      return { status: 'ready' };
    } catch (err) {
      req.log.warn({ err }, 'readiness check failed');
      return reply.status(503).send({ status: 'database unreachable' });
    }
  });
}

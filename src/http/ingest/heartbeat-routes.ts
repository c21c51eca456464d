import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError, invalidField, notFound } from '../../errors.ts';
import { isWellFormedHeartbeatKey, normalizeHeartbeatKey } from '../../integrations/heartbeat/heartbeat-key.ts';
import { recordPing } from '../../integrations/heartbeat/record-ping.ts';
import type { IngestDeps } from './deps.ts';

const PING_METHODS = ['GET', 'HEAD', 'POST'] as const;
const KEY_PROBLEM = 'must be the 32-character hexadecimal heartbeat key shown when the monitor was created';

/**
 * The key is in the path, and request logs carry the path: these routes log only
 * warnings and errors, which never include the URL.
 */
const QUIET = 'warn';

/**
 * Heartbeat pings: `GET|HEAD|POST /api/heartbeat/:key` (curl and cron friendly). A ping
 * records itself and, for a Down monitor, resolves its alert; the answer
 * `200 {"status":"ok","nextDueAt"}` comes only after commit. Any body is accepted and
 * ignored (within the body limit). A malformed key or path is a 400, an unknown key a
 * 404, another method a 405; none of them writes anything.
 */
export async function registerHeartbeatRoutes(app: FastifyInstance, deps: IngestDeps): Promise<void> {
  // Pingers send whatever they like (JSON, text, form, nothing): read it within the limit, ignore it.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, _body, done) => done(null, undefined));

  app.withTypeProvider<ZodTypeProvider>().route({
    method: [...PING_METHODS],
    url: '/api/heartbeat/:key',
    logLevel: QUIET,
    exposeHeadRoute: false,
    schema: {
      tags: ['Ingest'],
      summary: 'Heartbeat ping',
      description: 'Records a ping of the heartbeat monitor with this key. HEAD, GET and POST (any body, ignored) all count.',
      params: z.object({ key: z.string().describe('The heartbeat key shown when the monitor was created') }),
      response: {
        200: z.object({ status: z.literal('ok'), nextDueAt: z.string().describe('When the next ping is due at the latest') }),
      },
    },
    handler: async (req) => {
      const key = normalizeHeartbeatKey(req.params.key);
      if (!isWellFormedHeartbeatKey(key)) throw invalidField('key', KEY_PROBLEM);
      const ping = await recordPing(deps.db, deps.clock, key);
      if (!ping) throw notFound('No heartbeat monitor has this key; check the URL shown when the monitor was created');
      return { status: 'ok' as const, nextDueAt: ping.nextDueAt.toISOString() };
    },
  });

  // Everything else under the prefix: paths with more segments, an empty or overlong key,
  // other methods. Answered here so the key never reaches the default not-found logging.
  app.route({
    method: ['DELETE', 'OPTIONS', 'PATCH', 'PUT', ...PING_METHODS],
    url: '/api/heartbeat/*',
    logLevel: QUIET,
    exposeHeadRoute: false,
    schema: { hide: true },
    handler: async (req) => {
      if (!(PING_METHODS as readonly string[]).includes(req.method)) {
        throw new AppError(405, `${req.method}: not allowed on /api/heartbeat/<key>; ping with GET, HEAD or POST`, {
          allow: PING_METHODS.join(', '),
        });
      }
      throw invalidField('key', `${KEY_PROBLEM}; the ping URL is /api/heartbeat/<key> with nothing after the key`);
    },
  });
}

import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { buildFeed } from '../calendar/build-feed.ts';
import { feedForToken } from '../calendar/feed-shifts.ts';
import { notFound } from '../errors.ts';
import type { Clock } from '../storage/clock.ts';
import type { Db } from '../storage/database.ts';

/** The token is in the path, and request logs carry the path: these routes log only warnings and errors, which never include the URL. */
const QUIET = 'warn';
const NOT_FOUND = 'No calendar feed at this URL: the token is unknown or was revoked';

/**
 * iCal subscription feeds: `GET /api/calendar/<token>.ics` answers `text/calendar` with the
 * shifts of the token's schedule or user (see `feedForToken`). The token is the credential
 * (calendar clients send no headers); an unknown or revoked token is a 404.
 */
export function registerCalendarRoutes(app: FastifyInstance, deps: { db: Db; clock: Clock }): void {
  app.withTypeProvider<ZodTypeProvider>().get('/api/calendar/:file', {
    logLevel: QUIET,
    schema: {
      tags: ['Calendar Feed Token'],
      summary: 'iCal feed of on-call shifts',
      description: 'The URL comes from creating a calendar-feed-token; delete that token to revoke it. 30 days back to 90 days ahead.',
      params: z.object({ file: z.string().describe('<token>.ics') }),
    },
  }, async (req, reply) => {
    const file = req.params.file;
    if (!file.endsWith('.ics')) throw notFound(NOT_FOUND);
    const now = deps.clock.now();
    const feed = await feedForToken(deps.db, file.slice(0, -'.ics'.length), now);
    if (!feed) throw notFound(NOT_FOUND);
    return reply
      .type('text/calendar; charset=utf-8')
      .header('cache-control', 'private, max-age=300')
      .send(buildFeed(feed.shifts, { name: feed.name, now }));
  });

  // Paths with more segments: answered here, quietly, so a token never reaches the default not-found logging.
  app.route({ method: ['GET', 'HEAD'], url: '/api/calendar/*', logLevel: QUIET, exposeHeadRoute: false, schema: { hide: true }, handler: async () => {
    throw notFound(NOT_FOUND);
  } });
}

import type { OutgoingHttpHeaders } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorOf } from '../../http/auth.ts';
import { invalidField, notFound } from '../../errors.ts';
import type { Clock } from '../../storage/clock.ts';
import type { Db, Listen } from '../../storage/database.ts';
import { assertFeedAdmin, feedOwner } from './feed-owner.ts';
import { startLiveFeed, type LiveFeed } from './live-feed.ts';
import { markRead, notificationOwner, notificationsAfter } from './queries.ts';
import { createInAppWakeups } from './wakeups.ts';

export interface InAppRouteDeps {
  readonly db: Db;
  readonly clock: Clock;
  /** The database's LISTEN; without it, open streams poll every `pollMs`. */
  readonly listen?: Listen;
  /** 2 s unless told. */
  readonly pollMs?: number;
  /** Between `: ping` comments on open streams; 25 s unless told. */
  readonly heartbeatMs?: number;
}

const MAX_LIMIT = 1000;
const seq = z.string().regex(/^\d{1,15}$/, { error: 'must be a whole number, 0 or more' });
const userId = z.guid({ error: 'must be a UUID' }).optional().describe("Whose notifications (owners and admins may name another member; default: the key's user)");
const errorBody = z.object({ error: z.string() });
const errors = { 400: errorBody, 401: errorBody, 403: errorBody, 404: errorBody };
const notification = z.object({
  id: z.guid(),
  seq: z.number().int(),
  title: z.string(),
  body: z.string(),
  data: z.record(z.string(), z.unknown()).describe('subject {type, id}, severity, reason, acknowledgeUrl, resolveUrl'),
  readAt: z.string().nullable(),
  createdAt: z.string(),
});

/**
 * The in-app feed over the API (ApiKey): a live stream of Server-Sent Events, a JSON list for
 * clients that cannot hold a stream, and marking one read. A feed is one user's notifications
 * in the key's project only; another member's feed needs Project Owner or Project Admin.
 */
export function registerInAppRoutes(app: FastifyInstance, deps: InAppRouteDeps): void {
  const z$ = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['In-App Notification'];
  const config = { auth: true };
  const wakeups = createInAppWakeups({
    ...(deps.listen ? { listen: deps.listen } : {}),
    ...(deps.pollMs ? { pollMs: deps.pollMs } : {}),
    onError: (err) => app.log.warn({ err }, 'in-app feed: listening for new notifications failed'),
  });
  const open = new Set<LiveFeed>();
  // Open streams never end by themselves: end them so closing the server does not wait on them.
  app.addHook('preClose', async () => {
    for (const feed of open) feed.end();
  });
  app.addHook('onClose', async () => {
    await wakeups.close();
  });

  z$.get('/api/notifications/stream', {
    config,
    schema: {
      tags,
      summary: 'Live in-app notifications (Server-Sent Events)',
      description:
        'A text/event-stream: each notification as `id: <seq>`, `event: notification`, `data: {id, title, body, data, createdAt}`; ' +
        'a `: ping` comment every 25 s. Replays those after the `Last-Event-ID` header (or `after`) first; without either, ' +
        'only notifications written from now on.',
      querystring: z.object({ userId, after: seq.optional().describe('Replay notifications after this seq (the Last-Event-ID header wins)') }),
      headers: z.object({ 'last-event-id': seq.optional() }).loose(),
      response: errors,
    },
  }, async (req, reply) => {
    const actor = actorOf(req);
    const user = await feedOwner(deps.db, actor, req.query.userId);
    const from = req.headers['last-event-id'] ?? req.query.after;
    reply.hijack();
    const feed = await startLiveFeed(reply.raw, {
      db: deps.db,
      projectId: actor.projectId,
      userId: user,
      after: from === undefined ? null : Number(from),
      wakeups,
      heartbeatMs: deps.heartbeatMs ?? 25_000,
      headers: definedHeaders(reply.getHeaders()),
      onError: (err) => req.log.error({ err }, 'in-app feed: reading notifications failed; stream ended'),
    });
    open.add(feed);
    void feed.ended.then(() => open.delete(feed));
  });

  z$.get('/api/notifications/in-app', {
    config,
    schema: {
      tags,
      summary: 'In-app notifications after a position, oldest first',
      description: 'For clients that cannot hold a stream: pass the answer\'s `lastSeq` as `after` next time.',
      querystring: z.object({
        userId,
        after: seq.optional().describe('Only notifications with a higher seq (default 0: from the first)'),
        limit: seq.optional().describe(`At most this many (1–${MAX_LIMIT}; default 50)`),
      }),
      response: { 200: z.object({ data: z.array(notification), lastSeq: z.number().int() }), ...errors },
    },
  }, async (req) => {
    const actor = actorOf(req);
    const limit = req.query.limit === undefined ? 50 : Number(req.query.limit);
    if (limit < 1 || limit > MAX_LIMIT) throw invalidField('limit', `must be between 1 and ${MAX_LIMIT}`);
    const user = await feedOwner(deps.db, actor, req.query.userId);
    const after = Number(req.query.after ?? 0);
    const data = await notificationsAfter(deps.db, actor.projectId, user, after, limit);
    return { data, lastSeq: data.at(-1)?.seq ?? after };
  });

  z$.post('/api/notifications/in-app/:id/read', {
    config,
    schema: {
      tags,
      summary: 'Mark an in-app notification read',
      description: 'Its user, or a Project Owner or Admin. Marking it again keeps the first time.',
      params: z.object({ id: z.guid({ error: 'must be a UUID' }) }),
      response: { 200: notification, ...errors },
    },
  }, async (req) => {
    const actor = actorOf(req);
    const id = req.params.id.toLowerCase();
    const owner = await notificationOwner(deps.db, actor.projectId, id);
    if (!owner) throw notFound(`No in-app notification with _id ${id} in this project`);
    if (owner !== actor.userId) assertFeedAdmin(actor);
    const marked = await markRead(deps.db, actor.projectId, id, deps.clock.now());
    if (!marked) throw notFound(`No in-app notification with _id ${id} in this project`);
    return marked;
  });
}

/** The headers already set on a reply (the request id), for a response written by hand. */
function definedHeaders(headers: Record<string, string | number | string[] | undefined>): OutgoingHttpHeaders {
  return Object.fromEntries(Object.entries(headers).filter(([, v]) => v !== undefined));
}

import type { FastifyInstance, FastifyRequest } from 'fastify';
import { hashApiKey } from '../../access/api-key-secret.ts';
import { enqueueAlertEvent, enqueueChangeEvent } from '../../integrations/pagerduty/enqueue.ts';
import { InvalidEventError } from '../../integrations/pagerduty/invalid-event.ts';
import {
  ANSWER_SCHEMAS,
  CHANGE_EVENT_PROCESSED,
  EVENT_BODY_LIMIT_BYTES,
  EventsThrottledError,
  eventProcessed,
  registerPagerDutyErrorHandler,
} from './pagerduty-answers.ts';
import type { IngestDeps } from './deps.ts';

const TAGS = ['PagerDuty Events API v2'];

/**
 * PagerDuty Events API v2: `POST /v2/enqueue` (trigger, acknowledge, resolve) and
 * `POST /v2/change/enqueue`, answered exactly as PagerDuty answers, so an unchanged
 * PagerDuty client can point at Vigil. No ApiKey header: the body's `routing_key`
 * authenticates. Registered in a scope of its own: its JSON parser (strict UTF-8),
 * 512 KB limit and PagerDuty-shaped errors apply to these routes only.
 *
 * The 202 is sent once the event is committed. An unknown or disabled routing key, or
 * the key of another kind of integration, is a 400 `invalid event` naming
 * `routing_key` (PagerDuty answers 400 there too, not 401/404), with nothing written.
 */
export async function registerPagerDutyRoutes(app: FastifyInstance, deps: IngestDeps): Promise<void> {
  registerStrictJsonParser(app);
  registerPagerDutyErrorHandler(app);

  // Per routing key, as PagerDuty limits per integration key. The limiter runs after the
  // body is parsed (preValidation), so it can read the key; it only ever keeps a digest.
  const rateLimit = deps.rateLimit.enabled
    ? {
        max: deps.rateLimit.max,
        timeWindow: deps.rateLimit.windowSeconds * 1000,
        keyGenerator: routingKeyOf,
        errorResponseBuilder: (_req: FastifyRequest, ctx: { ttl: number }) => new EventsThrottledError(Math.max(1, Math.ceil(ctx.ttl / 1000))),
      }
    : false;
  const route = { bodyLimit: EVENT_BODY_LIMIT_BYTES, config: { rateLimit } } as const;

  app.post(
    '/v2/enqueue',
    {
      ...route,
      schema: {
        tags: TAGS,
        summary: 'Send an alert event (trigger, acknowledge, resolve)',
        description:
          'PagerDuty Events API v2. Body: routing_key, event_action, dedup_key, payload {summary, source, severity, timestamp, ' +
          'component, group, class, custom_details}, links, images, client, client_url. A trigger with the dedup key of an open ' +
          'alert folds into it; acknowledge and resolve of an unknown or resolved key are accepted and change nothing.',
        security: [],
        response: { 202: ANSWER_SCHEMAS.event202, 400: ANSWER_SCHEMAS.invalid, 413: ANSWER_SCHEMAS.invalid, 429: ANSWER_SCHEMAS.throttled },
      },
    },
    async (req, reply) => {
      const { dedupKey } = await enqueueAlertEvent(deps, req.body);
      return reply.status(202).send(eventProcessed(dedupKey));
    },
  );

  app.post(
    '/v2/change/enqueue',
    {
      ...route,
      schema: {
        tags: TAGS,
        summary: 'Send a change event',
        description: 'PagerDuty Events API v2 change event. Body: routing_key, payload {summary, source, timestamp, custom_details}, links.',
        security: [],
        response: { 202: ANSWER_SCHEMAS.change202, 400: ANSWER_SCHEMAS.invalid, 413: ANSWER_SCHEMAS.invalid, 429: ANSWER_SCHEMAS.throttled },
      },
    },
    async (req, reply) => {
      await enqueueChangeEvent(deps, req.body);
      return reply.status(202).send(CHANGE_EVENT_PROCESSED);
    },
  );
}

/** The rate-limit key: a digest of the body's routing key, or the client address when there is none. */
function routingKeyOf(req: FastifyRequest): string {
  const body = req.body as { routing_key?: unknown } | undefined;
  const key = body && typeof body === 'object' ? body.routing_key : undefined;
  return typeof key === 'string' && key.length > 0 && key.length <= 200 ? `pd:${hashApiKey(key)}` : `pd-ip:${req.ip}`;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Only `application/json` (any charset parameter), decoded as strict UTF-8: bytes that
 * are not UTF-8 are refused rather than turned into replacement characters. An empty
 * body parses as nothing, which the event check refuses.
 */
function registerStrictJsonParser(scope: FastifyInstance): void {
  const parseJson = scope.getDefaultJsonParser('error', 'error');
  scope.removeAllContentTypeParsers();
  scope.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req, body, done) => {
    let text: string;
    try {
      text = UTF8.decode(body as Buffer);
    } catch {
      done(new InvalidEventError(['Request body is not valid UTF-8']), undefined);
      return;
    }
    if (text.trim() === '') {
      done(null, undefined);
      return;
    }
    parseJson(req, text, done);
  });
}

import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { AppError } from '../../errors.ts';
import { InvalidEventError } from '../../integrations/pagerduty/invalid-event.ts';

/** PagerDuty's size limit for one event: 512 KB. */
export const EVENT_BODY_LIMIT_BYTES = 512 * 1024;

/** 202 to an alert event. */
export function eventProcessed(dedupKey: string) {
  return { status: 'success', message: 'Event processed', dedup_key: dedupKey } as const;
}

/** 202 to a change event. */
export const CHANGE_EVENT_PROCESSED = { status: 'success', message: 'Change event processed' } as const;

/** 429: PagerDuty's words, two spaces included. */
export const THROTTLED = { status: 'throttle event', message: 'Requests for this service are arriving too quickly.  Please retry later.' } as const;

/** PagerDuty's answer to an event it refuses. */
export function invalidEvent(errors: readonly string[]) {
  return { status: 'invalid event', message: 'Event object is invalid', errors: [...errors] };
}

/** The answers, for the OpenAPI document. */
export const ANSWER_SCHEMAS = {
  event202: z.object({ status: z.literal('success'), message: z.literal('Event processed'), dedup_key: z.string() }),
  change202: z.object({ status: z.literal('success'), message: z.literal('Change event processed') }),
  invalid: z
    .object({ status: z.literal('invalid event'), message: z.literal('Event object is invalid'), errors: z.array(z.string()) })
    .describe('Every problem with the event, each naming its field; nothing was written'),
  throttled: z.object({ status: z.literal('throttle event'), message: z.string() }).describe('Over the rate limit of this routing key; retry after Retry-After seconds'),
};

/** Thrown by the rate limiter when a routing key sends too fast. */
export class EventsThrottledError extends AppError {
  constructor(retryAfterSeconds: number) {
    super(429, THROTTLED.message, { 'retry-after': String(retryAfterSeconds) });
    this.name = 'EventsThrottledError';
  }
}

/** Fastify's own refusals of a request body, answered in PagerDuty's shape. */
const BODY_ERRORS: Record<string, { status: number; error: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, error: `Event is larger than the limit of 512 KB (${EVENT_BODY_LIMIT_BYTES} bytes)` },
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, error: 'Request body is not valid JSON' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, error: 'Request body is empty; send the event as a JSON object' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 400, error: 'Content-Type must be application/json' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, error: 'Content-Length does not match the request body' },
  FST_ERR_CTP_INVALID_TYPE: { status: 400, error: 'Content-Type is invalid; send application/json' },
};

/**
 * The PagerDuty scope's error handler: every refusal in PagerDuty's shapes (400
 * `invalid event` with the list of errors, 413 for an oversized event, 429 `throttle
 * event` with Retry-After). Anything else is a fault: logged (never with the event,
 * which holds the routing key) and answered 500, which PagerDuty clients retry.
 */
export function registerPagerDutyErrorHandler(scope: FastifyInstance): void {
  scope.setErrorHandler((err: FastifyError, req, reply: FastifyReply) => {
    if (err instanceof InvalidEventError) return reply.status(400).send(invalidEvent(err.errors));
    if (err instanceof EventsThrottledError) return reply.status(429).headers(err.headers).send(THROTTLED);
    const known = err.code ? BODY_ERRORS[err.code] : undefined;
    if (known) return reply.status(known.status).send(invalidEvent([known.error]));
    if (err instanceof AppError && err.statusCode < 500) return reply.status(err.statusCode).headers(err.headers).send(invalidEvent([err.message]));
    if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
      return reply.status(err.statusCode).send(invalidEvent([err.message]));
    }
    req.log.error({ err }, 'PagerDuty event failed');
    return reply.status(500).send({ status: 'error', message: 'Internal server error; retry later. The fault is logged with this request id', requestId: req.id });
  });
}

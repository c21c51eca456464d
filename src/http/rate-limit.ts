import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import { AppError } from '../errors.ts';

/** 429 answered as `application/problem+json` (RFC 9457), as Cortex documents it. */
export class RateLimitedError extends AppError {
  constructor(
    readonly retryAfterSeconds: number,
    readonly instance: string,
    readonly limit: number,
  ) {
    super(429, `Rate limit of ${limit} requests exceeded; retry after ${retryAfterSeconds} seconds`, {
      'retry-after': String(retryAfterSeconds),
    });
  }

  toProblem() {
    return {
      type: 'https://httpstatuses.io/429',
      title: 'Too Many Requests',
      status: 429,
      detail: this.message,
      instance: this.instance,
      retryAfter: this.retryAfterSeconds,
    };
  }
}

/** Limits requests per API key (per client address for requests without a valid key). */
export async function registerRateLimit(app: FastifyInstance, opts: { max: number; windowSeconds: number }): Promise<void> {
  await app.register(rateLimit, {
    global: true,
    max: opts.max,
    timeWindow: opts.windowSeconds * 1000,
    hook: 'preValidation',
    keyGenerator: (req) => (req.actor ? `key:${req.actor.apiKeyId ?? req.actor.projectId}` : `ip:${req.ip}`),
    errorResponseBuilder: (req, ctx) => new RateLimitedError(Math.max(1, Math.ceil(ctx.ttl / 1000)), req.url.split('?')[0]!, opts.max),
  });
}

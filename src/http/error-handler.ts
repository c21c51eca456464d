import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../errors.ts';
import { RateLimitedError } from './rate-limit.ts';

/** Statuses that come from fastify itself for malformed requests, with a clearer message. */
const FASTIFY_CODES: Record<string, { status: number; message: (e: FastifyError) => string }> = {
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, message: () => 'body: is not valid JSON' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, message: () => 'body: is empty but Content-Type is application/json' },
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, message: () => 'body: is larger than the limit of 1 MB' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, message: (e) => `Content-Type: not supported (${e.message}); send application/json` },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, message: () => 'Content-Length: does not match the body' },
  FST_ERR_CTP_INVALID_TYPE: { status: 400, message: () => 'Content-Type: is invalid' },
};

/** One handler maps every error to `{"error": "..."}` with its status; only faults are logged as errors. */
export function registerErrorHandler(app: FastifyInstance, opts: { bodyLimitBytes: number }): void {
  app.setErrorHandler((err: FastifyError, req: FastifyRequest, reply: FastifyReply) => {
    if (err instanceof RateLimitedError) {
      return reply.status(429).headers(err.headers).type('application/problem+json').send(err.toProblem());
    }
    if (err instanceof AppError) {
      return reply.status(err.statusCode).headers(err.headers).send({ error: err.message });
    }
    if (err.validation) {
      const where = err.validationContext ?? 'request';
      const problems = err.validation.map((v) => {
        const path = v.instancePath.replace(/^\//, '').replace(/\//g, '.');
        return `${path || where}: ${v.message ?? 'is invalid'}`;
      });
      return reply.status(400).send({ error: problems.join('; ') });
    }
    const known = err.code ? FASTIFY_CODES[err.code] : undefined;
    if (known) {
      const message = err.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? `body: is larger than the limit of ${opts.bodyLimitBytes} bytes` : known.message(err);
      return reply.status(known.status).send({ error: message });
    }
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      return reply.status(err.statusCode).send({ error: err.message });
    }
    req.log.error({ err }, 'request failed');
    return reply.status(500).send({ error: 'Internal server error; the fault is logged with this request id', requestId: req.id });
  });

  app.setNotFoundHandler((req, reply) => {
    reply.status(404).send({ error: `No route ${req.method} ${req.url.split('?')[0]}` });
  });
}

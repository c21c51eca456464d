import pino, { type Logger } from 'pino';

/**
 * Structured JSON logs. Secrets never reach them: request logs carry no headers or
 * bodies, and these paths are redacted wherever they appear.
 */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'vigil' },
    redact: {
      paths: ['req.headers.apikey', 'req.headers.authorization', 'apiKey', '*.apiKey', 'password', '*.password', 'secret', '*.secret'],
      censor: '[redacted]',
    },
  });
}

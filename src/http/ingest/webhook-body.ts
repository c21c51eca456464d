import formbody from '@fastify/formbody';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError, invalidField } from '../../errors.ts';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Replaces the body parsers of one encapsulated webhook scope: JSON decoded as strict
 * UTF-8, form-encoded bodies (`@fastify/formbody`, strict percent-decoding) when `form` is
 * set, and a 415 naming the accepted types for anything else, a missing Content-Type
 * included. Bad bytes are 400s; nothing here ever yields a 500.
 */
export async function useWebhookBodyParsers(scope: FastifyInstance, opts: { form: boolean }): Promise<void> {
  const accepted = opts.form ? 'application/json or application/x-www-form-urlencoded' : 'application/json';
  // fastify's own JSON parser (it refuses `__proto__` / `constructor.prototype` keys), fed strict UTF-8.
  const json = scope.getDefaultJsonParser('error', 'error');
  scope.removeAllContentTypeParsers();
  scope.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req, body, done) => {
    try {
      checkCharset(req, accepted);
      const text = decodeUtf8(body as Buffer);
      if (text.trim() === '') return done(null, undefined);
      json(req, text, done);
    } catch (err) {
      done(err as Error, undefined);
    }
  });
  if (opts.form) {
    await scope.register(formbody, { parser: parseForm });
  }
  scope.addContentTypeParser('*', (req, _payload, done) => {
    const sent = req.headers['content-type'];
    done(new AppError(415, `Content-Type: ${sent ? `${sent.split(';')[0]} is not supported` : 'is missing'}; send ${accepted}`), undefined);
  });
}

function checkCharset(req: FastifyRequest, accepted: string): void {
  const m = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(req.headers['content-type'] ?? '');
  if (m && !/^utf-?8$/i.test(m[1]!)) throw new AppError(415, `Content-Type: charset ${m[1]} is not supported; send ${accepted} in UTF-8`);
}

function decodeUtf8(body: Buffer): string {
  try {
    return utf8.decode(body);
  } catch {
    throw new AppError(400, 'body: is not valid UTF-8');
  }
}

/**
 * `application/x-www-form-urlencoded` as the WHATWG form rules read it, but strict: bytes
 * that are not UTF-8, raw or percent-encoded, are a 400 instead of silently becoming
 * U+FFFD or staying `%FF`. A repeated name yields an array (which schemas then refuse).
 */
function parseForm(text: string): Record<string, string | string[]> {
  // Buffer#toString turned bytes that are not UTF-8 into U+FFFD; a real one arrives percent-encoded.
  if (text.includes('\uFFFD')) throw new AppError(400, 'body: is not valid UTF-8');
  const out: Record<string, string | string[]> = Object.create(null);
  for (const pair of text.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const name = percentDecode(eq < 0 ? pair : pair.slice(0, eq), 'body');
    const value = percentDecode(eq < 0 ? '' : pair.slice(eq + 1), name);
    const prev = out[name];
    out[name] = prev === undefined ? value : [...(Array.isArray(prev) ? prev : [prev]), value];
  }
  return out;
}

function percentDecode(s: string, field: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    throw invalidField(field, 'is not valid percent-encoded UTF-8');
  }
}

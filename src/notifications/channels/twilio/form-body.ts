import type { FastifyInstance } from 'fastify';
import { AppError } from '../../../errors.ts';

/** A Twilio webhook's form fields as parsed: one string per name, an array for a repeated name. */
export type TwilioForm = Record<string, string | string[]>;

/** A Twilio webhook's fields as its route schema passed them on (every field kept), for signature checks. */
export type TwilioParams = Readonly<Record<string, unknown>>;

/** The largest Twilio webhook body accepted: an inbound SMS of 1,600 characters with every field fits many times over. */
export const TWILIO_BODY_LIMIT_BYTES = 64 * 1024;

/** The content type Twilio's webhooks use, for the OpenAPI document. */
export const TWILIO_CONSUMES = ['application/x-www-form-urlencoded'] as const;

/**
 * Makes one encapsulated scope read `application/x-www-form-urlencoded` bodies (what Twilio
 * sends) into {@link TwilioForm}, exactly as decoded for `X-Twilio-Signature`, and answer
 * 415 for any other type. Other scopes' parsing is untouched.
 */
export function useTwilioForm(scope: FastifyInstance): void {
  scope.removeAllContentTypeParsers();
  scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    const out: TwilioForm = Object.create(null) as TwilioForm;
    for (const [k, v] of new URLSearchParams(body as string)) {
      const had = out[k];
      out[k] = had === undefined ? v : Array.isArray(had) ? [...had, v] : [had, v];
    }
    done(null, out);
  });
  scope.addContentTypeParser('*', (req, _payload, done) => {
    const sent = req.headers['content-type'];
    done(new AppError(415, `Content-Type: ${sent ? `${sent.split(';')[0]} is not supported` : 'is missing'}; send application/x-www-form-urlencoded`), undefined);
  });
}
